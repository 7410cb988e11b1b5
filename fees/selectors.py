"""Reads for fee pages, reports and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from fees.models import Allocation, Bill, BillStatus, DunningNotice, FeePolicy, FeeStandard, MonthReport, Payment
from owners.selectors import current_ownerships, owned_units, owner_of_record, owner_of_record_sql
from propertydesk.languages import owner_language

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


# ---- the fee policy ----------------------------------------------------------------------


def fee_policies(*, estate_ids=None) -> dict[int, FeePolicy]:
    """The fee policy in force for each estate (every estate when ``estate_ids`` is None):
    its own row, else the defaults in settings. Two queries at most, whatever the estates."""
    if estate_ids is None:
        from owners.models import Estate

        estate_ids = Estate.objects.values_list("pk", flat=True)
    estate_ids = list(estate_ids)
    own = {policy.estate_id: policy for policy in FeePolicy.objects.filter(estate_id__in=estate_ids)}
    return {pk: own.get(pk) or FeePolicy.with_defaults(estate_id=pk) for pk in estate_ids}


def fee_policy(*, estate) -> FeePolicy:
    """The fee policy in force for an estate: its own row, else the defaults."""
    return fee_policies(estate_ids=[estate.pk])[estate.pk]


def fee_policy_sql() -> tuple[str, dict]:
    """``fee_policies`` for the set-based jobs: a subquery with a row per estate
    (estate_id and the days of its calendar) to join, and its parameters."""
    columns = ", ".join(f"COALESCE(p.{field}, %(policy_{field})s) AS {field}" for field in FeePolicy.DAY_FIELDS)
    sql = f"SELECT e.id AS estate_id, {columns} FROM owners_estate e LEFT JOIN fees_feepolicy p ON p.estate_id = e.id"
    return sql, {f"policy_{field}": settings.FEE_POLICY_DEFAULTS[field] for field in FeePolicy.DAY_FIELDS}


def fee_policy_days(*, estate_ids=None, estates=None) -> dict[str, list[int]]:
    """Each day of the fee calendar across the estates (every estate when None), distinct
    and in order, for the pages to say: one day when the estates agree, each when they
    differ; the defaults when there is no estate. ``estates`` read with their
    ``fee_policy`` already (select_related) are not read again."""
    if estates is not None:
        policies = [getattr(e, "fee_policy", None) or FeePolicy.with_defaults(estate_id=e.pk) for e in estates]
    else:
        policies = list(fee_policies(estate_ids=estate_ids).values())
    policies = policies or [FeePolicy.with_defaults()]
    return {field: sorted({getattr(policy, field) for policy in policies}) for field in FeePolicy.DAY_FIELDS}


# ---- arrears -------------------------------------------------------------------------------


def months_in_arrears(*, oldest_period: date, as_of: date) -> int:
    """How many months a debt has run: a bill of this month (past its pay-by day or
    not) counts 1, last month's 2, … (the age buckets count in these months)."""
    return (as_of.year - oldest_period.year) * 12 + as_of.month - oldest_period.month + 1


def bucket_of(months: int, *, policy: FeePolicy | None = None) -> str:
    """The age bucket of a debt of ``months`` under ``policy`` (the defaults when None)."""
    return (policy or FeePolicy.with_defaults()).bucket_of(months)


def aging_buckets(*, estate=None, policies: dict[int, FeePolicy] | None = None) -> list[tuple[str, int, int | None]]:
    """The age buckets (key, lowest month, highest month or None) of the estate's fee
    policy; with no estate, those of every estate's, each once, shortest first.
    ``policies``: ``fee_policies`` of the estate (or every estate), when the caller has them."""
    if policies is None:
        policies = fee_policies(estate_ids=None if estate is None else [estate.pk])
    policies = policies.values()
    ranges = {r for policy in policies for r in policy.aging_ranges()} or set(FeePolicy.with_defaults().aging_ranges())
    return sorted(ranges, key=lambda r: (r[1], r[2] is None, r[2] or 0))


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


