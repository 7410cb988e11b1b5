"""The 10th's bill run: one bill per unit and month, exact lines, bank charges handed
over from paid services, the owner on the day."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from fees import services
from fees.models import BankCollectionCharge, Bill, BillLine, FeeStandard
from owners import services as owners
from tests.factories import UnitFactory, make_owner
from tests.fees.conftest import sh

NOV = dt.date(2026, 11, 1)


def test_the_bill_run_twice_makes_one_bill_per_unit(estate):
    # when
    call_command("runjob", "fees.bill_run", "--as-of", "2026-11-10T01:00")
    call_command("runjob", "fees.bill_run", "--as-of", "2026-11-10T01:00")
    call_command("runjob", "fees.bill_run", "--as-of", "2026-11-11T01:00")

    # then
    assert Bill.objects.count() == 3
    assert sorted(Bill.objects.values_list("number", flat=True)) == [
        "CUIHU-ZD202611-000001", "CUIHU-ZD202611-000002", "CUIHU-ZD202611-000003"]


def test_nothing_is_billed_before_the_tenth(estate):
    call_command("runjob", "fees.bill_run", "--as-of", "2026-11-09T23:59")
    assert not Bill.objects.exists()


def test_lines_are_rounded_half_up_and_a_buildings_standard_replaces_the_estates(estate):
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    bills = {b.unit.number: b for b in Bill.objects.select_related("unit")}
    assert bills["1-1-101"].amount == Decimal("220.33")  # 89.50 × 2.35 = 210.325 → 210.33, + 10.00
    assert bills["2-1-201"].amount == Decimal("346.92")  # 120.33 × 2.80 = 336.924 → 336.92, + 10.00
    assert bills["1-1-102"].amount == Decimal("186.25")
    assert sorted(BillLine.objects.filter(bill=bills["2-1-201"]).values_list("description", "rate")) == [
        ("物业服务费", Decimal("2.80")), ("生活垃圾清运费", Decimal("10.00"))]
    assert all(b.due_on == dt.date(2026, 11, 15) and b.status == "open" for b in bills.values())


def test_a_one_off_fee_is_billed_once(estate):
    FeeStandard.objects.create(estate=estate["estate"], item="门禁卡工本费", basis="one_off", rate=Decimal("50.00"),
                               effective_from=dt.date(2026, 11, 1))
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    services.bill_run(period=dt.date(2026, 12, 1), as_of=sh(2026, 12, 10, 1, 0))
    one_offs = BillLine.objects.filter(description="门禁卡工本费")
    assert one_offs.count() == 3 and {line.bill.period for line in one_offs} == {NOV}


def test_bank_collection_charges_of_paid_services_go_on_the_next_bill_once(estate):
    charge = services.bank_charge_add(unit=estate["u1"], amount=Decimal("80.00"), description="疏通下水道",
                                      source="workorder:1", now=sh(2026, 11, 3, 15, 0))
    later = services.bank_charge_add(unit=estate["u1"], amount=Decimal("30.00"), description="更换水龙头",
                                     source="workorder:2", now=sh(2026, 11, 12, 15, 0))
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    bill = Bill.objects.get(unit=estate["u1"])
    assert bill.amount == Decimal("300.33")
    charge.refresh_from_db()
    later.refresh_from_db()
    assert charge.bill == bill and charge.billed_at == sh(2026, 11, 10, 1, 0)
    assert later.bill is None  # came after the run: December's bill
    services.bill_run(period=dt.date(2026, 12, 1), as_of=sh(2026, 12, 10, 1, 0))
    assert BankCollectionCharge.objects.get(pk=later.pk).bill.period == dt.date(2026, 12, 1)


def test_a_unit_sold_mid_month_is_billed_to_the_owner_on_the_tenth(estate):
    buyer = make_owner(name="赵敏", phone="13700002222")
    owners.ownership_transfer(unit=estate["u1"], new_owners=[buyer], transfer_date=dt.date(2026, 11, 5))
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    assert Bill.objects.get(unit=estate["u1"]).owner == buyer


def test_a_unit_added_after_the_run_gets_its_bill_on_the_next_run(estate):
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    new = UnitFactory(building=estate["b1"], number="1-1-103", area=Decimal("60.00"))
    run = services.bill_run(period=NOV, as_of=sh(2026, 11, 12, 1, 0))
    assert run.bills == 1 and Bill.objects.get(unit=new).number == "CUIHU-ZD202611-000004"


@pytest.mark.parametrize("effective_to, billed", [(dt.date(2026, 10, 31), False), (dt.date(2026, 11, 1), True)])
def test_a_standard_counts_in_the_months_it_is_in_force(estate, effective_to, billed):
    FeeStandard.objects.filter(item="生活垃圾清运费").update(effective_to=effective_to)
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    assert BillLine.objects.filter(description="生活垃圾清运费").exists() is billed
