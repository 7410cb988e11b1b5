"""Reads of the pages that show several apps at once. The desk's today page takes each
block's rows from its app's selectors and counts every block in one capped statement
(propertydesk.paging.capped_counts), so its queries do not grow with the data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils import timezone

from callbacks import selectors as callbacks
from complaints import selectors as complaints
from desk import selectors as desk
from fees import selectors as fees
from pages.models import DeskReport, StaffMonthFacts
from propertydesk import periods
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


# ---- the desk's reports in the API (pages/api.py) ------------------------------------------------

def desk_reports_for_api(*, with_figures: bool):
    """The stored daily and weekly reports; the list leaves the figures out (a report's
    JSON is read by its detail only)."""
    rows = DeskReport.objects.all()
    return rows if with_figures else rows.defer("data")