def debts_sql(*, where: str = "") -> str:
    """Per unit, what it owes for bills past their pay-by day on ``%(as_of)s`` (unit_id,
    estate_id, owed, oldest, bills), from the owing bills' index alone (bill_owing_totals);
    ``where``: more conditions on the bills ``b``. The parameters: ``owing``, ``as_of``."""
    return f"""
        SELECT b.unit_id, b.estate_id, sum(b.amount - b.paid) AS owed, min(b.period) AS oldest, count(*) AS bills
        FROM fees_bill b
        WHERE b.status IN %(owing)s AND b.due_on < %(as_of)s{where}
        GROUP BY b.unit_id, b.estate_id"""


def debts_as_of() -> date | None:
    """The day the stored debts (UnitDebt) are as of: the arrears of that day are read
    from them; any other day's are added up from the bills."""
    from fees.models import DebtLedger

    return DebtLedger.objects.filter(pk=1).values_list("as_of", flat=True).first()


def debts_source(*, as_of: date, where: str = "") -> str:
    """``debts_sql`` of ``as_of``: the stored sums when they are of that day
    (fees.services.unit_debts_rebuild, kept by every payment), else added up from the bills."""
    if debts_as_of() == as_of:
        return f"SELECT b.unit_id, b.estate_id, b.owed, b.oldest, b.bills FROM fees_unitdebt b WHERE TRUE{where}"
    return debts_sql(where=where)


def _arrears_parts(*, as_of: date, estate=None, unit_ids=None, policies=None) -> tuple[str, str, dict]:
    """The SQL of the units owing for a bill past its pay-by day on ``as_of`` (unit_id,
    estate_id, owed, oldest, bills: ``debts_source``), the join that gives a row ``a`` of
    them its age bucket ``k.key``, and their parameters. The bucket is the estate's fee
    policy's, joined as a small table of (estate, key, oldest month, newest month): each
    bucket's range of months owed turned into a range of the oldest bill's month, so the
    join compares dates. ``policies``: ``fee_policies`` of the estate (or every estate),
    when the caller has them."""
    if policies is None:
        policies = fee_policies(estate_ids=None if estate is None else [estate.pk])
    this_month = as_of.replace(day=1)
    ranges = []
    for estate_id, policy in policies.items():
        for i, (key, low, high) in enumerate(policy.aging_ranges()):
            # Owing for ``months`` months: the oldest bill is of this month less months - 1.
            # Below the first bucket (a bill not yet a month old) counts in the first.
            since = None if high is None else this_month - relativedelta(months=high - 1)
            until = None if i == 0 else this_month - relativedelta(months=low - 1)
            ranges.append((estate_id, key, since, until))
    where = ""
    if estate is not None:
        where += " AND b.estate_id = %(estate)s"
    if unit_ids is not None:
        where += " AND b.unit_id = ANY(%(unit_ids)s)"
    bucket_join = """
        JOIN unnest(%(k_estate)s::int[], %(k_key)s::text[], %(k_since)s::date[], %(k_until)s::date[])
             AS k(estate_id, key, since, until)
          ON k.estate_id = a.estate_id AND (k.since IS NULL OR a.oldest >= k.since)
         AND (k.until IS NULL OR a.oldest <= k.until)"""
    params = {"owing": tuple(OWING), "as_of": as_of,
              "estate": getattr(estate, "pk", None), "unit_ids": list(unit_ids or []),
              "k_estate": [r[0] for r in ranges], "k_key": [r[1] for r in ranges],
              "k_since": [r[2] for r in ranges], "k_until": [r[3] for r in ranges]}
    return debts_source(as_of=as_of, where=where), bucket_join, params


def _arrears_sql(*, as_of: date, estate=None, unit_ids=None, policies=None) -> tuple[str, dict]:
    """The units owing on ``as_of`` with their age bucket as SQL, one row per unit
    (unit_id, estate_id, owed, oldest, bills, bucket), and its parameters (``_arrears_parts``)."""
    per_unit, bucket_join, params = _arrears_parts(as_of=as_of, estate=estate, unit_ids=unit_ids,
                                                   policies=policies)
    return f"SELECT a.*, k.key AS bucket FROM ({per_unit}) a {bucket_join}", params


