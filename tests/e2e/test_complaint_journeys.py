import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db):
    UserFactory(username="desk", role="front_desk")
    UserFactory(username="eng", role="engineering", first_name="建军", last_name="李")
    owner = make_owner(name="李娜", phone="13912345678", special_needs=["hearing"],
                       special_needs_note="听力不好，请发短信")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    return {"owner": owner, "unit": unit}


def test_desk_takes_a_phone_complaint_the_owner_follows_it_the_desk_resolves_it(page_for, screenshot, estate):
    unit = estate["unit"]

    # given: the desk at the intake form, the owner on the phone
    desk = page_for(locale="en-US")
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + "/complaints/new/")
    desk.select_option("select[name=estate]", str(unit.estate_id))
    desk.fill("input[name=unit_number]", "3-1-12")
    desk.locator("#unit-suggestions .dropdown-item").first.click()

    # then: the owner panel shows who it is, with the special needs
    panel = desk.locator("#owner-panel")
    expect(panel).to_contain_text("李娜")
    expect(panel).to_contain_text("听力不好，请发短信")

    # when: the complaint is recorded as urgent
    desk.select_option("select[name=category]", "repair")
    desk.locator("label[for=urgency-urgent]").click()
    expect(desk.locator("#promise-line")).to_contain_text("24")
    desk.fill("textarea[name=description]", "卫生间天花板渗水，楼上可能漏水")
    screenshot(desk, "complaint-intake-en")
    desk.locator("#intake-form button[type=submit]").last.click()
    desk.wait_for_load_state("networkidle")

    complaint = Complaint.objects.get()
    expect(desk).to_have_url(re.compile(rf"/complaints/{complaint.pk}/$"))
    assert complaint.urgency == "urgent" and complaint.owner == estate["owner"]

    # when: it is routed to engineering
    assign = desk.locator("#action-assign form")
    assign.locator("select[name=department]").select_option("engineering")
    assign.locator("button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    expect(desk.locator("body")).to_contain_text("Assigned to Engineering")

    # then: the owner sees it in the portal with its promised time
    owner = page_for(locale="zh-CN", width=390, height=844)
    log_in(owner, "lina", PASSWORD)
    owner.goto(owner.base_url + "/complaints/portal/")
    owner.get_by_role("link", name=complaint.number).first.click()
    owner.wait_for_load_state("networkidle")
    promised = complaint.promised_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    expect(owner.locator("body")).to_contain_text(promised)
    expect(owner.locator("body")).to_contain_text("卫生间天花板渗水")
    screenshot(owner, "complaint-portal-phone-zh")

    # when: the desk starts and resolves it
    desk.locator("form[action$='/start/'] button").click()
    desk.wait_for_load_state("networkidle")
    resolve = desk.locator("#action-resolve form")
    resolve.locator("textarea[name=resolution]").fill("更换楼上水管接头，已不再渗水")
    resolve.locator("button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    screenshot(desk, "complaint-detail-resolved-en")

    # then: resolved, and the owner's page says so
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    owner.reload()
    expect(owner.locator("body")).to_contain_text("更换楼上水管接头")

    desk.goto(desk.base_url + "/complaints/")
    expect(desk.get_by_role("link", name=complaint.number)).to_be_visible()
    screenshot(desk, "complaint-queue-en")


def test_resolving_without_saying_how_is_refused_on_the_field(page_for, estate):
    from complaints import services
    from django.utils import timezone

    desk_user = UserFactory(username="desk2", role="front_desk")
    c = services.complaint_register(unit=estate["unit"], owner=estate["owner"], channel="phone",
                                   category="repair", description="漏水", actor=desk_user, now=timezone.now())
    services.complaint_assign(complaint=c, department="engineering", actor=desk_user, now=timezone.now())
    services.complaint_start(complaint=c, actor=desk_user, now=timezone.now())
    page = page_for(locale="en-US")
    log_in(page, "desk2", PASSWORD)
    page.goto(page.base_url + f"/complaints/{c.pk}/")
    page.locator("#action-resolve button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#action-resolve")).to_contain_text("required")
    c.refresh_from_db()
    assert c.status == "in_progress"
