"""The supervisor's dashboard's figures (domain §9; seed 000 六、七): what each is, how a
month's are computed from the apps' selectors, and how months add up to a period.

Every figure of a period is a numerator and a denominator, each the sum of its months'
(a rate of a quarter is the quarter's on-time complaints over the quarter's resolved
ones, not the mean of three rates). The arrears recovery rate alone is not a plain sum:
what was recovered adds up, what is still owed is the last month's. A month's figures
are computed as they stood at ``as_of``; a month that is over goes on moving for a while
(a callback of the month's last days falls due in the next, a bill is paid late), so it
is computed at its month's end plus SETTLE_MONTHS, and then it stays put.

Figures that are a state, not a period's events (open complaints by age, overdue
callbacks, deposits held and refunds due, undelivered messages), are read now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callbacks import selectors as callbacks
from callbacks.models import Kind as CallbackKind
from complaints import selectors as complaints
from fees import selectors as fees
from owners.models import Estate
from propertydesk import selectors as core
from renovation import selectors as renovation
from repairs import selectors as repairs

# A month's figures are final this many months after it ends.
SETTLE_MONTHS = 1

RATE, HOURS, SCORE, COUNT = "rate", "hours", "score", "count"


@dataclass(frozen=True)
class Figure:
    key: str
    label: object
    unit: str  # RATE, HOURS, SCORE, COUNT
    higher_is_better: bool = True
    help: object = ""

    def value(self, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
        """The figure shown: None (shown "—") when there is nothing to divide by."""
        if self.unit == COUNT:
            return numerator
        if not denominator:
            return None
        if self.unit == RATE:
            return (numerator * 100 / denominator).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if self.unit == HOURS:
            return (numerator / denominator / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return (numerator / denominator).quantize(Decimal("0.01"), ROUND_HALF_UP)


# The period figures, in the dashboard's order.
FIGURES: tuple[Figure, ...] = (
    Figure("satisfaction", _("Owner satisfaction"), RATE,
           help=_("Very satisfied or satisfied, of the callback answers recorded")),
    Figure("complaints_on_time", _("Complaint handled-on-time rate"), RATE,
           help=_("Resolved within the promise, of the complaints resolved")),
    Figure("first_response", _("Average first response"), HOURS, higher_is_better=False,
           help=_("From received to assigned, complaints assigned")),
    Figure("resolution_time", _("Average resolution time"), HOURS, higher_is_better=False,
           help=_("From received to resolved, complaints resolved")),
    Figure("suggestions_adopted", _("Suggestion adoption rate"), RATE,
           help=_("Adopted, of the suggestions decided")),
    Figure("collection", _("Fee collection rate"), RATE,
           help=_("Collected of the months' bills / receivable")),
    Figure("households", _("Household collection rate"), RATE,
           help=_("Households paid in full / households billed")),
    Figure("recovery", _("Arrears recovery rate"), RATE,
           help=_("Arrears recovered / recovered + still outstanding")),
    Figure("dispatch_on_time", _("Dispatched within the deadline"), RATE,
           help=_("Work orders reaching the worker in time (15 minutes), of those dispatched")),
    Figure("orders_on_time", _("Work orders completed on time"), RATE,
           help=_("Completed by the planned end or appointment, of those completed")),
    Figure("rating", _("Average customer rating"), SCORE, help=_("Out of 5, at the customers' acceptance")),
    Figure("spot_checks", _("Callback spot checks"), COUNT, help=_("Done by the supervisors")),
)
BY_KEY = {figure.key: figure for figure in FIGURES}
TARGET_CHOICES = [(figure.key, figure.label) for figure in FIGURES if figure.key != "spot_checks"]
# Figures whose denominator is a stock at the period's end, not a sum of the months'.
_ADDED_NUMERATOR_LAST_REST = {"recovery"}


# ---- months ------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months, month = [], month_start(first)
    while month <= month_start(last):
        months.append(month)
        month += relativedelta(months=1)
    return months


def bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first moment and the next month's, in the estates' time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(month, time.min, tzinfo=tz)
    return start, start + relativedelta(months=1)


def settles_at(month: date) -> datetime:
    """The moment a month's figures are final (SETTLE_MONTHS after its end)."""
    return bounds(month)[1] + relativedelta(months=SETTLE_MONTHS)


