"""The periods supervisors read figures over (this month, last month, a quarter, a year, or
days of their own), and a figure's link to the list behind it: who, which figure, which
days. Days are Shanghai days; a period runs from the midnight that starts its first day
to the midnight that ends its last, so every selector reads the half-open range
[start, end)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propertydesk.web import query_day

THIS_MONTH, LAST_MONTH = "this_month", "last_month"
THIS_QUARTER, LAST_QUARTER = "this_quarter", "last_quarter"
THIS_YEAR, LAST_YEAR = "this_year", "last_year"
CUSTOM = "custom"
CHOICES = [
    (THIS_MONTH, _("This month")),
    (LAST_MONTH, _("Last month")),
    (THIS_QUARTER, _("This quarter")),
    (LAST_QUARTER, _("Last quarter")),
    (THIS_YEAR, _("This year")),
    (LAST_YEAR, _("Last year")),
    (CUSTOM, _("Custom dates")),
]
# A custom period longer than this is cut to it: the figures are read live.
LONGEST_DAYS = 366 * 3


def local_midnight(day: datetime.date) -> datetime.datetime:
    """The moment a Shanghai day begins."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class _Days:
    """Whole Shanghai days ``first``..``last`` as the moments [start, end) selectors read."""

    first: datetime.date
    last: datetime.date  # inclusive

    @property
    def start(self) -> datetime.datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime.datetime:
        return local_midnight(self.last + datetime.timedelta(days=1))


@dataclass(frozen=True)
class Period(_Days):
    key: str
    first: datetime.date
    last: datetime.date

    @property
    def query(self) -> dict[str, str]:
        """The link parameters of a list filtered to these days."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def preset(key: str, *, today: datetime.date) -> Period:
    month = today.replace(day=1)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    year = today.replace(month=1, day=1)
    first, after = {
        THIS_MONTH: (month, month + relativedelta(months=1)),
        LAST_MONTH: (month - relativedelta(months=1), month),
        THIS_QUARTER: (quarter, quarter + relativedelta(months=3)),
        LAST_QUARTER: (quarter - relativedelta(months=3), quarter),
        THIS_YEAR: (year, year + relativedelta(years=1)),
        LAST_YEAR: (year - relativedelta(years=1), year),
    }[key]
    return Period(key, first, after - datetime.timedelta(days=1))


def period_from_query(params, *, today: datetime.date) -> Period:
    """The period a page's query string asks for (``?period=last_month``, or
    ``?period=custom&from=2026-12-15&to=2027-01-15``); this month when it asks for none
    or for days that make no period (the last before the first)."""
    key = params.get("period") or ""
    if key == CUSTOM or (not key and params.get("from")):
        first, last = query_day(params.get("from")), query_day(params.get("to"))
        if first and last and first <= last:
            return Period(CUSTOM, first, min(last, first + datetime.timedelta(days=LONGEST_DAYS - 1)))
    if key in dict(CHOICES) and key != CUSTOM:
        return preset(key, today=today)
    return preset(THIS_MONTH, today=today)


def months_back(count: int, *, today: datetime.date) -> list[datetime.date]:
    """The first days of the last ``count`` months, this one last."""
    month = today.replace(day=1)
    return [month - relativedelta(months=n) for n in range(count - 1, -1, -1)]


@dataclass(frozen=True)
class FigureFilter(_Days):
    """A list narrowed to what one figure of the staff view counts: ``figure`` (a name the
    list knows) of the person ``person_id`` over the days ``first``..``last``."""

    figure: str
    person_id: int
    first: datetime.date
    last: datetime.date


def figure_from_query(params, *, figures) -> FigureFilter | None:
    """``?figure=handled&person=12&from=2026-11-01&to=2026-11-30`` on a list page, or None
    when the query names no figure the list knows (``figures``) or no whole period."""
    figure, person = params.get("figure") or "", params.get("person") or ""
    first, last = query_day(params.get("from")), query_day(params.get("to"))
    if figure not in figures or not person.isdigit() or not (first and last and first <= last):
        return None
    return FigureFilter(figure, int(person), first, last)


def figure_query(*, figure: str, person_id: int, period: Period) -> dict[str, str]:
    """The link parameters of ``figure_from_query``."""
    return {"figure": figure, "person": str(person_id), **period.query}


def figure_banner(figure: FigureFilter | None, *, labels) -> dict | None:
    """What a list filtered by a staff-view figure says above its rows: which figure
    (``labels``: the list's figure names), whose, which days."""
    if figure is None:
        return None
    from django.contrib.auth import get_user_model

    from propertydesk.people import person_name

    user = get_user_model().objects.filter(pk=figure.person_id).first()
    return {"label": labels[figure.figure], "person": person_name(user) if user else f"#{figure.person_id}",
            "first": figure.first, "last": figure.last}


PERSON, MONTH, PERSON_MONTH = "person", "month", "person_month"
# Both, and the estate (the value of the field ``estate``) between them: (month, estate, person).
ESTATE_PERSON_MONTH = "estate_person_month"


def grouped(rows, *, at: str, person: str, by: str, estate: str = "estate_id", **totals) -> dict:
    """``rows`` counted with ``totals`` (aggregates by name), keyed by ``by``: the person
    (the value of the field ``person``), the Shanghai month of ``at`` (its first day),
    both as (month, person), or (month, estate, person). One grouped statement."""
    from django.db.models import F
    from django.db.models.functions import TruncMonth

    if by == PERSON:
        keyed = rows.values(key=F(person))
    elif by == MONTH:
        keyed = rows.annotate(month=TruncMonth(at)).values("month")
    elif by == PERSON_MONTH:
        keyed = rows.annotate(month=TruncMonth(at)).values("month", key=F(person))
    else:
        keyed = rows.annotate(month=TruncMonth(at)).values("month", estate_key=F(estate), key=F(person))
    out = {}
    for row in keyed.order_by().annotate(**totals):
        month = row.pop("month", None)
        key = row.pop("key", None)
        if by == ESTATE_PERSON_MONTH:
            out[month.date(), row.pop("estate_key"), key] = row
        else:
            out[key if by == PERSON else month.date() if by == MONTH else (month.date(), key)] = row
    return out
