"""The callback loop in the browser: the desk resolves a complaint; three days later
(the clock moved, the hourly job run for that moment) the callback is due today; the
desk calls the owner, who is unsatisfied, and the complaint is back in progress."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from callbacks.models import Callback, CallbackResult
from complaints import services as complaints
from complaints.models import Status as ComplaintStatus
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def complaint(transactional_db):
    desk = UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    now = timezone.now()
    complaint = complaints.complaint_register(unit=unit, owner=owner, channel="phone", category="repair",
                                              description="卫生间天花板渗水", actor=desk, now=now)
    complaints.complaint_assign(complaint=complaint, department="engineering", actor=desk, now=now)
    complaints.complaint_start(complaint=complaint, actor=desk, now=now)
    return complaint


def test_resolved_complaint_is_called_back_three_days_later_and_an_unhappy_owner_reopens_it(
    page_for, screenshot, complaint
):
    # given: the desk resolves the complaint in the browser
    desk = page_for(locale="en-US")
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + f"/complaints/{complaint.pk}/")
    resolve = desk.locator("#action-resolve form")
    resolve.locator("textarea[name=resolution]").fill("更换楼上防水层")
    resolve.locator("button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED
    callback = Callback.objects.get(complaint=complaint)
    resolved_day = timezone.localdate(complaint.resolved_at)
    assert callback.due_on == resolved_day + dt.timedelta(days=3)

    # when: three days pass; the hourly job runs for that moment
    later = timezone.localtime(complaint.resolved_at).replace(hour=10, minute=20) + dt.timedelta(days=3)
    with time_machine.travel(later, tick=True):
        call_command("runjob", "callbacks.hourly", "--as-of", later.strftime("%Y-%m-%dT%H:%M"))
        # Three days idle ended the session (SESSION_IDLE_TIMEOUT_MINUTES): sign in again.
        log_in(desk, "desk", PASSWORD)

        # then: the callback is due today in the desk's queue
        desk.goto(desk.base_url + "/callbacks/?bucket=today")
        row = desk.get_by_role("link", name=complaint.number).first
        expect(row).to_be_visible()
        screenshot(desk, "callback-queue-due-today-en")

        # when: the desk calls the owner, who is still unhappy
        desk.goto(desk.base_url + f"/callbacks/{callback.pk}/")
        form = desk.locator("#perform-form")
        form.locator("label[for=method-phone]").click()
        form.locator("label[for=satisfaction-unsatisfied]").click()
        form.locator("textarea[name=owner_words]").fill("下雨后天花板又湿了，还是没修好")
        form.locator("button[type=submit]").click()
        desk.wait_for_load_state("networkidle")

        # then: refused until the shortcomings are written, on that field, nothing saved
        expect(desk.locator("#action-perform")).to_contain_text("unhappy with")
        assert not CallbackResult.objects.exists()
        form = desk.locator("#perform-form")
        form.locator("textarea[name=shortcomings]").fill("雨后仍渗水")
        form.locator("button[type=submit]").click()
        desk.wait_for_load_state("networkidle")
        screenshot(desk, "callback-detail-unsatisfied-en")

        # then: the complaint is back in progress, and its page shows the callback
        complaint.refresh_from_db()
        assert complaint.status == ComplaintStatus.IN_PROGRESS and complaint.reopen_count == 1
        result = CallbackResult.objects.get()
        assert (result.method, result.satisfaction, result.owner_words) == (
            "phone", "unsatisfied", "下雨后天花板又湿了，还是没修好")
        desk.goto(desk.base_url + f"/complaints/{complaint.pk}/")
        expect(desk.locator(".page-header")).to_contain_text("In progress")
        expect(desk.locator("body")).to_contain_text("雨后仍渗水")
        screenshot(desk, "callback-chain-on-complaint-en")
