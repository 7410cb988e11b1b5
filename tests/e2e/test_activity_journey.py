"""Community activities in the browser: the desk plans the evening's Mid-Autumn party, records
the households from the unit picker (李娜's came with her family, 王强's signed up and stayed
home), marks it held and sees the one callback it made, due a month later; an owner sees the
estate's activities to come in the portal and signs her household up; in both languages."""

import re
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from activities import services
from activities.models import Activity
from callbacks.models import Callback
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db, settings):
    settings.OUTBOX_DELIVERY = "off"
    desk = UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    estate = EstateFactory(code="cuihu", name="翠湖花园")
    b3 = BuildingFactory(estate=estate, number="3")
    people = {}
    for username, name, number in (("lina", "李娜", "3-1-1203"), ("wang", "王强", "3-1-1204")):
        owner = make_owner(name=name, phone="13912345678" if username == "lina" else "13800001111",
                           language="en" if username == "wang" else "")
        unit = UnitFactory(building=b3, number=number)
        give_unit(owner, unit)
        owner.user = UserFactory(username=username, last_name=name)
        owner.save(update_fields=["user"])
        people[username] = (owner, unit)
    UnitFactory(building=b3, number="3-1-1205")
    return {"estate": estate, "desk": desk, **people}


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_desk_plans_an_activity_records_households_marks_it_held_and_sees_its_callbacks(
    page_for, screenshot, estate
):
    now = timezone.now()
    # a talk to come, for the owners' list
    services.activity_plan(estate=estate["estate"], title="家庭用电安全讲座", kind="talk", place="物业服务中心二楼会议室",
                           starts_at=now + timedelta(days=10), ends_at=now + timedelta(days=10, hours=1),
                           capacity=40, description="工程部讲解家用电器、电动车充电的安全常识。", now=now,
                           actor=estate["desk"])

    # when: the desk plans tonight's party, which began an hour ago
    desk = page_for(locale="zh-CN")
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + "/activities/")
    desk.click("#new-activity")
    desk.wait_for_load_state("networkidle")
    desk.fill("input[name=title]", "中秋游园会")
    desk.select_option("select[name=kind]", "cultural")
    desk.fill("input[name=starts_at]", local(now - timedelta(hours=1)))
    desk.fill("input[name=ends_at]", local(now + timedelta(hours=1)))
    desk.fill("input[name=place]", "中心花园")
    desk.fill("input[name=organiser]", "客服中心")
    desk.fill("input[name=capacity]", "50")
    desk.fill("textarea[name=description]", "猜灯谜、做月饼，欢迎全家参加。")
    screenshot(desk, "activities-new-zh")
    desk.click("#save-activity")
    desk.wait_for_load_state("networkidle")
    party = Activity.objects.get(title="中秋游园会")
    expect(desk).to_have_url(re.compile(rf"/activities/{party.pk}/$"))

    # and records the households from the unit picker: 李娜 came with two more, 王强 only signed up
    desk.fill("#find", "3-1-12")
    desk.click("#unit-picker button")
    desk.wait_for_load_state("networkidle")
    expect(desk.locator("#picked-units")).to_contain_text("3-1-1205")
    screenshot(desk, "activities-picker-zh")
    row = desk.locator("form[data-unit='3-1-1203']")
    row.locator("input[name=people]").fill("3")
    row.locator("button").click()
    desk.wait_for_load_state("networkidle")
    desk.fill("#find", "3-1-1204")
    desk.click("#unit-picker button")
    desk.wait_for_load_state("networkidle")
    row = desk.locator("form[data-unit='3-1-1204']")
    row.locator("input[name=attended]").uncheck()
    row.locator("button").click()
    desk.wait_for_load_state("networkidle")
    expect(desk.locator("#household-list")).to_contain_text("3-1-1203")
    expect(desk.locator("#household-list")).to_contain_text("李娜")
    expect(desk.locator("#households")).to_contain_text("2 户中 1 户到场，共 3 人")

    # and marks it held
    desk.click("#hold-activity")
    desk.wait_for_load_state("networkidle")

    # then: one callback, for the household that came, due a month later, shown on the page
    callback = Callback.objects.get(activity=party)
    assert (callback.unit.number, callback.owner.name, callback.kind) == ("3-1-1203", "李娜", "activity")
    held_on = timezone.localdate(Activity.objects.get(pk=party.pk).finished_at)
    assert callback.due_on == held_on + relativedelta(months=1)
    expect(desk.locator("#activity-callbacks")).to_contain_text("李娜")
    expect(desk.locator("#activity-callbacks")).to_contain_text(f"{callback.due_on:%Y-%m-%d}")
    expect(desk.locator("#activity-callbacks")).not_to_contain_text("王强")
    expect(desk.locator("#hold-activity")).to_have_count(0)
    screenshot(desk, "activities-detail-held-zh")
    desk.goto(desk.base_url + "/activities/")
    expect(desk.locator("#activity-list tbody tr").first).to_contain_text("家庭用电安全讲座")
    screenshot(desk, "activities-list-zh")

    # and in English
    desk_en = page_for(locale="en-US")
    log_in(desk_en, "desk", PASSWORD)
    desk_en.goto(desk_en.base_url + "/activities/")
    expect(desk_en.locator("#activity-list")).to_contain_text("中秋游园会")
    screenshot(desk_en, "activities-list-en")
    desk_en.goto(desk_en.base_url + f"/activities/{party.pk}/")
    expect(desk_en.locator("#households")).to_contain_text("1 of 2 came · 3 people")
    expect(desk_en.locator("#activity-callbacks")).to_contain_text("Callbacks it made")
    screenshot(desk_en, "activities-detail-held-en")

    # and the owners see the talk to come in the portal, on their phones
    owner = page_for(locale="zh-CN", width=390, height=844)
    log_in(owner, "lina", PASSWORD)
    owner.goto(owner.base_url + "/activities/portal/")
    expect(owner.locator("#my-activities")).to_contain_text("家庭用电安全讲座")
    expect(owner.locator("#my-activities")).not_to_contain_text("中秋游园会")
    screenshot(owner, "activities-portal-phone-zh")
    # and 李娜 signs her household up for two: the desk's list of the talk has it
    owner.fill("#my-activities input[name=people]", "2")
    owner.click("#my-activities form[data-sign-up] button")
    owner.wait_for_load_state("networkidle")
    expect(owner.locator("#my-activities")).to_contain_text("您已报名")
    screenshot(owner, "activities-portal-signed-up-phone-zh")
    talk = Activity.objects.get(title="家庭用电安全讲座")
    assert list(talk.participations.values_list("unit__number", "people", "attended")) == [("3-1-1203", 2, False)]
    owner_en = page_for(locale="en-US", width=390, height=844)
    log_in(owner_en, "wang", PASSWORD)
    owner_en.goto(owner_en.base_url + "/activities/portal/")
    expect(owner_en.locator("#my-activities")).to_contain_text("Talk or course")
    screenshot(owner_en, "activities-portal-phone-en")
