import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from notices import services
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


# The moment the tests publish at: a night, so "at once, even at night" is seen too.
T0 = sh(2026, 11, 20, 2, 30)


@pytest.fixture
def off(settings):
    """Messages wait in the outbox until the test sends them (as the worker would)."""
    settings.OUTBOX_DELIVERY = "off"


@pytest.fixture
def place(db):
    """翠湖苑: building 1 (1-1-101 李娜 by SMS in Chinese, 1-1-102 王强 by e-mail in English,
    also co-owned by 赵敏 who has the portal only), building 2 (2-1-201 陈刚, who also owns
    1-1-101's neighbour 1-1-103; 2-1-202 vacant). Another estate's unit 9-9-901 (周杰)."""
    estate = EstateFactory(code="cuihu", name="翠湖苑")
    b1, b2 = BuildingFactory(estate=estate, number="1"), BuildingFactory(estate=estate, number="2")
    li = make_owner(name="李娜", phone="13912345678", preferred_channel="sms", language="zh-hans")
    wang = make_owner(name="王强", phone="13800001111", preferred_channel="email", email="wang@example.com",
                      language="en")
    zhao = make_owner(name="赵敏", phone="13700002222", preferred_channel="portal")
    chen = make_owner(name="陈刚", phone="13600003333", preferred_channel="phone")
    zhou = make_owner(name="周杰", phone="13500004444", preferred_channel="sms")
    u101 = UnitFactory(building=b1, number="1-1-101")
    u102 = UnitFactory(building=b1, number="1-1-102")
    u103 = UnitFactory(building=b1, number="1-1-103")
    u201 = UnitFactory(building=b2, number="2-1-201")
    u202 = UnitFactory(building=b2, number="2-1-202")
    other = UnitFactory(building=BuildingFactory(estate=EstateFactory(code="far", name="远方苑"), number="9"),
                        number="9-9-901")
    give_unit(li, u101)
    give_unit(wang, u102)
    give_unit(zhao, u102, since=dt.date(2021, 1, 1))
    give_unit(chen, u103)
    give_unit(chen, u201)
    give_unit(zhou, other)
    users = {name: UserFactory(username=f"n_{name}") for name in ("li", "wang", "chen", "zhou")}
    for owner, name in ((li, "li"), (wang, "wang"), (chen, "chen"), (zhou, "zhou")):
        owner.user = users[name]
        owner.save(update_fields=["user"])
    return {"estate": estate, "b1": b1, "b2": b2, "li": li, "wang": wang, "zhao": zhao, "chen": chen,
            "zhou": zhou, "u101": u101, "u102": u102, "u103": u103, "u201": u201, "u202": u202, "other": other,
            "users": users, "desk": UserFactory(username="n_desk", role="front_desk"),
            "boss": UserFactory(username="n_boss", role="supervisor"),
            "eng": UserFactory(username="n_eng", role="engineering")}


def draft(place, *, audience="estate", buildings=None, units=None, emergency=False, kind="outage", now=T0,
          starts_at=None, ends_at=None, title="停水通知", body="{place}将于{start}至{end}停水。"):
    return services.notice_create(
        estate=place["estate"], kind=kind, emergency=emergency, audience=audience, buildings=buildings,
        units=units, title=title, body=body, place="1号楼",
        starts_at=starts_at or now + dt.timedelta(hours=6), ends_at=ends_at or now + dt.timedelta(hours=10),
        now=now, actor=place["desk"])


def published(place, **kwargs):
    now = kwargs.get("now", T0)
    return services.notice_publish(notice=draft(place, **kwargs), now=now, actor=place["desk"])

