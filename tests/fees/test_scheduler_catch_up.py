"""The scheduler down over the fee calendar: when ticks resume, the missed month's
work is done once, in order, and the next month's follows. The tick is called with
the moment it runs at; the ticks not called are the outage."""

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from callbacks.models import RateCheck
from complaints import services as complaints
from fees import services
from fees.models import Bill, DunningNotice, MonthReport
from propertydesk.jobs import tick
from propertydesk.models import JobRun
from tests.fees.conftest import sh

OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def resolved_complaint(estate, day: dt.datetime):
    """A complaint resolved on ``day``: its callback is owed in the month's rate check."""
    complaint = complaints.complaint_register(
        unit=estate["u1"], owner=estate["li"], channel="phone", category="repair", description="卫生间天花板渗水",
        now=day, actor=estate["desk"])
    complaints.complaint_assign(complaint=complaint, department="engineering", now=day, actor=estate["desk"])
    complaints.complaint_start(complaint=complaint, now=day, actor=None)
    complaints.complaint_resolve(complaint=complaint, resolution="更换了防水层", now=day + dt.timedelta(hours=4),
                                 actor=None)


def notices(period):
    return sorted((n.unit.number, n.round, timezone.localdate(n.created_at))
                  for n in DunningNotice.objects.filter(period=period).select_related("unit"))


def test_scheduler_down_from_the_9th_to_the_3rd_then_the_next_month_in_order(estate):
    # given: October ran as scheduled (bills on the 10th, reminders on the 16th and 21st,
    # October's report on 2 November), with a callback owed in October and in November
    resolved_complaint(estate, sh(2026, 10, 20, 9, 0))
    resolved_complaint(estate, sh(2026, 11, 5, 9, 0))
    for now in (sh(2026, 10, 10, 1, 5), sh(2026, 10, 16, 9, 5), sh(2026, 10, 21, 9, 5), sh(2026, 11, 2, 2, 35),
                sh(2026, 11, 8, 23, 35)):
        tick(now=now)
    assert Bill.objects.filter(period=OCT).count() == 3
    assert MonthReport.objects.filter(month=OCT, estate__isnull=True).exists()

    # when: the scheduler is down from the 9th of November; ticks resume on 3 December
    back = sh(2026, 12, 3, 0, 0)
    for now in (back, back + dt.timedelta(minutes=1), sh(2026, 12, 3, 1, 5), sh(2026, 12, 3, 2, 35),
                sh(2026, 12, 3, 9, 5), sh(2026, 12, 3, 23, 35), sh(2026, 12, 4, 9, 5)):
        tick(now=now)

    # then: November's bills, made at the first tick
    november = Bill.objects.filter(period=NOV)
    assert november.count() == 3 and set(november.values_list("issued_at", flat=True)) == {back}
    # its dunning: round 2 alone (both days have passed), one reminder per unit, on one day
    assert notices(NOV) == [("1-1-101", 2, dt.date(2026, 12, 3)), ("1-1-102", 2, dt.date(2026, 12, 3)),
                            ("2-1-201", 2, dt.date(2026, 12, 3))]
    # its report, made after the bills and the reminders, once
    report = MonthReport.objects.get(month=NOV, estate__isnull=True)
    assert report.generated_at == back
    assert Decimal(report.data["receivable"]) == november.aggregate(s=Sum("amount"))["s"]
    assert report.data["notices_total"] == 3
    assert MonthReport.objects.filter(month=NOV).count() == 2  # all estates, and the one estate
    # the callback rate check of October (due 10 November), once, counted as of its due moment
    october_checks = RateCheck.objects.filter(month=OCT)
    assert october_checks.exists() and set(october_checks.values_list("checked_at", flat=True)) == {back}
    assert not RateCheck.objects.filter(month=NOV).exists()  # due on 10 December
    # the missed days collapsed into one run of each job's latest slot, at the first tick
    for name, slot in (("fees.bill_run", sh(2026, 12, 2, 1, 0)), ("fees.dunning", sh(2026, 12, 2, 9, 0)),
                       ("fees.month_report", sh(2026, 12, 2, 2, 30)),
                       ("callbacks.monthly_rates", sh(2026, 11, 10, 23, 30))):
        runs = JobRun.objects.filter(name=name, slot__gt=sh(2026, 11, 8, 23, 35), slot__lte=back)
        assert [(r.slot, r.as_of, r.status) for r in runs] == [(slot, back, "done")], name
    # in the registry's order: bills, then reminders, then the report
    started = dict(JobRun.objects.filter(as_of=back).values_list("name", "started_at"))
    assert started["fees.bill_run"] < started["fees.dunning"] < started["fees.month_report"]

    # when: the ticks go on through December into January
    for now in (sh(2026, 12, 10, 1, 5), sh(2026, 12, 10, 23, 35), sh(2026, 12, 11, 9, 5), sh(2026, 12, 16, 9, 5),
                sh(2026, 12, 17, 9, 5), sh(2026, 12, 21, 9, 5), sh(2026, 12, 22, 9, 5), sh(2027, 1, 2, 2, 35),
                sh(2027, 1, 3, 9, 5)):
        if now.date() == dt.date(2026, 12, 16):
            # 1-1-102 pays all it owes before December's first reminder
            owed = sum(b.amount - b.paid for b in Bill.objects.filter(unit=estate["u3"]))
            services.payment_take(unit=estate["u3"], amount=owed, method="cash", payer_name="王强",
                                  now=sh(2026, 12, 15, 10, 0), actor=estate["desk"])
        tick(now=now)

    # then: December's work on its days, each once
    december = Bill.objects.filter(period=DEC)
    assert december.count() == 3 and set(december.values_list("issued_at", flat=True)) == {sh(2026, 12, 10, 1, 5)}
    assert notices(DEC) == [("1-1-101", 1, dt.date(2026, 12, 16)), ("1-1-101", 2, dt.date(2026, 12, 21)),
                            ("2-1-201", 1, dt.date(2026, 12, 16)), ("2-1-201", 2, dt.date(2026, 12, 21))]
    assert set(RateCheck.objects.filter(month=NOV).values_list("checked_at", flat=True)) == {sh(2026, 12, 10, 23, 35)}
    assert set(RateCheck.objects.filter(month=OCT).values_list("checked_at", flat=True)) == {back}
    assert MonthReport.objects.get(month=DEC, estate__isnull=True).generated_at == sh(2027, 1, 2, 2, 35)
    assert MonthReport.objects.get(month=NOV, estate__isnull=True).generated_at == back
    # and nothing was made twice: one bill per unit and month, never two reminders on one day
    assert Bill.objects.count() == 9
    per_day = Counter((n.unit_id, timezone.localdate(n.created_at)) for n in DunningNotice.objects.all())
    assert set(per_day.values()) == {1}
    assert not JobRun.objects.exclude(status__in=["done", "missed"]).exists()


