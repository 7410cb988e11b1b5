"""Reads of the pages that show several apps at once. The desk's today page takes each
block's rows from its app's selectors and counts every block in one capped statement
(propertydesk.paging.capped_counts), so its queries do not grow with the data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils import timezone

from callbacks import selectors as callbacks
from complaints import selectors as complaints
from desk import selectors as desk
from fees import selectors as fees
from owners.models import Owner
from pages.models import DeskReport, StaffMonthFacts
from pages.personal_data import in_periods, overlapping, owner_periods
from propertydesk import periods, pii
from propertydesk.exports import Sheet
from propertydesk.models import Delivery, DeliveryChannel, Notification
from propertydesk import selectors as core
from propertydesk.paging import capped_counts
from propertydesk.roles import is_supervisor
from renovation import selectors as renovation
from repairs import selectors as repairs

# What each block needs to be shown, by the reader's permission.
NEEDS = {
    "callbacks": "callbacks.view_callback",
    "complaints": "complaints.view_complaint",
    "work_orders": "repairs.view_workorder",
    "renovations": "renovation.view_renovation",
    "payments": "fees.view_payment",
    "deliveries": "propertydesk.view_delivery",
    "handover_items": "desk.view_handover",
}


@dataclass
class Today:
    """The desk's day as of a moment: per block its first rows and capped counts (a count
    above ``QUEUE_COUNT_CAP`` means "more"); a block the reader may not see is None."""

    as_of: datetime
    counts: dict[str, int] = field(default_factory=dict)
    callbacks: list | None = None
    complaints: list | None = None
    undispatched: list | None = None
    appointments: list | None = None
    renovations: list | None = None
    payments: dict | None = None
    undelivered: core.UndeliveredFigure | None = None
    deliveries: list | None = None
    # Handover items not signed for yet: the shift that handed them over and the one to
    # sign both see them until they are.
    handover_items: list | None = None
    # Takings handed over that the next shift has not counted and signed for yet.
    handover_takings: list | None = None
    # The figure of everything not delivered (pending too) is the supervisors'; the desk
    # sees the failed and given-up messages, which are its to retry.
    figure_shown: bool = False

    @property
    def today(self):
        return timezone.localdate(self.as_of)


def desk_today(*, user, as_of: datetime, limit: int | None = None) -> Today:
    """Everything the desk's today page shows for ``user`` as of ``as_of``."""
    limit = limit or settings.TODAY_ROWS
    today = timezone.localdate(as_of)
    may = {block: user.has_perm(perm) for block, perm in NEEDS.items()}
    day = Today(as_of=as_of, figure_shown=is_supervisor(user))
    counted = {}
    if may["callbacks"]:
        counted.update(callbacks.today_callback_counts(user=user, today=today))
        day.callbacks = callbacks.today_callbacks(user=user, today=today, limit=limit)
    if may["complaints"]:
        counted.update(complaints.today_complaint_counts(now=as_of))
        day.complaints = complaints.today_complaints(now=as_of, limit=limit)
    if may["work_orders"]:
        counted.update(repairs.today_work_order_counts(today=today))
        day.undispatched = repairs.today_undispatched(limit=limit)
        day.appointments = repairs.today_appointments(today=today, limit=limit)
    if may["renovations"]:
        counted.update(renovation.today_renovation_counts())
        day.renovations = renovation.today_renovations(limit=limit)
    if may["payments"]:
        day.payments = fees.today_payments(user=user, day=today, limit=limit)
    if may["deliveries"]:
        day.undelivered = core.undelivered_figure(as_of=as_of)
        day.deliveries = (core.deliveries_needing_attention(limit=limit)
                          if day.undelivered.failed or day.undelivered.given_up else [])
    if may["handover_items"]:
        counted.update(desk.today_waiting_counts())
        day.handover_items = list(desk.waiting_items(limit=limit))
        day.handover_takings = list(desk.waiting_takings(limit=limit))
    day.counts = capped_counts(counted)
    return day


def portal_home_units(*, owner) -> list:
    """The units on the owner's home, each with its estate and building, since when they
    own it, how many live there and ``owed`` (what the unit owes now): one statement."""
    from owners.selectors import owner_home_units

    return list(owner_home_units(owner=owner).annotate(owed=fees.owed_per_unit()))