def _arrears_rows(*, as_of: date, estate=None, bucket: str = "", unit_ids=None, offset: int = 0,
                  limit: int | None = None, policies=None) -> list[ArrearsRow]:
    """Arrears rows, oldest debt first then by room, ``limit`` of them from ``offset``; the
    unit's number and its owner of record on ``as_of`` read for those rows only."""
    from django.db import connection

    per_unit, bucket_join, params = _arrears_parts(as_of=as_of, estate=estate, unit_ids=unit_ids,
                                                   policies=policies)
    params.update(bucket=bucket, offset=offset, limit=limit)
    page = "ORDER BY a.oldest, u.number, a.unit_id LIMIT %(limit)s OFFSET %(offset)s"
    if bucket:
        rows = f"""SELECT a.*, u.number FROM (SELECT a.*, k.key AS bucket FROM ({per_unit}) a {bucket_join}) a
                   JOIN owners_unit u ON u.id = a.unit_id WHERE a.bucket = %(bucket)s {page}"""
    else:  # every bucket: the page's rows first, then the bucket of those rows only
        rows = f"""SELECT a.*, k.key AS bucket FROM (
                       SELECT a.*, u.number FROM ({per_unit}) a JOIN owners_unit u ON u.id = a.unit_id {page}) a
                   {bucket_join}"""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT r.unit_id, r.number, r.estate_id, ({owner_of_record_sql(unit="r.unit_id", as_of="%(as_of)s")}),
                   r.owed, r.oldest, r.bills, r.bucket
            FROM ({rows}) r
            ORDER BY r.oldest, r.number, r.unit_id""", params)
        return [ArrearsRow(unit_id, number, estate_id, owner_id, owed, oldest, bills,
                           months_in_arrears(oldest_period=oldest, as_of=as_of), bucket)
                for unit_id, number, estate_id, owner_id, owed, oldest, bills, bucket in cursor.fetchall()]


def arrears(*, as_of: date, estate=None, bucket: str = "", unit_ids=None, policies=None) -> list[ArrearsRow]:
    """Every unit that owes for a bill past its pay-by day on ``as_of`` (of ``unit_ids``
    when given), with its age bucket under its estate's fee policy and its owner of record
    on ``as_of`` (the debt stays with the unit: after a sale, the desk chases the owner
    now), oldest debt first. All of them: a page reads ``arrears_list`` instead."""
    return _arrears_rows(as_of=as_of, estate=estate, bucket=bucket, unit_ids=unit_ids, policies=policies)


class ArrearsList:
    """The arrears of ``as_of`` (one estate, one bucket) for a Paginator: its count is
    known (from ``aging_summary``), a slice reads only that page's rows (ORDER BY, LIMIT)."""

    def __init__(self, *, as_of: date, estate=None, bucket: str = "", count: int, policies=None):
        self.as_of, self.estate, self.bucket, self._count = as_of, estate, bucket, count
        self.policies = policies

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __iter__(self):
        return iter(self[0:self._count])

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, _step = index.indices(self._count)
            if stop <= start:
                return []
            return _arrears_rows(as_of=self.as_of, estate=self.estate, bucket=self.bucket, offset=start,
                                 limit=stop - start, policies=self.policies)
        rows = self[index:index + 1]
        if not rows:
            raise IndexError(index)
        return rows[0]


def arrears_list(*, as_of: date, estate=None, bucket: str = "", summary: list[dict] | None = None,
                 policies=None) -> ArrearsList:
    """``arrears`` for paging; ``summary``: ``aging_summary`` of the same day and estate,
    when the caller has it already (it gives the count)."""
    if policies is None:
        policies = fee_policies(estate_ids=None if estate is None else [estate.pk])
    if summary is None:
        summary = aging_summary(as_of=as_of, estate=estate, policies=policies)
    count = sum(row["units"] for row in summary if not bucket or row["bucket"] == bucket)
    return ArrearsList(as_of=as_of, estate=estate, bucket=bucket, count=count, policies=policies)


def aging_summary(*, as_of: date, estate=None, policies=None) -> list[dict]:
    """Units and amounts per age bucket (``aging_buckets``), every bucket listed: one
    grouped query."""
    from django.db import connection

    if policies is None:
        policies = fee_policies(estate_ids=None if estate is None else [estate.pk])
    totals = {key: {"bucket": key, "units": 0, "owed": ZERO}
              for key, _low, _high in aging_buckets(estate=estate, policies=policies)}
    per_unit, bucket_join, params = _arrears_parts(as_of=as_of, estate=estate, policies=policies)
    with connection.cursor() as cursor:
        # Grouped by estate and oldest month first (a few hundred groups), then bucketed.
        cursor.execute(f"""
            SELECT k.key, sum(a.units)::int, sum(a.owed)
            FROM (SELECT b.estate_id, b.oldest, count(*) AS units, sum(b.owed) AS owed
                  FROM ({per_unit}) b GROUP BY b.estate_id, b.oldest) a {bucket_join}
            GROUP BY k.key""", params)
        for key, units, owed in cursor.fetchall():
            totals[key]["units"] += units
            totals[key]["owed"] += owed
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


