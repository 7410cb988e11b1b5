"""Incidents in the browser: the desk opens a water outage for building 3 (the script
follows the kind), ticks two steps of the plan, writes the notice from it and publishes
it; on the complaint intake a caller from building 3 brings up the script, a caller from
building 5 does not; the desk closes the incident with a summary (refused without one)
and the script leaves the intake. Both languages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from notices.models import NoticeHousehold
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db, settings):
    settings.OUTBOX_DELIVERY = "off"
    UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    UserFactory(username="boss", role="supervisor", first_name="建国", last_name="王")
    estate = EstateFactory(code="cuihu", name="翠湖花园", language="zh-hans")
    b3, b5 = BuildingFactory(estate=estate, number="3"), BuildingFactory(estate=estate, number="5")
    for name, building, number in (("李娜", b3, "3-1-1203"), ("赵敏", b5, "5-1-501")):
        give_unit(make_owner(name=name, phone="13912345678"), UnitFactory(building=building, number=number))
    return estate


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def intake_notes_for(desk, estate, number):
    desk.goto(desk.base_url + "/complaints/new/")
    desk.select_option("select[name=estate]", str(estate.pk))
    desk.fill("input[name=unit_number]", number)
    expect(desk.locator("#owner-panel")).to_contain_text(number)
    desk.wait_for_load_state("networkidle")
    return desk.locator("#intake-notes")


def test_the_desk_handles_a_water_outage_and_its_script_reaches_the_intake_for_its_building_only(
    page_for, screenshot, estate
):
    now = timezone.now()

    # when: the desk opens a water outage for building 3; the script follows the kind
    desk = page_for(locale="zh-CN")
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + "/incidents/")
    desk.click("#new-incident")
    desk.wait_for_load_state("networkidle")
    desk.select_option("select[name=kind]", "lift_entrapment")
    expect(desk.locator("textarea[name=script]")).to_have_value(re.compile("扒门"))
    desk.select_option("select[name=kind]", "water_outage")
    expect(desk.locator("textarea[name=script]")).to_have_value(re.compile("停水"))
    desk.select_option("select[name=estate]", str(estate.pk))
    desk.fill("input[name=buildings]", "3")
    desk.fill("input[name=place]", "3号楼地下泵房")
    desk.fill("input[name=started_at]", local(now - timedelta(minutes=20)))
    desk.fill("input[name=expected_end]", local(now + timedelta(hours=4)))
    desk.fill("textarea[name=description]", "3号楼水泵故障，全楼停水。")
    screenshot(desk, "incidents-new-zh")
    desk.click("#open-incident")
    desk.wait_for_load_state("networkidle")
    incident = Incident.objects.get()
    expect(desk).to_have_url(re.compile(rf"/incidents/{incident.pk}/$"))

    # and ticks the first two steps: each shows who and when
    for position in (1, 2):
        desk.click(f"button[data-tick='{position}']")
        desk.wait_for_load_state("networkidle")
    checklist = desk.locator("#checklist")
    expect(checklist.locator("[data-done]")).to_have_count(2)
    expect(checklist.locator("li[data-step='1']")).to_contain_text("陈丽华")
    expect(checklist.locator("li[data-step='3'] button[data-tick='3']")).to_have_count(1)
    screenshot(desk, "incidents-detail-zh")

    # and writes the notice from it and publishes it: building 3's household only
    desk.click("#generate-notice")
    desk.wait_for_load_state("networkidle")
    expect(desk).to_have_url(re.compile(r"/notices/\d+/$"))
    desk.click("#publish-notice")
    desk.wait_for_load_state("networkidle")
    incident.refresh_from_db()
    assert list(NoticeHousehold.objects.filter(notice=incident.notice).values_list("unit__number", flat=True)) == [
        "3-1-1203"]

    # then: the intake shows the script for a unit of building 3, not for one of building 5
    notes = intake_notes_for(desk, estate, "3-1-1203")
    expect(notes).to_contain_text("我们已知悉您所在楼栋停水")
    expect(notes).to_contain_text("3号楼地下泵房")
    screenshot(desk, "incidents-intake-script-zh")
    notes = intake_notes_for(desk, estate, "5-1-501")
    expect(notes).not_to_contain_text("停水")

    # and the desk's day says an incident is being handled
    desk.goto(desk.base_url + "/desk/")
    expect(desk.locator("#open-incidents")).to_contain_text("3号楼地下泵房")
    screenshot(desk, "incidents-desk-banner-zh")

    # and in English: the list, the incident and the intake's note
    desk_en = page_for(locale="en-US")
    log_in(desk_en, "boss", PASSWORD)
    desk_en.goto(desk_en.base_url + "/incidents/")
    expect(desk_en.locator("#incident-list")).to_contain_text("Water outage")
    screenshot(desk_en, "incidents-list-en")
    desk_en.goto(desk_en.base_url + f"/incidents/{incident.pk}/")
    expect(desk_en.locator("#checklist")).to_contain_text("Done at")
    screenshot(desk_en, "incidents-detail-en")
    notes = intake_notes_for(desk_en, estate, "3-1-1203")
    expect(notes).to_contain_text("Tell the caller")
    screenshot(desk_en, "incidents-intake-script-en")
    desk_en.goto(desk_en.base_url + "/incidents/new/")
    screenshot(desk_en, "incidents-new-en")

    # when: closing without a summary is refused; with one it is closed
    desk.goto(desk.base_url + f"/incidents/{incident.pk}/")
    desk.click("#close-incident")
    desk.wait_for_load_state("networkidle")
    expect(desk.locator("#close")).to_contain_text("请填写总结")
    desk.fill("textarea[name=summary]", "更换水泵，10:20恢复供水，已通知业主。")
    desk.click("#close-incident")
    desk.wait_for_load_state("networkidle")
    expect(desk.locator("#summary")).to_contain_text("10:20恢复供水")
    screenshot(desk, "incidents-closed-zh")

    # then: the script has left the intake
    notes = intake_notes_for(desk, estate, "3-1-1203")
    expect(notes).not_to_contain_text("停水")
