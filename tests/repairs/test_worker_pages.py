"""The worker's phone pages: his orders, taking, the steps on site, the customer's
verdict with the signature pad, and payment."""

import base64
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageDraw

from fees.models import Receipt
from propertydesk.models import Notification
from repairs import services
from repairs.models import Acceptance, DamageIncident, DispatchMode, DispatchRule, MaterialDraw, Status, WorkOrder
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def log_in(client, worker, *, through_the_form=False):
    """As the worker, his phone in English: through the login page (django-axes wants the
    request) where the test is about logging in, else straight in."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if not through_the_form:
        client.force_login(worker.user)
        return
    response = client.post(reverse("login"), {"username": worker.user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def new_order(shop, *, description="厨房水龙头漏水", **kwargs):
    fields = dict(unit=shop["unit"], owner=shop["owner"], kind="minor_repair", trade="plumbing",
                  description=description, source="phone", actor=shop["desk"], now=timezone.now())
    fields.update(kwargs)
    order = services.work_order_register(**fields)
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=timezone.now())
    return order


def dispatched_to(shop, worker, **kwargs):
    order = new_order(shop, **kwargs)
    return services.work_order_dispatch(order=order, worker=worker, actor=shop["desk"], now=timezone.now())


def in_the_pool(shop, **kwargs):
    DispatchRule.objects.get_or_create(estate=shop["unit"].estate, kind=kwargs.get("kind", "minor_repair"),
                                       defaults={"mode": DispatchMode.POOL})
    order = new_order(shop, **kwargs)
    return services.work_order_dispatch(order=order, actor=shop["desk"], now=timezone.now())


def on_site(shop, worker, **kwargs):
    order = dispatched_to(shop, worker, **kwargs)
    services.work_order_take(order=order, worker=worker, now=timezone.now())
    return services.work_order_arrive(order=order, worker=worker, now=timezone.now())


def completed(shop, worker, **kwargs):
    order = on_site(shop, worker, **kwargs)
    if order.is_paid:
        services.work_order_confirm_price(order=order, worker=worker, price=Decimal("80"), now=timezone.now())
    return services.work_order_complete(order=order, worker=worker, now=timezone.now())


def step(client, order, name, data=None, follow=False):
    return client.post(reverse("repairs:my_action", args=[order.pk, name]), data or {}, follow=follow)


def png_data_url(ink: bool) -> str:
    image = Image.new("RGB", (600, 240), "white")
    if ink:
        pen = ImageDraw.Draw(image)
        pen.line([(40, 180), (140, 60), (220, 170), (330, 70), (520, 160)], fill="black", width=6)
        pen.line([(60, 200), (500, 205)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_someone_who_is_not_a_worker_gets_403(client, shop):
    order = dispatched_to(shop, shop["plumber"])
    client.force_login(shop["desk"])
    assert client.get(reverse("repairs:my_orders")).status_code == 403
    assert client.get(reverse("repairs:my_order", args=[order.pk])).status_code == 403
    assert step(client, order, "take").status_code == 403
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


@pytest.mark.real_password_hashing  # logs in through the login form, as on the phone
def test_my_orders_shows_my_dispatched_orders_and_the_pool_of_my_trades_only(client, shop):
    # given
    mine = dispatched_to(shop, shop["plumber"], description="厨房水龙头漏水")
    theirs = dispatched_to(shop, shop["plumber2"], description="阳台地漏堵塞")
    pool_plumbing = in_the_pool(shop, kind="routine", description="公共水管巡检")
    pool_electrical = in_the_pool(shop, kind="routine", trade="electrical", description="楼道灯不亮")
    # when
    log_in(client, shop["plumber"], through_the_form=True)
    page = client.get(reverse("repairs:my_orders")).content.decode()
    # then
    assert mine.number in page and pool_plumbing.number in page
    assert theirs.number not in page and pool_electrical.number not in page
    assert page.count(">Take<") == 2
    # another worker's order is not even there to look at
    assert client.get(reverse("repairs:my_order", args=[theirs.pk])).status_code == 404


def test_taking_from_the_pool_puts_the_order_in_my_hands(client, shop):
    order = in_the_pool(shop, kind="routine")
    log_in(client, shop["plumber"])
    response = step(client, order, "take", follow=True)
    assert response.redirect_chain[-1][0] == reverse("repairs:my_order", args=[order.pk])
    assert f"You have taken work order {order.number}." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.TAKEN and order.worker == shop["plumber"] and order.taken_at is not None
    listing = client.get(reverse("repairs:my_orders"))
    assert order in listing.context["in_hand"] and listing.context["to_take"] == []


def test_another_workers_order_cannot_be_taken(client, shop):
    order = dispatched_to(shop, shop["plumber2"])
    log_in(client, shop["plumber"])
    response = step(client, order, "take", follow=True)
    assert response.redirect_chain[-1][0] == reverse("repairs:my_orders")
    assert "This order was given to another worker." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED and order.worker == shop["plumber2"] and order.taken_at is None


def test_arriving_records_the_time_and_the_next_step_is_the_work(client, shop):
    order = dispatched_to(shop, shop["plumber"])
    services.work_order_take(order=order, worker=shop["plumber"], now=timezone.now())
    log_in(client, shop["plumber"])
    response = step(client, order, "arrive", follow=True)
    order.refresh_from_db()
    assert order.status == Status.ON_SITE and order.arrived_at is not None
    assert response.context["step"] == "complete"
    assert "Arrival recorded at" in response.content.decode()


def test_a_paid_service_needs_the_agreed_price_before_it_is_completed(client, shop):
    # given a paid service, on site, no price agreed yet
    order = on_site(shop, shop["plumber"], kind="special_service", price_item=shop["unblock"])
    log_in(client, shop["plumber"])
    page = client.get(reverse("repairs:my_order", args=[order.pk]))
    assert page.context["step"] == "price"
    assert page.context["forms"]["price"].initial["price"] == Decimal("80.00")
    assert "疏通下水道" in page.content.decode() and "¥80.00 per 次" in page.content.decode()
    # when he completes anyway
    response = step(client, order, "complete", {"note": ""}, follow=True)
    # then
    assert "Agree the price with the customer before the work." in response.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).status == Status.ON_SITE
    # and once the price is agreed, it completes
    step(client, order, "price", {"price": "120"})
    step(client, order, "complete", {"note": "已疏通"})
    order.refresh_from_db()
    assert order.agreed_price == Decimal("120.00") and order.status == Status.COMPLETED


def test_a_bad_price_is_shown_on_the_price_field(client, shop):
    order = on_site(shop, shop["plumber"], kind="special_service", price_item=shop["unblock"])
    log_in(client, shop["plumber"])
    response = step(client, order, "price", {"price": "eighty"})
    assert response.status_code == 400 and "price" in response.context["forms"]["price"].errors
    assert WorkOrder.objects.get(pk=order.pk).price_confirmed_at is None


def test_drawing_a_material_and_returning_a_tool(client, shop):
    order = on_site(shop, shop["plumber"])
    log_in(client, shop["plumber"])
    step(client, order, "draw", {"kind": "material", "name": "生料带", "quantity": "2", "unit_label": "卷"})
    step(client, order, "draw", {"kind": "tool", "name": "管钳", "quantity": "1"})
    assert MaterialDraw.objects.filter(work_order=order).count() == 2
    tool = MaterialDraw.objects.get(work_order=order, kind="tool")
    page = step(client, order, "return", {"draw": tool.pk}, follow=True).content.decode()
    tool.refresh_from_db()
    assert tool.returned_at is not None and "生料带 × 2卷" in page
    bad = step(client, order, "draw", {"kind": "material", "name": "", "quantity": "0"})
    assert bad.status_code == 400 and {"name", "quantity"} <= set(bad.context["forms"]["draw"].errors)
    assert MaterialDraw.objects.filter(work_order=order).count() == 2


def test_reporting_damage_tells_the_supervisors(client, shop):
    order = on_site(shop, shop["plumber"])
    log_in(client, shop["plumber"])
    response = step(client, order, "damage", {"description": "搬动时划伤了木地板"}, follow=True)
    assert "the supervisor has been told" in response.content.decode()
    assert DamageIncident.objects.get(work_order=order).description == "搬动时划伤了木地板"
    told = Notification.objects.get(recipient=shop["boss"], kind="workorder.damage")
    assert told.render("en") == (f"Work order {order.number}: customer's property damaged",
                                 f"{order.unit.number}: 搬动时划伤了木地板")
    empty = step(client, order, "damage", {"description": " "})
    assert empty.status_code == 400 and "description" in empty.context["forms"]["damage"].errors


def test_acceptance_with_a_signature_drawn_on_the_pad_signs_the_order_off(client, shop):
    order = completed(shop, shop["plumber"])
    log_in(client, shop["plumber"])
    page = client.get(reverse("repairs:my_order", args=[order.pk])).content.decode()
    assert "<canvas" in page and 'name="signature"' in page
    response = step(client, order, "accept", {
        "satisfied": "yes", "rating": "5", "comment": "师傅很细心", "signer_name": "李娜",
        "signature": png_data_url(ink=True),
    }, follow=True)
    assert "Signed off by the customer." in response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.SIGNED_OFF
    acceptance = Acceptance.objects.get(work_order=order)
    assert acceptance.signed_on == "pad" and acceptance.rating == 5 and acceptance.signer_name == "李娜"
    assert bytes(acceptance.signature_png).startswith(b"\x89PNG")
    listing = client.get(reverse("repairs:my_orders"))
    assert [o.pk for o in listing.context["done_today"]] == [order.pk]


def test_a_blank_signature_is_refused_on_the_signature_field(client, shop):
    order = completed(shop, shop["plumber"])
    log_in(client, shop["plumber"])
    response = step(client, order, "accept", {"satisfied": "yes", "rating": "4", "signature": png_data_url(ink=False)})
    assert response.status_code == 400
    assert "The signature box is empty." in response.context["forms"]["accept"].errors["signature"][0]
    assert "The signature box is empty." in response.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).status == Status.COMPLETED
    assert not Acceptance.objects.exists()


def test_an_unsatisfied_customer_must_say_why_and_the_order_goes_back_for_rework(client, shop):
    order = completed(shop, shop["plumber"])
    log_in(client, shop["plumber"])
    refused = step(client, order, "accept", {"satisfied": "no", "rating": "2", "comment": ""})
    assert refused.status_code == 400 and "comment" in refused.context["forms"]["accept"].errors
    assert not Acceptance.objects.exists()
    step(client, order, "accept", {"satisfied": "no", "rating": "2", "comment": "还在滴水"})
    order.refresh_from_db()
    assert order.status == Status.REWORK
    acceptance = Acceptance.objects.get(work_order=order)
    assert acceptance.signed_on == "none" and not acceptance.satisfied

    # then: the rework page tells the worker what the customer said
    page = client.get(reverse("repairs:my_order", args=[order.pk]))
    assert page.status_code == 200 and "还在滴水" in page.content.decode()


def test_cash_payment_shows_the_receipt_number(client, shop):
    order = completed(shop, shop["plumber"], kind="special_service", price_item=shop["unblock"])
    log_in(client, shop["plumber"])
    assert client.get(reverse("repairs:my_order", args=[order.pk])).context["payment_due"]
    response = step(client, order, "pay", {"method": "cash"}, follow=True)
    receipt = Receipt.objects.get(source=f"workorder:{order.pk}")
    assert receipt.amount == Decimal("80.00") and receipt.method == "cash"
    page = response.content.decode()
    assert f"Write receipt number {receipt.number} on the paper form." in page
    assert f'data-receipt-number>{receipt.number}<' in page
    again = step(client, order, "pay", {"method": "cash"}, follow=True)
    assert "This order has been charged already." in again.content.decode()
    assert Receipt.objects.count() == 1


def test_a_step_on_another_workers_order_changes_nothing(client, shop):
    order = on_site(shop, shop["plumber2"])
    log_in(client, shop["plumber"])
    response = step(client, order, "complete", {"note": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("repairs:my_orders")
    assert "This is not your work order." in response.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).status == Status.ON_SITE


def test_the_worker_moves_a_visit_he_cannot_make_and_the_customer_is_told(client, shop):
    # given: a visit agreed for 10:00 that the plumber could not make
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    sh = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(dt.datetime(2026, 11, 18, 8, 0, tzinfo=sh), tick=False):
        order = dispatched_to(shop, shop["plumber"], appointment_at=dt.datetime(2026, 11, 18, 10, 0, tzinfo=sh))
    log_in(client, shop["plumber"])
    with time_machine.travel(dt.datetime(2026, 11, 18, 10, 30, tzinfo=sh), tick=False):
        page = client.get(reverse("repairs:my_order", args=[order.pk])).content.decode()
        assert '<details class="card pd-w-more mb-3" id="reschedule" open>' in page   # late: offered at once

        # when: he says why and picks the next morning
        missing = step(client, order, "reschedule", {"appointment_at": "2026-11-19T09:00", "reason": " "})
        past = step(client, order, "reschedule", {"appointment_at": "2026-11-18T09:00", "reason": "堵车"})
        done = step(client, order, "reschedule", {"appointment_at": "2026-11-19T09:00",
                                                   "reason": "前一单超时，赶不过来"}, follow=True)

    # then: a wrong form names its field, and the visit moves with the reason kept
    assert missing.status_code == 400 and "reason" in missing.context["forms"]["reschedule"].errors
    assert past.status_code == 400 and "appointment_at" in past.context["forms"]["reschedule"].errors
    assert "The visit moves to 2026-11-19 09:00; the customer has been told." in done.content.decode()
    order.refresh_from_db()
    assert order.appointment_at == dt.datetime(2026, 11, 19, 9, 0, tzinfo=sh)
    event = order.events.order_by("pk").last()
    assert event.note == "前一单超时，赶不过来" and event.data["rescheduled_from"].startswith("2026-11-18T10:00")
    told = Notification.objects.get(owner=shop["owner"], kind="workorder.rescheduled")
    assert told.render("zh-hans") == (f"工单 {order.number}：上门时间改为 2026-11-19 09:00",
                                      f"{shop['plumber'].display_name} 无法按约定时间上门：前一单超时，赶不过来")
    assert told.deliveries.exists()   # through the outbox, by the owner's channel


def test_a_visit_made_or_someone_elses_cannot_be_moved(client, shop):
    order = on_site(shop, shop["plumber"])
    with pytest.raises(Exception) as refused:
        services.work_order_reschedule(order=order, worker=shop["plumber"], reason="改天",
                                       appointment_at=timezone.now() + timezone.timedelta(days=1), now=timezone.now())
    assert "Only a visit not made yet can be moved." in str(refused.value)
    other = dispatched_to(shop, shop["plumber2"])
    log_in(client, shop["plumber"])
    response = step(client, other, "reschedule", {"appointment_at": "2030-01-01T09:00", "reason": "改天"}, follow=True)
    assert "This is not your work order." in response.content.decode()
    assert not other.events.filter(data__has_key="rescheduled_to").exists()