# ---- the staff view's counts (pages.staff) ----------------------------------------------------

STAFF_COUNTS = StaffMonthFacts.COUNTS


def staff_counts(*, start, end, estate_id=None, person_id=None, by=periods.PERSON) -> dict:
    """The staff view's counts in [start, end) (one estate's or all), keyed as
    ``periods.grouped`` says: the three apps' grouped statements merged into one dict of
    STAFF_COUNTS per key."""
    rows: dict = {}
    for part, names in (
        (complaints.staff_complaint_figures, {"on_time": "complaints_on_time"}),
        (callbacks.staff_callback_figures, {"done": "callbacks_done", "on_time": "callbacks_on_time"}),
        (repairs.staff_work_order_figures, {}),
    ):
        for key, values in part(start=start, end=end, estate_id=estate_id, person_id=person_id, by=by).items():
            row = rows.setdefault(key, dict.fromkeys(STAFF_COUNTS, 0))
            for name, value in values.items():
                row[names.get(name, name)] = value or 0
    return rows


def staff_month_counts(*, months: list, estate_id=None) -> tuple[dict, list]:
    """The staff view's counts per person for each of ``months`` that the month facts hold
    (StaffMonthFacts, summed over the estates unless ``estate_id``), and the months they do
    not hold yet (not computed for every estate asked about): ({month: {person: counts}},
    [months missing]). Three statements whatever the months."""
    from django.db.models import Count, Sum

    from owners.models import Estate
    from pages.models import MonthFacts

    if not months:
        return {}, []
    computed = MonthFacts.objects.filter(month__in=months, figures__has_key="staff_kept")
    if estate_id is not None:
        computed = computed.filter(estate_id=estate_id)
    counted = dict(computed.values_list("month").annotate(n=Count("pk")).order_by())
    wanted = 1 if estate_id is not None else Estate.objects.count()
    held = [month for month in months if wanted and counted.get(month, 0) >= wanted]
    found: dict = {month: {} for month in held}
    if held:
        rows = StaffMonthFacts.objects.filter(month__in=held)
        if estate_id is not None:
            rows = rows.filter(estate_id=estate_id)
        for row in (rows.values("month", "person_id").annotate(**{name: Sum(name) for name in STAFF_COUNTS})
                    .order_by()):
            found[row.pop("month")][row.pop("person_id")] = row
    return found, [month for month in months if month not in found]


# ---- a record by its number (the desk's search box) ---------------------------------

# Every number the portal gives is the estate's code, two letters for the kind and the
# year (the month for bills), and a sequence: CUIHU-TS2026-00039. The letters say which
# table holds it, so a number is one lookup on that table's unique index.
NUMBER_RE = re.compile(r"(?P<estate>[A-Z0-9]+)-(?P<code>[A-Z]{2})(?P<period>\d{4}|\d{6})-(?P<seq>\d{1,6})")


@dataclass(frozen=True)
class NumberKind:
    model: str            # app_label.Model
    field: str
    digits: int           # the sequence's width: "39" is read as 00039
    permission: str
    label: str            # the kind, for "no complaint has the number …"
    period_digits: int = 4  # the year; a bill's month (202611), an item pass's day (261206)


NUMBER_KINDS = {
    "TS": NumberKind("complaints.Complaint", "number", 5, "complaints.view_complaint", _("complaint")),
    "JY": NumberKind("complaints.Suggestion", "number", 5, "complaints.view_suggestion", _("suggestion")),
    "PG": NumberKind("repairs.WorkOrder", "number", 5, "repairs.view_workorder", _("work order")),
    "SJ": NumberKind("fees.Receipt", "number", 6, "fees.view_receipt", _("receipt")),
    "ZD": NumberKind("fees.Bill", "number", 6, "fees.view_bill", _("bill"), period_digits=6),
    "ZX": NumberKind("renovation.Renovation", "number", 5, "renovation.view_renovation", _("renovation")),
    "XK": NumberKind("renovation.Renovation", "permit_number", 5, "renovation.view_renovation", _("renovation permit")),
    "TK": NumberKind("renovation.DepositRefund", "voucher_number", 6, "renovation.view_renovation", _("refund voucher")),
    "FX": NumberKind("gate.ItemPass", "number", 3, "gate.view_itempass", _("item pass"), period_digits=6),
    "MK": NumberKind("gate.CardApplication", "number", 5, "gate.view_cardapplication", _("card application")),
}


