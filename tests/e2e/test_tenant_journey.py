"""Tenants in the browser: the desk registers a unit's tenant on the unit's tenant page, the
tenant sets a password on a phone (390 px) with the code the SMS carried, signs in and sees
their item passes and cards; then the desk ends the login and it no longer works. In both
languages, for the screenshots."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gate.models import ResidentLogin
from propertydesk.models import Notification
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, BuildingFactory, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e

TENANT_PASSWORD = "Lake-view-2027"


@pytest.fixture
def unit(transactional_db, settings):
    settings.OUTBOX_DELIVERY = "off"
    UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    estate = EstateFactory(code="cuihu", name="翠湖花园")
    unit = UnitFactory(building=BuildingFactory(estate=estate, number="3"), number="3-1-1203")
    give_unit(make_owner(name="李娜", phone="13800001111", preferred_channel="sms"), unit)
    return unit


def _register(desk, *, name, phone, username, language):
    desk.goto(desk.base_url + "/gate/residents/?unit=3-1-1203")
    desk.fill("#tenant-form input[name=name]", name)
    desk.fill("#tenant-form input[name=phone]", phone)
    desk.fill("#tenant-form input[name=lease_ends_on]",
              (timezone.localdate() + timedelta(days=300)).isoformat())
    desk.select_option("#tenant-form select[name=language]", language)
    desk.fill("#tenant-form input[name=username]", username)
    desk.click("#tenant-form button[type=submit]")
    desk.wait_for_load_state("networkidle")


def _code(username: str) -> str:
    note = Notification.objects.get(recipient__username=username, kind="gate.tenant_activation")
    return note.params["code"]


@pytest.mark.parametrize("locale,language,shot", [("zh-CN", "zh-hans", "zh"), ("en-US", "en", "en")])
def test_the_desk_registers_a_tenant_who_activates_on_a_phone_and_loses_access_when_ended(
        page_for, screenshot, unit, locale, language, shot):
    username = f"tenant-{shot}"
    desk = page_for(locale=locale)
    log_in(desk, "desk", PASSWORD)
    _register(desk, name="赵敏", phone="13766668888", username=username, language=language)
    row = desk.locator("#tenants [data-tenant]").filter(has_text="赵敏")
    expect(row).to_contain_text("137****8888")
    expect(row.locator(".badge")).to_have_text("待激活" if shot == "zh" else "waiting for activation")
    screenshot(desk, f"gate-tenants-desk-{shot}")

    # the tenant, on a phone, sets a password with the SMS's code and signs in
    phone = page_for(locale=locale, width=390, height=844)
    phone.goto(phone.base_url + "/gate/activate/")
    phone.fill("input[name=username]", username)
    phone.fill("input[name=code]", _code(username))
    phone.fill("input[name=password]", TENANT_PASSWORD)
    phone.fill("input[name=password_again]", TENANT_PASSWORD)
    screenshot(phone, f"gate-tenant-activate-{shot}")
    phone.click("#activate-form button[type=submit]")
    phone.wait_for_load_state("networkidle")
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))
    log_in(phone, username, TENANT_PASSWORD)
    expect(phone).to_have_url(re.compile(r"/gate/portal/passes/$"))
    expect(phone.locator("#pass-form")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, f"gate-tenant-portal-{shot}")
    phone.goto(phone.base_url + "/gate/portal/cards/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, f"gate-tenant-cards-{shot}")

    # the lease is over: the desk ends the login, and the tenant's next page asks to sign in
    desk.reload()
    row = desk.locator("#tenants [data-tenant]").filter(has_text="赵敏")
    row.locator("button.btn-outline-danger").click()
    desk.wait_for_load_state("networkidle")
    assert ResidentLogin.objects.get(user__username=username).status == "ended"
    screenshot(desk, f"gate-tenants-desk-ended-{shot}")
    phone.goto(phone.base_url + "/gate/portal/passes/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))