def test_a_missed_16th_is_caught_up_on_the_17th_once(estate):
    # given: November's bills; the 15th's slots ran; the last tick at 08:55 on the 16th
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    tick(now=sh(2026, 11, 15, 9, 5))
    tick(now=sh(2026, 11, 16, 8, 55))
    assert not DunningNotice.objects.exists()

    # when: the broker is down until 10:00 on the 17th
    for now in (sh(2026, 11, 17, 10, 0), sh(2026, 11, 17, 10, 1), sh(2026, 11, 18, 9, 5)):
        tick(now=now)

    # then: round 1 once, on the 17th
    assert notices(NOV) == [("1-1-101", 1, dt.date(2026, 11, 17)), ("1-1-102", 1, dt.date(2026, 11, 17)),
                            ("2-1-201", 1, dt.date(2026, 11, 17))]
    run = JobRun.objects.get(name="fees.dunning", slot=sh(2026, 11, 17, 9, 0))
    assert (run.as_of, run.status) == (sh(2026, 11, 17, 10, 0), "done")


def test_a_unit_that_missed_round_1_gets_round_2_alone(estate):
    # given: bills; the job down from the 15th to the 22nd
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    tick(now=sh(2026, 11, 15, 9, 5))

    # when
    tick(now=sh(2026, 11, 22, 9, 5))

    # then: the latest round whose day has come, alone
    assert {(round_, day) for _unit, round_, day in notices(NOV)} == {(2, dt.date(2026, 11, 22))}


def test_last_months_bills_are_not_made_for_an_estate_new_here(estate):
    # Going live on the 5th: last month was billed elsewhere.
    assert tick(now=sh(2026, 11, 5, 1, 5))
    assert not Bill.objects.exists()
