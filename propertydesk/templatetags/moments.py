"""Moments as a reader says them in a list (``{% load moments %}``):

    {{ complaint.promised_at|when:now }}   今天 10:00 · 昨天 09:12 · 明天 08:30 · 11-28 10:00 · 2025-11-28 10:00
    {{ complaint.description|first_line }} the first line of a text, for a list's row
    {{ complaint.promised_at|since:now }}  23 小时 59 分 · 2 天 3 小时 / 23 hours 59 minutes (also ``until``;
    {{ complaint.late_by|span }}           ``span`` for a length of time already measured)

A moment is wrapped in <time> with the full date and time as its tooltip."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def say_when(value: datetime, now: datetime) -> str:
    """The day said relative to ``now``'s when it is near (today, yesterday, tomorrow),
    the month and day within the year, the whole date otherwise; then the time."""
    local, today = timezone.localtime(value), timezone.localdate(now)
    clock = f"{local:%H:%M}"
    days = (local.date() - today).days
    if days == 0:
        return _("today %(time)s") % {"time": clock}
    if days == -1:
        return _("yesterday %(time)s") % {"time": clock}
    if days == 1:
        return _("tomorrow %(time)s") % {"time": clock}
    if local.year == today.year:
        return f"{local:%m-%d} {clock}"
    return f"{local:%Y-%m-%d} {clock}"


@register.filter
def when(value: datetime | None, now: datetime | None = None):
    if value is None:
        return ""
    now = now or timezone.now()
    local = timezone.localtime(value)
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(timespec="minutes"),
                       f"{local:%Y-%m-%d %H:%M}", say_when(value, now))


@register.filter
def first_line(value: str | None, length: int = 60) -> str:
    text = (value or "").strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= int(length) else line[: int(length) - 1] + "…"


def say_span(delta: timedelta) -> str:
    """A length of time in its two largest units, as people say it (23 小时 59 分, 2 天 3
    小时, 5 分 / 23 hours 59 minutes): no comma, no seconds, under a minute said so."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [text % {"n": n} for n, text in (
        (days, ngettext("%(n)d day", "%(n)d days", days)),
        (hours, ngettext("%(n)d hour", "%(n)d hours", hours)),
        (mins, ngettext("%(n)d minute", "%(n)d minutes", mins)),
    ) if n]
    # the two largest units that are not zero, and never days beside minutes
    if days:
        parts = parts[:2] if hours else parts[:1]
    return " ".join(parts[:2]) or _("under a minute")


@register.filter
def since(value: datetime | None, moment: datetime | None = None) -> str:
    """How long ago ``value`` was, seen from ``moment`` (now by default)."""
    if value is None:
        return ""
    return say_span((moment or timezone.now()) - value)


@register.filter
def until(value: datetime | None, moment: datetime | None = None) -> str:
    """How long until ``value``, seen from ``moment`` (now by default)."""
    if value is None:
        return ""
    return say_span(value - (moment or timezone.now()))


@register.filter
def span(value: timedelta | None) -> str:
    return "" if value is None else say_span(value)