@dataclass(frozen=True)
class NumberHit:
    number: str           # as the portal writes it
    kind: NumberKind
    url: str = ""         # where the record is shown; "" when there is none or the reader may not see it
    found: bool = False


def parse_number(query: str) -> tuple[str, NumberKind] | None:
    """The number a search is, written as the portal writes it (upper case, the sequence
    padded: ``cuihu-ts2026-39`` is CUIHU-TS2026-00039), and its kind; None if it is none."""
    match = NUMBER_RE.fullmatch(re.sub(r"\s", "", query or "").upper())
    if not match or match["code"] not in NUMBER_KINDS:
        return None
    kind = NUMBER_KINDS[match["code"]]
    if len(match["period"]) != kind.period_digits or len(match["seq"]) > kind.digits:
        return None
    return f"{match['estate']}-{match['code']}{match['period']}-{match['seq'].zfill(kind.digits)}", kind


def record_by_number(*, query: str, user) -> NumberHit | None:
    """The record a number names and the page that shows it to ``user``, in one indexed
    statement; None when the query is not a number."""
    parsed = parse_number(query)
    if parsed is None:
        return None
    number, kind = parsed
    model = apps.get_model(kind.model)
    row = model.objects.filter(**{kind.field: number}).values(*_NUMBER_COLUMNS.get(kind.model, ("pk",))).first()
    if row is None:
        return NumberHit(number=number, kind=kind)
    url = _number_url(kind, row) if user.has_perm(kind.permission) else ""
    return NumberHit(number=number, kind=kind, url=url, found=True)


# What each kind needs to link to its page: a receipt is shown with what it was paid for.
_NUMBER_COLUMNS = {
    "fees.Receipt": ("pk", "payment__pk", "renovation_charge__renovation_id", "source"),
    "renovation.DepositRefund": ("pk", "deposit__renovation_id"),
}


def _number_url(kind: NumberKind, row: dict) -> str:
    if kind.model == "fees.Receipt":
        if row["payment__pk"]:
            return reverse("fees:payment", args=[row["payment__pk"]])
        if row["renovation_charge__renovation_id"]:
            return reverse("renovation:detail", args=[row["renovation_charge__renovation_id"]])
        if row["source"].startswith("workorder:"):   # a paid service paid in cash
            return reverse("repairs:detail", args=[int(row["source"].split(":")[1])])
        return reverse("fees:receipt_print", args=[row["pk"]])
    if kind.model == "renovation.DepositRefund":
        return reverse("renovation:detail", args=[row["deposit__renovation_id"]])
    name = {"complaints.Complaint": "complaints:detail", "complaints.Suggestion": "complaints:suggestion",
            "repairs.WorkOrder": "repairs:detail", "fees.Bill": "fees:bill",
            "renovation.Renovation": "renovation:detail", "gate.ItemPass": "gate:pass_detail",
            "gate.CardApplication": "gate:card_detail"}[kind.model]
    return reverse(name, args=[row["pk"]])


# ---- one unit, one page; one owner, one page -----------------------------------------------
# The unit's page and the owner's page at the desk show everything about them: what is open
# first (complaints, work orders, callbacks due, bills owing with the total, renovations not
# closed, item passes and visitors of today, cards), what is done below. Each list is capped
# and every block is counted in one capped statement, so a page reads the same statements
# whether the unit has three complaints or three thousand.

_ONE_DAY = timedelta(days=1)
RECORD_ROWS = 8   # rows of each list on the unit's and the owner's page

# What each block needs to be shown, by the reader's permission.
RECORD_NEEDS = {
    "complaints": "complaints.view_complaint",
    "work_orders": "repairs.view_workorder",
    "callbacks": "callbacks.view_callback",
    "bills": "fees.view_bill",
    "renovations": "renovation.view_renovation",
    "passes": "gate.view_itempass",
    "visits": "gate.view_visit",
    "cards": "gate.view_cardapplication",
}


