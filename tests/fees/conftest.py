import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fees import selectors, services
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


OCT, NOV, DEC = dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def add_estate(code: str, units: int, *, rate: str = "3.00"):
    """An estate with one building, a per-m² fee and ``units`` units owned by one owner each."""
    estate = EstateFactory(code=code, name=f"{code} 花园")
    building = BuildingFactory(estate=estate, number="1")
    FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month", rate=Decimal(rate),
                               effective_from=dt.date(2026, 1, 1))
    made = []
    for n in range(units):
        unit = UnitFactory(building=building, number=f"1-1-{101 + n}", area=Decimal("80.00") + n)
        give_unit(make_owner(name=f"业主{code}{n}", phone=f"139{abs(hash((code, n))) % 10**8:08d}"), unit)
        made.append(unit)
    return estate, made


def months_of_activity(units_by_estate, desk, boss):
    """October to December billed; some units pay (cash, card, online), one payment is
    reversed, round 1 and 2 of the reminders go out: arrears of 1 to 3 months."""
    for month in (OCT, NOV, DEC):
        services.bill_run(period=month, as_of=sh(month.year, month.month, 10, 1, 0))
        day = 12
        for units in units_by_estate:
            for i, unit in enumerate(units):
                if (i + month.month) % 3 == 0:
                    continue  # this one does not pay this month
                method = ("cash", "card", "online")[i % 3]
                owed = selectors.unit_owed(unit=unit)
                amount = owed if i % 2 else (owed / 2).quantize(Decimal("0.01"))
                payment = services.payment_take(unit=unit, amount=amount, method=method, payer_name="某人",
                                                 now=sh(month.year, month.month, day, 10, i), actor=desk)
                if i == 2 and month == NOV:
                    services.payment_reverse(payment=payment, reason="刷错卡", now=sh(2026, 11, day, 11, 0),
                                             actor=boss)
        if month != DEC:
            services.dunning_round(period=month, round_=1, as_of=sh(month.year, month.month, 16, 9, 0))
            services.dunning_round(period=month, round_=2, as_of=sh(month.year, month.month, 21, 9, 0))


@pytest.fixture
def three_estates(estate):
    """The fixture's 翠湖花园 and two more, one with age buckets of its own."""
    boss = estate["boss"]
    second, second_units = add_estate("jinxiu", 5)
    third, third_units = add_estate("lanting", 4, rate="2.10")
    services.fee_policy_save(estate=third, actor=boss, bill_day=10, pay_by_day=15, first_dunning_day=16,
                             second_dunning_day=21, report_day=2, aging_buckets=[2, 6],
                             refuser_months=12, refuser_months_after_lawyer=6)
    months_of_activity([[estate["u1"], estate["u2"], estate["u3"]], second_units, third_units],
                       estate["desk"], boss)
    return [estate["estate"], second, third]


def count_statements(func) -> int:
    with CaptureQueriesContext(connection) as queries:
        func()
    return len(queries.captured_queries)
