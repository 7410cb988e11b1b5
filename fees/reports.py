"""Fee reports: the month report's figures (kept in MonthReport by the job of the report day),
the arrears list with its cases, and the .xlsx downloads. Reads only; the writes are
in fees/services.py.

Money stays Decimal here; in a MonthReport's JSON it is a string ("753.50") so that
nothing passes through a float."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fees import selectors
from fees.models import (
    MEASURE_ORDER,
    ArrearsCase,
    ArrearsMeasure,
    ArrearsReason,
    DunningNotice,
    FeePolicy,
    MeasureKind,
    NoticeChannel,
    Payment,
    PaymentMethod,
)
from propertydesk.exports import Sheet, xlsx_response  # noqa: F401 (xlsx_response: the views call it from here)

ZERO = Decimal("0.00")


def month_start(value: date) -> date:
    return value.replace(day=1)


def month_end(month: date) -> date:
    return month_start(month) + relativedelta(months=1) - relativedelta(days=1)


def _local_bounds(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(month_start(month), time.min, tzinfo=tz)
    return start, datetime.combine(month_start(month) + relativedelta(months=1), time.min, tzinfo=tz)


# ---- the month report -------------------------------------------------------------------------

def report_estates() -> list:
    """Every estate by name, each with ``.policy``, the fee policy in force for it (its own
    row, else the defaults): one statement, for the report page to name the estates and
    their report days and for the figures to bucket their arrears."""
    from owners.models import Estate

    estates = list(Estate.objects.select_related("fee_policy").order_by("name"))
    for estate in estates:
        estate.policy = getattr(estate, "fee_policy", None) or FeePolicy.with_defaults(estate_id=estate.pk)
    return estates


def month_report_figures(*, month: date, as_of: datetime, estates: list | None = None,
                         as_of_is_now: bool = False) -> tuple[dict, dict[int, dict]]:
    """The figures of a month, for all estates together and for each estate: receivable
    and collected for the month's bills (paid by ``as_of``, reversed payments aside), the
    collection rate, the payments received in the month by method, the arrears by age at
    the month's end (by the bills' state when the report is made, each estate's units in
    the buckets of its fee policy) and the dunning notices by round and channel.

    A handful of grouped queries (GROUP BY estate), the same whatever the estates and
    the rows: (all estates, {estate id: figures}); every estate is listed, one with
    nothing too."""
    from django.db import connection

    from fees.models import Allocation, Bill
    from owners.models import Estate

    month = month_start(month)
    start, end = _local_bounds(month)
    # The month's end, or today for the month still running (its end has not come).
    aging_as_of = min(month_end(month), timezone.localdate(as_of))
    estates = report_estates() if estates is None else estates
    estate_ids = sorted(estate.pk for estate in estates)
    policies = {estate.pk: estate.policy for estate in estates}
    # Receivable and paid from the month's bills' index alone (bill_month_totals). A bill's
    # paid is what its payments not reversed settled (payment_take and payment_reverse keep
    # it so): collected by ``as_of`` is that, less what payments received after ``as_of``
    # settled (none when ``as_of`` is now) - not a join of every allocation ever made.
    receivable, collected = {}, {}
    for estate_id, amount, paid in (Bill.objects.filter(period=month).values("estate_id")
                                    .annotate(s=Sum("amount"), p=Sum("paid")).order_by()
                                    .values_list("estate_id", "s", "p")):
        receivable[estate_id], collected[estate_id] = amount, paid
    # (When the caller's ``as_of`` is the present moment, no payment has come after it.)
    later_payments = [] if as_of_is_now else (
        Allocation.objects.filter(bill__period=month, payment__reversed_at__isnull=True, payment__received_at__gt=as_of)
        .values("bill__estate_id").annotate(s=Sum("amount")).order_by().values_list("bill__estate_id", "s"))
    for estate_id, later in later_payments:
        collected[estate_id] -= later
    payments: dict[int, list] = {}
    for row in (Payment.objects.filter(received_at__gte=start, received_at__lt=end)
                .annotate(kept=Q(reversed_at__isnull=True)).values("estate_id", "method", "kept")
                .annotate(count=Count("pk"), total=Sum("amount")).order_by()):
        payments.setdefault(row["estate_id"], []).append(row)
    # Arrears at the month's end, by the bills' state now: one row per estate and age in
    # months (units and owed), bucketed below by each estate's policy.
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT estate_id, months, count(*), sum(owed) FROM (
                SELECT estate_id, (%(year)s - extract(year FROM oldest)::int) * 12
                                  + %(month)s - extract(month FROM oldest)::int + 1 AS months, owed
                FROM ({selectors.debts_source(as_of=aging_as_of)}) b) per_unit
            GROUP BY estate_id, months
        """, {"year": aging_as_of.year, "month": aging_as_of.month, "owing": tuple(selectors.OWING),
              "as_of": aging_as_of})
        ages = cursor.fetchall()
    notices: dict[int, list] = {}
    for row in (DunningNotice.objects.filter(period=month).values("estate_id", "round", "channel")
                .annotate(count=Count("pk")).order_by("round", "channel")):
        notices.setdefault(row["estate_id"], []).append(row)

    def figures(ids: list[int], buckets: list[tuple[str, int, int | None]]) -> dict:
        def total(values) -> Decimal:
            return sum((v for v in values if v is not None), ZERO)

        rate = selectors.CollectionRate(period=month, receivable=total(receivable.get(pk) for pk in ids),
                                        collected=total(collected.get(pk) for pk in ids))
        rows = [row for pk in ids for row in payments.get(pk, [])]
        kept = [row for row in rows if row["kept"]]
        reversed_ = [row for row in rows if not row["kept"]]
        aging = {key: {"bucket": key, "units": 0, "owed": ZERO} for key, _low, _high in buckets}
        wanted = set(ids)
        for estate_id, months, units, owed in ages:
            if estate_id in wanted:
                key = policies[estate_id].bucket_of(months)
                aging[key]["units"] += units
                aging[key]["owed"] += owed
        counted: dict[tuple, int] = {}
        for pk in ids:
            for row in notices.get(pk, []):
                counted[row["round"], row["channel"]] = counted.get((row["round"], row["channel"]), 0) + row["count"]
        return {
            "month": f"{month:%Y-%m}",
            "receivable": str(rate.receivable),
            "collected": str(rate.collected),
            "rate": None if rate.rate is None else str(rate.rate),
            "payments": [
                {"method": method, "count": sum(r["count"] for r in kept if r["method"] == method),
                 "total": str(total(r["total"] for r in kept if r["method"] == method))}
                for method in PaymentMethod.values
            ],
            "payments_total": str(total(r["total"] for r in kept)),
            "reversed_count": sum(r["count"] for r in reversed_),
            "reversed_total": str(total(r["total"] for r in reversed_)),
            "aging_as_of": f"{aging_as_of:%Y-%m-%d}",
            "aging": [{"bucket": row["bucket"], "units": row["units"], "owed": str(row["owed"])}
                      for row in aging.values()],
            "notices": [{"round": round_, "channel": channel, "count": count}
                        for (round_, channel), count in sorted(counted.items())],
            "notices_total": sum(counted.values()),
        }

    every = _buckets(policies.values())
    return figures(estate_ids, every), {pk: figures([pk], policies[pk].aging_ranges()) for pk in estate_ids}


