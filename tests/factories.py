"""factory_boy factories. Owners are built through the service, so the keyed phone
index and the validation are the ones production uses."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from owners import services
from owners.models import Building, Estate, Owner, Ownership, Unit
from owners.validators import ID_CHECK, ID_WEIGHTS

PASSWORD = "correct-horse-42"


def resident_id(seq: int, birth: str = "19800101", region: str = "440106") -> str:
    body = f"{region}{birth}{seq % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS))
    return body + ID_CHECK[total % 11]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        self.save(update_fields=["password"])

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))


class EstateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Estate

    name = factory.Sequence(lambda n: f"翠湖花园{n}期")
    code = factory.Sequence(lambda n: f"est{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    estate = factory.SubFactory(EstateFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    floors = 18


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    estate = factory.SelfAttribute("building.estate")
    number = factory.Sequence(lambda n: f"1-1-{100 + n}")
    floor = 1
    area = Decimal("89.50")


def make_owner(
    name: str = "张伟", phone: str | None = None, id_number: str | None = None, **kwargs
) -> Owner:
    seq = Owner.objects.count() + 1
    return services.owner_create(
        name=name,
        phones=[services.PhoneInput(number=phone or f"138{seq:08d}")],
        id_number=id_number if id_number is not None else resident_id(seq),
        **kwargs,
    )


def give_unit(owner: Owner, unit: Unit, since: datetime.date = datetime.date(2020, 5, 1)) -> Ownership:
    return services.ownership_start(unit=unit, owner=owner, start_date=since)


def works_in(user, estate, *departments: str):
    """``user`` is staff of these departments of ``estate`` (complaints are given only to
    a department's own people)."""
    from owners.models import StaffMembership

    for department in departments:
        StaffMembership.objects.get_or_create(user=user, estate=estate, department=department)
    return user


def estate_reached_by_sms(n: int, *, code: str, name: str = "翠湖花园") -> tuple[Estate, list[Unit], list[Owner]]:
    """An estate of ``n`` units in one building, each with an owner (phone 139 and the unit's
    index) who wants SMS, and a fee of ¥10.00 a unit a month from 2026: the bill and
    dunning jobs have ``n`` of everything to do. Written in bulk (the crash tests use
    a thousand units)."""
    from fees.models import FeeStandard

    estate = EstateFactory(code=code, name=name)
    building = BuildingFactory(estate=estate, number="1")
    FeeStandard.objects.create(estate=estate, item="生活垃圾清运费", basis="per_unit_month", rate=Decimal("10.00"),
                               effective_from=datetime.date(2026, 1, 1))
    units = Unit.objects.bulk_create([Unit(estate=estate, building=building, floor=i // 100 + 1,
                                           number=f"1-{i // 100 + 1}-{i % 100 + 101}", area=Decimal("80.00"))
                                      for i in range(n)])
    people = [services.owner_create(name=f"业主{i}", phones=[services.PhoneInput(number=f"139{i:08d}")],
                                    preferred_channel="sms") for i in range(n)]
    Ownership.objects.bulk_create([Ownership(unit=unit, owner=owner, start_date=datetime.date(2020, 5, 1))
                                   for unit, owner in zip(units, people)])
    return estate, units, people