# ---- the owner's side: the portal and the API -------------------------------------------------
# An owner reaches the bills, payments and receipts of the units they own now (the debt
# belongs to the unit), the reminders addressed to them, and the published standards of
# their estates. Anything else is a 404 to them.


def _owned_unit_ids(owner):
    """The ids of the units the owner owns now, from their ownerships alone (the units
    table is not needed to name them; a subquery over it cost more to plan than to run)."""
    return current_ownerships().filter(owner=owner).order_by().values("unit_id")


def _owned_estate_ids(owner):
    return owned_units(owner=owner).values("estate_id")


def bills_for_api(*, owner=None) -> QuerySet[Bill]:
    """Bills with their lines and what was paid on them; an owner's: their units' only."""
    from django.db.models import Prefetch

    from fees.models import BillLine

    rows = Bill.objects.select_related("estate", "unit").prefetch_related(
        Prefetch("lines", queryset=BillLine.objects.order_by("kind", "pk")),
        Prefetch("allocations", queryset=Allocation.objects.select_related("payment__receipt").order_by("pk")),
    )
    if owner is not None:
        rows = rows.filter(unit__in=_owned_unit_ids(owner))
    return rows.order_by("-period", "unit__number", "pk")


def owner_bills(*, owner, unit_ids: list[int] | None = None) -> list[Bill]:
    """The owner's bills for the portal: what still owes first (oldest first, the order
    a payment settles them), then the paid ones, newest first. Each with its unit only:
    the list shows the month, the room, the amount and what is still to pay, and links to
    the bill's own page for its lines and payments. ``unit_ids``: the units the owner owns
    now, when the page has read them already (a list of ids plans faster than a subquery)."""
    units = _owned_unit_ids(owner) if unit_ids is None else unit_ids
    rows = list(Bill.objects.filter(unit_id__in=units).select_related("unit")
                .order_by("-period", "unit__number", "pk"))
    owing = sorted((bill for bill in rows if bill.status in OWING), key=lambda bill: (bill.period, bill.pk))
    paid = [bill for bill in rows if bill.status not in OWING]
    return owing + paid


def owner_payments(*, owner, limit: int = 20, unit_ids: list[int] | None = None) -> list[Payment]:
    """The owner's latest payments for the portal's fees page (received when, how, how
    much, reversed or not, the receipt and the unit): the units they own now by their
    ownerships alone (or ``unit_ids``, as ``owner_bills``), and only the receipt and the
    unit joined (the page shows nothing else of a payment; planning the API's six-table
    join took longer than reading it)."""
    owned = _owned_unit_ids(owner) if unit_ids is None else unit_ids
    return list(Payment.objects.filter(unit_id__in=owned).select_related("unit", "receipt")
                .order_by("-received_at", "-pk")[:limit])


def payments_for_api(*, owner=None) -> QuerySet[Payment]:
    from django.db.models import Prefetch

    # Who took or reversed it, often no one (online, the bank), by primary key after the page's
    # rows: joined too, seven tables took PostgreSQL longer to plan than to read.
    rows = Payment.objects.select_related("estate", "unit", "receipt").prefetch_related(
        "received_by", "reversed_by",
        Prefetch("allocations", queryset=Allocation.objects.select_related("bill").order_by("bill__period", "pk")))
    if owner is not None:
        rows = rows.filter(unit__in=_owned_unit_ids(owner))
    return rows.order_by("-received_at", "-pk")


def notices_for_api(*, owner=None) -> QuerySet[DunningNotice]:
    """Payment reminders; an owner's: the ones addressed to them."""
    rows = DunningNotice.objects.select_related("estate", "unit")
    if owner is not None:
        rows = rows.filter(owner=owner)
    return rows.order_by("-period", "-round", "unit__number", "pk")


