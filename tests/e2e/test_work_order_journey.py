import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from fees.models import Receipt
from repairs.models import (
    Acceptance,
    DispatchRule,
    Kind,
    PriceItem,
    Source,
    Status,
    Worker,
    WorkOrder,
)
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.factories import PASSWORD, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = {"width": 390, "height": 844}


def label(status: str, language: str) -> str:
    """A status as the page shows it in that language, whatever the catalogue says."""
    with translation.override(language):
        return str(Status(status).label)


@pytest.fixture
def estate(transactional_db):
    estate = EstateFactory(name="翠湖花园", code="chh")
    drains = PriceItem.objects.create(estate=estate, name="疏通下水道", trade="plumbing",
                                      price=Decimal("80.00"), unit_label="次")
    PriceItem.objects.create(estate=estate, name="清洗油烟机", trade="cleaning",
                             price=Decimal("120.00"), unit_label="台")
    DispatchRule.objects.create(estate=estate, kind=Kind.SPECIAL_SERVICE, mode="desk", minutes=15)
    UserFactory(username="desk", role="front_desk", first_name="Wei", last_name="Zhang")
    engineer = UserFactory(username="jianjun", role="engineering", first_name="建军", last_name="李")
    worker = Worker.objects.create(user=engineer, estate=estate, trades=["plumbing"])
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203", building__estate=estate)
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina", last_name="李娜")  # as owner_portal_login_create names it
    owner.save(update_fields=["user"])
    return {"estate": estate, "drains": drains, "worker": worker, "owner": owner, "unit": unit}


