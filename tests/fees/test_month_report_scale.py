"""The month report at scale: the job and the page compute every estate's figures in a
few grouped queries (GROUP BY estate), the same few whatever the estates and the rows,
and their figures are those the per-estate computation gave (kept here as the
reference: one estate at a time, straight from the bills, payments and notices)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fees import jobs, reports, selectors, services
from fees.models import DunningNotice, FeeStandard, MonthReport, Payment, PaymentMethod
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner
from tests.fees.conftest import sh

OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)
ZERO = Decimal("0.00")


def reference_figures(*, month, as_of, estate=None) -> dict:
    """The month report's figures of one estate (or all), one estate at a time: what the
    page and the job computed before the grouped queries, kept to check them."""
    rate = selectors.collection_rate(period=month, estate=estate, as_of=as_of)
    start, end = reports._local_bounds(month)
    payments = Payment.objects.filter(received_at__gte=start, received_at__lt=end)
    notices = DunningNotice.objects.filter(period=month)
    if estate is not None:
        payments, notices = payments.filter(estate=estate), notices.filter(estate=estate)
    kept = payments.filter(reversed_at__isnull=True)
    by_method = {row["method"]: row for row in kept.values("method").annotate(count=Count("pk"), total=Sum("amount"))}
    reversed_ = payments.filter(reversed_at__isnull=False).aggregate(count=Count("pk"), total=Sum("amount"))
    return {
        "month": f"{month:%Y-%m}",
        "receivable": str(rate.receivable),
        "collected": str(rate.collected),
        "rate": None if rate.rate is None else str(rate.rate),
        "payments": [
            {"method": method, "count": by_method.get(method, {}).get("count", 0),
             "total": str(by_method.get(method, {}).get("total") or ZERO)}
            for method in PaymentMethod.values
        ],
        "payments_total": str(kept.aggregate(s=Sum("amount"))["s"] or ZERO),
        "reversed_count": reversed_["count"],
        "reversed_total": str(reversed_["total"] or ZERO),
        "aging_as_of": f"{reports.month_end(month):%Y-%m-%d}",
        "aging": [{"bucket": row["bucket"], "units": row["units"], "owed": str(row["owed"])}
                  for row in selectors.aging_summary(as_of=reports.month_end(month), estate=estate)],
        "notices": [{"round": row["round"], "channel": row["channel"], "count": row["count"]}
                    for row in notices.values("round", "channel").annotate(count=Count("pk")).order_by("round", "channel")],
        "notices_total": notices.count(),
    }


def add_estate(code: str, units: int, *, rate: str = "3.00"):
    """An estate with one building, a per-m² fee and ``units`` units owned by one owner each."""
    estate = EstateFactory(code=code, name=f"{code} 花园")
    building = BuildingFactory(estate=estate, number="1")
    FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month", rate=Decimal(rate),
                               effective_from=dt.date(2026, 1, 1))
    made = []
    for n in range(units):
        unit = UnitFactory(building=building, number=f"1-1-{101 + n}", area=Decimal("80.00") + n)
        give_unit(make_owner(name=f"业主{code}{n}", phone=f"139{abs(hash((code, n))) % 10**8:08d}"), unit)
        made.append(unit)
    return estate, made


def months_of_activity(units_by_estate, desk, boss):
    """October to December billed; some units pay (cash, card, online), one payment is
    reversed, round 1 and 2 of the reminders go out: arrears of 1 to 3 months."""
    for month in (OCT, NOV, DEC):
        services.bill_run(period=month, as_of=sh(month.year, month.month, 10, 1, 0))
        day = 12
        for units in units_by_estate:
            for i, unit in enumerate(units):
                if (i + month.month) % 3 == 0:
                    continue  # this one does not pay this month
                method = ("cash", "card", "online")[i % 3]
                owed = selectors.unit_owed(unit=unit)
                amount = owed if i % 2 else (owed / 2).quantize(Decimal("0.01"))
                payment = services.payment_take(unit=unit, amount=amount, method=method, payer_name="某人",
                                                 now=sh(month.year, month.month, day, 10, i), actor=desk)
                if i == 2 and month == NOV:
                    services.payment_reverse(payment=payment, reason="刷错卡", now=sh(2026, 11, day, 11, 0),
                                             actor=boss)
        if month != DEC:
            services.dunning_round(period=month, round_=1, as_of=sh(month.year, month.month, 16, 9, 0))
            services.dunning_round(period=month, round_=2, as_of=sh(month.year, month.month, 21, 9, 0))


@pytest.fixture
def three_estates(estate):
    """The fixture's 翠湖花园 and two more, one with age buckets of its own."""
    boss = estate["boss"]
    second, second_units = add_estate("jinxiu", 5)
    third, third_units = add_estate("lanting", 4, rate="2.10")
    services.fee_policy_save(estate=third, actor=boss, bill_day=10, pay_by_day=15, first_dunning_day=16,
                             second_dunning_day=21, report_day=2, aging_buckets=[2, 6],
                             refuser_months=12, refuser_months_after_lawyer=6)
    months_of_activity([[estate["u1"], estate["u2"], estate["u3"]], second_units, third_units],
                       estate["desk"], boss)
    return [estate["estate"], second, third]


