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
callbacks, deposits held and refunds due, undelivered messages), are snapshots: what
stood at the end of each month (at ``as_of`` for the running month), stored beside the
month's figures so that their trends can be drawn (``standing``, ``standing_at``).

A custom period of days is its whole months (stored) and, at its ends, parts of months:
their events computed live by the same selectors over the part's days
(``part_figures``), their fees and callback completion their month's (``MONTH_LEVEL``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities import selectors as activities
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

RATE, HOURS, SCORE, COUNT, MONEY = "rate", "hours", "score", "count", "money"


@dataclass(frozen=True)
class Figure:
    key: str
    label: object
    unit: str  # RATE, HOURS, SCORE, COUNT
    higher_is_better: bool = True
    help: object = ""

    def value(self, numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
        """The figure shown: None (shown "—") when there is nothing to divide by."""
        if self.unit in (COUNT, MONEY):
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
    Figure("participation", _("Community activity participation"), RATE,
           help=_("Households that came to an activity held in the month / households of the estate; "
                  "a longer period adds its months with an activity")),
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
    out = _event_figures(start=start, end=end, as_of=as_of)
    for estate_id, data in _month_level_figures(month=month, start=start, as_of=as_of).items():
        out.setdefault(estate_id, {}).update(data)
    return out


# Figures of a whole month whatever part of it a period covers: fees are billed by the
# month (a bill's month, collected whenever), a callback is owed by the month of its event,
# participation is of the households of the month (its parts would count them twice).
MONTH_LEVEL = ("collection", "households", "recovery", "callback_rates", "participation")


def part_figures(*, first: date, last: date, as_of: datetime) -> dict[int, dict]:
    """Every estate's figures of the events in the days ``first``..``last`` of one month
    (complaints, suggestions, work orders, callback answers, spot checks), from the same
    selectors as ``month_figures`` over the days' moments [first's midnight, the midnight
    after last): the two halves of a month add up to the month. Without the month-level
    figures (MONTH_LEVEL): a period takes those from its month (``with_month_level``)."""
    month = month_start(first)
    assert month_start(last) == month and first <= last
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return _event_figures(start=start, end=end, as_of=min(as_of, settles_at(month)))


def with_month_level(part: dict[int, dict], month: dict[int, dict]) -> dict[int, dict]:
    """A part of a month's figures (``part_figures``) with its month's month-level ones."""
    out = {estate_id: dict(data) for estate_id, data in part.items()}
    for estate_id, data in month.items():
        kept = {key: data[key] for key in MONTH_LEVEL if key in data}
        if kept:
            out.setdefault(estate_id, {}).update(kept)
    return out


def _pairs(out: dict, part: dict) -> None:
    for estate_id, figures in part.items():
        out.setdefault(estate_id, {}).update(
            {key: [_text(numerator), _text(denominator)] for key, (numerator, denominator) in figures.items()})


def _event_figures(*, start: datetime, end: datetime, as_of: datetime) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for part in (complaints.dashboard_month_figures(start=start, end=end, as_of=as_of),
                 repairs.dashboard_month_figures(start=start, end=end, as_of=as_of),
                 callbacks.dashboard_month_figures(start=start, end=end, as_of=as_of)):
        _pairs(out, part)
    return out


def _month_level_figures(*, month: date, start: datetime, as_of: datetime) -> dict[int, dict]:
    out: dict[int, dict] = {}
    _pairs(out, fees.dashboard_month_figures(month=month, as_of=as_of))
    _pairs(out, activities.dashboard_month_figures(month=month, as_of=as_of))
    if start < as_of:
        for row in callbacks.month_rates(month=month, as_of=as_of):
            kind = row.kind + (".bank" if row.payment == "bank_collection" else "")
            out.setdefault(row.estate_id, {}).setdefault("callback_rates", {})[kind] = [
                str(row.done), str(row.owed), _text(row.required_rate)]
    return out


# ---- what stands open: a moment's snapshot ---------------------------------------------------

SNAPSHOT_PARTS = ("ages", "overdue", "deposits", "undelivered")
# What can be read again from the records' history for a moment long past (a month settled
# before the snapshots were kept): a complaint's status from its events, a deposit from
# its payment and refund, a message from its creation and sending. Overdue callbacks
# cannot: a callback still due moves to a later day when its complaint or work order is
# resolved again (callbacks.services), and the day it had before is not kept.
HISTORY_PARTS = ("ages", "deposits", "undelivered")
_ZERO_DEPOSITS = {"held": "0.00", "held_count": 0, "due": "0.00", "due_count": 0}


def _snapshot(*, at: datetime, parts, ages, overdue, deposits, undelivered) -> dict[int, dict]:
    """Every estate's snapshot, each part present (zeros for an estate with nothing open)
    when it was read, absent when it was not: an absent part is a gap in its trend."""
    out: dict[int, dict] = {}
    for estate_id in Estate.objects.order_by("pk").values_list("pk", flat=True):
        data: dict = {"at": at.isoformat()}
        if "ages" in parts:
            data["ages"] = ages.get(estate_id, [0] * len(complaints.AGE_BUCKETS))
        if "overdue" in parts:
            data["overdue"] = overdue.get(estate_id, 0)
        if "deposits" in parts:
            data["deposits"] = {key: str(value) for key, value in deposits.get(estate_id, _ZERO_DEPOSITS).items()}
        if "undelivered" in parts:
            # Messages are nobody's estate's: the same count on every estate's row.
            data["undelivered"] = undelivered
        out[estate_id] = data
    return out


def standing(*, as_of: datetime) -> dict[int, dict]:
    """What stands open at ``as_of``, per estate, as stored beside the running month's
    figures: open complaints by age (complaints.selectors.AGE_BUCKETS), callbacks past
    their day, renovation deposits held and due, messages not delivered (all estates').
    Each a full read of the open records' indexes: too slow for a page at scale, so the
    job stores it and the page reads it."""
    return _snapshot(at=as_of, parts=SNAPSHOT_PARTS,
                     ages=complaints.open_by_age_per_estate(as_of=as_of),
                     overdue=callbacks.overdue_per_estate(today=timezone.localdate(as_of)),
                     deposits=renovation.deposit_totals_per_estate(as_of=as_of),
                     undelivered=core.undelivered_figure(as_of=as_of).total)


def standing_at(*, moment: datetime, parts=SNAPSHOT_PARTS) -> dict[int, dict]:
    """What stood open at ``moment`` (a month's end), read from the records' history
    rather than their state now: ``standing``'s figures as they were then. At ``moment =
    now`` both agree (a test holds them to it). Reads every record still open since
    ``moment``: done once for a month, when it ends (the job keeps it)."""
    ages = _open_by_age_at(moment) if "ages" in parts else {}
    overdue = _overdue_at(moment) if "overdue" in parts else {}
    deposits = _deposits_at(moment) if "deposits" in parts else {}
    undelivered = _undelivered_at(moment) if "undelivered" in parts else 0
    return _snapshot(at=moment, parts=parts, ages=ages, overdue=overdue, deposits=deposits,
                     undelivered=undelivered)


def _open_by_age_at(moment: datetime) -> dict[int, list[int]]:
    """Complaints open at ``moment`` per estate, by age: received by then, and their last
    change of status by then (the timeline) left them open (or none: just received). Only
    complaints open now or resolved after ``moment`` can have been: resolving sets
    ``resolved_at``, reopening clears it."""
    from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When

    from complaints.models import OPEN_STATUSES, Complaint, ComplaintEvent

    last_status = (ComplaintEvent.objects.filter(complaint=OuterRef("pk"), at__lte=moment).exclude(to_status="")
                   .order_by("-at", "-pk").values("to_status")[:1])
    bucket = Case(*[When(received_at__gt=moment - timedelta(days=high), then=Value(i))
                    for i, (_low, high) in enumerate(complaints.AGE_BUCKETS) if high is not None],
                  default=Value(len(complaints.AGE_BUCKETS) - 1), output_field=IntegerField())
    rows = (Complaint.objects.filter(received_at__lte=moment)
            .filter(Q(status__in=OPEN_STATUSES) | Q(resolved_at__gt=moment))
            .annotate(then=Subquery(last_status)).filter(Q(then__in=OPEN_STATUSES) | Q(then__isnull=True))
            .annotate(bucket=bucket).values_list("estate_id", "bucket").annotate(n=Count("pk")).order_by())
    out: dict[int, list[int]] = {}
    for estate_id, i, n in rows:
        out.setdefault(estate_id, [0] * len(complaints.AGE_BUCKETS))[i] += n
    return out


def _overdue_at(moment: datetime) -> dict[int, int]:
    """Callbacks past their day at ``moment``: made by then, due before its day, neither
    done nor cancelled by then (their due day as it is now: see HISTORY_PARTS)."""
    from django.db.models import Count

    from callbacks.models import Callback

    return dict(Callback.objects.filter(created_at__lte=moment, due_on__lt=timezone.localdate(moment))
                .exclude(done_at__lte=moment).exclude(cancelled_at__lte=moment)
                .values_list("estate_id").annotate(n=Count("pk")).order_by())


def _deposits_at(moment: datetime) -> dict[int, dict]:
    """Renovation deposits held at ``moment`` (paid by then, not refunded by then) and,
    of those, due for refund by its day, per estate: money and how many."""
    from django.db.models import Count, Q, Sum

    from renovation.models import DEPOSITS, RenovationCharge

    due = Q(renovation__deposits_due_on__lte=timezone.localdate(moment))
    zero = Decimal("0.00")
    return {row["renovation__estate_id"]: {"held": row["held"] or zero, "held_count": row["held_count"],
                                          "due": row["due"] or zero, "due_count": row["due_count"]}
            for row in RenovationCharge.objects.filter(kind__in=DEPOSITS, paid_at__lte=moment)
            .exclude(refund__paid_at__lte=moment).values("renovation__estate_id").order_by()
            .annotate(held=Sum("amount"), held_count=Count("pk"), due=Sum("amount", filter=due),
                      due_count=Count("pk", filter=due))}


def _undelivered_at(moment: datetime) -> int:
    """Messages written by ``moment`` and not sent or delivered by then (the inbox aside,
    delivered when written), as core.undelivered_figure counts them now."""
    from propertydesk.models import Delivery, DeliveryChannel

    return (Delivery.objects.filter(created_at__lte=moment).exclude(channel=DeliveryChannel.INBOX)
            .exclude(sent_at__lte=moment).count())


# The trends of the snapshots: each a number read from a month's snapshot (None: a gap).
SNAPSHOTS: tuple[Figure, ...] = (
    Figure("open_complaints", _("Open complaints"), COUNT, higher_is_better=False),
    Figure("open_complaints_week", _("Complaints open over 7 days"), COUNT, higher_is_better=False),
    Figure("overdue_callbacks", _("Overdue callbacks"), COUNT, higher_is_better=False),
    Figure("deposits_held", _("Renovation deposits held"), MONEY),
    Figure("deposits_due", _("Deposit refunds due"), MONEY, higher_is_better=False),
    Figure("undelivered", _("Undelivered messages (all estates)"), COUNT, higher_is_better=False),
)


def snapshot_value(key: str, snapshot: dict | None) -> Decimal | None:
    """One snapshot figure of one estate's month (``SNAPSHOTS``), or None when the month
    has no snapshot of it."""
    if not snapshot:
        return None
    if key in ("open_complaints", "open_complaints_week"):
        ages = snapshot.get("ages")
        if ages is None:
            return None
        # AGE_BUCKETS: (7, 30) and (30, None) are the last two.
        return Decimal(sum(ages if key == "open_complaints" else ages[-2:]))
    if key in ("deposits_held", "deposits_due"):
        deposits = snapshot.get("deposits")
        return None if deposits is None else Decimal(deposits[key.removeprefix("deposits_")])
    part = {"overdue_callbacks": "overdue", "undelivered": "undelivered"}[key]
    return None if snapshot.get(part) is None else Decimal(snapshot[part])


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


def targets(*, estate=None, months: int | Decimal = 1) -> dict[str, Decimal]:
    """Each figure's target: the estate's own (DashboardTarget), else the settings'; the
    spot checks' is per month, times the period's months (a part of a month by its share
    of the month's days, rounded up)."""
    from pages.models import DashboardTarget

    out = dict(settings.DASHBOARD_TARGETS)
    if estate is not None:
        out.update(DashboardTarget.objects.filter(estate=estate).values_list("figure", "target"))
    out["spot_checks"] = (settings.CALLBACK_SPOT_CHECKS_PER_MONTH * Decimal(months)).to_integral_value(ROUND_CEILING)
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


def range_parts(first: date, last: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The days ``first``..``last`` as whole months (their first days, read from the
    stored facts) and parts of months at the ends (each its first and last day, computed
    live by ``part_figures``)."""
    whole, parts = [], []
    for month in months_between(first, last):
        month_last = month + relativedelta(months=1, days=-1)
        begin, end = max(first, month), min(last, month_last)
        if (begin, end) == (month, month_last):
            whole.append(month)
        else:
            parts.append((begin, end))
    return whole, parts


def range_months(first: date, last: date) -> Decimal:
    """How many months the days make: a part of a month by its share of the month's days
    (for the targets counted per month)."""
    whole, parts = range_parts(first, last)
    share = sum((Decimal((end - begin).days + 1) / ((month_start(begin) + relativedelta(months=1))
                                                    - month_start(begin)).days for begin, end in parts), Decimal(0))
    return len(whole) + share


def live_range(*, first: date, last: date, as_of: datetime, estate=None) -> Period:
    """The figures of the days ``first``..``last`` computed live: whole months as
    ``month_figures``, the parts of months at the ends as ``part_figures`` (what the page's
    mix of stored months and live parts must equal)."""
    whole, parts = range_parts(first, last)
    rows = []
    for month in months_between(first, last):
        computed = month_figures(month=month, as_of=as_of)
        if month not in whole:
            begin, end = next(part for part in parts if month_start(part[0]) == month)
            computed = with_month_level(part_figures(first=begin, last=end, as_of=as_of), computed)
        for estate_id, data in computed.items():
            if estate is None or estate_id == estate.pk:
                rows.append(tagged(data, estate_id=estate_id, month=month))
    return with_targets(add_up(rows), estate=estate, months=range_months(first, last))


def with_targets(period: Period, *, estate=None, months: int | Decimal = 1) -> Period:
    for key, target in targets(estate=estate, months=months).items():
        if key in period.values:
            period.values[key].target = Decimal(target)
    return period