def _text(value) -> str | None:
    return None if value is None else str(value)


def month_figures(*, month: date, as_of: datetime) -> dict[int, dict]:
    """Every estate's figures of ``month`` as they stood at ``as_of`` (but never later
    than ``settles_at``), from the apps' selectors, as stored in MonthFacts.figures:
    {estate id: {figure key: [numerator, denominator], "callback_rates": {kind: [done,
    owed, required rate]}}}, numbers as strings. An estate with nothing that month has
    no entry. A dozen grouped queries, whatever the estates and the rows."""
    as_of = min(as_of, settles_at(month))
    start, end = bounds(month)
    out: dict[int, dict] = {}
    for part in (complaints.dashboard_month_figures(start=start, end=end, as_of=as_of),
                 repairs.dashboard_month_figures(start=start, end=end, as_of=as_of),
                 callbacks.dashboard_month_figures(start=start, end=end, as_of=as_of),
                 fees.dashboard_month_figures(month=month, as_of=as_of)):
        for estate_id, figures in part.items():
            out.setdefault(estate_id, {}).update(
                {key: [_text(numerator), _text(denominator)] for key, (numerator, denominator) in figures.items()})
    if start < as_of:
        for row in callbacks.month_rates(month=month, as_of=as_of):
            kind = row.kind + (".bank" if row.payment == "bank_collection" else "")
            out.setdefault(row.estate_id, {}).setdefault("callback_rates", {})[kind] = [
                str(row.done), str(row.owed), _text(row.required_rate)]
    return out


def standing(*, as_of: datetime) -> dict[int, dict]:
    """What stands open at ``as_of``, per estate, as stored beside the running month's
    figures: open complaints by age (complaints.selectors.AGE_BUCKETS), callbacks past
    their day, renovation deposits held and due, messages not delivered (all estates'). Each a full read of the open records' indexes: too slow for a page at
    scale, so the job stores it and the page reads it."""
    out: dict[int, dict] = {}
    for estate_id, counts in complaints.open_by_age_per_estate(as_of=as_of).items():
        out.setdefault(estate_id, {})["ages"] = counts
    for estate_id, n in callbacks.overdue_per_estate(today=timezone.localdate(as_of)).items():
        out.setdefault(estate_id, {})["overdue"] = n
    for estate_id, deposits in renovation.deposit_totals_per_estate(as_of=as_of).items():
        out.setdefault(estate_id, {})["deposits"] = {key: str(value) for key, value in deposits.items()}
    # Messages are nobody's estate's: the same count on every estate's row.
    undelivered = core.undelivered_figure(as_of=as_of).total
    for estate_id in Estate.objects.values_list("pk", flat=True):
        out.setdefault(estate_id, {})["undelivered"] = undelivered
    return out


# ---- a period ----------------------------------------------------------------------------


@dataclass
class Value:
    figure: Figure
    numerator: Decimal = Decimal(0)
    denominator: Decimal | None = Decimal(0)
    target: Decimal | None = None

    @property
    def value(self) -> Decimal | None:
        return self.figure.value(self.numerator, self.denominator)

    @property
    def below_target(self) -> bool:
        """On the wrong side of its target (below, or above for a time)."""
        if self.value is None or self.target is None:
            return False
        return self.value < self.target if self.figure.higher_is_better else self.value > self.target