def _buckets(policies) -> list[tuple[str, int, int | None]]:
    """The age buckets of these policies, each once, shortest first (selectors.aging_buckets)."""
    ranges = {r for policy in policies for r in policy.aging_ranges()} or set(FeePolicy.with_defaults().aging_ranges())
    return sorted(ranges, key=lambda r: (r[1], r[2] is None, r[2] or 0))


@dataclass
class ReportView:
    """A month report's JSON made readable for a page or a sheet: Decimals back, labels on."""

    estate_name: str
    data: dict
    generated_at: datetime | None = None
    payments: list = field(default_factory=list)
    aging: list = field(default_factory=list)
    notices: list = field(default_factory=list)

    def __post_init__(self):
        d = self.data
        methods = dict(PaymentMethod.choices)
        channels = dict(NoticeChannel.choices)
        self.payments = [{"method": row["method"], "label": methods.get(row["method"], row["method"]),
                          "count": row["count"], "total": Decimal(row["total"])} for row in d.get("payments", [])]
        self.aging = [{"bucket": row["bucket"], "label": bucket_label(row["bucket"]), "units": row["units"],
                       "owed": Decimal(row["owed"])} for row in d.get("aging", [])]
        self.notices = [{"round": row["round"], "channel": row["channel"], "label": channels.get(row["channel"], row["channel"]),
                         "count": row["count"]} for row in d.get("notices", [])]

    @property
    def receivable(self) -> Decimal:
        return Decimal(self.data["receivable"])

    @property
    def collected(self) -> Decimal:
        return Decimal(self.data["collected"])

    @property
    def rate(self) -> Decimal | None:
        return None if self.data.get("rate") is None else Decimal(self.data["rate"])

    @property
    def owed_left(self) -> Decimal:
        return self.receivable - self.collected

    @property
    def payments_total(self) -> Decimal:
        return Decimal(self.data.get("payments_total", "0"))

    @property
    def reversed_total(self) -> Decimal:
        return Decimal(self.data.get("reversed_total", "0"))

    @property
    def arrears_units(self) -> int:
        return sum(row["units"] for row in self.aging)

    @property
    def arrears_owed(self) -> Decimal:
        return sum((row["owed"] for row in self.aging), ZERO)


