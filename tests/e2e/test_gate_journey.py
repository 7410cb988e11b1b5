"""The gate in the browser: a tenant applies for an item pass in the portal, the owner
confirms it in hers, and the guard checks it on the phone page (390 px wide) and records
who carries the goods out. Then the desk's and the portal's other gate pages, in both
languages, for the screenshots."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gate import services
from gate.models import ItemPass
from owners.services import resident_add
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e

ID = "440106198001012345"


@pytest.fixture
def estate(transactional_db, settings):
    settings.OUTBOX_DELIVERY = "off"
    UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    estate = EstateFactory(code="cuihu", name="翠湖花园")
    building = BuildingFactory(estate=estate, number="3")
    unit = UnitFactory(building=building, number="3-1-1203")
    owner = make_owner(name="Emma Wang", phone="13800001111", preferred_channel="sms", language="en")
    give_unit(owner, unit)
    owner.user = UserFactory(username="emma", last_name="Wang", first_name="Emma")
    owner.save(update_fields=["user"])
    tenant = resident_add(unit=unit, name="张伟", relation="tenant", phone="13700007777",
                          move_in_date=timezone.localdate() - timedelta(days=100))
    services.resident_login_create(resident=tenant, username="zhangwei", password=PASSWORD)
    return {"estate": estate, "unit": unit, "owner": owner, "tenant": tenant}


def test_a_tenants_pass_is_confirmed_by_the_owner_and_released_by_the_guard(page_for, screenshot, estate):
    today = timezone.localdate()

    # when: the tenant applies in the portal, in Chinese
    tenant = page_for(locale="zh-CN")
    log_in(tenant, "zhangwei", PASSWORD)
    tenant.goto(tenant.base_url + "/gate/portal/passes/")
    tenant.fill("input[name=day]", today.isoformat())
    tenant.fill("textarea[name=lines]", "旧沙发 × 1\n纸箱 6")
    screenshot(tenant, "gate-portal-passes-zh")
    tenant.click("#pass-form button[type=submit]")
    tenant.wait_for_load_state("networkidle")
    item_pass = ItemPass.objects.get()
    expect(tenant).to_have_url(re.compile(rf"/gate/portal/passes/{item_pass.pk}/$"))
    # then: it waits for the owner, said in Chinese, with its QR code
    expect(tenant.locator("[data-check]")).to_have_text(re.compile("业主尚未确认"))
    expect(tenant.locator(".gate-qr-box svg")).to_be_visible()
    screenshot(tenant, "gate-portal-pass-waiting-zh")

    # when: the owner opens it from her portal, in English, and confirms
    owner = page_for(locale="en-US")
    log_in(owner, "emma", PASSWORD)
    owner.goto(owner.base_url + "/gate/portal/passes/")
    owner.click(f"#passes a:has-text('{item_pass.number}')")
    owner.wait_for_load_state("networkidle")
    expect(owner.locator("#confirm-form")).to_contain_text("张伟 lives in your unit")
    screenshot(owner, "gate-portal-pass-confirm-en")
    owner.click("#confirm-form button[type=submit]")
    owner.wait_for_load_state("networkidle")
    expect(owner.locator("[data-check]")).to_have_text(re.compile("Valid"))

    # when: the guard, on a phone, types the pass's number
    guard = page_for(locale="zh-CN", width=390, height=844)
    log_in(guard, "desk", PASSWORD)
    guard.goto(guard.base_url + "/gate/check/")
    guard.fill("#id_number", item_pass.number.lower())
    guard.click("#check-form button[type=submit]")
    guard.wait_for_load_state("networkidle")
    # then: valid, in large colour, with the goods
    expect(guard.locator("#answer [data-answer]")).to_have_attribute("data-answer", "valid")
    expect(guard.locator("#answer")).to_contain_text("旧沙发 × 1")
    screenshot(guard, "gate-check-valid-phone-zh")
    # a page no wider than the phone
    assert guard.evaluate("document.documentElement.scrollWidth") <= 390

    # when: the goods leave with their carrier
    guard.fill("input[name=carrier_name]", "搬家师傅")
    guard.fill("input[name=carrier_id_number]", ID)
    guard.click("#release-form button[type=submit]")
    guard.wait_for_load_state("networkidle")
    # then: used, the carrier's number masked; a second look says so
    expect(guard.locator("#answer [data-answer]")).to_have_attribute("data-answer", "used")
    expect(guard.locator("#answer")).to_contain_text("4401**********2345")
    screenshot(guard, "gate-check-used-phone-zh")
    item_pass.refresh_from_db()
    assert (item_pass.status, item_pass.carrier_name) == ("released", "搬家师傅")
    assert item_pass.carrier_id_number == ID


@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_the_gate_pages_in_both_languages(page_for, screenshot, estate, lang, locale):
    now = timezone.now()
    today = timezone.localdate()
    unit, owner = estate["unit"], estate["owner"]
    services.visit_register(unit=unit, visitor_name="赵六", id_number=ID, confirmed=True, confirmed_how="intercom",
                            now=now - timedelta(hours=1))
    services.visit_register(unit=unit, visitor_name="推销员", id_number="440106199001011234", confirmed=False,
                            now=now - timedelta(minutes=30))
    services.preregistration_create(owner=owner, unit=unit, visitor_name="李母", day=today, now=now)
    made = services.item_pass_apply(unit=unit, day=today, via="desk", lines=[services.PassLine("冰箱", 1)],
                                    applicant_resident=estate["tenant"], now=now)
    card = services.card_apply(unit=unit, kind="access_card", applicant=owner, holder_name="张伟", now=now)
    services.card_pay(card=card, method="cash", now=now)

    desk = page_for(locale=locale)
    log_in(desk, "desk", PASSWORD)
    for path, name in (("/gate/visitors/", "visitors"), ("/gate/passes/", "passes"),
                       (f"/gate/passes/{made.pk}/", "pass-detail"), ("/gate/cards/", "cards"),
                       (f"/gate/cards/{card.pk}/", "card-detail"), ("/gate/cards/new/", "card-new"),
                       ("/gate/passes/new/", "pass-new")):
        desk.goto(desk.base_url + path)
        desk.wait_for_load_state("networkidle")
        expect(desk.locator("h1")).to_be_visible()
        screenshot(desk, f"gate-{name}-{lang}")
    expect(desk.locator("body")).not_to_contain_text("440106198001012345")

    owner.language = "zh-hans" if lang == "zh" else "en"   # the portal speaks the owner's language
    owner.save(update_fields=["language"])
    portal = page_for(locale=locale, width=390, height=844)
    log_in(portal, "emma", PASSWORD)
    for path, name in (("/gate/portal/visitors/", "portal-visitors"), ("/gate/portal/cards/", "portal-cards")):
        portal.goto(portal.base_url + path)
        portal.wait_for_load_state("networkidle")
        screenshot(portal, f"gate-{name}-{lang}")