@dataclass
class CallbackRate:
    kind: str
    bank: bool
    done: int = 0
    owed: int = 0
    required: Decimal | None = None

    @property
    def rate(self) -> Decimal | None:
        return None if not self.owed else (Decimal(self.done) * 100 / self.owed).quantize(Decimal("0.1"),
                                                                                            ROUND_HALF_UP)

    @property
    def below_target(self) -> bool:
        return self.rate is not None and self.required is not None and self.rate < self.required

    @property
    def label(self):
        return CallbackKind(self.kind).label


@dataclass
class Period:
    """The figures of a period: each figure's numerator and denominator added up over
    its months (and estates), the callback rates per kind."""

    values: dict[str, Value] = field(default_factory=dict)
    callback_rates: dict[str, CallbackRate] = field(default_factory=dict)


def _number(text) -> Decimal | None:
    return None if text is None else Decimal(text)


def add_up(months: list[dict], *, months_in_period: list[date] | None = None) -> Period:
    """Add up stored figures (MonthFacts.figures, one dict per estate and month, in month
    order) into a Period. The recovery rate's still-owed part is the last month's."""
    period = Period(values={figure.key: Value(figure) for figure in FIGURES})
    last_month_owed: dict = {}
    for figures in months:
        for key, pair in figures.items():
            if key == "callback_rates":
                for kind, (done, owed, required) in pair.items():
                    rate = period.callback_rates.setdefault(
                        kind, CallbackRate(kind.split(".")[0], kind.endswith(".bank")))
                    rate.done += int(done)
                    rate.owed += int(owed)
                    if required is not None:
                        rate.required = Decimal(required)
                continue
            if key not in period.values:
                continue
            value = period.values[key]
            numerator, denominator = _number(pair[0]) or Decimal(0), _number(pair[1])
            value.numerator += numerator
            if key in _ADDED_NUMERATOR_LAST_REST:
                # Recovered adds up; the still-owed part (denominator - numerator) is a stock.
                last_month_owed[figures.get("_estate"), figures.get("_month")] = (denominator or 0) - numerator
            elif denominator is None:
                value.denominator = None
            else:
                value.denominator = (value.denominator or Decimal(0)) + denominator
    if last_month_owed:
        last = max(month for _estate, month in last_month_owed)
        owed = sum(v for (_estate, month), v in last_month_owed.items() if month == last)
        recovery = period.values["recovery"]
        recovery.denominator = recovery.numerator + owed
    period.callback_rates = dict(sorted(period.callback_rates.items(),
                                        key=lambda item: (list(CallbackKind.values).index(item[1].kind), item[0])))
    return period


def tagged(figures: dict, *, estate_id: int, month: date) -> dict:
    """A month's figures with the estate and month they are of (add_up needs the month
    for the still-owed part of the recovery rate)."""
    return {**figures, "_estate": estate_id, "_month": month}


def targets(*, estate=None, months: int = 1) -> dict[str, Decimal]:
    """Each figure's target: the estate's own (DashboardTarget), else the settings'; the
    spot checks' is per month, times the period's months."""
    from pages.models import DashboardTarget

    out = dict(settings.DASHBOARD_TARGETS)
    if estate is not None:
        out.update(DashboardTarget.objects.filter(estate=estate).values_list("figure", "target"))
    out["spot_checks"] = Decimal(settings.CALLBACK_SPOT_CHECKS_PER_MONTH * months)
    return out


def live_period(*, months: list[date], as_of: datetime, estate=None) -> Period:
    """A period's figures computed from the apps' selectors, month by month, without the
    stored facts (what the facts must equal)."""
    rows = []
    for month in months:
        for estate_id, figures in month_figures(month=month, as_of=as_of).items():
            if estate is None or estate_id == estate.pk:
                rows.append(tagged(figures, estate_id=estate_id, month=month))
    return with_targets(add_up(rows), estate=estate, months=len(months))


def with_targets(period: Period, *, estate=None, months: int = 1) -> Period:
    for key, target in targets(estate=estate, months=months).items():
        if key in period.values:
            period.values[key].target = Decimal(target)
    return period

