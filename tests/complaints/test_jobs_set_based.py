"""The complaints' scheduled jobs work on sets: flagging 30 overdue complaints takes as
many statements as flagging 3, and the digest as many for 30 open complaints and many
readers as for 3 and one, with the same events and messages as one by one."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import jobs
from complaints.models import Complaint, ComplaintEvent
from propertydesk.models import Delivery, Notification
from tests.complaints.test_jobs import SH, T0, complaint, staff  # noqa: F401 — the fixture
from tests.factories import UserFactory


def _counted(job, as_of):
    with CaptureQueriesContext(connection) as queries:
        summary = job(as_of=as_of)
    return summary, len(queries)


def _expected(complaints, supervisors) -> set[tuple]:
    """What flagging each one by one sends and records: one hidden timeline event, one
    message to each supervisor."""
    return {(user.username, f"complaint-overdue:{c.pk}:{c.reopen_count}:user:{user.pk}", c.number, c.unit.number,
             c.category, c.promised_at, reverse("complaints:detail", args=[c.pk]))
            for c in complaints for user in supervisors}


def _sent() -> set[tuple]:
    return {(n.recipient.username, n.dedupe_key, n.params["number"], n.params["unit"], n.params["category"]["v"],
             dt.datetime.fromisoformat(n.params["time"]["$at"]), n.url)
            for n in Notification.objects.filter(kind="complaint.overdue").select_related("recipient")}


def _events() -> set[tuple]:
    return {(e.complaint_id, e.at, e.public, e.from_status, e.to_status, e.actor_id, e.data["promised_at"])
            for e in ComplaintEvent.objects.filter(kind="overdue")}


def test_the_overdue_sweep_flags_30_in_as_many_statements_as_3_with_the_same_events_and_messages(staff):
    supervisors = [staff["boss"], UserFactory(username="boss2", role="supervisor")]
    # given: 3 emergencies promised by 11:00
    few = [complaint(staff, number=f"1-1-{n}") for n in range(3)]

    # when: the sweep at 11:15, and again at 11:30
    summary, small = _counted(jobs.overdue_sweep, T0 + dt.timedelta(hours=2, minutes=15))
    assert summary == "3 complaints newly overdue"
    first_sent, first_events = _sent(), _events()
    assert first_sent == _expected(few, supervisors)
    # the event keeps the promise as the one-by-one version read it back from the database
    assert first_events == {(c.pk, T0 + dt.timedelta(hours=2, minutes=15), False, "", "", None,
                             Complaint.objects.get(pk=c.pk).promised_at.isoformat()) for c in few}
    overdue = Delivery.objects.filter(notification__kind="complaint.overdue")
    assert set(overdue.values_list("channel", flat=True)) == {"inbox"}
    assert overdue.count() == len(first_sent)
    deliveries = Delivery.objects.count()
    assert jobs.overdue_sweep(as_of=T0 + dt.timedelta(hours=2, minutes=30)) == "0 complaints newly overdue"
    assert (_sent(), _events(), Delivery.objects.count()) == (first_sent, first_events, deliveries)

    # given: 30 more, registered at noon
    noon = T0 + dt.timedelta(hours=3)
    many = [complaint(staff, number=f"2-1-{n}", now=noon) for n in range(30)]

    # when
    summary, large = _counted(jobs.overdue_sweep, noon + dt.timedelta(hours=2, minutes=15))

    # then
    assert summary == "30 complaints newly overdue"
    assert large == small
    assert _sent() - first_sent == _expected(many, supervisors)
    assert len(_events() - first_events) == 30
    assert set(Complaint.objects.values_list("overdue_flagged_at", flat=True)) == {
        T0 + dt.timedelta(hours=2, minutes=15), noon + dt.timedelta(hours=2, minutes=15)}

    # and run again it changes nothing
    before = (Notification.objects.count(), Delivery.objects.count(), ComplaintEvent.objects.count())
    assert jobs.overdue_sweep(as_of=noon + dt.timedelta(hours=3)) == "0 complaints newly overdue"
    assert (Notification.objects.count(), Delivery.objects.count(), ComplaintEvent.objects.count()) == before


def test_the_digest_takes_as_many_statements_for_30_complaints_and_6_readers_as_for_3_and_2(staff):
    # given: 3 open complaints, one reader at the desk and one in engineering
    for n in range(3):
        complaint(staff, number=f"1-1-{n}")
    summary, small = _counted(jobs.daily_followup, T0.replace(hour=15, minute=30))
    assert summary == "digest of 3 open complaints sent to 2 people"

    # given: 30 open complaints, and 4 more readers
    for n in range(27):
        complaint(staff, number=f"2-1-{n}")
    for name, role in (("desk2", "front_desk"), ("desk3", "front_desk"), ("eng2", "engineering"),
                       ("eng3", "engineering")):
        UserFactory(username=name, role=role)

    # when: the next day's digest
    summary, large = _counted(jobs.daily_followup, (T0 + dt.timedelta(days=1)).replace(hour=15, minute=30))

    # then: one digest per reader, in the same statements
    assert summary == "digest of 30 open complaints sent to 6 people"
    assert large == small
    digests = Notification.objects.filter(kind="complaint.digest", dedupe_key__startswith="complaint-digest:2026-11-03")
    assert sorted(n.recipient.username for n in digests) == ["desk", "desk2", "desk3", "eng", "eng2", "eng3"]
    assert {n.params["open"] for n in digests if n.recipient.username.startswith("desk")} == {30}
    assert Delivery.objects.filter(notification__in=digests).count() == 6
    # and again the same day: nobody twice
    assert jobs.daily_followup(as_of=(T0 + dt.timedelta(days=1)).replace(hour=15, minute=45)).endswith(
        "sent to 0 people")
