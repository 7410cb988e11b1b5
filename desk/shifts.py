"""The desk's shifts (002 三 交接班): each estate's day is cut into shifts that follow one
another round the clock (by default the day shift 08:15–20:15 of the handbook's working
hours, then the night shift), set by ``DESK_SHIFTS`` and, per estate by its code,
``DESK_SHIFTS_BY_ESTATE``. The shift a moment belongs to is computed from the moment; a
shift that runs past midnight belongs to the day it started."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import pgettext_lazy

# The names shifts are known by; a key not here is shown as written.
SHIFT_NAMES = {
    "day": pgettext_lazy("shift", "Day shift"),
    "night": pgettext_lazy("shift", "Night shift"),
    "early": pgettext_lazy("shift", "Early shift"),
    "middle": pgettext_lazy("shift", "Middle shift"),
    "late": pgettext_lazy("shift", "Late shift"),
}

_ONE = re.compile(r"^\s*([a-z][a-z0-9_]{0,19})\s*=\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class ShiftDef:
    key: str
    start: time
    end: time

    @property
    def name(self):
        return SHIFT_NAMES.get(self.key, self.key)


@dataclass(frozen=True)
class Shift:
    """One shift of one day: its key, the day it started and its start and end moments."""

    key: str
    day: date
    start: datetime
    end: datetime

    @property
    def name(self):
        return SHIFT_NAMES.get(self.key, self.key)

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.name}"


def _parse(spec: str, where: str) -> tuple[ShiftDef, ...]:
    shifts = []
    for part in spec.split(","):
        match = _ONE.match(part)
        if not match:
            raise ImproperlyConfigured(f"{where}: {part!r} is not key=HH:MM-HH:MM")
        key, h1, m1, h2, m2 = match.groups()
        try:
            shifts.append(ShiftDef(key, time(int(h1), int(m1)), time(int(h2), int(m2))))
        except ValueError:
            raise ImproperlyConfigured(f"{where}: {part!r} is not a time of day") from None
    shifts.sort(key=lambda s: s.start)
    keys = [s.key for s in shifts]
    if len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"{where}: a shift is named twice")
    # They follow one another round the clock: each ends when the next starts.
    for here, after in zip(shifts, shifts[1:] + shifts[:1]):
        if here.end != after.start:
            raise ImproperlyConfigured(f"{where}: {here.key} must end when {after.key} starts ({after.start:%H:%M})")
    return tuple(shifts)


@lru_cache(maxsize=32)
def _table(default: str, by_estate: str) -> tuple[tuple[ShiftDef, ...], dict[str, tuple[ShiftDef, ...]]]:
    overrides = {}
    for chunk in filter(None, (c.strip() for c in by_estate.split(";"))):
        code, _sep, spec = chunk.partition(":")
        overrides[code.strip()] = _parse(spec, f"DESK_SHIFTS_BY_ESTATE {code.strip()}")
    return _parse(default, "DESK_SHIFTS"), overrides


def check_settings() -> None:
    _table(settings.DESK_SHIFTS, settings.DESK_SHIFTS_BY_ESTATE)


def shift_defs(estate) -> tuple[ShiftDef, ...]:
    default, overrides = _table(settings.DESK_SHIFTS, settings.DESK_SHIFTS_BY_ESTATE)
    return overrides.get(estate.code, default)


def _make(estate, index: int, day: date) -> Shift:
    defs = shift_defs(estate)
    d = defs[index]
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, d.start, tzinfo=tz)
    end = datetime.combine(day, d.end, tzinfo=tz)
    if end <= start:
        end = datetime.combine(day + timedelta(days=1), d.end, tzinfo=tz)
    return Shift(d.key, day, start, end)


def shift_at(estate, moment: datetime) -> Shift:
    """The shift of ``estate`` that ``moment`` falls in."""
    local = timezone.localtime(moment)
    for day in (local.date(), local.date() - timedelta(days=1)):
        for index in range(len(shift_defs(estate))):
            shift = _make(estate, index, day)
            if shift.start <= local < shift.end:
                return shift
    raise ImproperlyConfigured("the shifts do not cover the day")  # _parse makes this impossible


def shift_of(estate, *, key: str, day: date) -> Shift:
    """The shift ``key`` of ``day``; ValueError if the estate has no such shift."""
    for index, d in enumerate(shift_defs(estate)):
        if d.key == key:
            return _make(estate, index, day)
    raise ValueError(key)


def next_shift(estate, shift: Shift) -> Shift:
    """The shift that takes over from ``shift``."""
    return shift_at(estate, shift.end)


def shift_name(key: str):
    return SHIFT_NAMES.get(key, key)

