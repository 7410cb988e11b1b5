import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from activities import services
from owners.models import Resident
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def off(settings):
    """Messages wait in the outbox until the test sends them (as the worker would)."""
    settings.OUTBOX_DELIVERY = "off"


@pytest.fixture
def town(db):
    """翠湖苑: 1-1-101 李娜, 1-1-102 王强 (his mother 张兰 lives with him), 1-1-103 陈刚,
    1-1-104 陈刚 too, 1-1-105 vacant (no owner: not a household). 远方苑: 9-9-901 周杰."""
    estate = EstateFactory(code="cuihu", name="翠湖苑")
    b1 = BuildingFactory(estate=estate, number="1")
    units = {n: UnitFactory(building=b1, number=f"1-1-10{n}") for n in range(1, 6)}
    li = make_owner(name="李娜", phone="13912345678", preferred_channel="sms", language="zh-hans")
    wang = make_owner(name="王强", phone="13800001111", preferred_channel="email", email="wang@example.com",
                      language="en")
    chen = make_owner(name="陈刚", phone="13600003333", preferred_channel="portal")
    zhou = make_owner(name="周杰", phone="13500004444")
    give_unit(li, units[1])
    give_unit(wang, units[2])
    give_unit(chen, units[3])
    give_unit(chen, units[4])
    far = EstateFactory(code="far", name="远方苑")
    other = UnitFactory(building=BuildingFactory(estate=far, number="9"), number="9-9-901")
    give_unit(zhou, other)
    mother = Resident.objects.create(unit=units[2], name="张兰", relation="family", move_in_date=dt.date(2020, 6, 1))
    li.user = UserFactory(username="a_li")
    li.save(update_fields=["user"])
    zhou.user = UserFactory(username="a_zhou")
    zhou.save(update_fields=["user"])
    return {"estate": estate, "far": far, "u": units, "other": other, "li": li, "wang": wang, "chen": chen,
            "zhou": zhou, "mother": mother, "desk": UserFactory(username="a_desk", role="front_desk"),
            "boss": UserFactory(username="a_boss", role="supervisor"),
            "eng": UserFactory(username="a_eng", role="engineering")}


def plan(town, *, title="中秋游园会", starts=None, now=None, **extra):
    starts = starts or sh(2026, 9, 25, 19, 0)
    return services.activity_plan(estate=extra.pop("estate", town["estate"]), title=title, kind=extra.pop("kind", "cultural"),
                                  place=extra.pop("place", "中心花园"), starts_at=starts,
                                  ends_at=extra.pop("ends_at", starts + dt.timedelta(hours=2)),
                                  now=now or starts - dt.timedelta(days=14), actor=town["desk"], **extra)