def standards_for_api(*, owner=None) -> QuerySet[FeeStandard]:
    """Fee standards; an owner's: the published ones of the estates where they own a unit now."""
    rows = FeeStandard.objects.select_related("estate", "building")
    if owner is not None:
        rows = rows.filter(published_at__isnull=False, estate_id__in=_owned_estate_ids(owner))
    return rows.order_by("estate__name", "item", "building__number", "-effective_from", "pk")


def owner_receipts(*, owner):
    """Receipts for the units the owner owns now (fees and paid services)."""
    from fees.models import Receipt

    return (Receipt.objects.filter(unit__in=_owned_unit_ids(owner)).select_related("estate", "unit")
            .order_by("-issued_at", "-pk"))


@dataclass
class OwnerOwed:
    total: Decimal
    units: list  # [(unit, owed, owing bills)]


def owner_owed(*, owner) -> OwnerOwed:
    """What the owner owes now, in total and per unit they own (every unit listed, 0 too)."""
    from owners.models import Unit

    owing_bills = (Bill.objects.filter(unit=OuterRef("pk"), status__in=OWING).order_by().values("unit")
                   .annotate(n=Count("pk")).values("n"))
    units = (Unit.objects.filter(pk__in=_owned_unit_ids(owner)).select_related("estate__fee_policy", "building")
             .annotate(owed=owed_per_unit(), owing_bills=Coalesce(Subquery(owing_bills), 0))
             .order_by("estate__name", "number"))
    rows = [(unit, unit.owed, unit.owing_bills) for unit in units]
    return OwnerOwed(total=sum((row[1] for row in rows), ZERO), units=rows)


def owed_per_unit():
    """What a unit owes now, as an expression over the unit's ``pk`` (0 when nothing): to
    annotate units with, so a page listing units reads their debts in the same statement."""
    owing = (Bill.objects.filter(unit=OuterRef("pk"), status__in=OWING).order_by().values("unit")
             .annotate(owed=Sum(F("amount") - F("paid"))).values("owed"))
    return Coalesce(Subquery(owing), ZERO, output_field=DecimalField(max_digits=12, decimal_places=2))


def owner_notices(*, owner) -> QuerySet[DunningNotice]:
    return notices_for_api(owner=owner).order_by("-created_at", "-round", "pk")


def owner_standards_in_force(*, owner, on: date) -> list[tuple]:
    """The published standards in force on ``on``, per estate where the owner has a unit now."""
    from owners.models import Estate

    result = []
    for estate in Estate.objects.filter(pk__in=_owned_estate_ids(owner)).order_by("name"):
        standards = list(standards_in_force(estate=estate, on=on).filter(published_at__isnull=False))
        result.append((estate, standards))
    return result


def owner_statements(*, owner):
    """The published income and spending statements of the estates where the owner has
    a unit now, newest first, with their lines."""
    from django.db.models import Prefetch

    from fees.models import IncomeStatement, IncomeStatementLine

    return (IncomeStatement.objects.filter(published_at__isnull=False, estate_id__in=_owned_estate_ids(owner))
            .select_related("estate")
            .prefetch_related(Prefetch("lines", queryset=IncomeStatementLine.objects.order_by("kind", "pk")))
            .order_by("-period_end", "estate__name", "-pk"))


# ---- the fee desk's pages: a unit's account, bills of a month, payments, receipts ------------


def units_by_number(*, estate, number: str, limit: int = 20):
    """Rooms of the estate whose number starts with ``number`` (the exact one first)."""
    from django.db.models import Case, IntegerField, Value, When

    from owners.models import Unit

    number = (number or "").strip()
    return list(Unit.objects.filter(estate=estate, number__istartswith=number).select_related("estate", "building")
                .annotate(exact=Case(When(number__iexact=number, then=Value(0)), default=Value(1),
                                     output_field=IntegerField()))
                .order_by("exact", "number")[:limit])


def _bill_prefetch():
    from django.db.models import Prefetch

    from fees.models import BillLine

    return (Prefetch("lines", queryset=BillLine.objects.select_related("standard").order_by("kind", "id")),
            Prefetch("allocations", queryset=Allocation.objects.select_related("payment__receipt")
                     .order_by("payment__received_at", "pk")))


