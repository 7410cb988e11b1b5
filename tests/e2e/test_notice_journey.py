"""Notices in the browser: the desk publishes an emergency outage notice to one building
from a template; an owner there sees it on her phone's home and opens it, an owner in
another building gets nothing; the desk's list of households to call no longer names hers."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notices.models import Notice
from propertydesk.models import Delivery
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db, settings):
    settings.OUTBOX_DELIVERY = "off"   # the SMS wait in the outbox: the test reads them there
    UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    estate = EstateFactory(code="cuihu", name="翠湖花园")
    b3, b5 = BuildingFactory(estate=estate, number="3"), BuildingFactory(estate=estate, number="5")
    people = {}
    for username, name, phone, building, number in (
            ("lina", "李娜", "13912345678", b3, "3-1-1203"), ("wang", "王强", "13800001111", b3, "3-1-1204"),
            ("zhao", "赵敏", "13700002222", b5, "5-1-501")):
        owner = make_owner(name=name, phone=phone, preferred_channel="sms", language="en" if username == "wang" else "")
        unit = UnitFactory(building=building, number=number)
        give_unit(owner, unit)
        owner.user = UserFactory(username=username, last_name=name)
        owner.save(update_fields=["user"])
        people[username] = (owner, unit)
    return {"estate": estate, **people}


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_emergency_outage_notice_reaches_the_building_and_the_desk_sees_who_has_not_read_it(
    page_for, screenshot, estate
):
    now = timezone.now()

    # when: the desk starts from the emergency outage template, for building 3
    desk = page_for(locale="zh-CN")
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + "/notices/")
    desk.click("#new-notice")
    desk.click("a.dropdown-item[data-template=emergency_outage]")
    desk.wait_for_load_state("networkidle")
    expect(desk.locator("input[name=title]")).to_have_value("突发停水停电")
    expect(desk.locator("input[name=emergency]")).to_be_checked()
    desk.select_option("select[name=estate]", str(estate["estate"].pk))
    desk.check("input[name=audience][value=buildings]")
    desk.fill("input[name=buildings]", "3")
    desk.fill("input[name=place]", "3号楼")
    desk.fill("input[name=starts_at]", local(now - timedelta(minutes=30)))
    desk.fill("input[name=ends_at]", local(now + timedelta(hours=4)))
    screenshot(desk, "notices-new-zh")
    desk.click("#save-notice")
    desk.wait_for_load_state("networkidle")
    notice = Notice.objects.get()
    expect(desk).to_have_url(re.compile(rf"/notices/{notice.pk}/$"))
    desk.click("#publish-notice")
    desk.wait_for_load_state("networkidle")

    # then: published to building 3's two households, an SMS waiting for each of their owners
    notice.refresh_from_db()
    assert (notice.status, notice.households, notice.messages_sent) == ("published", 2, 2)
    sms = Delivery.objects.filter(channel="sms", notification__dedupe_key__startswith=f"notice:{notice.pk}:")
    assert sorted(sms.values_list("notification__owner__name", flat=True)) == ["李娜", "王强"]
    expect(desk.locator("#unread-households")).to_contain_text("3-1-1203")
    expect(desk.locator("#unread-households")).to_contain_text("139****5678")
    screenshot(desk, "notices-detail-published-zh")

    # when: 李娜 opens her home on her phone
    owner = page_for(locale="zh-CN", width=390, height=844)
    log_in(owner, "lina", PASSWORD)
    owner.goto(owner.base_url + "/portal/")
    expect(owner.locator("#notices-unread")).to_contain_text("1")
    expect(owner.locator("#latest-notice")).to_contain_text("突发停水停电")
    screenshot(owner, "notices-portal-home-phone-zh")
    owner.click("#latest-notice")
    owner.wait_for_load_state("networkidle")
    expect(owner.locator("#notice")).to_contain_text("3号楼")
    screenshot(owner, "notices-portal-detail-phone-zh")
    owner.goto(owner.base_url + "/portal/")
    expect(owner.locator("#notices-unread")).to_have_count(0)

    # and: 赵敏, in building 5, has nothing
    other = page_for(locale="zh-CN", width=390, height=844)
    log_in(other, "zhao", PASSWORD)
    other.goto(other.base_url + "/portal/")
    expect(other.locator("#latest-notice")).to_have_count(0)
    other.goto(other.base_url + f"/notices/portal/{notice.pk}/")
    expect(other.locator("body")).not_to_contain_text("突发停水停电")

    # then: the desk no longer sees her household to call; 王强's still is
    desk.reload()
    expect(desk.locator("#read-count")).to_have_text("1")
    expect(desk.locator("#unread-households")).not_to_contain_text("3-1-1203")
    expect(desk.locator("#unread-households")).to_contain_text("3-1-1204")
    screenshot(desk, "notices-detail-one-read-zh")

    # and in English: the desk's list and notice, the owner's notice on her phone
    desk_en = page_for(locale="en-US")
    log_in(desk_en, "desk", PASSWORD)
    desk_en.goto(desk_en.base_url + "/notices/")
    expect(desk_en.locator("#notice-list")).to_contain_text("1 / 2")
    screenshot(desk_en, "notices-list-en")
    desk_en.goto(desk_en.base_url + f"/notices/{notice.pk}/")
    expect(desk_en.locator("#unread-households")).to_contain_text("Not read yet")
    screenshot(desk_en, "notices-detail-en")
    owner_en = page_for(locale="en-US", width=390, height=844)
    log_in(owner_en, "wang", PASSWORD)
    owner_en.goto(owner_en.base_url + "/portal/")
    expect(owner_en.locator("#tile-notices")).to_contain_text("1 unread")
    screenshot(owner_en, "notices-portal-home-phone-en")
