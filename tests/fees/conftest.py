import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fees.models import FeeStandard
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def estate(db):
    """翠湖花园: two buildings; management fee ¥2.35/m²/month estate-wide, building 2 at
    ¥2.80 (its own standard replaces the estate's), rubbish ¥10/unit/month."""
    estate = EstateFactory(code="cuihu")
    b1, b2 = BuildingFactory(estate=estate, number="1"), BuildingFactory(estate=estate, number="2")
    FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month", rate=Decimal("2.35"),
                               effective_from=dt.date(2026, 1, 1))
    FeeStandard.objects.create(estate=estate, building=b2, item="物业服务费", basis="per_m2_month",
                               rate=Decimal("2.80"), effective_from=dt.date(2026, 1, 1))
    FeeStandard.objects.create(estate=estate, item="生活垃圾清运费", basis="per_unit_month", rate=Decimal("10.00"),
                               effective_from=dt.date(2026, 1, 1))
    li, wang = make_owner(name="李娜", phone="13912345678"), make_owner(name="王强", phone="13800001111")
    u1 = UnitFactory(building=b1, number="1-1-101", area=Decimal("89.50"))
    u2 = UnitFactory(building=b2, number="2-1-201", area=Decimal("120.33"))
    u3 = UnitFactory(building=b1, number="1-1-102", area=Decimal("75.00"))
    give_unit(li, u1)
    give_unit(wang, u2)
    give_unit(wang, u3)
    return {"estate": estate, "b1": b1, "b2": b2, "li": li, "wang": wang, "u1": u1, "u2": u2, "u3": u3,
            "desk": UserFactory(username="desk", role="front_desk"),
            "boss": UserFactory(username="boss", role="supervisor")}