@dataclass
class RecordPage:
    """What a unit's or an owner's page shows of the apps' records as of ``as_of``. A block the
    reader may not see is None; ``counts`` holds each list's capped count (above
    ``QUEUE_COUNT_CAP``: "more"), so the page says "8 of 23" and links to the full list."""

    as_of: datetime
    limit: int = RECORD_ROWS
    counts: dict[str, int] = field(default_factory=dict)
    complaints_open: list | None = None
    complaints_past: list | None = None
    work_orders_open: list | None = None
    work_orders_past: list | None = None
    callbacks_due: list | None = None
    callbacks_past: list | None = None
    owed: object = None            # Decimal: what the bills still owing come to
    bills_owing: list | None = None
    bills_past: list | None = None
    renovations: list | None = None
    passes: list | None = None      # item passes of today and later, not used or cancelled yet
    visits: list | None = None      # today's visitors, those still in first
    cards: list | None = None

    @property
    def today(self):
        return timezone.localdate(self.as_of)

    @property
    def renovation_active(self):
        return next((r for r in self.renovations or [] if r.is_active), None)

    @property
    def has_open(self) -> bool:
        return any(self.counts.get(key) for key in (
            "complaints_open", "work_orders_open", "callbacks_due", "bills_owing", "renovations_active",
            "passes", "visits"))


def unit_page(*, unit, user, as_of: datetime, limit: int = RECORD_ROWS) -> RecordPage:
    """Everything the unit's page shows of the apps' records for ``user``."""
    from django.db.models import Q

    from gate.selectors import cards_for_unit

    here = Q(unit=unit)
    return _record_page(user=user, as_of=as_of, limit=limit, scope={name: here for name in RECORD_NEEDS},
                        cards=lambda: cards_for_unit(unit)[:limit])


def owner_page(*, owner, user, as_of: datetime, limit: int = RECORD_ROWS) -> RecordPage:
    """Everything the owner's page shows of the apps' records: what was asked for by them or
    addressed to them (complaints, work orders, callbacks, renovations), and what belongs to
    the units they own now (bills, whose debt stays with the unit; passes, visitors, cards)."""
    from django.db.models import Q

    from gate.models import CardApplication
    from owners.selectors import owned_units

    theirs, their_units = Q(owner=owner), Q(unit__in=owned_units(owner=owner).values("pk"))
    scope = {"complaints": theirs, "work_orders": theirs, "callbacks": theirs, "renovations": theirs,
             "bills": their_units, "passes": their_units, "visits": their_units}

    def cards():
        rows = (CardApplication.objects.filter(their_units).select_related("unit", "receipt", "applicant")
                .order_by("-applied_at", "-pk")[:limit])
        return _cards_in_use_first(list(rows))

    return _record_page(user=user, as_of=as_of, limit=limit, scope=scope, cards=cards)


def _cards_in_use_first(cards: list) -> list:
    from gate.models import CardStatus

    in_use = (CardStatus.PAID, CardStatus.READY, CardStatus.ISSUED)
    return sorted(cards, key=lambda c: c.status not in in_use)   # stable: newest first within each


