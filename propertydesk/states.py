"""One way a record changes state (conventions: "State machines are enforced, not
decorative").

Each stateful model declares its allowed moves once, as a ``Transitions`` beside its
status ``TextChoices`` in models.py, and keeps its history in an event model built on
``StateEvent`` (``related_name="events"``). Its services move a record with ``move()``,
which refuses what the map does not allow with a message the user reads in their
language, writes the event row (who, when, from, to, note) and sets the status; the
service saves the record in the same transaction. A job that moves thousands of rows in
one statement takes its from/to states from ``Transitions.pair``, so the SQL cannot
allow what the map does not.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from propertydesk import limits


class Transitions(Mapping[str, frozenset[str]]):
    """The moves a model's ``status`` allows: each state → the states it may become
    (an end state → none). Every state of ``states`` must be a key. ``refusal`` is the
    sentence a refused user reads, with ``%(current)s`` and ``%(target)s``."""

    def __init__(self, states: type[models.TextChoices], moves: Mapping[str, Iterable[str]], *,
                 refusal: Promise | str) -> None:
        table = {str(state): frozenset(str(target) for target in targets) for state, targets in moves.items()}
        named = set(table).union(*table.values())
        if named - set(states.values) or set(states.values) - set(table):
            raise ImproperlyConfigured(
                f"{states.__name__} transitions must name each of its states once as a key and no other state")
        self.states = states
        self.refusal = refusal
        self._moves = table

    def __getitem__(self, state: str) -> frozenset[str]:
        return self._moves[state]

    def __iter__(self) -> Iterator[str]:
        return iter(self._moves)

    def __len__(self) -> int:
        return len(self._moves)

    def allows(self, current: str, target: str) -> bool:
        return target in self._moves.get(current, ())

    def check(self, current: str, target: str, *, only_from: Collection[str] = ()) -> None:
        """Refuse a move the map does not allow, or (``only_from``) one this action does
        not start from: resolved → in progress is a reopening, never a "start"."""
        if not self.allows(current, target) or (only_from and current not in only_from):
            raise ValidationError(
                self.refusal % {"current": self.states(current).label, "target": self.states(target).label},
                code="illegal_transition",
            )

    def pair(self, current: str, target: str) -> tuple[str, str]:
        """``(current, target)`` for set-based SQL, if the map allows that move. Called
        where the SQL is defined, so a map that no longer allows it fails at import."""
        if not self.allows(current, target):
            raise ImproperlyConfigured(f"{self.states.__name__} does not allow {current} → {target}")
        return current, target


class StateEvent(models.Model):
    """Who moved a record, when, from which state to which, and why. A concrete event
    has a foreign key to its record with ``related_name="events"`` and redeclares
    ``from_status``/``to_status`` with the record's choices."""

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '·'} → {self.to_status} {self.at:%Y-%m-%d %H:%M}"


def move(record: models.Model, target: str, transitions: Transitions, *, at: datetime, actor=None,
         note: str = "", only_from: Collection[str] = (), **fields: Any) -> StateEvent:
    """Move ``record`` to ``target``: refused (nothing written) unless ``transitions``
    allows it; else one event row (``fields`` fills the event model's own columns) and the
    new status on ``record``, which the caller saves in the same transaction."""
    current = record.status
    transitions.check(current, target, only_from=only_from)
    event = record.events.create(at=at, actor=actor, from_status=current, to_status=target, note=note, **fields)
    record.status = target
    return event