def bucket_label(key: str) -> str:
    """An age bucket's key (FeePolicy.aging_ranges: "1", "2-3", "12+") said in words."""
    low, dash, high = key.removesuffix("+").partition("-")
    if not low.isdigit() or (dash and not high.isdigit()):
        return key
    if key.endswith("+"):
        return _("More than %(months)s months") % {"months": low}
    if dash:
        return _("%(low)s–%(high)s months") % {"low": low, "high": high}
    return ngettext("%(months)s month", "%(months)s months", int(low)) % {"months": low}


def live_month_report(*, month: date, as_of: datetime, estates, as_of_is_now: bool = False
                      ) -> tuple[ReportView, list[ReportView]]:
    """The month's figures computed now: all estates together, then each of ``estates``
    (month_report_figures: the same few grouped queries whatever the estates)."""
    every, each = month_report_figures(month=month, as_of=as_of, estates=estates, as_of_is_now=as_of_is_now)
    return ReportView(_("All estates"), every), [ReportView(e.name, each[e.pk]) for e in estates if e.pk in each]


def stored_month_report(*, month: date) -> tuple[ReportView | None, list[ReportView]]:
    """The report the job of the report day stored for the month, if it ran."""
    from fees.models import MonthReport

    rows = list(MonthReport.objects.filter(month=month_start(month)).select_related("estate")
                .order_by("estate__name"))
    overall = next((ReportView(_("All estates"), r.data, r.generated_at) for r in rows if r.estate_id is None), None)
    return overall, [ReportView(r.estate.name, r.data, r.generated_at) for r in rows if r.estate_id is not None]


def month_report(*, month: date, as_of: datetime, estates: list | None = None, as_of_is_now: bool = False
                 ) -> tuple[ReportView, list[ReportView], bool]:
    """The month report for the page and its download: the one the job stored, once the
    report of all estates is made; before that (the running month, or before the report
    day) the figures computed now, for ``estates`` (report_estates(), read when not
    given). (all estates, each estate, stored?)"""
    # The running month (or a later one) has no stored report: it is made after its end.
    if month_start(month) < month_start(timezone.localdate(as_of)):
        overall, stored = stored_month_report(month=month)
        if overall is not None:
            return overall, stored, True
    overall, live = live_month_report(month=month, as_of=as_of, as_of_is_now=as_of_is_now,
                                      estates=report_estates() if estates is None else estates)
    return overall, live, False


# ---- arrears ----------------------------------------------------------------------------------

@dataclass
class ArrearsLine:
    row: selectors.ArrearsRow
    owner_name: str = ""
    case: ArrearsCase | None = None
    last_measure: str = ""
    last_measure_at: datetime | None = None
    has_lawyer: bool = False
    policy: FeePolicy | None = None  # the estate's; the defaults when None

    @property
    def bucket_label(self) -> str:
        return bucket_label(self.row.bucket)

    @property
    def last_measure_label(self) -> str:
        return dict(MeasureKind.choices).get(self.last_measure, "")

    @property
    def is_long_term_refuser(self) -> bool:
        """Refusing to pay for more than the policy's months, or for its months after a
        lawyer's letter and more once one was sent (000)."""
        if self.case is None or self.case.reason != ArrearsReason.REFUSAL:
            return False
        policy = self.policy or FeePolicy.with_defaults()
        return self.row.months > policy.refuser_months or (
            self.has_lawyer and self.row.months >= policy.refuser_months_after_lawyer)


def arrears_lines(rows: list[selectors.ArrearsRow], *, policies=None) -> list[ArrearsLine]:
    """Owner name, case, last measure and fee policy for arrears rows: the same few
    queries, whatever the rows (``policies``: of their estates, when the caller has them)."""
    from owners.models import Owner

    unit_ids = [r.unit_id for r in rows]
    owners = dict(Owner.objects.filter(pk__in={r.owner_id for r in rows if r.owner_id}).values_list("pk", "name"))
    last = ArrearsMeasure.objects.filter(case=OuterRef("pk")).order_by("-at", "-id")
    cases = {c.unit_id: c for c in ArrearsCase.objects.filter(unit_id__in=unit_ids).annotate(
        last_kind=Subquery(last.values("kind")[:1]), last_at=Subquery(last.values("at")[:1]),
        lawyer=Exists(ArrearsMeasure.objects.filter(case=OuterRef("pk"), kind__in=[MeasureKind.LAWYER, MeasureKind.LEGAL])),
    )}
    if policies is None:
        policies = selectors.fee_policies(estate_ids={r.estate_id for r in rows})
    lines = []
    for row in rows:
        case = cases.get(row.unit_id)
        lines.append(ArrearsLine(row, owners.get(row.owner_id, ""), case,
                                 getattr(case, "last_kind", "") or "", getattr(case, "last_at", None),
                                 bool(getattr(case, "lawyer", False)), policies[row.estate_id]))
    return lines


