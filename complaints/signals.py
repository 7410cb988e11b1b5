"""Events other apps listen to. ``complaint_resolved`` is sent inside the resolving
transaction, so a receiver's writes (the callbacks app creates the due callback)
commit or roll back with the resolution.

``intake_notes`` is sent when the intake shows a unit (``estate``, ``building``,
``unit``, ``now``): a receiver returns a list of ``IntakeNote`` the desk should read
while the caller is on the line (incidents answers with an open incident's callers'
script for that building). Complaints knows nothing of who answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.dispatch import Signal

complaint_resolved = Signal()  # kwargs: complaint, now
intake_notes = Signal()  # kwargs: estate, building, unit, now; receivers return list[IntakeNote]


@dataclass(frozen=True)
class IntakeNote:
    """What to tell a caller, shown beside the intake: a title, the text to say, since
    when and until when it holds, a link to the record it comes from, and the language
    the text is written in."""

    title: str
    text: str
    since: datetime | None = None
    until: datetime | None = None
    url: str = ""
    kind: str = ""
    language: str = ""   # the language ``text`` is written in (an estate's), when it is not the reader's


def notes_for(*, estate, building, unit, now) -> list[IntakeNote]:
    """Every receiver's notes for the unit, in the order the receivers answered."""
    notes: list[IntakeNote] = []
    for _receiver, answer in intake_notes.send(sender=None, estate=estate, building=building, unit=unit, now=now):
        notes.extend(answer or [])
    return notes
