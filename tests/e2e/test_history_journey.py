"""A supervisor reads a complaint's change history in the browser: from the complaint's
page to its history, who changed what (a clerk through the desk, the overdue sweep), the
contact's phone masked; in Chinese and in English."""

import datetime as dt
from zoneinfo import ZoneInfo

import pghistory
import pytest
from playwright.sync_api import expect

from complaints import services
from complaints.models import Complaint
from propertydesk.jobs import run_job
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)


@pytest.fixture
def complaint(transactional_db):
    desk = UserFactory(username="hist-desk", role="front_desk", first_name="丽华", last_name="陈")
    UserFactory(username="hist-boss", role="supervisor")
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    with pghistory.context(user=desk.pk, method="POST", path="/complaints/new/", request_id="7f3a9c01"):
        complaint = services.complaint_register(
            unit=unit, owner=owner, channel="phone", category="repair", urgency="normal",
            description="卫生间天花板渗水", contact_name="李娜", contact_phone="13812345678", actor=desk, now=T0)
    path = f"/complaints/{complaint.pk}/"
    with pghistory.context(user=desk.pk, method="POST", path=path, request_id="7f3a9c02"):
        services.complaint_assign(complaint=complaint, department="engineering", now=T0, actor=desk)
    with pghistory.context(user=desk.pk, method="POST", path=path, request_id="7f3a9c03"):
        Complaint.objects.filter(pk=complaint.pk).update(location="主卫吊顶", contact_phone="13700001111")
    as_of = complaint.promised_at + dt.timedelta(hours=1)
    run_job("complaints.overdue_sweep", as_of=as_of, now=as_of)
    return complaint


@pytest.mark.parametrize("locale, link, created, job", [
    ("zh-CN", "变更记录", "创建", "定时任务 complaints.overdue_sweep"),
    ("en-GB", "Change history", "Created", "job complaints.overdue_sweep"),
])
def test_a_supervisor_follows_a_complaint_to_its_history(page_for, screenshot, complaint, locale, link, created, job):
    # given: the supervisor on the complaint's page
    page = page_for(locale=locale)
    log_in(page, "hist-boss", PASSWORD)
    page.goto(page.base_url + f"/complaints/{complaint.pk}/")

    # when: she opens its history
    page.locator(".pd-history-link").click()
    page.wait_for_load_state("networkidle")

    # then: newest first, the sweep, the clerk's changes with their requests, the creation
    rows = page.locator(".pd-history-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0).locator(".pd-history-who")).to_contain_text(job)
    expect(rows.nth(1).locator(".pd-history-who")).to_contain_text("陈丽华")
    expect(rows.nth(1)).to_contain_text("7f3a9c03")
    expect(rows.nth(1)).to_contain_text("主卫吊顶")
    expect(rows.nth(3)).to_contain_text(created)
    # the phones only masked
    expect(rows.nth(1)).to_contain_text("137****1111")
    assert "13700001111" not in page.content() and "13812345678" not in page.content()
    screenshot(page, f"history-{locale[:2]}")