def long_term_refusers(*, as_of: date, estate=None, policies=None) -> list[ArrearsLine]:
    """Units whose case says they refuse to pay, in arrears for longer than their
    estate's fee policy allows (by default more than 12 months, or 6 months and more
    once a lawyer's letter was sent). The arrears of the refusing units only are read."""
    refusing = list(ArrearsCase.objects.filter(reason=ArrearsReason.REFUSAL).values_list("unit_id", flat=True))
    rows = selectors.arrears(as_of=as_of, estate=estate, unit_ids=refusing, policies=policies) if refusing else []
    return [line for line in arrears_lines(rows, policies=policies) if line.is_long_term_refuser]


def next_measure(case: ArrearsCase | None) -> str:
    """The step after the furthest one taken: notice → phone → home visit → lawyer's
    letter → legal action."""
    if case is None:
        return MeasureKind.NOTICE
    done = {m.kind for m in case.measures.all()}
    furthest = max((MEASURE_ORDER.index(k) for k in done if k in MEASURE_ORDER), default=-1)
    return MEASURE_ORDER[min(furthest + 1, len(MEASURE_ORDER) - 1)]


# ---- .xlsx: written by propertydesk.exports, which keeps typed text from running as a formula

def month_report_sheets(*, overall: ReportView, estates: list[ReportView], month: date,
                        generated_at: datetime | None) -> list[Sheet]:
    views = [*estates, overall]
    when = timezone.localtime(generated_at).strftime("%Y-%m-%d %H:%M") if generated_at else ""
    caption = _("Fee report for %(month)s") % {"month": f"{month:%Y-%m}"}
    if when:
        caption += " · " + _("generated at %(when)s") % {"when": when}
    rate = [v.rate for v in views]
    return [
        Sheet(_("Collection"), [_("Estate"), _("Receivable (yuan)"), _("Collected (yuan)"), _("Collection rate (%)"),
                                _("Received in the month (yuan)"), _("Reversed (yuan)")],
              [[v.estate_name, v.receivable, v.collected, r, v.payments_total, v.reversed_total]
               for v, r in zip(views, rate, strict=True)], caption, [24, 18, 18, 16, 22, 16]),
        Sheet(_("Payments"), [_("Estate"), _("Method"), _("Payments"), _("Amount (yuan)")],
              [[v.estate_name, p["label"], p["count"], p["total"]] for v in views for p in v.payments],
              caption, [24, 20, 12, 16]),
        Sheet(_("Arrears"), [_("Estate"), _("In arrears for"), _("Units"), _("Owed (yuan)")],
              [[v.estate_name, a["label"], a["units"], a["owed"]] for v in views for a in v.aging],
              caption + " · " + _("arrears on %(day)s") % {"day": overall.data.get("aging_as_of", "")}, [24, 20, 10, 16]),
        Sheet(_("Notices"), [_("Estate"), _("Round"), _("Sent via"), _("Notices")],
              [[v.estate_name, n["round"], n["label"], n["count"]] for v in views for n in v.notices],
              caption, [24, 8, 28, 10]),
    ]


def takings_sheets(takings: dict) -> list[Sheet]:
    methods = dict(PaymentMethod.choices)
    caption = _("Takings of %(day)s") % {"day": f"{takings['day']:%Y-%m-%d}"}
    return [
        Sheet(_("By method"), [_("Method"), _("Payments"), _("Amount (yuan)")],
              [[methods.get(r["method"], r["method"]), r["count"], r["total"]] for r in takings["by_method"]]
              + [[_("Total"), sum(r["count"] for r in takings["by_method"]), takings["total"]]],
              caption, [22, 12, 16]),
        Sheet(_("By staff"), [_("Received by"), _("Payments"), _("Amount (yuan)")],
              [[staff_name(r), r["count"], r["total"]] for r in takings["by_staff"]], caption, [22, 12, 16]),
        Sheet(_("Reversed"), [_("Receipt"), _("Unit"), _("Method"), _("Amount (yuan)"), _("Reversed at"), _("Why")],
              [[p.receipt.number, p.unit.number, methods.get(p.method, p.method), p.amount,
                timezone.localtime(p.reversed_at).strftime("%Y-%m-%d %H:%M"), p.reversal_reason]
               for p in takings["reversed"]], caption, [24, 14, 16, 14, 18, 30]),
    ]


def staff_name(row: dict) -> str:
    full = f"{row.get('received_by__last_name') or ''}{row.get('received_by__first_name') or ''}".strip()
    return full or row.get("received_by__username") or _("(online or bank)")
