"""The Content-Security-Policy in the browser: pages that used to carry inline scripts
and handler attributes work under a policy that allows scripts only from our static
files, and Chromium reports nothing blocked (``pages()`` in conftest fails any journey
whose console says the policy blocked something; this test walks the pages that had
inline scripts, the signature pads, the reveal and the API docs)."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints import services as complaints
from repairs import services as repairs
from repairs.models import PriceItem, Worker
from tests.e2e.conftest import log_in
from tests.e2e.test_work_order_journey import sign_on_pad
from tests.factories import PASSWORD, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e


@pytest.fixture
def estate(transactional_db):
    now = timezone.now()
    cuihu, lanting = EstateFactory(name="翠湖花园", code="chh"), EstateFactory(name="兰亭苑", code="lty")
    for estate in (cuihu, lanting):
        PriceItem.objects.create(estate=estate, name=f"疏通下水道（{estate.name}）", trade="plumbing",
                                 price=Decimal("80.00"), unit_label="次")
    desk = UserFactory(username="desk", role="front_desk")
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    worker = Worker.objects.create(user=UserFactory(username="jianjun", role="engineering"), estate=cuihu,
                                   trades=["plumbing"])
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203", building__estate=cuihu)
    give_unit(owner, unit)
    give_unit(owner, UnitFactory(number="5-2-0801", building__estate=lanting))
    owner.user = UserFactory(username="lina", last_name="李娜")
    owner.save(update_fields=["user"])

    # A work order the worker has finished: his page shows the customer's signature pad.
    order = repairs.work_order_register(unit=unit, owner=owner, kind="minor_repair", trade="plumbing",
                                        description="厨房水龙头漏水", source="phone", actor=desk, now=now)
    repairs.work_order_judge(order=order, accept=True, actor=desk, now=now)
    repairs.work_order_dispatch(order=order, worker=worker, actor=desk, now=now)
    repairs.work_order_take(order=order, worker=worker, now=now)
    repairs.work_order_arrive(order=order, worker=worker, now=now)
    repairs.work_order_complete(order=order, worker=worker, now=now)

    # A resolved complaint: its callback page has the face-to-face signature pad.
    complaint = complaints.complaint_register(unit=unit, owner=owner, channel="phone", category="repair",
                                              description="卫生间天花板渗水", actor=desk, now=now)
    complaints.complaint_assign(complaint=complaint, department="engineering", actor=desk, now=now)
    complaints.complaint_start(complaint=complaint, actor=desk, now=now)
    complaints.complaint_resolve(complaint=complaint, resolution="更换防水层", actor=desk, now=now)
    return {"owner": owner, "order": order, "callback": complaint.callbacks.get()}


def test_pages_that_had_inline_scripts_work_and_the_browser_blocks_nothing(page_for, estate):
    # given: the policy is on every page, and the listener hears what it blocks
    desk = page_for(locale="en-US")
    response = desk.goto(desk.base_url + "/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    desk.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.pwned=1\">')")
    desk.wait_for_timeout(200)
    assert desk.evaluate("window.pwned") is None
    assert any("Content Security Policy" in line for line in desk.csp_violations)
    desk.csp_violations.clear()

    # when: the desk takes a complaint (the room lookup), reveals a number, registers a
    # work order, performs a callback face to face and prints the order
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + "/complaints/new/")
    desk.locator("select[name=estate]").select_option(label="翠湖花园")
    desk.locator("input[name=unit_number]").fill("3-1-12")
    desk.locator("#unit-suggestions .dropdown-item").first.click()
    expect(desk.locator("#owner-panel")).to_contain_text("李娜")

    desk.goto(desk.base_url + f"/owners/{estate['owner'].pk}/")
    desk.get_by_role("button", name="Show full phone numbers").click()
    expect(desk.locator(".pii-revealed").first).to_contain_text("13912345678")
    expect(desk.locator("#reason-col")).to_be_visible()
    desk.locator("input[name=mode][value=co_owner]").check()
    expect(desk.locator("#reason-col")).to_be_hidden()  # a co-owner needs no reason

    desk.goto(desk.base_url + "/work-orders/new/")
    desk.locator("select[name=kind]").select_option("special_service")
    expect(desk.locator("#price-table")).to_have_attribute("open", "")

    desk.goto(desk.base_url + f"/callbacks/{estate['callback'].pk}/")
    desk.locator("#perform-form label[for=method-face_to_face]").click()
    sign_on_pad(desk)

    desk.goto(desk.base_url + f"/work-orders/{estate['order'].pk}/print/")
    desk.evaluate("window.print = () => { window.printed = true; }")
    desk.locator("[data-print]").click()
    assert desk.evaluate("window.printed") is True

    # the worker gets the customer's signature on his phone
    worker = page_for(locale="zh-CN", width=390, height=844)
    log_in(worker, "jianjun", PASSWORD)
    worker.goto(worker.base_url + f"/work-orders/my/{estate['order'].pk}/")
    sign_on_pad(worker)

    # the owner books a service from the price list of the unit's estate
    owner = page_for(locale="en-US")
    log_in(owner, "lina", PASSWORD)
    owner.goto(owner.base_url + "/work-orders/portal/new/?kind=service")
    shown = owner.locator("#price-items [data-estate]:visible")
    expect(shown).to_have_count(1)

    # the API docs (Swagger UI, served from the sidecar) and the admin
    admin = page_for(locale="en-US")
    log_in(admin, "admin", PASSWORD)
    admin.goto(admin.base_url + "/api/v1/docs/")
    expect(admin.locator(".swagger-ui .info .title")).to_contain_text("PropertyDesk API")
    expect(admin.locator(".opblock").first).to_be_visible()
    admin.goto(admin.base_url + "/admin/")
    expect(admin.locator("#content")).to_be_visible()

    # then: nothing was blocked on any of these pages
    assert desk.csp_violations == []