def _record_page(*, user, as_of: datetime, limit: int, scope: dict, cards) -> RecordPage:
    from django.db.models import DecimalField, F, Sum
    from django.db.models.functions import Coalesce

    from callbacks.models import Callback
    from callbacks.models import Status as CallbackStatus
    from complaints.models import OPEN_STATUSES as COMPLAINT_OPEN
    from complaints.models import Complaint
    from fees.models import Bill
    from gate.models import ItemPass, PassStatus, Visit
    from renovation.models import ACTIVE_STATUSES as RENOVATION_ACTIVE
    from renovation.models import Renovation
    from repairs.models import OPEN_STATUSES as WORK_ORDER_OPEN
    from repairs.models import WorkOrder

    may = {block: user.has_perm(perm) for block, perm in RECORD_NEEDS.items()}
    page = RecordPage(as_of=as_of, limit=limit)
    today = page.today
    counted = {}
    if may["complaints"]:
        rows = Complaint.objects.filter(scope["complaints"]).select_related("unit", "assignee")
        open_, past = rows.filter(status__in=COMPLAINT_OPEN), rows.exclude(status__in=COMPLAINT_OPEN)
        page.complaints_open = list(open_.order_by("promised_at", "pk")[:limit])
        for row in page.complaints_open:
            row.missed = row.is_overdue(as_of)
        page.complaints_past = list(past.order_by("-received_at", "-pk")[:limit])
        counted.update(complaints_open=open_, complaints_past=past)
    if may["work_orders"]:
        rows = WorkOrder.objects.filter(scope["work_orders"]).select_related("unit", "worker__user")
        open_, past = rows.filter(status__in=WORK_ORDER_OPEN), rows.exclude(status__in=WORK_ORDER_OPEN)
        page.work_orders_open = list(open_.order_by("-registered_at", "-pk")[:limit])
        page.work_orders_past = list(past.order_by("-registered_at", "-pk")[:limit])
        counted.update(work_orders_open=open_, work_orders_past=past)
    if may["callbacks"]:
        rows = Callback.objects.filter(scope["callbacks"]).select_related("unit", "complaint", "work_order",
                                                                          "assignee")
        due, past = rows.filter(status=CallbackStatus.DUE), rows.exclude(status=CallbackStatus.DUE)
        page.callbacks_due = list(due.order_by("due_on", "pk")[:limit])
        for row in page.callbacks_due:
            row.overdue = row.due_on < today
        page.callbacks_past = list(past.order_by("-event_at", "-pk")[:limit])
        counted.update(callbacks_due=due, callbacks_past=past)
    if may["bills"]:
        from fees.selectors import OWING

        rows = Bill.objects.filter(scope["bills"]).select_related("unit")
        owing, paid = rows.filter(status__in=OWING), rows.exclude(status__in=OWING)
        page.bills_owing = list(owing.order_by("period", "pk")[:limit])   # the order a payment settles them
        page.bills_past = list(paid.order_by("-period", "-pk")[:limit])
        page.owed = owing.aggregate(owed=Coalesce(Sum(F("amount") - F("paid")), Decimal("0.00"),
                                                  output_field=DecimalField(max_digits=12, decimal_places=2)))["owed"]
        counted.update(bills_owing=owing, bills_past=paid)
    if may["renovations"]:
        rows = Renovation.objects.filter(scope["renovations"]).select_related("unit")
        page.renovations = list(rows.order_by("-applied_at", "-pk")[:limit])   # each knows is_active
        counted.update(renovations=rows, renovations_active=rows.filter(status__in=RENOVATION_ACTIVE))
    if may["passes"]:
        rows = ItemPass.objects.filter(scope["passes"], day__gte=today,
                                       status__in=(PassStatus.AWAITING_OWNER, PassStatus.CONFIRMED))
        page.passes = list(rows.select_related("unit").order_by("day", "pk")[:limit])
        counted["passes"] = rows
    if may["visits"]:
        start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
        rows = Visit.objects.filter(scope["visits"], time_in__gte=start, time_in__lt=start + _ONE_DAY)
        page.visits = sorted(rows.select_related("unit").order_by("-time_in", "-pk")[:limit],
                             key=lambda v: v.time_out is not None)   # those still in first
        counted["visits"] = rows
    if may["cards"]:
        page.cards = list(cards())
    page.counts = capped_counts(counted)
    if "renovations" in page.counts:
        page.counts["renovations_past"] = page.counts["renovations"] - page.counts["renovations_active"]
    return page


# ---- the desk's reports in the API (pages/api.py) ------------------------------------------------

def desk_reports_for_api(*, with_figures: bool):
    """The stored daily and weekly reports; the list leaves the figures out (a report's
    JSON is read by its detail only)."""
    rows = DeskReport.objects.all()
    return rows if with_figures else rows.defer("data")


# ---- an owner's own data, as one file (PIPL art. 45) ---------------------------------------------


@dataclass(frozen=True)
class DataKind:
    """One sheet of the owner's file: the records of one kind, the columns as field paths
    (their headers are the fields' own translated names), the rows the owner's."""

    model: str
    columns: tuple[str, ...]
    rows: object            # (owner, periods) -> queryset
    related: tuple[str, ...] = ()
    masked: tuple[str, ...] = ()   # someone else's number on their record: shown masked


def _mine(path: str = "owner"):
    return lambda owner, periods: {path: owner}


def _in_time(day: str):
    return lambda owner, periods: in_periods(periods, day=day)


def _lived_there(owner, periods):
    return overlapping(periods, start="move_in_date", end="move_out_date")


def _passes(owner, periods):
    return Q(applicant_owner=owner) | in_periods(periods, day="day")


