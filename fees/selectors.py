"""Reads for fee pages, reports and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone

from fees.models import Allocation, Bill, BillStatus, DunningNotice, FeeStandard, Payment

OWING = (BillStatus.OPEN, BillStatus.PART_PAID)
ZERO = Decimal("0.00")


def unit_owing(*, unit) -> QuerySet[Bill]:
    """The unit's bills still owing, oldest first: what a payment settles first."""
    return Bill.objects.filter(unit=unit, status__in=OWING).order_by("period", "pk")


def unit_owed(*, unit) -> Decimal:
    totals = unit_owing(unit=unit).aggregate(amount=Sum("amount"), paid=Sum("paid"))
    return (totals["amount"] or ZERO) - (totals["paid"] or ZERO)


def standards_in_force(*, estate, on: date) -> QuerySet[FeeStandard]:
    return (FeeStandard.objects.filter(estate=estate, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
            .select_related("building").order_by("item", "building__number"))


# ---- arrears -------------------------------------------------------------------------------

# (label key, lowest months, highest months or None)
AGING_BUCKETS = (("1", 1, 1), ("2-3", 2, 3), ("4-6", 4, 6), ("7-12", 7, 12), ("12+", 13, None))


def months_in_arrears(*, oldest_period: date, as_of: date) -> int:
    """How many months a debt has run: a bill of this month (past its pay-by day or
    not) counts 1, last month's 2, … (the bucket edges: 1, 2–3, 4–6, 7–12, >12)."""
    return (as_of.year - oldest_period.year) * 12 + as_of.month - oldest_period.month + 1


def bucket_of(months: int) -> str:
    for key, low, high in AGING_BUCKETS:
        if months >= low and (high is None or months <= high):
            return key
    return AGING_BUCKETS[0][0]


@dataclass
class ArrearsRow:
    unit_id: int
    unit_number: str
    estate_id: int
    owner_id: int | None
    owed: Decimal
    oldest: date
    bills: int
    months: int
    bucket: str


def arrears(*, as_of: date, estate=None, bucket: str = "") -> list[ArrearsRow]:
    """Every unit that owes for a bill past its pay-by day on ``as_of``, with its age bucket."""
    rows = Bill.objects.filter(status__in=OWING, due_on__lt=as_of)
    if estate is not None:
        rows = rows.filter(estate=estate)
    grouped = (rows.values("unit_id", "unit__number", "estate_id")
               .annotate(owed=Sum(F("amount") - F("paid")), oldest=Min("period"), bills=Count("pk"),
                         owner_id=Min("owner_id"))
               .order_by("oldest", "unit__number"))
    result = []
    for row in grouped:
        months = months_in_arrears(oldest_period=row["oldest"], as_of=as_of)
        key = bucket_of(months)
        if bucket and key != bucket:
            continue
        result.append(ArrearsRow(row["unit_id"], row["unit__number"], row["estate_id"], row["owner_id"],
                                 row["owed"], row["oldest"], row["bills"], months, key))
    return result


def aging_summary(*, as_of: date, estate=None) -> list[dict]:
    """Units and amounts per age bucket."""
    totals = {key: {"bucket": key, "units": 0, "owed": ZERO} for key, _low, _high in AGING_BUCKETS}
    for row in arrears(as_of=as_of, estate=estate):
        totals[row.bucket]["units"] += 1
        totals[row.bucket]["owed"] += row.owed
    return list(totals.values())


# ---- reports --------------------------------------------------------------------------------


@dataclass
class CollectionRate:
    period: date
    receivable: Decimal
    collected: Decimal

    @property
    def rate(self) -> Decimal | None:
        if not self.receivable:
            return None
        return (self.collected * 100 / self.receivable).quantize(Decimal("0.01"))


def collection_rate(*, period: date, estate=None, as_of: datetime | None = None) -> CollectionRate:
    """Collected / receivable for the month's bills (000 六): what was billed for the
    month and what of it was paid (by ``as_of``, reversed payments aside)."""
    bills = Bill.objects.filter(period=period.replace(day=1))
    allocations = Allocation.objects.filter(bill__period=period.replace(day=1), payment__reversed_at__isnull=True)
    if estate is not None:
        bills = bills.filter(estate=estate)
        allocations = allocations.filter(bill__estate=estate)
    if as_of is not None:
        allocations = allocations.filter(payment__received_at__lte=as_of)
    return CollectionRate(period=period.replace(day=1),
                          receivable=bills.aggregate(s=Sum("amount"))["s"] or ZERO,
                          collected=allocations.aggregate(s=Sum("amount"))["s"] or ZERO)


def daily_takings(*, day: date, estate=None) -> dict:
    """The desk's takings of a day (002 6.16), by method and by member of staff, for
    reconciliation against the cash drawer; reversed payments listed apart."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    payments = Payment.objects.filter(received_at__gte=start, received_at__lt=start + timedelta(days=1))
    if estate is not None:
        payments = payments.filter(estate=estate)
    kept = payments.filter(reversed_at__isnull=True)
    return {
        "day": day,
        "by_method": list(kept.values("method").annotate(count=Count("pk"), total=Sum("amount")).order_by("method")),
        "by_staff": list(kept.values("received_by__username", "received_by__first_name", "received_by__last_name")
                         .annotate(count=Count("pk"), total=Sum("amount")).order_by("received_by__username")),
        "total": kept.aggregate(s=Sum("amount"))["s"] or ZERO,
        "reversed": list(payments.filter(reversed_at__isnull=False).select_related("receipt", "unit")),
    }


def notices_for(*, period: date, round_: int | None = None, estate=None) -> QuerySet[DunningNotice]:
    rows = DunningNotice.objects.filter(period=period.replace(day=1)).select_related("unit__building", "owner")
    if round_:
        rows = rows.filter(round=round_)
    if estate is not None:
        rows = rows.filter(estate=estate)
    return rows.order_by("unit__building__number", "unit__number", "round")


def last_month(as_of: date) -> date:
    return as_of.replace(day=1) - relativedelta(months=1)
