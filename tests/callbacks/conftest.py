import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from complaints import services as complaints
from repairs import services as repairs
from repairs.models import PriceItem, Worker
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def estate(db):
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina", last_name="李娜")
    owner.save(update_fields=["user"])
    desk = UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    boss = UserFactory(username="boss", role="supervisor")
    engineer = UserFactory(username="eng", role="engineering")
    plumber = Worker.objects.create(user=engineer, estate=unit.estate, trades=["plumbing"])
    item = PriceItem.objects.create(estate=unit.estate, name="疏通下水道", trade="plumbing",
                                    price=Decimal("80.00"), unit_label="次")
    return {"owner": owner, "unit": unit, "desk": desk, "boss": boss, "plumber": plumber, "item": item}


def resolve_complaint(estate, *, received: dt.datetime, resolved: dt.datetime, complaint=None):
    """A complaint taken by the desk and resolved by engineering at ``resolved``."""
    if complaint is None:
        complaint = complaints.complaint_register(
            unit=estate["unit"], owner=estate["owner"], channel="phone", category="repair",
            description="卫生间天花板渗水", now=received, actor=estate["desk"])
        complaints.complaint_assign(complaint=complaint, department="engineering", now=received, actor=estate["desk"])
        complaints.complaint_start(complaint=complaint, now=received, actor=None)
    return complaints.complaint_resolve(complaint=complaint, resolution="更换了楼上的防水层", now=resolved, actor=None)


def complete_order(estate, *, kind: str, completed: dt.datetime, registered: dt.datetime | None = None,
                   payment: str | None = None, planned_end: dt.datetime | None = None, arrived=None):
    registered = registered or completed - dt.timedelta(hours=3)
    plumber = estate["plumber"]
    order = repairs.work_order_register(
        unit=estate["unit"], owner=estate["owner"], kind=kind, trade="plumbing", description="厨房下水道堵塞",
        source="phone", now=registered, actor=estate["desk"],
        price_item=estate["item"] if kind == "special_service" else None, planned_end_at=planned_end,
    )
    repairs.work_order_judge(order=order, accept=True, now=registered, actor=estate["desk"])
    repairs.work_order_dispatch(order=order, worker=plumber, now=registered, actor=estate["desk"])
    repairs.work_order_take(order=order, worker=plumber, now=registered)
    repairs.work_order_arrive(order=order, worker=plumber, now=arrived or registered)
    if kind == "special_service":
        repairs.work_order_confirm_price(order=order, worker=plumber, price=Decimal("80"), now=arrived or registered)
    order = repairs.work_order_complete(order=order, worker=plumber, now=completed)
    if payment:
        repairs.work_order_collect_payment(order=order, method=payment, now=completed, actor=estate["desk"])
    return order