def test_grouped_figures_equal_the_per_estate_computation(three_estates):
    for month, as_of in ((OCT, sh(2026, 11, 2, 2, 30)), (NOV, sh(2026, 12, 2, 2, 30)), (DEC, sh(2026, 12, 20, 9))):
        every, each = reports.month_report_figures(month=month, as_of=as_of)
        assert every == reference_figures(month=month, as_of=as_of)
        for estate in three_estates:
            assert each[estate.pk] == reference_figures(month=month, as_of=as_of, estate=estate)
    # the data is not trivial: payments, a reversal, arrears in several buckets, notices
    assert every["reversed_count"] == 0 and each[three_estates[0].pk]["notices_total"] == 0
    november = reports.month_report_figures(month=NOV, as_of=sh(2026, 12, 2, 2, 30))[0]
    assert november["reversed_count"] == 3 and november["notices_total"] > 0
    assert sum(1 for row in november["aging"] if row["units"]) >= 2


def test_the_stored_report_holds_the_live_figures(three_estates):
    as_of = sh(2026, 12, 2, 2, 30)
    jobs.month_report(as_of=as_of)
    every, each = reports.month_report_figures(month=NOV, as_of=as_of)
    stored = {row.estate_id: row.data for row in MonthReport.objects.filter(month=NOV)}
    assert stored == {None: every, **each}
    assert stored[None] == reference_figures(month=NOV, as_of=as_of)
    assert all(stored[e.pk] == reference_figures(month=NOV, as_of=as_of, estate=e) for e in three_estates)


def count_statements(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries.captured_queries)


def test_month_report_job_and_page_take_the_same_statements_for_more_estates_and_rows(estate, client):
    finance = UserFactory(username="fin", role="finance")
    client.force_login(finance)
    months_of_activity([[estate["u1"], estate["u2"]]], estate["desk"], estate["boss"])
    job_few = count_statements(lambda: jobs.month_report(as_of=sh(2026, 12, 2, 2, 30)))
    stored_few = count_statements(lambda: client.get(reverse("fees:reports"), {"month": "2026-11"}))
    live_few = count_statements(lambda: client.get(reverse("fees:reports"), {"month": "2026-12"}))
    MonthReport.objects.all().delete()

    more = [add_estate(f"e{n}", 6)[1] for n in range(4)]
    months_of_activity(more, estate["desk"], estate["boss"])
    job_many = count_statements(lambda: jobs.month_report(as_of=sh(2026, 12, 2, 2, 30)))
    assert MonthReport.objects.filter(month=NOV).count() == 6
    stored_many = count_statements(lambda: client.get(reverse("fees:reports"), {"month": "2026-11"}))
    live_many = count_statements(lambda: client.get(reverse("fees:reports"), {"month": "2026-12"}))
    assert (job_many, stored_many, live_many) == (job_few, stored_few, live_few)


def test_bill_run_and_dunning_jobs_take_the_same_statements_for_ten_times_the_units(estate):
    """The bill run of the 10th and the reminders of the 16th and 21st (their notices put
    in the outbox in the same transaction) are set-based: 10 units or 100, the same
    statements; run again, they add nothing."""
    from propertydesk.models import Notification

    def month_of_jobs(year, month):
        counts = {}
        for name, job, day in (("bills", jobs.bill_run, 10), ("round 1", jobs.dunning, 16),
                               ("round 2", jobs.dunning, 21)):
            counts[name] = count_statements(lambda: job(as_of=sh(year, month, day, 9, 0)))
            counts[name + " again"] = count_statements(lambda: job(as_of=sh(year, month, day, 9, 5)))
        return counts

    add_estate("few", 7)  # with the fixture's 3: 10 units
    few = month_of_jobs(2026, 11)
    assert DunningNotice.objects.filter(period=NOV, round=1).count() == 10
    add_estate("many", 90)
    many = month_of_jobs(2026, 12)
    assert DunningNotice.objects.filter(period=DEC, round=1).count() == 100
    assert DunningNotice.objects.filter(period=DEC, round=2).count() == 100
    assert Notification.objects.filter(kind="fees.dunning.1").count() == 110
    assert many == few
