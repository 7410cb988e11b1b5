"""Fees in the demo estate (demo.fees, a step of seed_demo), read from the estate
tests/conftest.py loads once per run (``demo_seeded``)."""


import pytest
from django.db.models import Count

from demo import fees as fees_demo
from fees.models import Bill, BillStatus, DunningNotice, IncomeStatement, Receipt
from fees.selectors import aging_summary
from fees.services import receipt_sequence
from owners.models import Estate, Owner, Ownership
from propertydesk.models import Sequence


@pytest.fixture
def seeded(demo_seeded):
    """The demo estate (tests/conftest.py, loaded once per run); the demo's today."""
    return demo_seeded[2]


def test_every_owned_unit_has_one_bill_each_month(seeded):
    periods = sorted(set(Bill.objects.values_list("period", flat=True)))
    assert len(periods) == fees_demo.MONTHS
    owned = set(Ownership.objects.filter(end_date__isnull=True).values_list("unit_id", flat=True))
    for period in periods:
        billed = set(Bill.objects.filter(period=period).values_list("unit_id", flat=True))
        assert owned <= billed
    assert not Bill.objects.values("unit", "period").annotate(n=Count("pk")).filter(n__gt=1).exists()


def test_receipt_numbers_run_without_gaps_per_estate_and_year_across_fees_and_work_orders(seeded):
    sources = set()
    by_series: dict[str, list[int]] = {}
    for number, source in Receipt.objects.values_list("number", "source"):
        series, _dash, seq = number.rpartition("-")
        by_series.setdefault(series, []).append(int(seq))
        sources.add(source.split(":")[0])
    assert {"payment", "workorder"} <= sources
    for numbers in by_series.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    # the desk's next receipt continues each series
    codes = dict(Estate.objects.values_list("code", "pk"))
    for series, numbers in by_series.items():
        code, year = series.split("-SJ")
        assert Sequence.objects.get(key=receipt_sequence(codes[code.lower()], int(year))).value == len(numbers)


def test_arrears_fall_in_several_age_buckets(seeded):
    buckets = [row for row in aging_summary(as_of=seeded) if row["units"]]
    assert len(buckets) >= 2


def test_at_most_one_dunning_notice_per_unit_month_and_round(seeded):
    assert DunningNotice.objects.exists()
    assert not (DunningNotice.objects.values("unit", "period", "round").annotate(n=Count("pk"))
                .filter(n__gt=1).exists())


def test_demo_owner_has_a_paid_and_an_owing_bill(seeded):
    owner = Owner.objects.get(user__username="owner")
    units = Ownership.objects.filter(owner=owner, end_date__isnull=True).values_list("unit_id", flat=True)
    latest = Bill.objects.filter(unit_id__in=units).order_by("-period").values_list("period", flat=True).first()
    statuses = set(Bill.objects.filter(unit_id__in=units, period=latest).values_list("status", flat=True))
    assert statuses == {BillStatus.PAID, BillStatus.OPEN}


def test_a_published_statement_exists_per_estate(seeded):
    assert IncomeStatement.objects.filter(published_at__isnull=False).values("estate").distinct().count() == 2


def test_every_bill_has_been_paid_exactly_what_its_standing_payments_allocated(seeded):
    from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from fees.models import Allocation

    allocated = (Allocation.objects.filter(bill=OuterRef("pk"), payment__reversed_at__isnull=True)
                 .values("bill").annotate(total=Sum("amount")).values("total"))
    bills = Bill.objects.annotate(allocated=Coalesce(Subquery(allocated), Value(0),
                                                     output_field=DecimalField(max_digits=12, decimal_places=2)))
    assert bills.filter(status=BillStatus.PAID).exists() and bills.filter(status=BillStatus.OPEN).exists()
    assert [(b.pk, b.paid, b.allocated) for b in bills if b.paid != b.allocated] == []
    assert [b.pk for b in bills if (b.status == BillStatus.PAID) != (b.paid == b.amount)] == []