MY_DATA: tuple[DataKind, ...] = (
    DataKind("owners.Ownership", ("unit", "unit__area", "start_date", "end_date", "move_in_date", "move_out_date",
                                  "end_reason"), _mine(), related=("unit__estate",)),
    DataKind("owners.Resident", ("unit", "name", "relation", "phone", "move_in_date", "move_out_date"), _lived_there,
             related=("unit__estate",), masked=("phone",)),
    DataKind("complaints.Complaint", ("number", "unit", "received_at", "channel", "category", "urgency",
                                      "contact_name", "contact_phone", "location", "description", "status",
                                      "promised_at", "resolved_at", "resolution"), _mine(), related=("unit__estate",)),
    DataKind("complaints.ComplaintEvent", ("complaint__number", "at", "kind", "from_status", "to_status", "note"),
             lambda owner, periods: {"complaint__owner": owner, "public": True}, related=("complaint",)),
    DataKind("complaints.Suggestion", ("number", "received_at", "channel", "subject", "content", "status",
                                       "decided_at", "reply"), _mine()),
    DataKind("complaints.SuggestionEvent", ("suggestion__number", "at", "from_status", "to_status", "note"),
             lambda owner, periods: {"suggestion__owner": owner}, related=("suggestion",)),
    DataKind("repairs.WorkOrder", ("number", "unit", "kind", "registered_at", "requester_name", "requester_phone",
                                   "description", "appointment_at", "status", "completed_at", "agreed_price"),
             _mine(), related=("unit__estate",)),
    DataKind("callbacks.Callback", ("kind", "unit", "contact_name", "event_at", "due_on", "status", "done_at"),
             _mine(), related=("unit__estate",)),
    DataKind("fees.Bill", ("number", "unit", "period", "amount", "paid", "status", "due_on"), _mine(),
             related=("unit__estate",)),
    DataKind("fees.Payment", ("receipt__number", "unit", "received_at", "payer_name", "amount", "method",
                              "reversed_at"), _in_time("received_at__date"), related=("unit__estate", "receipt")),
    DataKind("fees.Receipt", ("number", "unit", "issued_at", "payer_name", "amount", "method", "purpose_text",
                              "reversed_at"), _in_time("issued_at__date"), related=("unit__estate",)),
    DataKind("renovation.Renovation", ("number", "unit", "status", "scope", "planned_start", "planned_end",
                                       "contractor_name", "applied_at", "closed_at"), _mine(),
             related=("unit__estate",)),
    DataKind("gate.ItemPass", ("number", "unit", "day", "applicant_name", "status", "released_at"), _passes,
             related=("unit__estate",)),
    DataKind("gate.Visit", ("unit", "visitor_name", "confirmed_how", "time_in", "time_out"), _in_time("time_in__date"),
             related=("unit__estate",)),
    DataKind("gate.Preregistration", ("unit", "visitor_name", "day", "code"), _mine(), related=("unit__estate",)),
    DataKind("gate.CardApplication", ("number", "unit", "kind", "holder_name", "plate_number", "status",
                                      "applied_at"), _mine("applicant"), related=("unit__estate",)),
    DataKind("activities.Participation", ("activity__title", "activity__starts_at", "unit", "people", "attended"),
             _mine(), related=("activity", "unit__estate")),
)


def _field_of(model, path: str):
    """The model field a column path ends at (None for a property such as purpose_text)."""
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    try:
        return model._meta.get_field(parts[-1])
    except FieldDoesNotExist:
        return None


def _header(model, path: str) -> str:
    field_ = _field_of(model, path)
    if field_ is None:
        return str(model._meta.get_field("purpose").verbose_name) if path == "purpose_text" else path
    if "__" in path and path.split("__")[-1] in ("number", "title"):
        return str(field_.model._meta.verbose_name)   # "complaint", "receipt", "activity"
    return str(field_.verbose_name)


def _cell(record, path: str, field_, masked: bool, tz):
    value = record
    for part in path.split("__")[:-1]:
        value = getattr(value, part, None)
        if value is None:
            return ""
    name = path.split("__")[-1]
    if field_ is not None and field_.choices:
        return getattr(value, f"get_{name}_display")()
    value = getattr(value, name)
    if value is None:
        return ""
    if masked:
        return pii.mask_phone(value)
    if isinstance(field_, ForeignKey):
        return str(value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime):
        return timezone.localtime(value, tz).replace(tzinfo=None)
    return value


