import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fees import services as fees
from fees.models import FeeStandard
from tests.factories import BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


# A Tuesday's day shift (08:15–20:15 by default), and the night shift after it.
DAY = sh(2026, 11, 24, 10, 0)
HANDOVER_AT = sh(2026, 11, 24, 20, 5)
NIGHT = sh(2026, 11, 24, 20, 20)


@pytest.fixture
def place(db):
    """翠湖苑 with units 1-1-101 (李娜) and 1-1-102 (王强), both billed for November; another
    estate 远方苑 with 9-9-901. The day shift's 小陈 and the night shift's 小王 at the desk,
    the supervisor 刘主管."""
    estate = EstateFactory(code="cuihu", name="翠湖苑")
    b1 = BuildingFactory(estate=estate, number="1")
    FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month", rate=Decimal("2.00"),
                               effective_from=dt.date(2026, 1, 1))
    u101 = UnitFactory(building=b1, number="1-1-101", area=Decimal("100.00"))
    u102 = UnitFactory(building=b1, number="1-1-102", area=Decimal("100.00"))
    give_unit(make_owner(name="李娜", phone="13912345678"), u101)
    give_unit(make_owner(name="王强", phone="13800001111"), u102)
    other = UnitFactory(building=BuildingFactory(estate=EstateFactory(code="far", name="远方苑"), number="9"),
                        number="9-9-901")
    fees.bill_run(period=dt.date(2026, 11, 1), as_of=sh(2026, 11, 10, 1, 0))
    return {"estate": estate, "u101": u101, "u102": u102, "other": other,
            "day": UserFactory(username="d_chen", first_name="小陈", role="front_desk"),
            "night": UserFactory(username="d_wang", first_name="小王", role="front_desk"),
            "boss": UserFactory(username="d_liu", first_name="刘主管", role="supervisor"),
            "fin": UserFactory(username="d_fin", role="finance")}
