"""The hourly job flags overdue callbacks as a set: the same messages as one by one, in
a number of statements that does not grow with the callbacks it flags."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.models import Activity
from callbacks import jobs
from callbacks.models import Callback, CallbackEvent, Kind
from propertydesk.models import Delivery, Notification
from tests.callbacks.conftest import complete_order, resolve_complaint, sh
from tests.factories import UserFactory, make_owner


def _activity_callbacks(estate, *, n: int, due_on: dt.date, assignee=None, title="中秋游园会") -> list[Callback]:
    """``n`` callbacks of one finished activity, due ``due_on``."""
    finished = sh(2026, 4, 1, 20, 0)
    activity = Activity.objects.create(estate=estate["unit"].estate, title=title, held_on=finished.date(),
                                       starts_at=finished - dt.timedelta(hours=2), status="held", finished_at=finished)
    made = []
    for i in range(n):
        owner = make_owner(name=f"业主{i}")
        made.append(Callback.objects.create(
            estate=activity.estate, kind=Kind.ACTIVITY, source_key=f"activity:{activity.pk}:owner:{owner.pk}",
            activity=activity, owner=owner, contact_name=owner.name, event_at=finished, due_on=due_on,
            assignee=assignee if i % 2 else None, created_at=finished,
        ))
    return made


def _expected(callbacks, *, supervisors, desk) -> set[tuple]:
    """What flagging each callback one by one sends: the supervisors and its assignee
    (or, with none, the front desk), one inbox message each."""
    rows = set()
    for callback in callbacks:
        callback.refresh_from_db()
        recipients = set(supervisors) | ({callback.assignee} if callback.assignee else set(desk))
        for user in recipients:
            rows.add((user.username, f"callback-overdue:{callback.pk}:user:{user.pk}", callback.source_label,
                      callback.due_on.isoformat(), callback.kind, reverse("callbacks:detail", args=[callback.pk])))
    return rows


def _sent() -> set[tuple]:
    return {(n.recipient.username, n.dedupe_key, n.params["source"], n.params["date"]["$day"], n.params["kind"]["v"],
             n.url) for n in Notification.objects.filter(kind="callback.overdue").select_related("recipient")}


def _run(as_of):
    with CaptureQueriesContext(connection) as queries:
        summary = jobs.hourly(as_of=as_of)
    return summary, len(queries)


def test_flagging_30_overdue_callbacks_takes_as_many_statements_as_3_and_sends_the_same_messages(estate):
    boss2 = UserFactory(username="boss2", role="supervisor")
    caller = UserFactory(username="caller", role="front_desk")
    supervisors, desk = [estate["boss"], boss2], [estate["desk"], caller]
    # given: 3 callbacks overdue on 8 May (a complaint's, a work order's, an activity's) ...
    resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))  # due 7 May
    complete_order(estate, kind="minor_repair", completed=sh(2026, 5, 4, 16, 0))  # due 7 May
    _activity_callbacks(estate, n=1, due_on=dt.date(2026, 5, 7))
    few = list(Callback.objects.order_by("pk"))
    assert len(few) == 3

    # when: the job runs on 8 May, twice
    summary, small = _run(sh(2026, 5, 8, 0, 20))
    assert summary.endswith("3 newly overdue")
    first = _sent()
    assert first == _expected(few, supervisors=supervisors, desk=desk)
    assert {c.overdue_flagged_at for c in Callback.objects.all()} == {sh(2026, 5, 8, 0, 20)}
    deliveries = Delivery.objects.count()
    overdue = Delivery.objects.filter(notification__kind="callback.overdue")
    assert sorted(set(overdue.values_list("channel", "status"))) == [("inbox", "sent")]  # no e-mail or SMS
    assert overdue.count() == len(first)
    assert jobs.hourly(as_of=sh(2026, 5, 8, 1, 20)).endswith("0 newly overdue")
    assert _sent() == first and Delivery.objects.count() == deliveries
    assert {c.overdue_flagged_at for c in Callback.objects.all()} == {sh(2026, 5, 8, 0, 20)}

    # given: 30 more, due 9 May, half of them assigned
    many = _activity_callbacks(estate, n=30, due_on=dt.date(2026, 5, 9), assignee=caller, title="重阳节茶话会")

    # when
    summary, large = _run(sh(2026, 5, 10, 0, 20))

    # then: the same number of statements, and exactly the messages one by one would send
    assert summary.endswith("30 newly overdue")
    assert large == small
    assert _sent() - first == _expected(many, supervisors=supervisors, desk=desk)
    assert len(_sent() - first) == 15 * 3 + 15 * 4  # assigned: 2 supervisors + caller; else + the 2 at the desk
    # flagging is not a move: the callbacks stay due and no event is written
    assert not CallbackEvent.objects.exists()
    assert set(Callback.objects.values_list("status", flat=True)) == {"due"}

    # and run twice it changes nothing
    before = (Notification.objects.count(), Delivery.objects.count())
    assert jobs.hourly(as_of=sh(2026, 5, 10, 1, 20)).endswith("0 newly overdue")
    assert (Notification.objects.count(), Delivery.objects.count()) == before


def test_the_overdue_message_reads_in_each_language_as_before(estate):
    _activity_callbacks(estate, n=1, due_on=dt.date(2026, 5, 7))
    jobs.hourly(as_of=sh(2026, 5, 8, 0, 20))
    note = Notification.objects.filter(kind="callback.overdue", recipient=estate["boss"]).get()
    assert note.render("en") == ("Callback overdue: 中秋游园会 (due 2026-05-07)", "Community activity")
    assert note.render("zh-hans")[0] == "回访逾期：中秋游园会（回访期限 2026-05-07）"


def test_an_idle_hourly_run_takes_the_same_statements_however_many_sources_it_checks(estate):
    # given: 2 and then 12 complaints resolved with their callback, none overdue yet
    for day in (4, 5):
        resolve_complaint(estate, received=sh(2026, 5, day, 9, 0), resolved=sh(2026, 5, day, 17, 0))
    _summary, small = _run(sh(2026, 5, 6, 0, 20))
    for hour in range(10):
        resolve_complaint(estate, received=sh(2026, 5, 6, 8, 0), resolved=sh(2026, 5, 6, 9 + hour, 0))
    summary, large = _run(sh(2026, 5, 6, 20, 20))
    assert summary == "0 missing callbacks made, 0 newly overdue"
    assert large == small