def unit_bills(*, unit) -> list[Bill]:
    """The unit's bills: those still owing first, oldest first (the order a payment
    settles them in), then the paid ones, newest first; each with its lines (what paid a
    bill is on the bill's page, and the unit's payments list what each paid)."""
    bills = list(Bill.objects.filter(unit=unit).prefetch_related(_bill_prefetch()[0]))
    owing = sorted((b for b in bills if b.status in OWING), key=lambda b: (b.period, b.pk))
    paid = sorted((b for b in bills if b.status not in OWING), key=lambda b: (b.period, b.pk), reverse=True)
    return owing + paid


def unit_payments(*, unit) -> QuerySet[Payment]:
    return (Payment.objects.filter(unit=unit).select_related("receipt", "received_by", "reversed_by")
            .prefetch_related(_payment_allocations()).order_by("-received_at", "-pk"))


def _payment_allocations():
    from django.db.models import Prefetch

    return Prefetch("allocations", queryset=Allocation.objects.select_related("bill").order_by("bill__period", "pk"))


def unit_notices(*, unit) -> QuerySet[DunningNotice]:
    return DunningNotice.objects.filter(unit=unit).order_by("-period", "-round")


@dataclass
class AllocationShare:
    bill: Bill
    share: Decimal
    left: Decimal  # what the bill would still owe


def allocation_preview(*, unit, amount: Decimal | None, owing: list[Bill] | None = None) -> list[AllocationShare]:
    """Which bills ``amount`` would settle, oldest first, as payment_take allocates it;
    ``owing``: the unit's owing bills in that order, when the caller has them."""
    left = amount if amount is not None and amount > 0 else ZERO
    shares = []
    for bill in unit_owing(unit=unit) if owing is None else owing:
        share = min(left, bill.owing)
        if share <= 0:
            break
        shares.append(AllocationShare(bill, share, bill.owing - share))
        left -= share
    return shares


def bill_list(*, period: date, estate_id: int | None = None, building_id: int | None = None,
              status: str = "", query: str = "") -> QuerySet[Bill]:
    """The bills of a month in the order the bill run numbered them (each estate's by
    building and room; a unit billed later comes after its estate's); ``status`` "owing"
    means owing or partly paid."""
    bills = Bill.objects.filter(period=period.replace(day=1))
    if estate_id:
        bills = bills.filter(estate_id=estate_id)
    if building_id:
        bills = bills.filter(unit__building_id=building_id)
    if status == "owing":
        bills = bills.filter(status__in=OWING)
    elif status:
        bills = bills.filter(status=status)
    if query:
        bills = bills.filter(unit__number__istartswith=query.strip())
    return bills.select_related("estate", "unit__building", "owner").order_by("number")


def bill_totals(bills: QuerySet[Bill]) -> dict:
    """Count, receivable, paid and owing of ``bills`` in one aggregate: for a month's bills
    (by estate, by status) read from the index alone (bill_month_totals); the list's
    paginator takes its count from here."""
    totals = bills.order_by().aggregate(count=Count("*"), receivable=Sum("amount"), paid=Sum("paid"))
    receivable, paid = totals["receivable"] or ZERO, totals["paid"] or ZERO
    return {"count": totals["count"], "receivable": receivable, "paid": paid, "owing": receivable - paid}


def bill_detail(*, bill_id: int) -> Bill:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Bill.objects.select_related("estate", "unit__building", "owner")
                             .prefetch_related(*_bill_prefetch()), pk=bill_id)


def payment_detail(*, payment_id: int) -> Payment:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Payment.objects.select_related("estate", "unit__building", "receipt", "received_by",
                                                            "reversed_by")
                             .prefetch_related(_payment_allocations()), pk=payment_id)


def receipt_detail(*, receipt_id: int):
    """A receipt with the payment it records, if any (a paid service's cash receipt has
    none: its purpose says what it was for)."""
    from django.db.models import Prefetch
    from django.shortcuts import get_object_or_404

    from fees.models import BillLine, Receipt

    receipt = get_object_or_404(Receipt.objects.select_related("estate", "unit", "issued_by"), pk=receipt_id)
    # Each bill settled with its items, so the receipt says what was paid for which month.
    allocations = Prefetch("allocations", queryset=Allocation.objects.select_related("bill").prefetch_related(
        Prefetch("bill__lines", queryset=BillLine.objects.order_by("kind", "id"))).order_by("bill__period", "pk"))
    receipt.fee_payment = (Payment.objects.filter(receipt=receipt).select_related("reversed_by")
                           .prefetch_related(allocations).first())
    return receipt


