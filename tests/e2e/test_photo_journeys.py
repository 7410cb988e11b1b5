"""Photos on repairs (issue 18), counted as their users count steps (tests/e2e/steps.py).

The owner reports a repair on her phone (390 px) with a photo in the same form; the desk
dispatches it; the worker, on his phone, takes it, arrives, adds a before photo, and
completes with an after photo in the completion's own form; the customer signs. The
desk sees every photo on the order, the owner her own and, once the work is done, the
worker's; another owner gets a 404 for each file."""

import re
import time

import pytest
from playwright.sync_api import expect

from repairs.models import Status, Worker, WorkOrder
from tests.e2e.conftest import log_in
from tests.e2e.steps import Journey
from tests.e2e.test_work_order_journey import sign_on_pad
from tests.factories import PASSWORD, EstateFactory, UnitFactory, UserFactory, give_unit, make_owner
from tests.uploads import jpeg_with_gps

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def estate(transactional_db):
    estate = EstateFactory(name="翠湖花园", code="chh")
    UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    engineer = UserFactory(username="jianjun", role="engineering", first_name="建军", last_name="李")
    worker = Worker.objects.create(user=engineer, estate=estate, trades=["plumbing"])
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203", building__estate=estate)
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina", last_name="李娜")
    owner.save(update_fields=["user"])
    other = make_owner(name="王强", phone="13800000001")
    give_unit(other, UnitFactory(number="5-2-0801", building=unit.building))
    other.user = UserFactory(username="wang")
    other.save(update_fields=["user"])
    return {"estate": estate, "worker": worker, "unit": unit}


