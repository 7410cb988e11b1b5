"""The phone callback, counted: the clerk opens the callback due today from the desk's
day, sees the owner's number, calls and records what the owner said."""

import datetime as dt
import time

import pytest
import time_machine
from playwright.sync_api import expect

from callbacks.models import Callback, CallbackResult
from complaints.models import Complaint
from owners.models import PiiReveal
from tests.e2e.steps import Journey
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner
from tests.pages.test_today import NOW, TODAY

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db):
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1201")
    give_unit(owner, unit)
    desk = UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    complaint = Complaint.objects.create(
        number="TS-R1", estate=unit.estate, unit=unit, owner=owner, contact_name="李娜", contact_phone="13912345678",
        channel="phone", category="repair", description="卫生间漏水", status="resolved", department="engineering",
        received_at=NOW - dt.timedelta(days=5), promised_at=NOW - dt.timedelta(days=4),
        resolved_at=NOW - dt.timedelta(days=3))
    callback = Callback.objects.create(
        estate=unit.estate, kind="complaint", source_key=f"complaint:{complaint.pk}:1", complaint=complaint,
        unit=unit, owner=owner, contact_name="李娜", event_at=NOW - dt.timedelta(days=3), due_on=TODAY,
        created_at=NOW - dt.timedelta(days=3), assignee=desk)
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

        # and: she needs the number: the owner's page, reveal, back (main before issue 18)
        journey.follow(page, page.locator(f"main a[href$='/owners/{world['owner'].pk}/']").first)
        journey.submit(page, page.locator("form:has(input[name=field][value=phone]) button[type=submit]"))
        expect(page.locator(".pii-revealed").first).to_have_text("13912345678")
        journey.open(page, f"/callbacks/{callback.pk}/")

        # and: she records what the owner said on the phone
        form = page.locator("#perform-form")
        form.locator("label[for=method-phone]").click()
        form.locator("label[for=satisfaction-satisfied]").click()
        form.locator("textarea[name=owner_words]").fill("修好了，谢谢")
        journey.submit(page, form.locator("button[type=submit]"))

    # then: the callback is done with the owner's words, and the reveal was logged
    result = CallbackResult.objects.get(callback=callback)
    assert (result.method, result.satisfaction, result.owner_words) == ("phone", "satisfied", "修好了，谢谢")
    assert PiiReveal.objects.filter(user=world["desk"], owner=world["owner"]).count() == 1
    figure(journey.figure(time.perf_counter() - started))
    assert journey.steps == 7, journey.figure(0)