@pytest.fixture
def phone_page(browser, live_server):
    """A touch phone (390×844, mobile, touch) in Chinese, for the worker."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def sign_on_pad(page) -> None:
    """Draw a signature on the canvas with the mouse: two strokes, down-move-up."""
    canvas = page.locator("[data-signature-pad] canvas")
    # Bootstrap scrolls smoothly: jump instead, so the box measured is where the canvas stays.
    canvas.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    box = canvas.bounding_box()
    assert box == canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50, box
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    strokes = [
        [(0.15, 0.60), (0.25, 0.30), (0.35, 0.65), (0.45, 0.35), (0.55, 0.60)],
        [(0.60, 0.40), (0.70, 0.55), (0.80, 0.35), (0.88, 0.60)],
    ]
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(x0 + x * w, y0 + y * h)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(x0 + x * w, y0 + y * h, steps=6)
        page.mouse.up()
    expect(page.locator("[data-signature-pad]")).to_have_class(re.compile(r"\bpd-sig-inked\b"))
    expect(page.locator("input[name=signature]")).to_have_value(re.compile(r"^data:image/png;base64,"))


def test_owner_books_a_paid_service_desk_dispatches_worker_does_it_and_the_customer_signs(
        page_for, phone_page, screenshot, estate):
    worker, unit, drains = estate["worker"], estate["unit"], estate["drains"]
    started = timezone.now()
    tomorrow = timezone.localtime(started, SHANGHAI).date() + datetime.timedelta(days=1)

    # ---- the owner books a paid service on her phone, in Chinese -----------------------
    owner = page_for(locale="zh-CN", **PHONE)
    log_in(owner, "lina", PASSWORD)
    owner.locator(".navbar-toggler").click()
    owner.locator("a.nav-link[href$='/work-orders/portal/']").click()
    owner.wait_for_load_state("networkidle")
    expect(owner).to_have_url(re.compile(r"/work-orders/portal/$"))
    owner.locator("a[href$='/portal/new/?kind=service']").first.click()
    owner.wait_for_load_state("networkidle")

    booking = owner.locator("form[action*='/portal/new/']")
    expect(booking.locator("#price-items")).to_contain_text("清洗油烟机")
    booking.locator("select[name=unit]").select_option(str(unit.pk))
    booking.locator("#price-items label", has_text="疏通下水道").click()
    expect(booking.locator(f"input[name=price_item][value='{drains.pk}']")).to_be_checked()
    booking.locator("textarea[name=description]").fill("厨房下水道堵了，水下不去")
    booking.locator("input[name=appointment_at]").fill(f"{tomorrow:%Y-%m-%d}T10:00")
    booking.locator("input[name=appointment_at]").blur()
    screenshot(owner, "workorder-portal-book-phone")
    booking.locator("button[type=submit]").click()
    owner.wait_for_load_state("networkidle")

    order = WorkOrder.objects.get()
    expect(owner).to_have_url(re.compile(rf"/work-orders/portal/{order.pk}/$"))
    assert order.kind == Kind.SPECIAL_SERVICE
    assert order.source == Source.PORTAL
    assert order.price_item == drains and order.trade == "plumbing"
    assert order.owner == estate["owner"] and order.unit == unit
    assert order.status == Status.REGISTERED
    assert timezone.localtime(order.appointment_at, SHANGHAI).replace(tzinfo=None) == datetime.datetime.combine(
        tomorrow, datetime.time(10, 0))
    header = owner.locator(".page-header")
    expect(header).to_contain_text(order.number)
    expect(header).to_contain_text("疏通下水道")
    expect(header.locator(".badge")).to_have_text(label(Status.REGISTERED, "zh-hans"))
    expect(owner.locator("body")).to_contain_text(f"{tomorrow:%Y-%m-%d} 10:00")
    expect(owner.locator("body")).to_contain_text("¥80.00")
    screenshot(owner, "workorder-portal-detail-phone")

    # ---- the desk judges it and dispatches it to the plumber, in English ---------------
    desk = page_for(locale="en-US")
    log_in(desk, "desk", PASSWORD)
    desk.goto(desk.base_url + "/work-orders/")
    desk.get_by_role("link", name=order.number).click()
    desk.wait_for_load_state("networkidle")
    expect(desk).to_have_url(re.compile(rf"/work-orders/{order.pk}/$"))
    expect(desk.locator("body")).to_contain_text("疏通下水道")

    judge = desk.locator("#action-judge form")
    judge.locator("input[name=decision][value=accept]").check()
    judge.locator("button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == Status.ACCEPTED

    dispatch = desk.locator("#action-dispatch form")
    dispatch.locator("select[name=worker]").select_option(str(worker.pk))
    dispatch.locator("button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    expect(desk.locator(".page-header .badge").first).to_have_text(label(Status.DISPATCHED, "en"))
    expect(desk.locator("body")).to_contain_text("李建军")
    screenshot(desk, "workorder-desk-detail-en")

    order.refresh_from_db()
    assert order.status == Status.DISPATCHED and order.worker == worker
    assert order.dispatched_at is not None
    assert order.dispatched_at - order.registered_at < datetime.timedelta(minutes=15)
    assert order.dispatch_late_by is None

    # ---- the worker, on his phone, takes it and does the job ---------------------------
    phone = phone_page
    log_in(phone, "jianjun", PASSWORD)
    expect(phone).to_have_url(re.compile(r"/work-orders/my/$"))
    card = phone.locator(f"article[aria-labelledby='order-{order.pk}-title']")
    expect(card).to_contain_text("3-1-1203")
    expect(card).to_contain_text("疏通下水道")
    expect(card).to_contain_text(f"{tomorrow:%m-%d} 10:00")
    screenshot(phone, "workorder-worker-my-orders-phone")

    card.locator("form[action$='/take/'] button").click()
    phone.wait_for_load_state("networkidle")
    expect(phone).to_have_url(re.compile(rf"/work-orders/my/{order.pk}/$"))
    order.refresh_from_db()
    assert order.status == Status.TAKEN and order.taken_at is not None

    step = phone.locator("button[form=step-form]")
    expect(step).to_have_attribute("data-step", "arrive")
    step.click()
    phone.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == Status.ON_SITE and order.arrived_at is not None

    expect(step).to_have_attribute("data-step", "price")
    expect(phone.locator("#step-form input[name=price]")).to_have_value("80.00")
    step.click()
    phone.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.agreed_price == Decimal("80.00") and order.price_confirmed_at is not None

    expect(step).to_have_attribute("data-step", "complete")
    phone.locator("#step-form textarea[name=note]").fill("已疏通，管道内有油污")
    step.click()
    phone.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == Status.COMPLETED

    # ---- the customer tries it, rates it and signs on the worker's phone ---------------
    expect(step).to_have_attribute("data-step", "accept")
    verdict = phone.locator("form[data-verdict]")
    verdict.locator("label[for=satisfied-yes]").click()
    expect(verdict.locator("#satisfied-yes")).to_be_checked()
    verdict.locator("label[for=rating-5]").click()
    expect(verdict.locator("#rating-5")).to_be_checked()
    verdict.locator("textarea[name=comment]").fill("师傅很专业，速度快")
    sign_on_pad(phone)
    screenshot(phone, "workorder-worker-signature-phone")
    step.click()
    phone.wait_for_load_state("networkidle")

    order.refresh_from_db()
    assert order.status == Status.SIGNED_OFF and order.signed_off_at is not None
    acceptance = Acceptance.objects.get(work_order=order)
    assert acceptance.satisfied and acceptance.rating == 5
    assert acceptance.comment == "师傅很专业，速度快"
    assert acceptance.signed_on == "pad"
    assert bytes(acceptance.signature_png).startswith(b"\x89PNG\r\n\x1a\n")

    # ---- and pays the worker in cash ----------------------------------------------------
    phone.locator("button[form=pay-form][value=cash]").click()
    phone.wait_for_load_state("networkidle")
    year = timezone.localtime(timezone.now(), SHANGHAI).year
    receipt = Receipt.objects.get()
    assert receipt.number == f"CHH-SJ{year}-000001"
    assert receipt.amount == Decimal("80.00") and receipt.source == f"workorder:{order.pk}"
    expect(phone.locator("[data-receipt-number]")).to_have_text(receipt.number)
    order.refresh_from_db()
    assert order.payment_method == "cash"
    screenshot(phone, "workorder-worker-receipt-phone")

    # ---- the desk sees the signature and the receipt on the order ------------------------
    desk.goto(desk.base_url + f"/work-orders/{order.pk}/")
    expect(desk.locator(".page-header .badge").first).to_have_text(label(Status.SIGNED_OFF, "en"))
    expect(desk.locator("#receipt-number")).to_have_text(receipt.number)
    signature = desk.locator("#acceptances img[src$='/signature.png']")
    expect(signature).to_be_visible()
    assert signature.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(desk, "workorder-desk-signed-off-en")

    # ---- the desk prints the work order: one A4 sheet ------------------------------------
    desk.goto(desk.base_url + f"/work-orders/{order.pk}/print/")
    desk.wait_for_load_state("networkidle")
    expect(desk.locator(".wo-number").first).to_have_text(order.number)
    expect(desk.locator(".wo-copy")).to_have_count(2)
    screenshot(desk, "workorder-print")
    pdf = desk.pdf(format="A4", path=str(SCREENSHOTS / "workorder-print.pdf"))
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1

    # ---- the owner sees it signed off, with the worker's name ---------------------------
    owner.reload()
    owner.wait_for_load_state("networkidle")
    expect(owner.locator(".page-header .badge")).to_have_text(label(Status.SIGNED_OFF, "zh-hans"))
    expect(owner.locator("body")).to_contain_text("李建军")
    expect(owner.locator("body")).to_contain_text("师傅很专业，速度快")
    expect(owner.locator("body")).to_contain_text(receipt.number)
    screenshot(owner, "workorder-portal-signed-off-phone")
    assert timezone.now() - started < datetime.timedelta(minutes=5)
