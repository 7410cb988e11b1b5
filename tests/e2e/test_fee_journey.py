"""The fee desk in the browser: the desk finds a unit, takes its fees in cash and
prints the receipt; the owner sees the bill paid in the portal."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fees import services
from fees.models import Bill, FeeStandard, Payment
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def billed(transactional_db):
    UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    estate = EstateFactory(code="cuihu", name="翠湖花园")
    building = BuildingFactory(estate=estate, number="3")
    FeeStandard.objects.create(estate=estate, item="物业服务费", basis="per_m2_month", rate=Decimal("2.35"),
                               effective_from=dt.date(2020, 1, 1))
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(building=building, number="3-1-1203", area=Decimal("89.50"))
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina", last_name="李娜")
    owner.save(update_fields=["user"])
    now = timezone.now()
    services.bill_run(period=timezone.localdate(now).replace(day=1), as_of=now)
    return {"estate": estate, "unit": unit, "owner": owner, "bill": Bill.objects.get(unit=unit)}


def test_the_desk_takes_a_cash_payment_prints_the_receipt_and_the_owner_sees_the_bill_paid(
    page_for, screenshot, billed
):
    bill = billed["bill"]
    assert bill.amount == Decimal("210.33")  # 89.50 m² × ¥2.35, rounded half up

    # given: the owner sees what she owes
    owner = page_for(locale="zh-CN", width=390, height=844)
    log_in(owner, "lina", PASSWORD)
    owner.goto(owner.base_url + "/fees/portal/")
    expect(owner.locator(".pd-owed-figure")).to_have_text("¥210.33")

    # when: the desk finds the unit and takes the fees in cash
    desk = page_for(locale="en-US")
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + "/fees/")
    desk.select_option("select[name=estate]", str(billed["estate"].pk))
    desk.fill("input[name=unit_number]", "3-1-1203")
    desk.locator("form[role=search] button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    expect(desk).to_have_url(re.compile(rf"/fees/units/{billed['unit'].pk}/$"))
    expect(desk.locator("#owed-now")).to_contain_text("210.33")
    form = desk.locator("#payment-form")
    expect(form.locator("input[name=amount]")).to_have_value("210.33")
    form.locator("label[for=method-cash]").click()
    screenshot(desk, "fees-unit-account-en")
    form.locator("button[type=submit]").click()
    desk.wait_for_load_state("networkidle")

    # then: the receipt, numbered, with the amount in Chinese capitals, on one page
    payment = Payment.objects.get()
    assert payment.method == "cash" and payment.amount == Decimal("210.33")
    expect(desk).to_have_url(re.compile(rf"/fees/receipts/{payment.receipt_id}/print/$"))
    expect(desk.locator("body")).to_contain_text(payment.receipt.number)
    expect(desk.locator("body")).to_contain_text("贰佰壹拾元叁角叁分")
    screenshot(desk, "fees-receipt-print-en")
    pdf = desk.pdf(format="A4", path=str(SCREENSHOTS / "fees-receipt.pdf"))
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
    bill.refresh_from_db()
    assert bill.status == "paid"

    # and: the owner sees the bill paid and owes nothing
    owner.reload()
    expect(owner.locator("body")).to_contain_text(payment.receipt.number)
    expect(owner.locator(".pd-owed-figure")).to_have_text("¥0.00")
    screenshot(owner, "fees-portal-paid-phone")
    owner.goto(owner.base_url + f"/fees/portal/bills/{bill.pk}/")
    expect(owner.locator("body")).to_contain_text(bill.number)
