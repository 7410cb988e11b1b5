"""What a demo run hands from step to step, and the demo's clock."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time

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

DEFAULT_SEED = 2026
DEMO_PASSWORD = "demo12345"


def as_of(today: date) -> datetime:
    """The demo's "now": midnight at the start of ``today``, local time (Asia/Shanghai).
    Nothing in the demo happens after it: whatever has not happened by then is still open."""
    return datetime.combine(today, time(0, 0), tzinfo=timezone.get_default_timezone())


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
