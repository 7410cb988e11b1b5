"""The month report at scale: the job and the page compute every estate's figures in a
few grouped queries (GROUP BY estate), the same few whatever the estates and the rows,
and their figures are those the per-estate computation gave (kept here as the
reference: one estate at a time, straight from the bills, payments and notices)."""

from decimal import Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from fees import jobs, reports, selectors
from fees.models import DunningNotice, MonthReport, Payment, PaymentMethod
from tests.factories import UserFactory
from tests.fees.conftest import DEC, NOV, OCT, add_estate, count_statements, months_of_activity, sh

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
    # The month's end; the month still running counts its arrears of today.
    aging_day = min(reports.month_end(month), timezone.localdate(as_of))
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
        "aging_as_of": f"{aging_day:%Y-%m-%d}",
        "aging": [{"bucket": row["bucket"], "units": row["units"], "owed": str(row["owed"])}
                  for row in selectors.aging_summary(as_of=aging_day, estate=estate)],
        "notices": [{"round": row["round"], "channel": row["channel"], "count": row["count"]}
                    for row in notices.values("round", "channel").annotate(count=Count("pk")).order_by("round", "channel")],
        "notices_total": notices.count(),
    }


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