def payer_language(receipt) -> str:
    """The language a receipt is printed in: that of the unit's owner of record on the day
    it was issued; the estate's (house) language when the payer is nobody's owner."""
    owner = None
    if receipt.unit_id is not None:
        owner = owner_of_record(unit=receipt.unit, as_of=timezone.localdate(receipt.issued_at))
    return owner_language(owner) if owner is not None else receipt.estate.language


def standards_by_state(*, estate, on: date) -> dict[str, list[FeeStandard]]:
    """The estate's fee standards: in force on ``on``, coming, and past."""
    rows = (FeeStandard.objects.filter(estate=estate).select_related("building")
            .order_by("item", F("building__number").asc(nulls_first=True), "-effective_from"))
    grouped: dict[str, list[FeeStandard]] = {"in_force": [], "coming": [], "past": []}
    for standard in rows:
        if standard.effective_from > on:
            grouped["coming"].append(standard)
        elif standard.effective_to is not None and standard.effective_to < on:
            grouped["past"].append(standard)
        else:
            grouped["in_force"].append(standard)
    return grouped


def latest_billed_month(*, now: datetime, estate=None) -> date:
    """The month the fee pages open on: the latest up to this one that has bills (before
    the bill day, last month's, not an empty page), this month if none has any."""
    this_month = timezone.localdate(now).replace(day=1)
    bills = Bill.objects.filter(period__lte=this_month)
    if estate is not None:
        bills = bills.filter(estate=estate)
    return bills.order_by("-period").values_list("period", flat=True).first() or this_month


def latest_dunned_month(*, today: date, estate=None) -> date:
    """The month the reminders' page opens on: the latest up to this one with reminders
    sent, this month if none has any."""
    notices = DunningNotice.objects.filter(period__lte=today.replace(day=1))
    if estate is not None:
        notices = notices.filter(estate=estate)
    return notices.order_by("-period").values_list("period", flat=True).first() or today.replace(day=1)


def desk_figures(*, now: datetime, estate=None) -> dict:
    """The fee desk's figures: the latest billed month's bills (latest_billed_month), what
    of them is collected, the collection rate, and today's takings (reversals aside)."""
    today = timezone.localdate(now)
    period = latest_billed_month(now=now, estate=estate)
    bills = Bill.objects.filter(period=period)
    if estate is not None:
        bills = bills.filter(estate=estate)
    takings = daily_takings(day=today, estate=estate)
    return {
        "period": period,
        "bills": bills.count(),
        "owing_bills": bills.filter(status__in=OWING).count(),
        "collection": collection_rate(period=period, estate=estate, as_of=now),
        "takings_total": takings["total"],
        "takings_count": sum(row["count"] for row in takings["by_method"]),
        "today": today,
    }


# ---- the dashboard's figures


