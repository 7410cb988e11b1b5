"""Every read of the shift log and the handover: the current shift's log, what a
handover would carry, the items waiting to be signed for, the supervisor's history, and
the takings handed over on a day (for the 16:30 daily report to reconcile)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from desk import shifts
from desk.models import (EntryStatus, Handover, HandoverItem, HandoverTakings, ItemStatus, LogEntry, Priority,
                         TakingsReceipt, TakingsStatus)
from fees.models import Payment, PaymentMethod
from propertydesk.selectors import count_of

ZERO = Decimal("0.00")


def _rank(field: str = "priority") -> Case:
    """Urgent first, then high, then normal."""
    return Case(When(**{field: Priority.URGENT}, then=Value(0)), When(**{field: Priority.HIGH}, then=Value(1)),
                default=Value(2), output_field=IntegerField())


def _entries() -> QuerySet[LogEntry]:
    return LogEntry.objects.select_related("author", "closed_by", "unit", "complaint", "work_order")


def _page_entries() -> QuerySet[LogEntry]:
    """The entries as the shift log's page shows them: the author's name and the numbers of
    the unit, complaint and work order they name, not those rows whole (joined whole, each
    list took 2.5 ms at scale against its floor's 0.5)."""
    return LogEntry.objects.select_related("author", "unit", "complaint", "work_order").only(
        *(f.name for f in LogEntry._meta.concrete_fields), "author__first_name", "author__last_name",
        "author__username", "unit__number", "complaint__number", "work_order__number")


def shift_entries(*, estate, shift: shifts.Shift) -> QuerySet[LogEntry]:
    """Everything written in ``shift``, newest first."""
    return _page_entries().filter(estate=estate, shift_start=shift.start).order_by("-written_at", "-id")


def open_entries(*, estate, shift: shifts.Shift) -> QuerySet[LogEntry]:
    """The open entries that are the shift's own: held by it or an earlier shift (not
    handed over), and not waiting in a handover; most urgent first."""
    return (_page_entries().filter(estate=estate, status=EntryStatus.OPEN, held_start__lte=shift.start)
            .exclude(items__status=ItemStatus.PENDING)
            .order_by(_rank(), "written_at", "id"))


@dataclass
class TakingsRow:
    method: str
    count: int
    total: Decimal
    counted: Decimal | None = None
    difference_reason: str = ""

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.total

    @property
    def by_hand(self) -> bool:
        """Cash is counted by hand; the other methods against their records."""
        return self.method == PaymentMethod.CASH

    @property
    def label(self):
        return PaymentMethod(self.method).label if self.method in PaymentMethod.values else self.method


def live_takings(*, estate, start: datetime, end: datetime) -> list[TakingsRow]:
    """What a handover now would freeze: payments taken from ``start`` until ``end``, by method."""
    rows = (Payment.objects.filter(estate=estate, received_at__gte=start, received_at__lt=end,
                                   reversed_at__isnull=True)
            .values("method").annotate(count=Count("pk"), total=Sum("amount")).order_by("method"))
    return [TakingsRow(r["method"], r["count"], r["total"]) for r in rows]


def frozen_takings(handover: Handover) -> list[TakingsRow]:
    return [TakingsRow(t.method, t.count, t.total, t.counted, t.difference_reason) for t in handover.takings.all()]


def receipt_of(handover: Handover) -> TakingsReceipt | None:
    """Who received the handover's takings and when (None: nothing was taken in the shift)."""
    try:
        return handover.receipt
    except TakingsReceipt.DoesNotExist:
        return None


def handover_takings(estate, day: date) -> dict[str, Decimal]:
    """The takings handed over by ``estate``'s shifts of ``day`` (a shift past midnight
    counts on the day it started), by payment method: ``{method: total}``, for the daily
    report to set against the day's payments (fees.selectors.daily_takings)."""
    rows = (HandoverTakings.objects.filter(handover__estate=estate, handover__shift_day=day)
            .values("method").annotate(total=Sum("total")).order_by("method"))
    return {r["method"]: r["total"] for r in rows}


def handover_for(*, pk: int) -> Handover:
    return (Handover.objects.select_related("estate", "handed_by", "receipt__received_by")
            .prefetch_related("takings", "events__actor").get(pk=pk))


def handover_items(handover: Handover) -> QuerySet[HandoverItem]:
    return (HandoverItem.objects.filter(handover=handover)
            .select_related("entry__author", "entry__unit", "entry__complaint", "entry__work_order", "decided_by",
                            "assigned_to")
            .prefetch_related("events__actor")
            .order_by(_rank("entry__priority"), "entry__written_at", "id"))


def handover_of_shift(*, estate, shift: shifts.Shift) -> Handover | None:
    return Handover.objects.filter(estate=estate, shift_start=shift.start).first()


def waiting_items(*, estate=None, limit: int | None = None) -> QuerySet[HandoverItem]:
    """Items not signed for yet, oldest handover first: the today page shows them to the
    shift that handed them over and to the one that is to sign."""
    rows = (HandoverItem.objects.filter(status=ItemStatus.PENDING)
            .select_related("handover__estate", "handover__handed_by", "entry")
            .order_by("handover__handed_at", "id"))
    if estate is not None:
        rows = rows.filter(handover__estate=estate)
    return rows[:limit] if limit else rows


def waiting_takings(*, estate=None, limit: int | None = None) -> QuerySet[TakingsReceipt]:
    """Takings handed over that nobody of the next shift has counted and signed for yet,
    oldest handover first: on the today page beside the items."""
    rows = (TakingsReceipt.objects.filter(status=TakingsStatus.WAITING)
            .select_related("handover__estate", "handover__handed_by").order_by("handover__handed_at", "id"))
    if estate is not None:
        rows = rows.filter(handover__estate=estate)
    return rows[:limit] if limit else rows


def today_waiting_counts() -> dict[str, QuerySet]:
    """What the today page counts (in its one capped statement): the items not signed for,
    the takings not received."""
    return {"handover_items": HandoverItem.objects.filter(status=ItemStatus.PENDING),
            "handover_takings": TakingsReceipt.objects.filter(status=TakingsStatus.WAITING)}


def handover_history(*, estate_id: int | None = None, day_from: date | None = None,
                     day_to: date | None = None) -> QuerySet[Handover]:
    """The supervisor's history, newest shift first, each with its items' fates counted."""
    items = HandoverItem.objects.filter(handover=OuterRef("pk"))
    rows = Handover.objects.select_related("estate", "handed_by", "receipt__received_by").annotate(
        items_total=count_of(items), items_pending=count_of(items.filter(status=ItemStatus.PENDING)),
        items_refused=count_of(items.filter(status=ItemStatus.REFUSED)))
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    if day_from:
        rows = rows.filter(shift_day__gte=day_from)
    if day_to:
        rows = rows.filter(shift_day__lte=day_to)
    return rows.order_by("-shift_start", "-id")


def entries_for(user) -> QuerySet[LogEntry]:
    """The API's entries: every estate's, for staff who may read the log."""
    return _entries().select_related("estate").order_by("-written_at", "-id")


def handovers_for(user) -> QuerySet[Handover]:
    return Handover.objects.select_related("estate", "handed_by", "receipt__received_by").prefetch_related(
        "takings", "items__entry", "items__decided_by", "items__assigned_to").order_by("-shift_start", "-id")


def desk_report_counts(*, start: datetime, end: datetime, as_of: datetime | None = None) -> dict[int, dict]:
    """Per estate, the shifts handed over in the moments [start, end) (the desk's daily and
    weekly reports): how many, the takings they handed over, and the items the next shift
    refused. The report sets the handed-over total beside the payments it counts itself.
    One grouped statement."""
    refused = (HandoverItem.objects.filter(handover=OuterRef("pk"), status=ItemStatus.REFUSED).order_by()
               .values("handover").annotate(n=Count("pk")).values("n"))
    rows = (Handover.objects.filter(handed_at__gte=start, handed_at__lt=end)
            .annotate(refused_here=Coalesce(Subquery(refused), 0)).values("estate_id")
            .annotate(handovers=Count("pk"), handed_over=Sum("takings_total"), refused=Sum("refused_here"))
            .order_by())
    return {row.pop("estate_id"): {**row, "handed_over": (row["handed_over"] or Decimal(0)).quantize(Decimal("0.01"))}
            for row in rows}
