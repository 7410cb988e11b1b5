import re

import pytest
from playwright.sync_api import expect

from owners.models import PiiReveal
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db):
    desk = UserFactory(username="desk", role="front_desk")
    owner = make_owner(
        name="李娜", phone="13912345678", special_needs=["elderly_alone"],
        special_needs_note="独居老人，上门前请先电话联系",
    )
    mine = [UnitFactory(number="3-1-1203"), UnitFactory(number="5-2-0801")]
    for unit in mine:
        give_unit(owner, unit)
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    neighbour = make_owner(name="王强", phone="13700001111")
    their_unit = UnitFactory(number="3-1-1204")
    give_unit(neighbour, their_unit)
    return {"desk": desk, "owner": owner, "units": mine, "their_unit": their_unit}


def test_desk_finds_an_owner_by_room_and_opens_the_record(page_for, screenshot, estate):
    page = page_for()
    log_in(page, "desk", PASSWORD)
    expect(page).to_have_url(re.compile(r"/desk/$"))
    screenshot(page, "desk-home-zh")

    page.fill("input[name=q]", "3-1-1203")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("link", name="3-1-1203")).to_be_visible()
    expect(page.get_by_text("3-1-1204")).to_have_count(0)
    screenshot(page, "desk-search-zh")

    page.get_by_role("link", name="李娜").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("独居老人，上门前请先电话联系")).to_be_visible()
    expect(page.get_by_text("139****5678").first).to_be_visible()
    assert "13912345678" not in page.content()
    screenshot(page, "owner-detail-zh")

    page.locator("form[action$='/reveal/'] input[value=phone]").locator("xpath=..").locator(
        "button").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("13912345678").first).to_be_visible()
    assert PiiReveal.objects.filter(user=estate["desk"], owner=estate["owner"]).count() == 1


def test_desk_switches_to_english(page_for, screenshot, estate):
    page = page_for()
    log_in(page, "desk", PASSWORD)
    page.fill("input[name=q]", "李")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    switch = page.locator("form[action$='/i18n/setlang/']").first
    switch.locator("[name=language][value=en], button[value=en]").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Log out", exact=False).first).to_be_attached()
    screenshot(page, "desk-search-en")


def test_owner_sees_only_their_units(page_for, screenshot, estate):
    page = page_for(locale="zh-CN", width=390, height=844)
    log_in(page, "lina", PASSWORD)
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_text("3-1-1203").first).to_be_visible()
    expect(page.get_by_text("5-2-0801").first).to_be_visible()
    assert "3-1-1204" not in page.content()
    screenshot(page, "portal-my-units-phone")

    response = page.goto(page.base_url + f"/portal/units/{estate['their_unit'].pk}/")
    assert response.status == 404
    response = page.goto(page.base_url + "/desk/")
    assert response.status == 403


def test_desk_registers_a_new_owner_fixing_a_bad_phone_then_gives_a_unit(page_for, screenshot, estate):
    # given: a unit whose owner sold it
    unit = estate["units"][0]
    page = page_for(locale="en-US")
    log_in(page, "desk", PASSWORD)
    page.goto(page.base_url + "/owners/")
    screenshot(page, "owner-list-en")

    # when: the desk registers the buyer with a mistyped phone
    page.goto(page.base_url + "/owners/new/")
    page.fill("input[name=name]", "周杰")
    page.fill("input[name=phone]", "1381234567")  # ten digits
    page.check("input[name=special_needs][value=young_children]")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    # then: the error is on the phone field, and nothing was saved
    expect(page.locator("#id_phone.is-invalid")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("周杰")
    screenshot(page, "owner-form-error-en")

    page.fill("input[name=phone]", "13812345670")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="周杰")).to_be_visible()

    # when: the buyer takes over 3-1-1203
    form = page.locator("#add-unit form")
    form.locator("select[name=estate]").select_option(str(unit.estate_id))
    form.locator("input[name=unit_number]").fill("3-1-1203")
    form.locator("input[name=start_date]").fill("2026-11-01")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    # then: the unit page shows the buyer now and the seller in the history
    page.get_by_role("link", name="3-1-1203").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("周杰").first).to_be_visible()
    expect(page.get_by_text("李娜").first).to_be_visible()
    screenshot(page, "unit-detail-en")
    assert estate["owner"].ownerships.get(unit=unit).end_date.isoformat() == "2026-11-01"
