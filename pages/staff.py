"""The staff view for supervisors: per person, for a period and one estate or all, the
complaints they handled (and on time), the callbacks they did (and on time), the work
orders they took, completed and had sent back for rework, their customers' average
rating, and the orders they dispatched late. Each figure links to the list behind it;
a person's row opens their page with the same figures for each of the last 12 months.

Every figure is a grouped statement in its app's selectors (``staff_*_figures``) over an
index on the moment it counts, so the page reads the same few statements however many
people there are. A month is read live while it runs; a closed month's counts per person
and estate are kept in the month facts (pages.models.StaffMonthFacts, by the
``pages.month_facts`` job, computed again until the month settles), so a year reads
twelve months' rows and its ragged ends rather than a year of records; a month the job
has not computed yet is read live."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from owners.models import Estate
from pages import selectors
from propertydesk import periods
from propertydesk.people import person_name
from propertydesk.roles import ROLE_LABELS, is_staff_member, is_supervisor, owner_of, roles_of
from propertydesk.web import staff_required

# The table's columns: the figure, its header, the list it links to and the list's name for
# it (None: not a link of its own). ``status=all``: the lists show open work by default.
COLUMNS = [
    ("handled", pgettext_lazy("staff view", "Handled"), "complaints:queue", "handled", {}),
    ("complaints_on_time", pgettext_lazy("staff view", "On time"), "complaints:queue", "on_time", {}),
    ("callbacks_done", pgettext_lazy("staff view", "Done"), "callbacks:queue", "done", {"status": "done"}),
    ("callbacks_on_time", pgettext_lazy("staff view", "On time"), "callbacks:queue", "on_time", {"status": "done"}),
    ("taken", pgettext_lazy("staff view", "Taken"), "repairs:queue", "taken", {"status": "all"}),
    ("completed", _("Completed"), "repairs:queue", "completed", {"status": "all"}),
    ("reworked", _("Reworked"), "repairs:queue", "reworked", {"status": "all"}),
    ("rating", _("Average rating"), "repairs:queue", "rated", {"status": "all"}),
    ("late_dispatch", _("Dispatch breaches"), "repairs:queue", "late_dispatch", {"status": "all"}),
]
FIGURES = [key for key, *_rest in COLUMNS]
SORTS = ["name", "role", *FIGURES]
MONTHS = 12


@dataclass
class Figures:
    """One row's figures: a person's over the period, or one month's of a person."""

    handled: int = 0
    complaints_on_time: int = 0
    callbacks_done: int = 0
    callbacks_on_time: int = 0
    taken: int = 0
    completed: int = 0
    reworked: int = 0
    rating_sum: int = 0
    rated: int = 0
    late_dispatch: int = 0
    links: dict = field(default_factory=dict)

    @property
    def rating(self):
        """The average rating to one decimal, or None when nobody rated."""
        return round(self.rating_sum / self.rated, 1) if self.rated else None

    @property
    def complaints_rate(self):
        return round(self.complaints_on_time * 100 / self.handled) if self.handled else None

    @property
    def callbacks_rate(self):
        return round(self.callbacks_on_time * 100 / self.callbacks_done) if self.callbacks_done else None

    def add(self, other: Figures) -> None:
        for name in ("handled", "complaints_on_time", "callbacks_done", "callbacks_on_time", "taken", "completed",
                     "reworked", "rating_sum", "rated", "late_dispatch"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def cells(self) -> list[dict]:
        """The row's figures in the table's order, each with its link (when it has one)."""
        return [{"key": key, "value": getattr(self, key), "link": self.links.get(key)} for key in FIGURES]


COUNTS = selectors.STAFF_COUNTS


def _add(into: dict, part: dict) -> None:
    for key, values in part.items():
        row = into.setdefault(key, dict.fromkeys(COUNTS, 0))
        for name in COUNTS:
            row[name] += values[name]


def _closed_months(first, last, today) -> list:
    """The whole calendar months from ``first`` to ``last`` that ended before this one."""
    this_month = today.replace(day=1)
    month = first if first.day == 1 else first.replace(day=1) + relativedelta(months=1)
    months = []
    while month < this_month and month + relativedelta(months=1) - timedelta(days=1) <= last:
        months.append(month)
        month += relativedelta(months=1)
    return months


def _months(months: list, estate_id) -> dict:
    """Each closed month's counts per person, from the month facts (StaffMonthFacts, kept
    by the pages.month_facts job); the months they do not hold yet are read live together
    (one grouped statement per figure, by month and person)."""
    found, missing = selectors.staff_month_counts(months=months, estate_id=estate_id)
    if missing:
        fresh: dict = {month: {} for month in missing}
        rows = selectors.staff_counts(start=periods.local_midnight(missing[0]),
                                      end=periods.local_midnight(missing[-1] + relativedelta(months=1)),
                                      estate_id=estate_id, by=periods.PERSON_MONTH)
        for (month, person), values in rows.items():
            if month in fresh:
                fresh[month][person] = values
        found.update(fresh)
    return {month: found[month] for month in months}


def _period_counts(period: periods.Period, *, estate_id, today) -> dict:
    """Each person's counts over the period: its closed months as kept, the days before
    and after them (this month's, a custom period's ragged ends) read live."""
    months = _closed_months(period.first, period.last, today)
    counts: dict = {}
    for part in _months(months, estate_id).values():
        _add(counts, part)
    if not months:
        live = [(period.start, period.end)]
    else:
        live = []
        if period.first < months[0]:
            live.append((period.start, periods.local_midnight(months[0])))
        after = months[-1] + relativedelta(months=1)
        if after <= period.last:
            live.append((periods.local_midnight(after), period.end))
    for start, end in live:
        _add(counts, selectors.staff_counts(start=start, end=end, estate_id=estate_id))
    return counts


def _links(figures: Figures, *, person_id: int, period: periods.Period, estate_id) -> None:
    """Each figure that counts something links to its list, filtered by person and days."""
    for key, _label, url_name, figure, extra in COLUMNS:
        count = figures.rated if key == "rating" else getattr(figures, key)
        if not count:
            continue
        query = {**extra, **periods.figure_query(figure=figure, person_id=person_id, period=period)}
        if estate_id:
            query["estate"] = str(estate_id)
        figures.links[key] = f"{reverse(url_name)}?{urlencode(query)}"


def _estate(request):
    wanted = request.GET.get("estate") or ""
    return Estate.objects.filter(pk=wanted).first() if wanted.isdigit() else None


def _supervisor_only(request) -> None:
    if not is_supervisor(request.user):
        raise PermissionDenied


def _role(user) -> str:
    roles = roles_of(user)
    if not roles:
        return str(_("Administrator")) if user.is_superuser else ""
    return ", ".join(str(ROLE_LABELS[role]) for role in roles)


def _sorted(rows: list[dict], sort: str, descending: bool) -> list[dict]:
    if sort == "name":
        key = lambda row: row["name"].casefold()  # noqa: E731
    elif sort == "role":
        key = lambda row: (row["role"], row["name"].casefold())  # noqa: E731
    else:
        # People without a rating sort below every rating, whichever way.
        key = lambda row: (getattr(row["figures"], sort) is not None,  # noqa: E731
                           getattr(row["figures"], sort) or 0, row["name"].casefold())
    ordered = sorted(rows, key=key, reverse=descending)
    if sort == "rating" and not descending:
        ordered.sort(key=lambda row: row["figures"].rating is None)
    return ordered


def _filters(*, estate, period) -> dict:
    return {
        "estates": list(Estate.objects.order_by("name").only("pk", "name")),
        "estate": estate,
        "period": period,
        "period_choices": periods.CHOICES,
        "custom": periods.CUSTOM,
    }


@staff_required
def staff_view(request):
    _supervisor_only(request)
    today = timezone.localdate()
    period = periods.period_from_query(request.GET, today=today)
    estate = _estate(request)
    estate_id = estate.pk if estate else None
    counts = _period_counts(period, estate_id=estate_id, today=today)
    users = get_user_model().objects.filter(pk__in=list(counts)).prefetch_related("groups")
    rows, totals = [], Figures()
    for user in users:
        if not is_staff_member(user):  # an owner answering a callback online: nobody's work
            continue
        row_figures = Figures(**counts[user.pk])
        _links(row_figures, person_id=user.pk, period=period, estate_id=estate_id)
        totals.add(row_figures)
        rows.append({"user": user, "name": person_name(user), "role": _role(user), "figures": row_figures})
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "name"
    descending = request.GET.get("dir") == "desc"
    query = {name: value for name, value in request.GET.items() if name not in ("sort", "dir")}

    def header(key, label, first_dir):
        # A click on the column sorted by sorts it the other way; on another, its first way
        # (names A to Z, figures highest first).
        again = "asc" if descending else "desc"
        return {"key": key, "label": label, "active": sort == key, "descending": descending,
                "query": urlencode({**query, "sort": key, "dir": again if sort == key else first_dir})}

    return render(request, "pages/staff.html", {
        **_filters(estate=estate, period=period),
        "rows": _sorted(rows, sort, descending), "totals": totals,
        "name_header": header("name", _("Name"), "asc"), "role_header": header("role", _("Role"), "asc"),
        "headers": [header(key, label, "desc") for key, label, *_rest in COLUMNS],
        "person_query": urlencode({"estate": estate_id} if estate_id else {}),
    })


@staff_required
def staff_person(request, user_id: int):
    """One person's figures for each of the last 12 months, this one last."""
    _supervisor_only(request)
    user = get_object_or_404(get_user_model().objects.prefetch_related("groups"), pk=user_id)
    if owner_of(user) is not None and not is_staff_member(user):
        raise Http404  # an owner's portal login is nobody's colleague (a former colleague still is)
    today = timezone.localdate()
    estate = _estate(request)
    estate_id = estate.pk if estate else None
    months = periods.months_back(MONTHS, today=today)
    # The closed months as kept for everyone; this month live, for this person.
    by_month = {month: counts.get(user.pk) for month, counts in _months(months[:-1], estate_id).items()}
    this_month = periods.preset(periods.THIS_MONTH, today=today)
    by_month[months[-1]] = selectors.staff_counts(start=this_month.start, end=this_month.end, estate_id=estate_id,
                                person_id=user.pk).get(user.pk)
    rows, totals = [], Figures()
    for month in months:
        month_figures = Figures(**(by_month[month] or {}))
        _links(month_figures, person_id=user.pk, period=periods.preset(periods.THIS_MONTH, today=month),
               estate_id=estate_id)
        totals.add(month_figures)
        rows.append({"month": month, "figures": month_figures})
    return render(request, "pages/staff_person.html", {
        "person": user, "name": person_name(user), "role": _role(user), "estate": estate,
        "estates": list(Estate.objects.order_by("name").only("pk", "name")),
        "rows": rows, "totals": totals, "columns": [(key, label) for key, label, *_rest in COLUMNS],
        "back_query": urlencode({"estate": estate_id} if estate_id else {}),
    })