def dashboard_month_figures(*, month: date, as_of: datetime) -> dict[int, dict[str, tuple]]:
    """Per estate, the fee figures of the dashboard for ``month`` (its first day) as they
    stood at ``as_of`` (domain §9), each a (numerator, denominator):

    - collection rate (收费率): collected of the month's bills by ``as_of`` / receivable
      (``collection_rate``, grouped by estate);
    - household collection rate (户收费率): the month's bills paid in full by ``as_of`` /
      the month's bills (one bill per unit and month: households billed);
    - arrears recovery rate (清缴率): arrears recovered, what payments received in the
      month (by ``as_of``) settled of earlier months' bills / that plus what those bills
      still owed at the month's end (or at ``as_of`` if sooner).

    Reversed payments count nowhere. A bill's ``paid`` is what its kept payments settled,
    so a figure at ``as_of`` is the bills' state now less what payments received after
    ``as_of`` settled. Five grouped queries, from the bills' covering indexes."""
    tz = timezone.get_current_timezone()
    month = month.replace(day=1)
    start = datetime.combine(month, time.min, tzinfo=tz)
    until = min(start + relativedelta(months=1), as_of)
    kept = Q(payment__reversed_at__isnull=True)
    out: dict[int, dict] = {}

    def put(estate_id, key, index, value):
        figure = out.setdefault(estate_id, {}).setdefault(key, [ZERO, ZERO])
        figure[index] += value

    for estate_id, receivable, paid, bills, settled in (
            Bill.objects.filter(period=month).values("estate_id").order_by()
            .annotate(s=Sum("amount"), p=Sum("paid"), n=Count("pk"), settled=Count("pk", filter=Q(status=BillStatus.PAID)))
            .values_list("estate_id", "s", "p", "n", "settled")):
        put(estate_id, "collection", 0, paid)
        put(estate_id, "collection", 1, receivable)
        put(estate_id, "households", 0, settled)
        put(estate_id, "households", 1, bills)
    later = Allocation.objects.filter(kept, bill__period=month, payment__received_at__gt=as_of)
    for estate_id, amount in later.values("bill__estate_id").annotate(s=Sum("amount")).order_by().values_list(
            "bill__estate_id", "s"):
        put(estate_id, "collection", 0, -amount)
    for estate_id, n in (later.filter(bill__status=BillStatus.PAID).values("bill__estate_id")
                         .annotate(n=Count("bill_id", distinct=True)).order_by().values_list("bill__estate_id", "n")):
        put(estate_id, "households", 0, -n)
    # Arrears: the bills of months before this one.
    for estate_id, amount, received_in_month in (
            Allocation.objects.filter(kept, bill__period__lt=month, payment__received_at__gte=start)
            .values("bill__estate_id").order_by()
            .annotate(s=Sum("amount"), in_month=Sum("amount", filter=Q(payment__received_at__lt=until)))
            .values_list("bill__estate_id", "s", "in_month")):
        # Recovered + still owed at ``until`` = what was settled in the month + what was
        # settled from ``until`` on (still owed then) + what is owed now.
        put(estate_id, "recovery", 0, received_in_month or ZERO)
        put(estate_id, "recovery", 1, amount)
    for estate_id, owed in (Bill.objects.filter(status__in=OWING, period__lt=month).values("estate_id").order_by()
                            .annotate(s=Sum(F("amount") - F("paid"))).values_list("estate_id", "s")):
        put(estate_id, "recovery", 1, owed)
    return {estate_id: {key: tuple(value) for key, value in figures.items()} for estate_id, figures in out.items()}
# ---- the desk's today page -------------------------------------------------------------------


def today_payments(*, user, day: date, limit: int) -> dict:
    """The day's payments, reversals aside: how many and how much in total and taken by
    ``user``, in one statement over the received-at index, and ``user``'s latest
    ``limit`` with their receipt and unit."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    kept = Payment.objects.filter(received_at__gte=start, received_at__lt=start + timedelta(days=1),
                                  reversed_at__isnull=True)
    mine = Q(received_by_id=user.pk)
    totals = kept.aggregate(count=Count("pk"), total=Sum("amount"), mine_count=Count("pk", filter=mine),
                            mine_total=Sum("amount", filter=mine))
    rows = list(kept.filter(mine).select_related("receipt", "unit").order_by("-received_at", "-pk")[:limit])
    return {"count": totals["count"], "total": totals["total"] or ZERO, "mine_count": totals["mine_count"],
            "mine_total": totals["mine_total"] or ZERO, "mine": rows}


# ---- the desk's daily and weekly reports (pages.desk_reports) ---------------------------------


def desk_report_takings(*, start: datetime, end: datetime, as_of: datetime | None = None) -> dict[int, dict[str, Decimal]]:
    """Per estate, the payments received in the moments [start, end) by method (the
    method's value: its total in yuan; ``<method>_count``: how many), reversed ones aside,
    as the day's takings page counts them (002 6.16). One grouped statement, read from the
    index alone (payment_received_totals)."""
    out: dict[int, dict] = {}
    for estate_id, method, n, total in (
            Payment.objects.filter(received_at__gte=start, received_at__lt=end, reversed_at__isnull=True)
            .values_list("estate_id", "method").annotate(n=Count("pk"), total=Sum("amount")).order_by()):
        out.setdefault(estate_id, {}).update({method: total, f"{method}_count": n})
    return out


def month_reports_for_api(*, with_figures: bool) -> QuerySet[MonthReport]:
    """The stored month reports (one per estate and month, and one of all estates), for
    the API: the list leaves the figures out (a report's JSON is its detail's)."""
    rows = MonthReport.objects.select_related("estate")
    return rows if with_figures else rows.defer("data")
