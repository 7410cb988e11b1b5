import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from incidents import services
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


# A night: a pump fails at 01:40 and the desk opens the incident at 02:00.
T0 = sh(2026, 11, 20, 2, 0)


@pytest.fixture
def off(settings):
    """Messages wait in the outbox (as the worker would find them)."""
    settings.OUTBOX_DELIVERY = "off"


@pytest.fixture
def place(db):
    """翠湖苑 (Chinese): buildings 1 (1-1-101 李娜) and 2 (2-1-201 陈刚); 远方苑, another estate
    with its own building 1 (1-1-101 周杰); a desk clerk, two supervisors, an engineer."""
    estate = EstateFactory(code="cuihu", name="翠湖苑", language="zh-hans")
    b1, b2 = BuildingFactory(estate=estate, number="1"), BuildingFactory(estate=estate, number="2")
    far = EstateFactory(code="far", name="远方苑")
    u101, u201 = UnitFactory(building=b1, number="1-1-101"), UnitFactory(building=b2, number="2-1-201")
    far101 = UnitFactory(building=BuildingFactory(estate=far, number="1"), number="1-1-101")
    for name, unit in (("李娜", u101), ("陈刚", u201), ("周杰", far101)):
        give_unit(make_owner(name=name, phone="13912345678"), unit)
    return {"estate": estate, "far": far, "b1": b1, "b2": b2, "u101": u101, "u201": u201, "far101": far101,
            "desk": UserFactory(username="i_desk", role="front_desk"),
            "boss": UserFactory(username="i_boss", role="supervisor"),
            "boss2": UserFactory(username="i_boss2", role="supervisor"),
            "eng": UserFactory(username="i_eng", role="engineering")}


def opened(place, *, kind="water_outage", buildings="1", whole_estate=False, now=T0, expected_end=None,
           where="1号楼地下泵房", **kw):
    return services.incident_open(
        estate=kw.pop("estate", place["estate"]), kind=kind, buildings=buildings, whole_estate=whole_estate,
        place=where, description="水泵故障，1号楼停水。", started_at=now - dt.timedelta(minutes=20),
        expected_end=expected_end if expected_end is not None else now + dt.timedelta(hours=4),
        now=now, actor=place["desk"], **kw)
