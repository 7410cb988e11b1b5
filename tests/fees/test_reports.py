"""Arrears aging at its edges, the collection rate, the day's takings."""

import datetime as dt
from decimal import Decimal

import pytest

from fees import selectors, services
from tests.fees.conftest import sh


@pytest.mark.parametrize("months, bucket", [
    (1, "1"), (2, "2-3"), (3, "2-3"), (4, "4-6"), (6, "4-6"), (7, "7-12"), (12, "7-12"), (13, "12+"), (40, "12+"),
])
def test_aging_buckets_at_their_edges(months, bucket):
    assert selectors.bucket_of(months) == bucket


def test_a_bill_counts_in_arrears_from_the_day_after_its_pay_by_date(estate):
    services.bill_run(period=dt.date(2026, 11, 1), as_of=sh(2026, 11, 10, 1, 0))
    assert selectors.arrears(as_of=dt.date(2026, 11, 15)) == []
    rows = selectors.arrears(as_of=dt.date(2026, 11, 16))
    assert len(rows) == 3 and {r.bucket for r in rows} == {"1"}
    services.bill_run(period=dt.date(2026, 12, 1), as_of=sh(2026, 12, 10, 1, 0))
    one = {r.unit_number: r for r in selectors.arrears(as_of=dt.date(2027, 1, 31))}["1-1-101"]
    assert (one.months, one.bucket, one.bills, one.owed) == (3, "2-3", 2, Decimal("440.66"))
    summary = {row["bucket"]: row for row in selectors.aging_summary(as_of=dt.date(2027, 1, 31))}
    assert summary["2-3"]["units"] == 3 and summary["1"]["units"] == 0


def test_collection_rate_counts_what_was_paid_for_the_months_bills(estate):
    services.bill_run(period=dt.date(2026, 11, 1), as_of=sh(2026, 11, 10, 1, 0))  # 220.33 + 346.92 + 186.25
    services.payment_take(unit=estate["u1"], amount=Decimal("220.33"), method="cash", payer_name="李娜",
                          now=sh(2026, 11, 12, 10, 0))
    wrong = services.payment_take(unit=estate["u2"], amount=Decimal("346.92"), method="card", payer_name="王强",
                                  now=sh(2026, 11, 12, 11, 0))
    services.payment_reverse(payment=wrong, reason="刷错卡", now=sh(2026, 11, 12, 11, 5), actor=estate["boss"])
    rate = selectors.collection_rate(period=dt.date(2026, 11, 1))
    assert (rate.receivable, rate.collected, rate.rate) == (Decimal("753.50"), Decimal("220.33"), Decimal("29.24"))

    takings = selectors.daily_takings(day=dt.date(2026, 11, 12))
    assert takings["total"] == Decimal("220.33") and [r["method"] for r in takings["by_method"]] == ["cash"]
    assert [p.receipt.number for p in takings["reversed"]] == ["CUIHU-SJ2026-000002"]