def _report_repair(page_for, screenshot, journey, unit):
    owner = page_for(locale="zh-CN", **PHONE)
    owner.role = "owner"
    journey.arrive(owner, "/portal/", "lina")
    journey.follow(owner, owner.locator("main a#tile-repair"))
    form = owner.locator("main form[method=post]")
    form.locator("select[name=unit]").select_option(str(unit.pk))
    form.locator("label", has_text="水").first.click()
    form.locator("textarea[name=description]").fill("卫生间水龙头一直滴水，照片见附件")
    form.locator("input[name=photos]").set_input_files(files=[
        {"name": "滴水.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(size=(640, 480))}])
    screenshot(owner, "photos-portal-repair-form-zh")
    journey.submit(owner, form.locator("button[type=submit]"))
    order = WorkOrder.objects.get()
    expect(owner).to_have_url(re.compile(rf"/work-orders/portal/{order.pk}/$"))
    return owner, order


def test_owner_reports_a_repair_with_a_photo_on_her_phone(page_for, screenshot, figure, estate):
    started = time.perf_counter()
    journey = Journey("owner reports a repair with a photo")
    owner, order = _report_repair(page_for, screenshot, journey, estate["unit"])
    assert order.status == Status.REGISTERED
    photo = order.photos.get()
    assert photo.stage == "request"
    img = owner.locator(f"#photos img[src='/work-orders/{order.pk}/photos/{photo.pk}/']")
    expect(img).to_be_visible()
    assert img.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(owner, "photos-portal-repair-detail-zh")
    # no horizontal overflow at 390 px
    assert owner.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    figure(journey.figure(time.perf_counter() - started))
    print(journey.figure(time.perf_counter() - started))
    # On main before photos: the same 4 steps (log in, the repair tile, send), without a photo;
    # the photo goes in the same form, so it costs no step.
    assert journey.steps == 4 and journey.steps_of("owner") == 4


def test_worker_completes_on_a_phone_with_an_after_photo(page_for, figure, estate, browser, live_server):
    from django.utils import timezone

    from repairs import services

    worker, unit = estate["worker"], estate["unit"]
    now = timezone.now()
    order = services.work_order_register(
        unit=unit, kind="minor_repair", trade="plumbing", description="卫生间水龙头一直滴水",
        source="phone", requester_name="李娜", now=now)
    services.work_order_judge(order=order, accept=True, now=now)
    services.work_order_dispatch(order=order, worker=worker, now=now)

    started = time.perf_counter()
    journey = Journey("worker completes on a phone")
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    phone = context.new_page()
    phone.base_url, phone.role = live_server.url, "engineering"
    journey.arrive(phone, "/work-orders/my/", "jianjun")
    card = phone.locator(f"article[aria-labelledby='order-{order.pk}-title']")
    journey.submit(phone, card.locator("form[action$='/take/'] button"))
    expect(phone).to_have_url(re.compile(rf"/work-orders/my/{order.pk}/$"))
    step = phone.locator("button[form=step-form]")
    expect(step).to_have_attribute("data-step", "arrive")
    journey.submit(phone, step)
    expect(step).to_have_attribute("data-step", "complete")
    phone.locator("#step-form input[name=photos]").set_input_files(files=[
        {"name": "修好了.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(size=(480, 640))}])
    phone.locator("#step-form textarea[name=note]").fill("已更换阀芯")
    journey.submit(phone, step)
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    expect(step).to_have_attribute("data-step", "accept")
    verdict = phone.locator("form[data-verdict]")
    verdict.locator("label[for=satisfied-yes]").click()
    verdict.locator("label[for=rating-5]").click()
    sign_on_pad(phone)
    journey.submit(phone, step)
    order.refresh_from_db()
    assert order.status == Status.SIGNED_OFF
    assert list(order.photos.values_list("stage", flat=True)) == ["after"]
    figure(journey.figure(time.perf_counter() - started))
    print(journey.figure(time.perf_counter() - started))
    # On main before photos: the same 6 steps without a photo; the after photo goes with the
    # completion's own submit.
    assert journey.steps == 6 and journey.steps_of("engineering") == 6
    context.close()


def _photos_loaded(page, count: int) -> None:
    """Every thumbnail of #photos shown (they load lazily: each is brought into view)."""
    images = page.locator("#photos img")
    expect(images).to_have_count(count)
    for img in images.all():
        img.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    page.evaluate("window.scrollTo(0, 0)")


def _photo(name, size=(480, 640), colour=None):
    import io

    from PIL import Image

    if colour is None:
        return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_with_gps(size=size)}
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_the_photos_on_the_portal_form_the_workers_phone_and_the_desks_order(
        page_for, screenshot, estate, browser, live_server, lang, locale):
    from django.utils import timezone

    from owners.models import Owner
    from repairs import services

    worker, unit = estate["worker"], estate["unit"]
    Owner.objects.filter(user__username="lina").update(language="zh-hans" if lang == "zh" else "en")

    # the owner's form with a photo chosen, on her phone
    owner = page_for(locale=locale, **PHONE)
    log_in(owner, "lina", PASSWORD)
    owner.goto(owner.base_url + "/work-orders/portal/new/")
    form = owner.locator("main form[method=post]")
    form.locator("select[name=unit]").select_option(str(unit.pk))
    form.locator("input[name=trade][value=plumbing]").check()
    form.locator("textarea[name=description]").fill("卫生间水龙头一直滴水" if lang == "zh" else "The bathroom tap drips")
    form.locator("input[name=photos]").set_input_files(files=[_photo("tap.jpg", colour=(40, 110, 190))])
    screenshot(owner, f"photos-portal-repair-form-{lang}")
    form.locator("button[type=submit]").click()
    owner.wait_for_load_state("load")
    order = WorkOrder.objects.get()
    now = timezone.now()
    services.work_order_judge(order=order, accept=True, now=now)
    services.work_order_dispatch(order=order, worker=worker, now=now)
    services.work_order_take(order=order, worker=worker, now=now)
    services.work_order_arrive(order=order, worker=worker, now=now)

    # the worker adds a before photo on his phone, then completes with an after photo
    context = browser.new_context(locale=locale, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    phone = context.new_page()
    phone.base_url = live_server.url
    log_in(phone, "jianjun", PASSWORD)
    phone.goto(phone.base_url + f"/work-orders/my/{order.pk}/")
    photos = phone.locator("#photo-form")
    expect(photos.locator("#photo-stage-before")).to_be_checked()
    photos.locator("input[name=photos]").set_input_files(files=[_photo("before.jpg", colour=(150, 90, 40))])
    photos.locator("button[type=submit]").click()
    phone.wait_for_load_state("load")
    expect(phone.locator("#photos [data-photo-stage=before] img")).to_have_count(1)
    phone.locator("#step-form input[name=photos]").set_input_files(files=[_photo("after.jpg", colour=(60, 170, 90))])
    phone.locator("button[form=step-form]").click()
    phone.wait_for_load_state("load")
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    stages = list(order.photos.values_list("stage", flat=True))
    assert stages == ["request", "before", "after"]
    _photos_loaded(phone, 3)
    screenshot(phone, f"photos-worker-order-{lang}")
    context.close()

    # the desk sees all three on the order
    UserFactory(username=f"desk-{lang}", role="front_desk", first_name="丽华", last_name="陈")
    desk = page_for(locale=locale)
    log_in(desk, f"desk-{lang}", PASSWORD)
    desk.goto(desk.base_url + f"/work-orders/{order.pk}/")
    _photos_loaded(desk, 3)
    screenshot(desk, f"photos-desk-order-{lang}")

    # the owner sees the worker's photos now that the work is done; another owner gets a 404
    owner.reload()
    _photos_loaded(owner, 3)
    screenshot(owner, f"photos-portal-repair-done-{lang}")
    other = page_for(locale=locale)
    log_in(other, "wang", PASSWORD)
    for photo in order.photos.all():
        response = other.request.get(other.base_url + f"/work-orders/{order.pk}/photos/{photo.pk}/", max_redirects=0)
        assert response.status == 404
