"""The demo estate that ``manage.py seed_demo`` loads: two estates in Guangzhou, about
1,500 units, their owners, co-owners, past owners, tenants and family, and one login
per role.

Everything comes from one ``random.Random``: the same seed (and the same ``today``)
gives the same estate, so screenshots, manual tests and bug reports can refer to
"张伟 in 3-1-1203".

Rows are written with ``bulk_create`` so the whole estate loads in seconds: the
registry has no lifecycle (no numbers, events or messages), and the owners app has no
bulk service, so this is the one place the demo writes rows itself. ``bulk_create``
skips ``Model.save()``, so each owner, phone and resident is ``normalize()``-d first,
the method ``save()`` calls (the search hashes), and each unit is given its building's
estate. The encrypted columns are encrypted by the field itself (``get_prep_value``),
which ``bulk_create`` goes through.

The first two steps of ``demo.steps.STEPS``: the registry, then the logins.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from demo.context import DEMO_PASSWORD, DemoContext
from demo.people import Person
from demo.texts import texts
from owners import services as owners
from owners.models import (
    Building,
    Department,
    EndReason,
    Estate,
    IdType,
    Owner,
    OwnerPhone,
    Ownership,
    PhoneLabel,
    Resident,
    ResidentRelation,
    SpecialNeed,
    StaffMembership,
    Unit,
)
from propertydesk import roles
from propertydesk.models import ContactChannel

BATCH_SIZE = 2000

# ---------------------------------------------------------------------------
# The estates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildingSpec:
    number: str
    floors: int
    doors: int  # per floor and entrance (单元); every building has ENTRANCES entrances


@dataclass(frozen=True)
class EstateSpec:
    code: str
    name: str
    city_district: str
    street_address: str
    service_phone: str
    language: str  # the house language; its owners read in it unless a note says otherwise
    handover: date  # 交房: the first owners got their keys from here on
    buildings: tuple[BuildingSpec, ...]
    # Floor area (建筑面积, m²) of each door on a floor, by how many doors the floor has.
    layouts: dict[int, tuple[str, ...]]

    @property
    def address(self) -> str:
        return f"{self.city_district}{self.street_address}"


ENTRANCES = 2

TEXTS = texts("registry")
# The estates, their buildings (number, floors, doors per floor and entrance) and layouts:
# demo/data/registry.json. The second estate has no building 4 (四 sounds like 死: buyers
# would not take it).
ESTATES: tuple[EstateSpec, ...] = tuple(
    EstateSpec(
        code=spec["code"], name=spec["name"], city_district=spec["city_district"],
        street_address=spec["street_address"], service_phone=spec["service_phone"],
        language=spec["language"], handover=date.fromisoformat(spec["handover"]),
        buildings=tuple(BuildingSpec(number, floors, doors) for number, floors, doors in spec["buildings"]),
        layouts={int(doors): tuple(areas) for doors, areas in spec["layouts"].items()},
    )
    for spec in TEXTS["estates"]
)

# Shares of units and people. Module constants so a reader sees the whole demo at a glance.
UNSOLD_RATE = 0.05  # still with the developer: no owner
LATE_FIRST_SALE_RATE = 0.15  # sold by the developer some time after handover
TRANSFER_RATE = 0.035  # changed hands since: an ended ownership (sale), then the new owner
CO_OWNER_RATE = 0.14  # two owners on the deed (usually a married couple)
SECOND_UNIT_RATE = 0.04  # the owner of this unit already owns another one
SPECIAL_NEEDS_RATE = 0.06
SECOND_PHONE_RATE = 0.35
EMAIL_RATE = 0.25
FAMILY_RATE = 0.45  # owner-occupied units with other family members registered
FORMER_TENANT_RATE = 0.35
OCCUPANCY = {"owner": 0.72, "rented": 0.13, "empty": 0.15}
INVESTOR_OCCUPANCY = {"rented": 0.6, "empty": 0.4}

CHANNEL_WEIGHTS = {
    ContactChannel.PHONE: 40,
    ContactChannel.WECHAT: 32,
    ContactChannel.SMS: 12,
    ContactChannel.PORTAL: 8,
    ContactChannel.EMAIL: 5,
    ContactChannel.LETTER: 3,
}

# Each special need: how common it is, and what the desk writes down about it.
SPECIAL_NEEDS: dict[str, tuple[int, list[str]]] = {
    need: (spec["weight"], spec["notes"]) for need, spec in TEXTS["special_needs"].items()
}
# The language an owner with that need reads in ("please use English"), instead of the estate's.
NEED_LANGUAGES: dict[str, str] = {
    need: spec["language"] for need, spec in TEXTS["special_needs"].items() if "language" in spec
}
NOTES: dict[str, str] = TEXTS["notes"]  # on ownerships and residents

def _day_between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


class _RegistryBuilder:
    """Plans the estate in memory (deterministically), then writes it in bulk."""

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = ctx.today
        self.people = ctx.people
        self.units_of: dict[int, list[Unit]] = {}  # id(owner) -> current units
        self.sole_owners: list[Owner] = []  # candidates for a second unit
        self.occupancy: dict[int, str] = {}  # id(unit) -> owner / rented / empty / unsold
        self.estate_spec: dict[int, EstateSpec] = {}  # id(unit) -> its estate's spec
        self.co_owned: set[int] = set()  # id(unit)

    # -- structure ---------------------------------------------------------

    def plan_structure(self) -> None:
        ctx = self.ctx
        for spec in ESTATES:
            estate = Estate(
                name=spec.name, code=spec.code, address=spec.address,
                service_phone=spec.service_phone, language=spec.language,
            )
            ctx.estates.append(estate)
            for b in spec.buildings:
                building = Building(estate=estate, number=b.number, floors=b.floors)
                ctx.buildings.append(building)
                areas = spec.layouts[b.doors]
                for entrance in range(1, ENTRANCES + 1):
                    for floor in range(1, b.floors + 1):
                        for door in range(1, b.doors + 1):
                            unit = Unit(
                                estate=estate, building=building, floor=floor,
                                number=f"{b.number}-{entrance}-{floor * 100 + door}",
                                area=Decimal(areas[door - 1]),
                            )
                            self.estate_spec[id(unit)] = spec
                            ctx.units.append(unit)

    # -- people -------------------------------------------------------------

    def unit_address(self, unit: Unit) -> str:
        spec = self.estate_spec[id(unit)]
        building, entrance, room = unit.number.split("-")
        return TEXTS["unit_address"].format(address=spec.address, estate=spec.name, building=building,
                                            entrance=entrance, room=room)

    def new_owner(
        self, *, acquired: date, lives_alone_possible: bool, language: str, sex: str | None = None,
        near: Person | None = None, address: str,
    ) -> tuple[Owner, Person]:
        rng, people = self.rng, self.people
        need = None
        if near is None and rng.random() < SPECIAL_NEEDS_RATE:
            kinds = list(SPECIAL_NEEDS)
            need = rng.choices(kinds, [SPECIAL_NEEDS[k][0] for k in kinds])[0]
            if need == SpecialNeed.ELDERLY_ALONE and not lives_alone_possible:
                need = SpecialNeed.HEARING
        latest = min(1996, acquired.year - 23)
        if need == SpecialNeed.PREGNANCY and latest < self.today.year - 38:
            need = SpecialNeed.OTHER  # bought too long ago to be pregnant now
        if need == SpecialNeed.YOUNG_CHILDREN and latest < self.today.year - 45:
            need = SpecialNeed.OTHER
        if near is not None:  # a spouse: the other sex, about the same age
            born = (max(near.birth.year - 5, 1935), min(near.birth.year + 5, latest))
            sex = "f" if near.sex == "m" else "m"
        elif need == SpecialNeed.ELDERLY_ALONE:
            born = (1934, 1952)
        elif need == SpecialNeed.PREGNANCY and latest >= self.today.year - 38:
            born, sex = (self.today.year - 38, min(self.today.year - 24, latest)), "f"
        elif need == SpecialNeed.YOUNG_CHILDREN and latest >= self.today.year - 45:
            born = (max(self.today.year - 45, 1935), min(self.today.year - 24, latest))
        else:
            born = (1940, latest)
        if born[0] > born[1]:
            born = (born[1], born[1])
        person = people.person(born=born, sex=sex)

        channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        id_type, id_number = IdType.RESIDENT_ID, None
        notes = ""
        needs: list[str] = []
        if need is not None:
            needs = [need]
            notes = rng.choice(SPECIAL_NEEDS[need][1])
            if need == SpecialNeed.ELDERLY_ALONE and rng.random() < 0.4:
                needs.append(SpecialNeed.HEARING)
            if need == SpecialNeed.HEARING:
                channel = ContactChannel.SMS
            elif need == SpecialNeed.ELDERLY_ALONE:
                channel = ContactChannel.PHONE
            elif need == SpecialNeed.LANGUAGE:
                channel = ContactChannel.EMAIL
                id_type, id_number = IdType.PASSPORT, people.passport()
        if id_number is None:
            id_number = people.resident_id(person)
        wants_email = channel == ContactChannel.EMAIL or rng.random() < EMAIL_RATE
        email = people.email() if wants_email else ""
        owner = Owner(
            name=person.name, id_type=id_type, id_number=id_number, address=address, email=email,
            preferred_channel=channel, special_needs=needs, special_needs_note=notes,
            language=NEED_LANGUAGES.get(need, language),
        )
        self.ctx.owners.append(owner)
        phones = [people.mobile()]
        if rng.random() < SECOND_PHONE_RATE:
            phones.append(people.mobile())
        for i, number in enumerate(phones):
            label = PhoneLabel.MOBILE if i == 0 or rng.random() < 0.6 else PhoneLabel.WORK
            self.ctx.phones.append(OwnerPhone(owner=owner, number=number, label=label, is_primary=i == 0))
        self.units_of[id(owner)] = []
        return owner, person

    def own(self, unit: Unit, owner: Owner, *, start: date, move_in: date | None,
            end: date | None = None, move_out: date | None = None, note: str = "") -> Ownership:
        ownership = Ownership(
            unit=unit, owner=owner, start_date=start, move_in_date=move_in, end_date=end,
            move_out_date=move_out, end_reason=EndReason.SALE if end else "", note=note,
        )
        self.ctx.ownerships.append(ownership)
        if end is None:
            self.units_of[id(owner)].append(unit)
        return ownership

    def resident(self, unit: Unit, person: Person, *, relation: str, move_in: date,
                 move_out: date | None = None, phone: bool = False, note: str = "") -> Resident:
        number = self.people.mobile() if phone else None
        resident = Resident(
            unit=unit, name=person.name, relation=relation, move_in_date=move_in,
            move_out_date=move_out, phone=number, note=note,
        )
        self.ctx.residents.append(resident)
        return resident

    # -- the units ----------------------------------------------------------

    def plan_ownership(self) -> None:
        for unit in self.ctx.units:
            self.plan_unit(unit)

    def plan_unit(self, unit: Unit) -> None:
        rng, today = self.rng, self.today
        spec = self.estate_spec[id(unit)]
        if rng.random() < UNSOLD_RATE:
            self.occupancy[id(unit)] = "unsold"
            return
        first_sale = _day_between(rng, spec.handover, spec.handover + timedelta(days=90))
        if rng.random() < LATE_FIRST_SALE_RATE:
            latest = min(spec.handover + timedelta(days=3 * 365), today)
            first_sale = _day_between(rng, spec.handover, latest)
        first_sale = min(first_sale, today)
        start, note = first_sale, ""

        if rng.random() < TRANSFER_RATE and (today - first_sale).days > 3 * 365:
            sale = _day_between(
                rng, first_sale + timedelta(days=2 * 365), today - timedelta(days=60)
            )
            prev, _person = self.new_owner(
                acquired=first_sale, lives_alone_possible=False, language=spec.language,
                address=self.people.other_address(),
            )
            moved_in = None
            if rng.random() < 0.6:
                moved_in = first_sale + timedelta(days=rng.randint(30, 240))
                if moved_in > sale:
                    moved_in = None
            self.own(unit, prev, start=first_sale, move_in=moved_in, end=sale,
                     move_out=sale if moved_in else None)
            start, note = sale, NOTES["resale"]

        investor = None
        if self.sole_owners and rng.random() < SECOND_UNIT_RATE:
            investor = self.sole_owners.pop(rng.randrange(len(self.sole_owners)))
            occupancy = _pick(rng, INVESTOR_OCCUPANCY)
        else:
            occupancy = _pick(rng, OCCUPANCY)
        move_in = None
        if occupancy == "owner":
            move_in = start + timedelta(days=rng.randint(20, 300))
            if move_in > today:
                occupancy, move_in = "empty", None  # still renovating
        self.occupancy[id(unit)] = occupancy

        if investor is not None:
            self.own(unit, investor, start=start, move_in=None, note=note)
        else:
            co_owned = rng.random() < CO_OWNER_RATE
            if occupancy == "owner":
                address = self.unit_address(unit)
            else:
                address = self.people.other_address()
            owner, person = self.new_owner(
                acquired=start, lives_alone_possible=occupancy == "owner" and not co_owned,
                language=spec.language,
                address=address,
            )
            self.own(unit, owner, start=start, move_in=move_in, note=note)
            if co_owned:
                self.co_owned.add(id(unit))
                spouse, spouse_person = self.new_owner(
                    acquired=start, lives_alone_possible=False, near=person, address=address,
                    language=spec.language,
                )
                self.own(unit, spouse, start=start, move_in=move_in, note=note)
            else:
                spouse_person = None
                if not owner.special_needs:
                    self.sole_owners.append(owner)
            self.plan_household(unit, owner, person, move_in=move_in, spouse=spouse_person)
        if occupancy == "rented":
            self.plan_tenants(unit, since=start)

    def plan_household(self, unit: Unit, owner: Owner, person: Person, *, move_in: date | None,
                       spouse: Person | None) -> None:
        """The family living with an owner-occupier (the co-owner spouse is no resident row)."""
        rng = self.rng
        if move_in is None or SpecialNeed.ELDERLY_ALONE in owner.special_needs:
            return
        if {SpecialNeed.ILLNESS, SpecialNeed.DISABILITY} & set(owner.special_needs):
            carer = self.people.person(born=(1962, 1980), sex="f")
            self.resident(unit, carer, relation=ResidentRelation.CARETAKER, phone=True,
                          move_in=_day_between(rng, move_in, self.today), note=NOTES["carer"])
        wants_children = SpecialNeed.YOUNG_CHILDREN in owner.special_needs
        if not wants_children and rng.random() >= FAMILY_RATE:
            return
        if spouse is None and rng.random() < 0.6:
            spouse = self.people.person(
                born=(person.birth.year - 4, person.birth.year + 4),
                sex="f" if person.sex == "m" else "m",
            )
            self.resident(unit, spouse, relation=ResidentRelation.FAMILY, move_in=move_in,
                          phone=rng.random() < 0.7, note=NOTES["spouse"])
        # Children usually take the father's surname.
        family_name = spouse.surname if person.sex == "f" and spouse is not None else person.surname
        if wants_children:
            first, last = self.today - timedelta(days=5 * 365), self.today - timedelta(days=30)
            births = [_day_between(rng, first, last) for _ in range(rng.randint(1, 2))]
        elif person.birth.year < self.today.year - 26 and rng.random() < 0.6:
            first = person.birth + timedelta(days=23 * 365)
            last = min(person.birth + timedelta(days=40 * 365), self.today - timedelta(days=30))
            births = [_day_between(rng, first, last) for _ in range(rng.randint(1, 2))]
        else:
            births = []
        for birth in sorted(births):
            sex = rng.choice("mf")
            child = self.people.person(birth=birth, sex=sex, surname=family_name)
            adult = (self.today - birth).days > 18 * 365
            self.resident(unit, child, relation=ResidentRelation.FAMILY,
                          move_in=max(move_in, birth), phone=adult and rng.random() < 0.8,
                          note=NOTES["son"] if sex == "m" else NOTES["daughter"])
        if person.birth.year > 1965 and rng.random() < 0.2:
            parent = self.people.person(born=(person.birth.year - 32, person.birth.year - 22),
                                        surname=person.surname, sex="m")
            self.resident(unit, parent, relation=ResidentRelation.FAMILY,
                          move_in=_day_between(rng, move_in, self.today), note=NOTES["father"])

    def plan_tenants(self, unit: Unit, *, since: date) -> None:
        rng, today = self.rng, self.today
        earliest = max(since + timedelta(days=30), today - timedelta(days=3 * 365))
        if earliest >= today:
            earliest = since
        move_in = _day_between(rng, earliest, today - timedelta(days=1))
        if rng.random() < FORMER_TENANT_RATE and (move_in - since).days > 400:
            former_in = _day_between(
                rng, since + timedelta(days=20), move_in - timedelta(days=365)
            )
            former_out = _day_between(
                rng, former_in + timedelta(days=180), move_in - timedelta(days=1)
            )
            former = self.people.person(born=(1970, 2000))
            self.resident(unit, former, relation=ResidentRelation.TENANT, move_in=former_in,
                          move_out=former_out, phone=True, note=NOTES["former_tenant"])
        years = rng.choice((1, 2))
        lease_end = date(move_in.year + years, move_in.month, 1) - timedelta(days=1)
        while lease_end < today:  # renewed since
            years += 1
            lease_end = date(move_in.year + years, move_in.month, 1) - timedelta(days=1)
        tenant = self.people.person(born=(1968, 2001))
        self.resident(unit, tenant, relation=ResidentRelation.TENANT, move_in=move_in,
                      phone=True, note=NOTES["tenant"].format(lease_end=f"{lease_end:%Y-%m-%d}"))
        for _ in range(rng.choice((0, 0, 1, 2))):
            other = self.people.person(born=(1968, 2003))
            self.resident(unit, other, relation=ResidentRelation.TENANT, move_in=move_in,
                          phone=rng.random() < 0.5, note=NOTES["flatmate"])

    # -- the portal owner -----------------------------------------------------

    def plan_demo_owner(self) -> None:
        """The owner who logs in as "owner": one unit in each estate, nothing else."""
        ctx, rng = self.ctx, self.rng
        cuihu, jinxiu = ctx.estates
        name_counts = Counter(o.name for o in ctx.owners)
        candidates = [
            o for o in self.sole_owners
            if len(self.units_of[id(o)]) == 1 and self.units_of[id(o)][0].estate is cuihu
            and self.occupancy[id(self.units_of[id(o)][0])] == "owner"
            and name_counts[o.name] == 1  # so "search the desk for the owner" finds just them
        ]
        owner = candidates[rng.randrange(len(candidates))]
        self.sole_owners.remove(owner)
        unsold = [u for u in ctx.units if u.estate is jinxiu and self.occupancy[id(u)] == "unsold"]
        if not unsold:
            raise RuntimeError("the demo needs an unsold unit in the second estate")
        unit = unsold[rng.randrange(len(unsold))]
        handover = self.estate_spec[id(unit)].handover
        start = _day_between(
            rng, max(handover, ctx.today - timedelta(days=3 * 365)), ctx.today - timedelta(days=200)
        )
        self.own(unit, owner, start=start, move_in=None, note=NOTES["demo_owner_let"])
        self.occupancy[id(unit)] = "rented"
        self.plan_tenants(unit, since=start)
        owner.preferred_channel = ContactChannel.PORTAL
        owner.email = owner.email or self.people.email()
        ctx.demo_owner = owner

    # -- writing --------------------------------------------------------------

    def write(self) -> None:
        ctx = self.ctx
        for row in [*ctx.owners, *ctx.phones, *ctx.residents]:
            row.normalize()  # what save() stores besides the fields: bulk_create skips it
        Estate.objects.bulk_create(ctx.estates)
        Building.objects.bulk_create(ctx.buildings)
        Unit.objects.bulk_create(ctx.units, batch_size=BATCH_SIZE)
        Owner.objects.bulk_create(ctx.owners, batch_size=BATCH_SIZE)
        OwnerPhone.objects.bulk_create(ctx.phones, batch_size=BATCH_SIZE)
        Ownership.objects.bulk_create(ctx.ownerships, batch_size=BATCH_SIZE)
        Resident.objects.bulk_create(ctx.residents, batch_size=BATCH_SIZE)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------


def plan_registry(ctx: DemoContext) -> _RegistryBuilder:
    """Make up the estate in memory (unsaved model instances in ``ctx``); nothing is written."""
    builder = _RegistryBuilder(ctx)
    builder.plan_structure()
    builder.plan_ownership()
    builder.plan_demo_owner()
    return builder


def seed_registry(ctx: DemoContext) -> None:
    builder = plan_registry(ctx)
    builder.write()
    occupancy = Counter(builder.occupancy.values())
    current = ctx.current_ownerships
    units_per_owner = Counter(id(o.owner) for o in current)
    ctx.counts.update(
        estates=len(ctx.estates),
        buildings=len(ctx.buildings),
        units=len(ctx.units),
        units_owned=len({id(o.unit) for o in current}),
        units_unsold=occupancy["unsold"],
        units_co_owned=len(builder.co_owned),
        units_rented=occupancy["rented"],
        owners=len(ctx.owners),
        owners_with_two_units=sum(1 for n in units_per_owner.values() if n > 1),
        owners_with_special_needs=sum(1 for o in ctx.owners if o.special_needs),
        owner_phones=len(ctx.phones),
        ownerships_current=len(current),
        ownerships_ended=len(ctx.ownerships) - len(current),
        residents=len(ctx.residents),
        residents_moved_out=sum(1 for r in ctx.residents if r.move_out_date),
    )


STAFF_USERS = (
    # username, role, (surname, given), is_staff (Django admin)
    ("desk", roles.FRONT_DESK, tuple(TEXTS["staff"]["desk"]), False),
    ("supervisor", roles.SUPERVISOR, tuple(TEXTS["staff"]["supervisor"]), True),
    ("engineer", roles.ENGINEERING, tuple(TEXTS["staff"]["engineer"]), False),
    ("finance", roles.FINANCE, tuple(TEXTS["staff"]["finance"]), False),
)


# The departments each demo login works in, in every estate: the supervisor heads the
# service centre and takes any department's complaints; the workers are engineering's
# (demo/repairs.py).
STAFF_DEPARTMENTS = {
    "desk": [Department.CUSTOMER_SERVICE],
    "supervisor": list(Department.values),
    "engineer": [Department.ENGINEERING],
    "finance": [Department.FINANCE],
}


def seed_users(ctx: DemoContext) -> None:
    """One login per role, the portal owner (through the owners service that opens a
    portal login), and a superuser; password DEMO_PASSWORD.

    A username that already exists (say, an ``admin`` made with createsuperuser before the
    first ``./dev run``) is left exactly as it is and reported in ``ctx.skipped_users``."""
    User = get_user_model()
    # One hash for all: hashing is deliberately slow (~0.5 s each) and these are demo logins.
    password = make_password(DEMO_PASSWORD)
    if Group.objects.filter(name__in=roles.ROLE_LABELS).count() != len(roles.ROLE_LABELS):
        roles.ensure_roles()
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ROLE_LABELS)}
    taken = set(User.objects.filter(
        username__in=[u[0] for u in STAFF_USERS] + ["admin", "owner"]
    ).values_list("username", flat=True))

    def create(username: str, **fields):
        if username in taken:
            ctx.skipped_users.append(username)
            return None
        user = User.objects.create(username=username, password=password, **fields)
        ctx.users[username] = user
        return user

    memberships = []
    for username, role, (surname, given), is_staff in STAFF_USERS:
        user = create(username, last_name=surname, first_name=given,
                      email=f"{username}@example.com", is_staff=is_staff)
        if user is not None:
            user.groups.add(groups[role])
            memberships += [StaffMembership(user=user, estate=estate, department=department)
                            for estate in ctx.estates for department in STAFF_DEPARTMENTS[username]]
    StaffMembership.objects.bulk_create(memberships)
    ctx.counts["staff_memberships"] = len(memberships)
    surname, given = TEXTS["staff"]["admin"]
    create("admin", last_name=surname, first_name=given, email="admin@example.com",
           is_staff=True, is_superuser=True)
    if "owner" in taken:
        ctx.skipped_users.append("owner")
    else:
        ctx.users["owner"] = owners.owner_portal_login_create(
            owner=ctx.demo_owner, username="owner", password=DEMO_PASSWORD)
        ctx.demo_owner.user = ctx.users["owner"]
    ctx.counts["users"] = len(ctx.users)

