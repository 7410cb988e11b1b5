"""Callbacks in the demo estate (demo.callbacks, a step of seed_demo), read from the
estate tests/conftest.py loads once per run (``demo_seeded``)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from io import StringIO

from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from callbacks import selectors
from callbacks.models import (
    Callback,
    CallbackResult,
    Kind,
    Method,
    Payment,
    RateCheck,
    Satisfaction,
    SpotCheck,
    Status,
)
from complaints.models import Status as ComplaintStatus
from owners.models import Owner
from propertydesk.models import Notification
from repairs.models import Status as OrderStatus


def first_results():
    return CallbackResult.objects.filter(corrects__isnull=True)


def test_the_desk_finds_callbacks_done_due_this_week_and_a_few_overdue(seeded, db, as_of):
    # given the seeded demo
    today = timezone.localdate(as_of)
    due = Callback.objects.filter(status=Status.DUE)

    # when
    counts = selectors.queue_counts(today=today)
    assignees = set(due.values_list("assignee__username", flat=True))

    # then: most are done, a dozen or so are coming up, a handful are late and flagged
    assert Callback.objects.filter(status=Status.DONE).count() > 0.85 * Callback.objects.count()
    assert 10 <= counts["week"] - counts["overdue"] <= 20
    assert 5 <= counts["overdue"] <= 8
    assert not due.filter(due_on__lt=today, overdue_flagged_at__isnull=True).exists()
    assert {"desk", "supervisor", None} <= assignees  # given to people, some waiting for someone
    assert "callbacks done" in seeded[0] and "callback spot checks" in seeded[0]


def test_every_method_and_every_satisfaction_is_on_record(seeded, db):
    # given
    results = first_results()

    # when
    methods = dict(results.values_list("method").annotate(n=Count("id")))
    satisfaction = dict(results.values_list("satisfaction").annotate(n=Count("id")))

    # then: mostly by phone in the owner's own words, some face to face and signed
    assert set(methods) == set(Method.values)
    assert methods[Method.PHONE] > methods[Method.FACE_TO_FACE] > methods[Method.ONLINE]
    assert not results.filter(method=Method.PHONE, owner_words="").exists()
    assert not results.filter(method=Method.FACE_TO_FACE, signature_png__isnull=True).exists()
    assert results.filter(owner_words__contains="没问题").exists()
    # mostly satisfied, about one in twenty not
    assert set(satisfaction) == set(Satisfaction.values)
    assert satisfaction[Satisfaction.VERY_SATISFIED] > satisfaction[Satisfaction.NEUTRAL]
    assert 0.03 <= satisfaction[Satisfaction.UNSATISFIED] / sum(satisfaction.values()) <= 0.08
    assert not results.filter(satisfaction=Satisfaction.UNSATISFIED, shortcomings="").exists()
    assert set(results.values_list("recorded_by__username", flat=True)) == {"desk", "supervisor", "owner"}


def test_an_unsatisfied_owner_starts_a_second_round_after_the_rework(seeded, db):
    # given the callbacks that follow an unsatisfied one
    second = Callback.objects.filter(round=2).select_related("previous")

    # then: done for the most part, one still due; each follows an unsatisfied round
    assert second.filter(status=Status.DONE).count() >= 3
    assert second.filter(status=Status.DUE).exists()
    for callback in second:
        assert callback.previous.round == 1 and callback.previous.rectification_ordered_at is not None
        assert selectors.latest_result(callback=callback.previous).satisfaction == Satisfaction.UNSATISFIED
    order = second.filter(work_order__isnull=False, status=Status.DONE).first().work_order
    chain = selectors.callbacks_for_source(work_order=order)
    assert [c.round for c in chain] == [1, 2]
    assert order.status == OrderStatus.SIGNED_OFF and order.rework_count >= 1
    # and an unsatisfied owner whose job is still being reworked
    assert Callback.objects.filter(status=Status.DONE, rectification_ordered_at__isnull=False,
                                   work_order__status=OrderStatus.REWORK).exists()


def test_due_callbacks_wait_on_resolved_complaints_and_finished_jobs(seeded, db):
    # given the callbacks still due
    due = Callback.objects.filter(status=Status.DUE)

    # then: nothing is due for a source that was reopened, closed or is being reworked
    inconsistent = due.exclude(complaint__status=ComplaintStatus.RESOLVED).exclude(
        work_order__status__in=[OrderStatus.COMPLETED, OrderStatus.SIGNED_OFF]).exclude(activity__isnull=False)
    assert list(inconsistent.values_list("source_key", flat=True)) == []
    # every closed complaint had its callback
    assert not Callback.objects.filter(complaint__status=ComplaintStatus.CLOSED).exclude(status=Status.DONE).exists()
    # and no source is left without one (the hourly job finds nothing to repair)
    from callbacks import jobs

    assert jobs.hourly(as_of=seeded[1]).startswith("0 missing")


def test_nothing_happened_after_the_demo_clock_and_records_are_kept(seeded, db, as_of):
    # then
    assert not CallbackResult.objects.filter(at__gte=as_of).exists()
    assert not Callback.objects.filter(Q(done_at__gte=as_of) | Q(created_at__gt=as_of)).exists()
    assert not SpotCheck.objects.filter(at__gte=as_of).exists()
    for result in first_results().filter(callback__status=Status.DONE).select_related("callback")[:200]:
        assert result.at >= result.callback.event_at - timedelta(hours=1)
    corrections = CallbackResult.objects.filter(corrects__isnull=False).select_related("corrects")
    assert 1 <= corrections.count() <= 3
    for correction in corrections:
        assert correction.correction_reason and correction.satisfaction == correction.corrects.satisfaction
    cancelled = Callback.objects.get(status=Status.CANCELLED)
    assert cancelled.cancel_reason == "业主已搬离，无法联系" and cancelled.cancelled_by.username == "supervisor"


def test_spot_checks_every_month_and_the_rate_checks_of_the_10th(seeded, db, as_of):
    # given the last month whose 10th has passed
    tz = timezone.get_default_timezone()
    this_month = timezone.localdate(as_of).replace(day=1)
    checked = this_month - relativedelta(months=1)
    if datetime.combine(this_month.replace(day=10), time(23, 30), tzinfo=tz) >= as_of:
        checked -= relativedelta(months=1)

    # then: at least three spot checks a month, one owner who remembers it differently
    assert selectors.spot_checks_in_month(month=this_month - relativedelta(months=1)) >= 3
    assert selectors.spot_checks_in_month(month=checked) >= 3
    assert SpotCheck.objects.filter(agrees=False).exclude(note="").count() == 1

    # and: that month's rates look like a real estate's
    rows = RateCheck.objects.filter(month=checked)

    def rate(kind, payment=""):
        totals = rows.filter(kind=kind, payment=payment).aggregate(done=Sum("done"), owed=Sum("owed"))
        return Decimal(totals["done"]) * 100 / totals["owed"]

    assert rows.count() >= 8 and {r.estate.code for r in rows} == {"cuihu", "jinxiu"}
    assert rate(Kind.COMPLAINT) >= 95
    assert 94 <= rate(Kind.MINOR_REPAIR) < 100
    assert rate(Kind.SPECIAL_COMPLETION, Payment.CASH) == 100
    assert 75 <= rate(Kind.SPECIAL_COMPLETION, Payment.BANK_COLLECTION) <= 95
    assert RateCheck.objects.filter(month=checked - relativedelta(months=1)).exists()


def test_the_portal_owner_has_a_callback_to_answer(seeded, db):
    # given
    owner = Owner.objects.get(user__username="owner")

    # when
    offered = list(selectors.owner_offered_callbacks(owner=owner))

    # then: one waiting in the portal inbox; others answered online before
    assert len(offered) == 1
    answered = CallbackResult.objects.filter(method=Method.ONLINE, callback__owner=owner)
    assert answered.count() >= 2 and all(r.recorded_by.username == "owner" for r in answered)
    inbox = Notification.objects.filter(recipient__username="owner", kind="callback.offered")
    assert inbox.count() == answered.count() + 1
    assert inbox.filter(url=reverse("callbacks:portal_answer", args=[offered[0].pk])).exists()


def test_community_activities_and_a_changed_rule(seeded, db, as_of):
    # given
    activities = list(Activity.objects.filter(status="held").annotate(
        n=Count("callbacks", distinct=True), done=Count("callbacks", filter=Q(callbacks__status=Status.DONE),
                                                        distinct=True)))

    # then
    assert {a.title for a in activities} == {"中秋游园会", "业主羽毛球比赛"}
    for activity in activities:
        # one callback per household that came; the three that signed up and stayed away get none
        assert activity.participations.filter(attended=True).count() == activity.n == 20
        assert activity.participations.filter(attended=False).count() == 3 and activity.finished_at < as_of
        assert activity.done >= 0.65 * activity.n
    badminton = next(a for a in activities if a.title == "业主羽毛球比赛")
    rule = badminton.estate.callback_rules.get(kind=Kind.ACTIVITY)
    assert rule.effective_from < badminton.finished_at and rule.created_by.username == "supervisor"
    assert badminton.callbacks.first().due_on == timezone.localdate(badminton.finished_at) + timedelta(days=14)


def test_loading_again_with_if_empty_adds_nothing(seeded, db):
    # given
    def counts():
        return (Callback.objects.count(), CallbackResult.objects.count(), SpotCheck.objects.count(),
                RateCheck.objects.count(), Activity.objects.count(), Notification.objects.count())

    before = counts()
    out = StringIO()

    # when
    call_command("seed_demo", "--if-empty", stdout=out)
    call_command("seed_demo", "--if-empty", stdout=out)

    # then
    assert counts() == before
    assert out.getvalue().count("nothing loaded") == 2
