import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from repairs.models import PriceItem, Worker
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 14, 44, tzinfo=SH)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def shop(db):
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    desk = UserFactory(username="desk", role="front_desk")
    boss = UserFactory(username="boss", role="supervisor")

    def worker(name, trades):
        return Worker.objects.create(user=UserFactory(username=name, role="engineering"), estate=unit.estate,
                                     trades=trades)

    return {
        "owner": owner, "unit": unit, "desk": desk, "boss": boss,
        "plumber": worker("plumber", ["plumbing"]), "plumber2": worker("plumber2", ["plumbing", "general"]),
        "electrician": worker("sparky", ["electrical"]),
        "unblock": PriceItem.objects.create(estate=unit.estate, name="疏通下水道", trade="plumbing",
                                            price=Decimal("80.00"), unit_label="次"),
    }
