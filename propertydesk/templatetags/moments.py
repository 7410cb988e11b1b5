"""Moments as a reader says them in a list (``{% load moments %}``):

    {{ complaint.promised_at|when:now }}   今天 10:00 · 昨天 09:12 · 明天 08:30 · 11-28 10:00 · 2025-11-28 10:00
    {{ complaint.description|first_line }} the first line of a text, for a list's row

A moment is wrapped in <time> with the full date and time as its tooltip."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

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
