"""The supervisor's dashboard (domain §9): the figures of one estate or all, for a
period, each against its target and linked to the list behind it; the last twelve
months of each as a chart; and what stands open now.

Every month is read from the stored month facts (pages.MonthFacts, kept by the
pages.month_facts job every quarter of an hour): the months that are over, and the
running month as of the job's last run, with what stood open then. Computed live from
the apps' selectors at scale, the running month alone took over a second (a month's
complaints, callbacks, payments); read, the page is a few hundred rows whatever the data.
A month the job has not stored yet (a new installation) is computed live."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import selectors as complaint_selectors
from owners.models import Estate
from pages import figures
from pages.models import MonthFacts
from propertydesk.web import query_day, staff_required

PERIODS = (
    ("month", gettext_lazy("This month")),
    ("last_month", gettext_lazy("Last month")),
    ("quarter", gettext_lazy("This quarter")),
    ("last_quarter", gettext_lazy("Last quarter")),
    ("year", gettext_lazy("This year")),
    ("last_year", gettext_lazy("Last year")),
    ("custom", gettext_lazy("Custom months")),
)
TREND_MONTHS = 12
LONGEST_PERIOD = 36  # months: a custom period is cut to this many, its last months kept


def period_months(kind: str, *, today: date, first: date | None = None, last: date | None = None) -> list[date]:
    """The months of a period chosen on the page (PERIODS), up to the running month."""
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
    if kind == "custom" and first and last:
        first, last = sorted((first.replace(day=1), min(last.replace(day=1), month)))
        return figures.months_between(first, last)[-LONGEST_PERIOD:]
    return [month]


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


def figure_links(*, months: list[date], estate) -> dict[str, str]:
    """The list behind each figure, filtered to the period (and estate)."""
    first, last = months[0], months[-1]
    days = {"from": f"{first:%Y-%m-%d}", "to": f"{last + relativedelta(months=1, days=-1):%Y-%m-%d}"}
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
    script draws them). A month's value is its own numerator over its own denominator."""
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

    return {
        "months": [f"{month:%Y-%m}" for month in months],
        "figures": [{"key": figure.key, "label": str(figure.label), "unit": figure.unit,
                     "series": [{"name": estate.name,
                                 "data": [point(figure, facts.by_estate_month.get((estate.pk, month)))
                                          for month in months]}
                                for estate in estates]}
                    for figure in figures.FIGURES],
    }


def _selection(request, *, today: date):
    estates = list(Estate.objects.order_by("name"))
    wanted = request.GET.get("estate", "")
    estate = next((e for e in estates if str(e.pk) == wanted), None)
    kind = request.GET.get("period", "month")
    if kind not in dict(PERIODS):
        kind = "month"
    first = query_day(request.GET.get("from"), "%Y-%m")
    last = query_day(request.GET.get("to"), "%Y-%m")
    if kind == "custom" and not (first and last):
        kind = "month"
    return estates, estate, kind, period_months(kind, today=today, first=first, last=last), first, last


@staff_required
@permission_required("pages.view_monthfacts", raise_exception=True)
def dashboard(request):
    now = timezone.now()
    today = timezone.localdate(now)
    estates, estate, kind, months, first, last = _selection(request, today=today)
    running = today.replace(day=1)
    trend_months = [running - relativedelta(months=i) for i in range(TREND_MONTHS - 1, -1, -1)]
    facts = read_facts(months=sorted(set(months) | set(trend_months) | {running}), now=now, estate=estate)
    period = figures.with_targets(figures.add_up(facts.rows(months, estate.pk if estate else None)),
                                  estate=estate, months=len(months))
    links = figure_links(months=months, estate=estate)
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
        "estates": estates, "estate": estate, "periods": PERIODS, "kind": kind, "months": months,
        "first": first or months[0], "last": last or months[-1], "running": running,
        "includes_running": running in months,
        "cards": cards, "callback_rates": list(period.callback_rates.values()), "links": links,
        "ages": list(zip(AGE_LABELS, age_counts, age_links(now=now, estate=estate))),
        "overdue_callbacks": sum(now_open.get(pk, {}).get("overdue", 0) for pk in wanted),
        "deposits": {key: cast(sum((Decimal(now_open.get(pk, {}).get("deposits", {}).get(key, 0)) for pk in wanted),
                                   Decimal(0)))
                     for key, cast in (("held", Decimal), ("held_count", int), ("due", Decimal), ("due_count", int))},
        "undelivered": max((data.get("undelivered", 0) for data in now_open.values()), default=0),
        "trends": trends(facts=facts, months=trend_months, estates=[estate] if estate else estates),
        "now": now, "running_as_of": facts.running_as_of,
        "missing": [f"{month:%Y-%m}" for month in facts.missing if month in months],
        "period_label": _("%(first)s to %(last)s") % {"first": f"{months[0]:%Y-%m}", "last": f"{months[-1]:%Y-%m}"}
        if len(months) > 1 else f"{months[0]:%Y-%m}",
    })


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
