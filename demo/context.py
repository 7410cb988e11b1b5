"""What a demo run hands from step to step, and the demo's clock."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from demo.people import People
from owners.models import (
    Building,
    Estate,
    Owner,
    OwnerPhone,
    Ownership,
    Resident,
    ResidentRelation,
    Unit,
)
from propertydesk.jobs import get_job

DEFAULT_SEED = 2026
DEMO_PASSWORD = "demo12345"


def as_of(today: date) -> datetime:
    """The demo's "now": midnight at the start of ``today``, local time (Asia/Shanghai).
    Nothing in the demo happens after it: whatever has not happened by then is still open."""
    return datetime.combine(today, time(0, 0), tzinfo=timezone.get_default_timezone())


def next_run(job: str, *, after: datetime) -> datetime:
    """The first moment after ``after`` that a job of the registry runs (its crontab's
    day of the month, hour and minute, local time): when a sweep first sees a deadline
    has passed, when the 10th's check runs."""
    schedule = get_job(job).schedule
    moment = timezone.localtime(after).replace(second=0, microsecond=0) + timedelta(minutes=1)
    while True:
        if moment.day not in schedule.day_of_month:
            moment = (moment + timedelta(days=1)).replace(hour=0, minute=0)
        elif moment.hour not in schedule.hour:
            moment = (moment + timedelta(hours=1)).replace(minute=0)
        elif moment.minute not in schedule.minute:
            moment += timedelta(minutes=1)
        else:
            return moment


class Timeline:
    """One clock for the steps whose actions touch the same things: the work orders'
    days and the fees' months are played together, in the order they happened, so the
    receipts of the workers' cash and of the fee payments get their numbers from the
    estate's one sequence in that order, and the 10th's bill run finds the bank
    collection charges of the month before.

    ``at`` schedules an action (actions may schedule more); ``play_until`` runs those
    before a moment, oldest first (ties in the order they were scheduled). An action
    that issues a receipt is scheduled with ``receipt=True``: the hooks in
    ``before_receipt`` run first (the fees step takes the desk's payments it holds)."""

    def __init__(self):
        self._queue: list[tuple[datetime, int, Callable[[], None], bool]] = []
        self._scheduled = 0
        self.before_receipt: list[Callable[[], None]] = []
        self.now: datetime | None = None  # the moment of the action being played

    def at(self, moment: datetime, action: Callable[[], None], *, receipt: bool = False) -> None:
        heapq.heappush(self._queue, (moment, self._scheduled, action, receipt))
        self._scheduled += 1

    def play_until(self, end: datetime) -> None:
        """Play what happened before ``end``; what is planned for later never happens."""
        while self._queue and self._queue[0][0] < end:
            self.now, _n, action, receipt = heapq.heappop(self._queue)
            if receipt:
                self._before_receipt()
            action()
        self._before_receipt()
        self._queue.clear()

    def _before_receipt(self) -> None:
        for hook in self.before_receipt:
            hook()


@dataclass
class DemoContext:
    rng: random.Random
    today: date
    people: People
    estates: list[Estate] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)
    phones: list[OwnerPhone] = field(default_factory=list)
    ownerships: list[Ownership] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    users: dict[str, object] = field(default_factory=dict)  # username -> User
    skipped_users: list[str] = field(default_factory=list)  # existed before: left alone
    demo_owner: Owner | None = None
    counts: dict[str, int] = field(default_factory=dict)
    timeline: Timeline = field(default_factory=Timeline)

    @property
    def current_ownerships(self) -> list[Ownership]:
        return [o for o in self.ownerships if o.end_date is None]

    @property
    def owned_units(self) -> list[Unit]:
        seen: dict[int, Unit] = {}
        for ownership in self.current_ownerships:
            seen.setdefault(id(ownership.unit), ownership.unit)
        return list(seen.values())

    @property
    def as_of(self) -> datetime:
        return as_of(self.today)

    def owners_by_unit(self) -> dict[int, list[Owner]]:
        """Each owned unit's current owners (by unit pk), in the order the registry made them."""
        owners: dict[int, list[Owner]] = {}
        for ownership in self.current_ownerships:
            owners.setdefault(ownership.unit.pk, []).append(ownership.owner)
        return owners

    def tenants_by_unit(self) -> dict[int, list[Resident]]:
        """Each unit's tenants living there now who left a phone number (by unit pk)."""
        tenants: dict[int, list[Resident]] = {}
        for resident in self.residents:
            if (resident.relation == ResidentRelation.TENANT and resident.move_out_date is None
                    and resident.phone):
                tenants.setdefault(resident.unit.pk, []).append(resident)
        return tenants