def _messages_sheet(owner):
    """The messages sent to the owner: each delivery (SMS, e-mail, letter, ...) with when
    it went and what it said, rendered in their language; an inbox-only message too."""
    header = [str(_("at")),
              str(Delivery._meta.get_field("channel").verbose_name),
              str(Delivery._meta.get_field("status").verbose_name),
              str(Delivery._meta.get_field("sent_at").verbose_name), str(_("subject")), str(_("text"))]
    mine = Q(owner=owner) | (Q(recipient_id=owner.user_id) if owner.user_id else Q(pk__in=[]))
    notes = Notification.objects.filter(mine).prefetch_related("deliveries").order_by("created_at", "pk")
    tz = timezone.get_current_timezone()
    rows = []
    for note in notes:
        subject, body = note.render()
        moment = timezone.localtime(note.created_at, tz).replace(tzinfo=None)
        deliveries = list(note.deliveries.all()) or [None]
        for delivery in deliveries:
            rows.append([
                moment,
                delivery.get_channel_display() if delivery else str(DeliveryChannel.INBOX.label),
                delivery.get_status_display() if delivery else "",
                timezone.localtime(delivery.sent_at, tz).replace(tzinfo=None) if delivery and delivery.sent_at else "",
                subject, body])
    return Sheet(title=str(Notification._meta.verbose_name_plural), header=header, rows=rows)


def owner_data_sheets(*, owner, as_of: datetime) -> list:
    """Everything the portal holds about ``owner``, a sheet per kind, in the active
    language: their record and phones (in full: they are theirs), then each kind of record
    about them (MY_DATA) and the messages sent to them. Records kept by unit (payments,
    receipts, residents, visitors, item passes) only from the time they owned the unit: what
    came before or after is the other owner's. A statement or two per kind, whatever the rows."""
    periods = owner_periods(owner.pk)
    tz = timezone.get_current_timezone()
    record = Owner.objects.prefetch_related("phones").get(pk=owner.pk)
    facts = [(str(Owner._meta.get_field(name).verbose_name), _cell(record, name, Owner._meta.get_field(name), False, tz))
             for name in ("name", "id_type", "id_number", "address", "email", "preferred_channel", "language",
                          "special_needs_note", "created_at")]
    facts.insert(6, (str(Owner._meta.get_field("special_needs").verbose_name),
                     "、".join(record.get_special_needs_display())))
    for phone in record.phones.all():
        facts.append((f"{phone._meta.get_field('number').verbose_name} ({phone.get_label_display()})", phone.number))
    sheets = [Sheet(title=str(Owner._meta.verbose_name), header=[str(_("field")), str(_("value"))],
                    rows=[list(fact) for fact in facts],
                    caption=str(_("Your data at %(moment)s") % {"moment": f"{timezone.localtime(as_of):%Y-%m-%d %H:%M}"}))]
    for kind in MY_DATA:
        model = apps.get_model(kind.model)
        scope = kind.rows(owner, periods)
        rows = model._default_manager.filter(**scope) if isinstance(scope, dict) else model._default_manager.filter(scope)
        if kind.related:
            rows = rows.select_related(*kind.related)
        fields = [_field_of(model, path) for path in kind.columns]
        sheets.append(Sheet(
            title=str(model._meta.verbose_name_plural), header=[_header(model, path) for path in kind.columns],
            rows=[[_cell(row, path, field_, path in kind.masked, tz) for path, field_ in zip(kind.columns, fields)]
                  for row in rows.order_by("pk")]))
    sheets.append(_messages_sheet(owner))
    for sheet in sheets:
        sheet.title = _sheet_title(sheet.title)
    return sheets


def _sheet_title(title: str) -> str:
    """A worksheet's name: 31 characters at most, none of ``[]:*?/\\`` (a translated
    name such as "姓名/名称" would be refused)."""
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


def my_data_kinds() -> list[str]:
    """The sheets of the owner's file, by name, for the page that offers it."""
    return ([str(Owner._meta.verbose_name)] + [str(apps.get_model(kind.model)._meta.verbose_name_plural)
                                               for kind in MY_DATA]
            + [str(Notification._meta.verbose_name_plural)])
