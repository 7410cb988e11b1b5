"""The desk's day and the owner's home in Chromium: the desk clerk signs in, lands on the
day, sees a callback due and follows it to the callback; the owner's home on a 390 px
phone. Screenshots of both in both languages."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from fees.models import Bill
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory
from tests.pages.test_today import NOW, build_world, sh

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db):
    w = build_world()
    owner, unit = w["owner"], w["unit"]
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    unit.estate.service_phone = "020-38861234"
    unit.estate.save(update_fields=["service_phone"])
    # the owner's: a complaint past its promise, an appointment missed this morning, a bill to pay
    for record in (w["k_past"], w["k_far"], w["w_at_nine"], w["w_at_two"]):
        record.owner = owner
        record.save(update_fields=["owner"])
    Bill.objects.create(estate=unit.estate, unit=unit, owner=owner, number="ZD-202611-1", period=dt.date(2026, 11, 1),
                        amount=Decimal("268.50"), status="open", due_on=dt.date(2026, 11, 15),
                        issued_at=sh(2026, 11, 10, 8, 0))
    return w


def test_the_desk_lands_on_its_day_sees_a_callback_due_and_opens_it(page_for, screenshot, world):
    with time_machine.travel(NOW, tick=True):
        # given: the clerk signs in
        page = page_for(locale="zh-CN")
        log_in(page, "desk", PASSWORD)

        # then: she lands on the desk's day; her overdue callback leads the callbacks due
        expect(page.locator("#today-title")).to_have_text("今日前台工作")
        block = page.locator("#today-callbacks")
        expect(block.locator("[data-count=callbacks]")).to_have_text("3")
        first = block.locator("li").first
        expect(first).to_contain_text("3-1-1201 · TS-R0")
        expect(first).to_contain_text("我的")
        expect(page.locator("#today-complaints")).to_contain_text("TS-K1")
        expect(page.locator("#today-payments [data-figure=payments-mine]")).to_contain_text("¥350.50")
        screenshot(page, "today-desk-zh")

        # when: she follows the callback
        first.get_by_role("link").click()
        page.wait_for_load_state("networkidle")

        # then: the callback's page opens
        assert page.url.endswith(f"/callbacks/{world['cb_mine'].pk}/")
        expect(page.locator("body")).to_contain_text("TS-R0")

        # and: in English, the same day
        english = page_for(locale="en-US")
        log_in(english, "desk", PASSWORD)
        english.goto(english.base_url + "/desk/")
        expect(english.locator("#today-title")).to_have_text("Today at the desk")
        expect(english.locator("#today-appointments")).to_contain_text("WO-4")
        screenshot(english, "today-desk-en")


def test_the_owners_home_on_a_phone_says_what_is_late_with_an_apology(page_for, screenshot, world):
    with time_machine.travel(NOW, tick=True):
        phone = page_for(locale="zh-CN", width=390, height=844)
        log_in(phone, "lina", PASSWORD)
        expect(phone.locator("#under-way")).to_contain_text("非常抱歉")
        expect(phone.locator("#owed")).to_contain_text("¥268.50")
        expect(phone.locator("a[href='tel:020-38861234']")).to_be_visible()
        # nothing is wider than the phone
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "portal-home-390-zh")

        owner = world["owner"]
        owner.language = "en"
        owner.save(update_fields=["language"])
        english = page_for(locale="en-US", width=390, height=844)
        log_in(english, "lina", PASSWORD)
        expect(english.locator("#under-way")).to_contain_text("Our worker did not come at 2026-11-18 09:00")
        assert english.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(english, "portal-home-390-en")
