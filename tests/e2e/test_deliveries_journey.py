"""Messages that did not go out, in the browser: the supervisor sees on the desk that
messages were not delivered (red: one was given up), opens the page, finds the SMS the
gateway refused with its reason, and retries it once the phone works again; it is sent."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from propertydesk import messages, notifications
from propertydesk.models import Delivery
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory, make_owner

pytestmark = pytest.mark.e2e

LI_PHONE, WANG_PHONE = "13912345678", "13800001111"


@pytest.fixture
def refused(transactional_db, settings, sms_gateway):
    """Two payment reminders by SMS that the gateway refused, given up at the first failure."""
    settings.OUTBOX_RETRY_DELAYS_SECONDS = []
    UserFactory(username="supervisor", role="supervisor", first_name="建国", last_name="王")
    sms_gateway.fail_for(LI_PHONE, WANG_PHONE)
    now = timezone.now()
    sent = {}
    for name, phone, unit in (("李娜", LI_PHONE, "3-1-1203"), ("王强", WANG_PHONE, "3-1-1204")):
        owner = make_owner(name=name, phone=phone)
        note = notifications.notify_owner(
            owner=owner, kind="fees.dunning.1", now=now, dedupe_key=f"e2e:{unit}",
            params={"unit": unit, "owed": "210.33", "month": messages.month(dt.date(2026, 11, 1))})
        sent[name] = Delivery.objects.get(notification=note, channel="sms")  # committed: sent at once, refused
    assert {d.pk: d.status for d in Delivery.objects.filter(channel="sms")} == {d.pk: "given_up" for d in sent.values()}
    return sent


def test_the_supervisor_sees_undelivered_messages_opens_them_and_retries_a_refused_sms(
    page_for, screenshot, refused, sms_gateway
):
    li = refused["李娜"]

    # given: the supervisor's desk says two messages were not delivered, in red
    page = page_for(locale="zh-CN")
    log_in(page, "supervisor", PASSWORD)
    page.goto(page.base_url + "/desk/")
    figure = page.locator("#undelivered")
    expect(figure).to_contain_text("2 条消息未送达")
    expect(figure).to_contain_text("其中 2 条已放弃发送")
    assert "alert-danger" in figure.get_attribute("class")
    screenshot(page, "deliveries-desk-figure-zh")

    # when: she opens the page, on the SMS tab
    figure.click()
    page.wait_for_load_state("networkidle")
    page.locator("a[data-channel=sms]").click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f"tr[data-delivery='{li.pk}']")
    expect(row).to_contain_text("李娜")
    expect(row).to_contain_text("139****5678")
    expect(row).to_contain_text("第一次催款通知：2026-11")
    expect(row).to_contain_text("已放弃发送")
    expect(row).to_contain_text("SmsError: gateway refused 139****5678")
    expect(page.locator("body")).not_to_contain_text(LI_PHONE)
    screenshot(page, "deliveries-page-zh")

    # and: the phone works again, and she retries 李娜's SMS
    sms_gateway.heal()
    row.get_by_role("button", name="重新发送").click()
    page.wait_for_load_state("networkidle")

    # then: it is sent (once, with its idempotency key), the page says so and lists only the other
    expect(page.locator(".pd-messages")).to_contain_text("正在重新发送：发给李娜的短信。")
    expect(page.locator(f"tr[data-delivery='{li.pk}']")).to_have_count(0)
    expect(page.locator(f"tr[data-delivery='{refused['王强'].pk}']")).to_be_visible()
    li.refresh_from_db()
    assert li.status == "sent"
    assert sms_gateway.messages()[li.idempotency_key]["to"] == LI_PHONE
    assert li.events.filter(to_status="pending", actor__username="supervisor").exists()
    screenshot(page, "deliveries-page-retried-zh")

    # and: in English the desk shows one message not delivered, and the page the other one
    english = page_for(locale="en-US")
    log_in(english, "supervisor", PASSWORD)
    english.goto(english.base_url + "/desk/")
    expect(english.locator("#undelivered")).to_contain_text("1 message not delivered")
    screenshot(english, "deliveries-desk-figure-en")
    english.locator("#undelivered").click()
    english.wait_for_load_state("networkidle")
    wang = english.locator(f"tr[data-delivery='{refused['王强'].pk}']")
    expect(wang).to_contain_text("First payment reminder: 2026-11")
    expect(wang).to_contain_text("Given up")
    expect(wang).to_contain_text("138****1111")
    # the navigation names the page: in the bar, or under "More" when the bar has no room
    deliveries = english.get_by_role("link", name="Deliveries")
    if not deliveries.is_visible():
        english.locator(".pd-nav-more").get_by_role("button", name="More").click()
    expect(deliveries).to_be_visible()
    screenshot(english, "deliveries-page-en")
