"""The phone callback, counted: the clerk opens the callback due today from the desk's
day, reveals the owner's number in place, calls and records what the owner said: 5 steps
(2 pages + 3 submits, the login's included). Before the reveal in place it took 7 (4 pages
+ 3 submits): the owner's page, its reveal and the way back. And the worker on his phone
calls the customer of his order the same way."""

import datetime as dt
import re
import time

import pytest
import time_machine
from playwright.sync_api import expect

from callbacks.models import CallbackResult
from owners.models import PiiReveal
from repairs.models import Worker, WorkOrder
from tests.callbacks.test_reveal_in_place import world as callback_world
from tests.e2e.conftest import log_in
from tests.e2e.steps import Journey
from tests.factories import PASSWORD, UserFactory
from tests.pages.test_today import NOW

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db):
    desk = UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    owner, _complaint, callback = callback_world(assignee=desk)
    return {"owner": owner, "callback": callback, "desk": desk}


def test_the_clerk_calls_back_from_the_desk_seeing_the_number_on_the_callback(page_for, screenshot, figure, world):
    started = time.perf_counter()
    journey = Journey("phone callback")
    callback = world["callback"]
    with time_machine.travel(NOW, tick=True):
        # given: the clerk signs in and lands on her day
        page = page_for(locale="zh-CN")
        page.role = "desk"
        journey.arrive(page, "/desk/", "desk")

        # when: she opens the callback due today
        journey.follow(page, page.locator("#today-callbacks li").first.get_by_role("link").first)
        expect(page.locator("main")).to_contain_text("TS-R1")

        # and: she reveals the number on the callback itself, and comes back to it
        journey.submit(page, page.locator("#phone [data-reveal-phone]"))
        expect(page).to_have_url(re.compile(rf"/callbacks/{callback.pk}/#phone$"))
        call = page.locator("#phone a[data-revealed-phone]")
        expect(call).to_have_attribute("href", "tel:13912345678")
        expect(call).to_contain_text("13912345678")
        screenshot(page, "phone-callback-revealed-zh")

        # and: she records what the owner said on the phone
        form = page.locator("#perform-form")
        form.locator("label[for=method-phone]").click()
        form.locator("label[for=satisfaction-satisfied]").click()
        form.locator("textarea[name=owner_words]").fill("修好了，谢谢")
        journey.submit(page, form.locator("button[type=submit]"))

    # then: the callback is done with the owner's words, and the reveal was logged
    result = CallbackResult.objects.get(callback=callback)
    assert (result.method, result.satisfaction, result.owner_words) == ("phone", "satisfied", "修好了，谢谢")
    reveal = PiiReveal.objects.get(user=world["desk"], owner=world["owner"])
    assert (reveal.reason, reveal.record_number) == ("callback", "TS-R1")
    figure(journey.figure(time.perf_counter() - started))
    assert journey.steps == 5, journey.figure(0)

    # and: the same page in English, revealed
    with time_machine.travel(NOW, tick=True):
        english = page_for(locale="en-US")
        log_in(english, "desk", PASSWORD)
        english.goto(english.base_url + f"/callbacks/{callback.pk}/")
        english.locator("#phone [data-reveal-phone]").click()
        english.wait_for_load_state("load")
        expect(english.locator("#phone a[data-revealed-phone]")).to_have_attribute("href", "tel:13912345678")
        screenshot(english, "phone-callback-revealed-en")


@pytest.mark.parametrize("locale,language", [("zh-CN", "zh"), ("en-US", "en")])
def test_the_worker_calls_the_customer_of_his_order_from_his_phone(page_for, screenshot, world, locale, language):
    # given: an order dispatched to the plumber, with the customer's number
    unit = world["callback"].unit
    plumber = Worker.objects.create(
        user=UserFactory(username="jianjun", role="engineering", first_name="建军", last_name="李"),
        estate=unit.estate, trades=["plumbing"])
    order = WorkOrder.objects.create(
        number="PG-1", estate=unit.estate, unit=unit, owner=world["owner"], requester_name="李娜",
        requester_phone="13912345678", kind="minor_repair", source="phone", trade="plumbing",
        description="厨房水龙头漏水", status="dispatched", registered_at=NOW - dt.timedelta(hours=1),
        dispatch_due_at=NOW, dispatch_mode="desk", dispatched_at=NOW - dt.timedelta(minutes=30),
        appointment_at=NOW + dt.timedelta(hours=2), worker=plumber)
    with time_machine.travel(NOW, tick=True):
        phone = page_for(locale=locale, width=390, height=844)
        log_in(phone, "jianjun", PASSWORD)
        phone.goto(phone.base_url + f"/work-orders/my/{order.pk}/")
        expect(phone.locator("#phone")).to_contain_text("139****5678")

        # when: he taps to show the number
        phone.locator("#phone [data-reveal-phone]").click()
        phone.wait_for_load_state("load")

        # then: the same order, the number as a call button, logged as his call for this order
        expect(phone).to_have_url(re.compile(rf"/work-orders/my/{order.pk}/#phone$"))
        expect(phone.locator("#phone a[data-revealed-phone]")).to_have_attribute("href", "tel:13912345678")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, f"worker-order-call-{language}")
    reveal = PiiReveal.objects.get(user=plumber.user)
    assert (reveal.reason, reveal.record_number) == ("assigned_order", "PG-1")
