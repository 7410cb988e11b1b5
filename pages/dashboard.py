"""The supervisor's dashboard (domain §9): the figures of one estate or all, for a
period, each against its target and linked to the list behind it; the last twelve
months of each as a chart; and what stands open now.

Every month is read from the stored month facts (pages.MonthFacts, kept by the
pages.month_facts job every quarter of an hour): the months that are over, and the
running month as of the job's last run, with what stood open then. Computed live from
the apps' selectors at scale, the running month alone took over a second (a month's
complaints, callbacks, payments); read, the page is a few hundred rows whatever the data.
A month the job has not stored yet (a new installation) is computed live.

A custom period is days: its whole months are read from the stored facts, the events of
the parts of months at its ends computed live by the same selectors (figures.part_figures;
their fees and callback completion are their month's, stored), so a period of whole
months costs what it always did and a period ending mid-month a live read of those days'
events (at scale, some 0.2 s a part over every estate; kept in the cache once over)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.cache import cache
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from complaints import selectors as complaint_selectors
from owners.models import Estate
from pages import figures
from pages.models import MonthFacts
from propertydesk import limits
from propertydesk.web import staff_required

PERIODS = (
    ("month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("quarter", gettext_lazy("This quarter")),
    ("last_quarter", gettext_lazy("Last quarter")),
    ("year", gettext_lazy("This year")),
    ("last_year", gettext_lazy("Last year")),
    ("custom", gettext_lazy("Custom dates")),
)
TREND_MONTHS = 12


def period_months(kind: str, *, today: date) -> list[date]:
    """The months of a preset period chosen on the page (PERIODS), up to the running month."""
    month = today.replace(day=1)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    if kind == "last_month":
        return [month - relativedelta(months=1)]
    if kind == "quarter":
        return figures.months_between(quarter, month)
    if kind == "last_quarter":
        return figures.months_between(quarter - relativedelta(months=3), quarter - relativedelta(months=1))
    if kind == "year":
        return figures.months_between(month.replace(month=1), month)
    if kind == "last_year":
        return figures.months_between(date(month.year - 1, 1, 1), date(month.year - 1, 12, 1))
    return [month]


class CustomDaysForm(forms.Form):
    """A custom period's days, ``?from=2026-01-01&to=2026-01-15``: the first not after the
    last nor after today, at most DASHBOARD_CUSTOM_MAX_DAYS days, both business dates. A
    month (``2026-01``, as the page's earlier links wrote) reads as its first day or its
    last; a last day after today is cut to today."""

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today
        self.fields["from"] = forms.CharField(label=pgettext_lazy("date range", "From"))
        self.fields["to"] = forms.CharField(label=pgettext_lazy("date range", "To"))

    def _day(self, name: str, *, last: bool) -> date:
        value = self.cleaned_data[name].strip()
        for fmt, month in (("%Y-%m-%d", False), ("%Y-%m", True)):
            try:
                day = datetime.strptime(value, fmt).date()
            except ValueError:
                continue
            if month and last:
                day += relativedelta(months=1, days=-1)
            if not limits.in_business_range(day):
                raise forms.ValidationError(
                    _("Enter a day from %(first)s to %(last)s.")
                    % {"first": f"{limits.EARLIEST_DAY:%Y-%m-%d}", "last": f"{limits.LATEST_DAY:%Y-%m-%d}"})
            return day
        raise forms.ValidationError(_("Enter a day as 2026-01-15."))

    def clean_from(self):
        day = self._day("from", last=False)
        if day > self.today:
            raise forms.ValidationError(_("The period cannot start after today."))
        return day

    def clean_to(self):
        return min(self._day("to", last=True), self.today)

    def clean(self):
        data = super().clean()
        first, last = data.get("from"), data.get("to")
        if first and last:
            longest = settings.DASHBOARD_CUSTOM_MAX_DAYS
            if last < first:
                self.add_error("to", _("The last day comes before the first."))
            elif (last - first).days + 1 > longest:
                self.add_error("to", _("A custom period is at most %(days)s days; move its first or last day.")
                               % {"days": longest})
        return data


@dataclass
class Facts:
    """The month figures the page needs: {(estate id, month): figures}, from the stored
    facts (live for a month not stored yet); ``running_as_of``: when the running month's
    were computed."""

    by_estate_month: dict[tuple[int, date], dict]
    live_months: list[date]
    running_as_of: datetime | None = None
    missing: list[date] | None = None

    def rows(self, months, estate_id: int | None = None) -> list[dict]:
        wanted = set(months)
        return [figures.tagged(data, estate_id=estate_id_, month=month)
                for (estate_id_, month), data in sorted(self.by_estate_month.items(), key=lambda i: (i[0][1], i[0][0]))
                if month in wanted and (estate_id is None or estate_id_ == estate_id)]


def read_facts(*, months: list[date], now: datetime, estate=None) -> Facts:
    running = timezone.localdate(now).replace(day=1)
    stored = MonthFacts.objects.filter(month__in=months).order_by()
    if estate is not None:
        stored = stored.filter(estate=estate)
    found: dict[tuple[int, date], dict] = {}
    seen: set[date] = set()
    running_as_of = None
    for estate_id, month, data, as_of in stored.values_list("estate_id", "month", "figures", "as_of"):
        found[estate_id, month] = data
        seen.add(month)
        if month == running:
            running_as_of = as_of if running_as_of is None else min(running_as_of, as_of)
    # Only the running month is computed here when the job has not stored it (a new
    # installation): any other month would cost as much again. A month not stored is
    # shown missing until the job has run.
    live = [running] if running in months and running not in seen else []
    missing = sorted(m for m in months if m not in seen and m < running)
    for month in live:
        for estate_id, data in figures.month_figures(month=month, as_of=now).items():
            if estate is None or estate_id == estate.pk:
                found[estate_id, month] = data
    if running in live:
        running_as_of = now
        for estate_id, data in figures.standing(as_of=now).items():
            if estate is None or estate_id == estate.pk:
                found.setdefault((estate_id, running), {})["standing"] = data
    return Facts(found, live, running_as_of, missing)


# ---- links to the lists behind the figures ------------------------------------------------------


def _url(name: str, **params) -> str:
    params = {key: value for key, value in params.items() if value not in (None, "")}
    return reverse(name) + ("?" + urlencode(params) if params else "")


def figure_links(*, first: date, last: date, estate) -> dict[str, str]:
    """The list behind each figure, filtered to the period's days ``first``..``last``
    (and estate); the bills' lists to the month of the last day."""
    days = {"from": f"{first:%Y-%m-%d}", "to": f"{last:%Y-%m-%d}"}
    e = estate.pk if estate else ""

    def moment(name):
        return {f"{name}_from": days["from"], f"{name}_to": days["to"]}

    return {
        "satisfaction": _url("callbacks:queue", status="done", estate=e, **moment("done")),
        "complaints_on_time": _url("complaints:queue", estate=e, **moment("resolved")),
        "complaints_late": _url("complaints:queue", estate=e, late="1", **moment("resolved")),
        "first_response": _url("complaints:queue", estate=e, **moment("assigned")),
        "resolution_time": _url("complaints:queue", estate=e, **moment("resolved")),
        "suggestions_adopted": _url("complaints:suggestions", estate=e, **moment("decided")),
        "collection": _url("fees:bills", period=f"{last:%Y-%m}", estate=e),
        "households": _url("fees:bills", period=f"{last:%Y-%m}", estate=e, status="owing"),
        "recovery": _url("fees:arrears", estate=e),
        "dispatch_on_time": _url("repairs:queue", status="all", estate=e, **moment("dispatched")),
        "dispatch_late": _url("repairs:queue", status="all", estate=e, late="on", **moment("dispatched")),
        "orders_on_time": _url("repairs:queue", status="all", estate=e, **moment("completed")),
        "orders_late": _url("repairs:queue", status="all", estate=e, completed_late="1", **moment("completed")),
        "rating": _url("repairs:queue", status="signed_off", estate=e, **moment("completed")),
        "spot_checks": _url("callbacks:spot_checks"),
        "participation": _url("activities:list", status="held", estate=e, held_from=days["from"], held_to=days["to"]),
        "callback_rates": _url("callbacks:rates", month=f"{last:%Y-%m}"),
        "overdue_callbacks": _url("callbacks:queue", bucket="overdue", estate=e),
        "deposits_held": _url("renovation:deposits", state="held", estate=e),
        "deposits_due": _url("renovation:deposits", state="due", estate=e),
        "undelivered": _url("deliveries"),
    }


def age_links(*, now: datetime, estate) -> list[str]:
    """Open complaints received within each age bucket (complaints.selectors.AGE_BUCKETS)."""
    today = timezone.localdate(now)
    links = []
    for low, high in complaint_selectors.AGE_BUCKETS:
        # Received more than ``low`` and at most ``high`` days ago, in whole days.
        params = {"status": "open", "estate": estate.pk if estate else "",
                  "received_to": f"{today - relativedelta(days=low):%Y-%m-%d}"}
        if high is not None:
            params["received_from"] = f"{today - relativedelta(days=high - 1):%Y-%m-%d}"
        links.append(_url("complaints:queue", **params))
    return links


AGE_LABELS = (gettext_lazy("under a day"), gettext_lazy("1–3 days"), gettext_lazy("3–7 days"),
              gettext_lazy("7–30 days"), gettext_lazy("over 30 days"))


# ---- the page -------------------------------------------------------------------------------------


def trends(*, facts: Facts, months: list[date], estates: list[Estate]) -> dict:
    """Each figure's last twelve months per estate, for the charts (data only: the page's
    script draws them). A month's value is its own numerator over its own denominator; a
    snapshot's (figures.SNAPSHOTS) what stood at the month's end (the running month's: at
    the job's last run), a gap where the month has none."""
    def point(figure, data):
        # A chart's point, in floats (figures.Figure.value's rules, without its rounding).
        pair = data.get(figure.key) if data else None
        if not pair:  # nothing that month: no point, but a count of none is 0
            return 0.0 if figure.unit == figures.COUNT and data is not None else None
        numerator = float(pair[0] or 0)
        if figure.unit == figures.COUNT:
            return numerator
        denominator = float(pair[1] or 0)
        if not denominator:
            return None
        scale = {figures.RATE: 100, figures.HOURS: 1 / 3600}.get(figure.unit, 1)
        return round(numerator * scale / denominator, 2)

    def snapshot(figure, data):
        value = figures.snapshot_value(figure.key, (data or {}).get("standing"))
        return None if value is None else float(value)

    def snapshot_series(figure):
        if figure.key == "undelivered":  # nobody's estate's: one series, the first estate's row
            return [{"name": _("All estates"),
                     "data": [snapshot(figure, next((facts.by_estate_month[pk, month] for pk in
                                                     sorted(pk for pk, m in facts.by_estate_month if m == month)),
                                                    None)) for month in months]}]
        return [{"name": estate.name, "data": [snapshot(figure, facts.by_estate_month.get((estate.pk, month)))
                                               for month in months]} for estate in estates]

    return {
        "months": [f"{month:%Y-%m}" for month in months],
        "figures": [{"key": figure.key, "label": str(figure.label), "unit": figure.unit,
                     "series": [{"name": estate.name,
                                 "data": [point(figure, facts.by_estate_month.get((estate.pk, month)))
                                          for month in months]}
                                for estate in estates]}
                    for figure in figures.FIGURES]
        + [{"key": figure.key, "label": str(figure.label), "unit": figure.unit, "snapshot": True,
            "series": snapshot_series(figure)} for figure in figures.SNAPSHOTS],
    }


@dataclass
class Selection:
    """What the page shows: the estate (None: all), the period's kind and days, the whole
    months read from the stored facts, the parts of months computed live, and the custom
    days' form when they were refused (its errors name the field)."""

    estates: list[Estate]
    estate: Estate | None
    kind: str
    first: date
    last: date
    whole: list[date]
    parts: list[tuple[date, date]]
    refused: CustomDaysForm | None = None

    @property
    def months(self) -> list[date]:
        return figures.months_between(self.first, self.last)


# The days of a part of a month that are over are read again within this long from the
# cache (every estate's at once): a supervisor switching estates, or coming back, does not
# wait for the same live read twice. A day still running is read live each time.
PART_CACHE_SECONDS = 600


def part_days(first: date, last: date, *, now: datetime) -> dict[int, dict]:
    """``figures.part_figures`` of the days, every estate's, kept in the cache for
    PART_CACHE_SECONDS once the days are over."""
    if last >= timezone.localdate(now):
        return figures.part_figures(first=first, last=last, as_of=now)
    key = f"dashboard:part:{first:%Y%m%d}:{last:%Y%m%d}"
    found = cache.get(key)
    if found is None:
        found = figures.part_figures(first=first, last=last, as_of=now)
        cache.set(key, found, PART_CACHE_SECONDS)
    return found


def _selection(request, *, today: date) -> Selection:
    estates = list(Estate.objects.order_by("name"))
    wanted = request.GET.get("estate", "")
    estate = next((e for e in estates if str(e.pk) == wanted), None)
    kind = request.GET.get("period", "month")
    if kind not in dict(PERIODS):
        kind = "month"
    refused = None
    if kind == "custom":
        form = CustomDaysForm(request.GET, today=today)
        if form.is_valid():
            first, last = form.cleaned_data["from"], form.cleaned_data["to"]
            whole, parts = figures.range_parts(first, last)
            running = today.replace(day=1)
            if parts and parts[-1] == (running, today):
                # The running month up to today is the running month as the job stores it.
                whole, parts = sorted(whole + [running]), parts[:-1]
            return Selection(estates, estate, kind, first, last, whole, parts)
        refused = form
    months = period_months("month" if kind == "custom" else kind, today=today)
    last = months[-1] + relativedelta(months=1, days=-1)
    return Selection(estates, estate, kind, months[0], last, months, [], refused)


def _period_label(selection: Selection) -> str:
    whole_months = selection.kind != "custom" or (
        not selection.parts and selection.first.day == 1 and (selection.last + relativedelta(days=1)).day == 1)
    if whole_months:
        first, last = f"{selection.first:%Y-%m}", f"{selection.last:%Y-%m}"
    else:
        first, last = f"{selection.first:%Y-%m-%d}", f"{selection.last:%Y-%m-%d}"
    return first if first == last else _("%(first)s to %(last)s") % {"first": first, "last": last}


def _custom_fields(selection: Selection) -> list[dict]:
    """The custom days' boxes: the days shown, or what was typed and why it was refused."""
    out = []
    for name, day in (("from", selection.first), ("to", selection.last)):
        label = CustomDaysForm({}, today=selection.first).fields[name].label
        if selection.refused is not None:
            out.append({"name": name, "label": label, "value": selection.refused.data.get(name, ""),
                        "errors": selection.refused.errors.get(name, [])})
        else:
            out.append({"name": name, "label": label, "value": f"{day:%Y-%m-%d}", "errors": []})
    return out


@staff_required
@permission_required("pages.view_monthfacts", raise_exception=True)
def dashboard(request):
    now = timezone.now()
    today = timezone.localdate(now)
    selection = _selection(request, today=today)
    estates, estate, months = selection.estates, selection.estate, selection.months
    running = today.replace(day=1)
    trend_months = [running - relativedelta(months=i) for i in range(TREND_MONTHS - 1, -1, -1)]
    part_months = [figures.month_start(begin) for begin, _end in selection.parts]
    facts = read_facts(months=sorted(set(selection.whole) | set(part_months) | set(trend_months) | {running}),
                       now=now, estate=estate)
    rows = facts.rows(selection.whole, estate.pk if estate else None)
    for (begin, end), month in zip(selection.parts, part_months):
        stored = {estate_id: data for (estate_id, month_), data in facts.by_estate_month.items() if month_ == month}
        rows += [figures.tagged(data, estate_id=estate_id, month=month)
                 for estate_id, data in figures.with_month_level(part_days(begin, end, now=now), stored).items()
                 if estate is None or estate_id == estate.pk]
    rows.sort(key=lambda row: (row["_month"], row["_estate"]))
    period = figures.with_targets(figures.add_up(rows), estate=estate,
                                  months=figures.range_months(selection.first, selection.last))
    links = figure_links(first=selection.first, last=selection.last, estate=estate)
    wanted = [estate.pk] if estate else [e.pk for e in estates]

    # What stood open when the running month was computed (stored beside it).
    now_open = {estate_id: data.get("standing", {}) for (estate_id, month), data in facts.by_estate_month.items()
                if month == running}
    age_counts = [sum((now_open.get(pk, {}).get("ages") or [0] * len(AGE_LABELS))[i] for pk in wanted)
                  for i in range(len(AGE_LABELS))]
    cards = [{"figure": value.figure, "value": value, "link": links[key], "count": int(value.denominator or 0),
              "late_link": links.get({"complaints_on_time": "complaints_late", "dispatch_on_time": "dispatch_late",
                                      "orders_on_time": "orders_late"}.get(key, ""))}
             for key, value in period.values.items()]
    return render(request, "pages/dashboard.html", {
        "estates": estates, "estate": estate, "periods": PERIODS, "kind": selection.kind, "months": months,
        "first": selection.first, "last": selection.last, "running": running, "refused": selection.refused,
        "live_parts": selection.parts, "includes_running": running in months,
        "custom_fields": _custom_fields(selection),
        "cards": cards, "callback_rates": list(period.callback_rates.values()), "links": links,
        "ages": list(zip(AGE_LABELS, age_counts, age_links(now=now, estate=estate))),
        "overdue_callbacks": sum(now_open.get(pk, {}).get("overdue", 0) for pk in wanted),
        "deposits": {key: cast(sum((Decimal(now_open.get(pk, {}).get("deposits", {}).get(key, 0)) for pk in wanted),
                                   Decimal(0)))
                     for key, cast in (("held", Decimal), ("held_count", int), ("due", Decimal), ("due_count", int))},
        "undelivered": max((data.get("undelivered", 0) for data in now_open.values()), default=0),
        "trends": trends(facts=facts, months=trend_months, estates=[estate] if estate else estates),
        "now": now, "running_as_of": facts.running_as_of,
        "missing": [f"{month:%Y-%m}" for month in facts.missing if month in selection.whole],
        "period_label": _period_label(selection),
    })


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
