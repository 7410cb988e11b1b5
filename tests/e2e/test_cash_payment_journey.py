"""The cash payment journey, counted (issue 18, "One unit, one page"): the desk finds the
unit by its room number, opens the unit's page, takes the fees in cash and lands on the
receipt. Each page opened and form sent is a step (tests/e2e/steps.py)."""

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fees.models import Payment
from tests.e2e.conftest import log_in
from tests.e2e.steps import Journey
from tests.e2e.test_fee_journey import billed  # noqa: F401 — the fixture
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def test_cash_payment_from_the_desk_search_to_the_receipt(page_for, billed):  # noqa: F811
    started = time.monotonic()
    journey = Journey("cash payment")
    desk = page_for(locale="en-US")
    desk.role = "desk"
    log_in(desk, "desk", PASSWORD)  # signed in at the start of the shift, not a step of this journey
    journey.open(desk, "/desk/")

    # the room number in the desk's search box, then the unit's page
    desk.fill("#desk-q", "3-1-1203")
    journey.submit(desk, desk.locator("form[role=search] button[type=submit]"))
    journey.follow(desk, desk.get_by_role("link", name="3-1-1203", exact=True))
    expect(desk).to_have_url(re.compile(rf"/owners/units/{billed['unit'].pk}/$"))

    # the unit's page says what it owes and offers the payment: the fee desk of the unit
    expect(desk.locator("#block-owed [data-figure=owed]")).to_have_text("¥210.33")
    journey.follow(desk, desk.locator("#unit-actions-%d [data-action=payment]" % billed["unit"].pk))
    expect(desk).to_have_url(re.compile(rf"/fees/units/{billed['unit'].pk}/$"))

    form = desk.locator("#payment-form")
    expect(form.locator("input[name=amount]")).to_have_value("210.33")
    form.locator("label[for=method-cash]").click()
    journey.submit(desk, form.locator("button[type=submit]"))
    payment = Payment.objects.get()
    expect(desk).to_have_url(re.compile(rf"/fees/receipts/{payment.receipt_id}/print/$"))
    assert payment.method == "cash" and payment.amount == Decimal("210.33")
    print(journey.figure(time.monotonic() - started))
    # 6 before the unit's page offered the payment (the fee desk, and the room number again)
    assert journey.steps == 5
