import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from complaints import services as complaints
from fees.models import Receipt
from repairs import services
from repairs.models import Acceptance, DamageIncident, PriceItem, Status, WorkOrder
from tests.factories import UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def register(shop, now=None, **kwargs):
    fields = dict(unit=shop["unit"], owner=shop["owner"], kind="minor_repair", trade="plumbing",
                  description="厨房水龙头漏水", source="phone", actor=shop["desk"], now=now or timezone.now())
    fields.update(kwargs)
    return services.work_order_register(**fields)


def accepted(shop, **kwargs):
    order = register(shop, **kwargs)
    return services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=timezone.now())


def completed(shop, **kwargs):
    """An order done by the plumber, with the price agreed for a paid service."""
    order = accepted(shop, **kwargs)
    now = timezone.now()
    plumber = shop["plumber"]
    services.work_order_dispatch(order=order, worker=plumber, actor=shop["desk"], now=now)
    services.work_order_take(order=order, worker=plumber, now=now)
    services.work_order_arrive(order=order, worker=plumber, now=now)
    if order.is_paid:
        services.work_order_confirm_price(order=order, worker=plumber, price=Decimal("80"), now=now)
    return services.work_order_complete(order=order, worker=plumber, now=now)


def post(client, order, name, data):
    return client.post(reverse("repairs:action", args=[order.pk, name]), data, HTTP_ACCEPT_LANGUAGE="en")


def page(client, order):
    return client.get(reverse("repairs:detail", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()


# ---- queue -------------------------------------------------------------------------


def test_queue_lists_open_orders_and_filters_by_trade_and_search(client, shop):
    # given
    leak = register(shop, description="漏水")
    lamp = register(shop, trade="electrical", description="灯不亮", requester_name="王五", owner=None)
    voided = register(shop)
    services.work_order_void(order=voided, reason="业主取消", actor=shop["desk"], now=timezone.now())
    client.force_login(shop["desk"])
    # when
    everything = client.get(reverse("repairs:queue")).content.decode()
    electrical = client.get(reverse("repairs:queue"), {"trade": "electrical"}).content.decode()
    by_name = client.get(reverse("repairs:queue"), {"q": "王五"}).content.decode()
    with_closed = client.get(reverse("repairs:queue"), {"status": "all"}).content.decode()
    # then
    assert leak.number in everything and lamp.number in everything and voided.number not in everything
    assert lamp.number in electrical and leak.number not in electrical
    assert lamp.number in by_name and leak.number not in by_name
    assert voided.number in with_closed


def test_queue_marks_an_order_late_for_dispatch_and_shows_the_kpi(client, shop):
    late = register(shop, now=timezone.now() - dt.timedelta(minutes=40))
    fresh = register(shop)
    client.force_login(shop["desk"])
    body = client.get(reverse("repairs:queue"), {"late": "on"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The sweep has not run, so "late" means dispatched late or alerted: neither yet.
    assert fresh.number not in body
    body = client.get(reverse("repairs:queue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "NOT DISPATCHED" in body and late.number in body
    assert "Dispatched within the deadline this month" in body


# ---- registration --------------------------------------------------------------------


def test_registering_with_bad_input_names_the_fields_and_saves_nothing(client, shop):
    client.force_login(shop["desk"])
    response = client.post(reverse("repairs:register"), {
        "estate": shop["unit"].estate_id, "unit_number": "9-9-999", "kind": "", "trade": "plumbing",
        "description": "", "source": "phone",
    })
    assert response.status_code == 400
    assert {"unit_number", "kind", "description"} <= set(response.context["form"].errors)
    assert WorkOrder.objects.count() == 0


def test_a_paid_service_without_a_price_item_is_refused_on_that_field(client, shop):
    client.force_login(shop["desk"])
    data = {"estate": shop["unit"].estate_id, "unit_number": "3-1-1203", "from_owner": "on",
            "kind": "special_service", "trade": "plumbing", "description": "疏通下水道", "source": "desk"}
    response = client.post(reverse("repairs:register"), data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["price_item"]
    assert WorkOrder.objects.count() == 0

    response = client.post(reverse("repairs:register"), {**data, "price_item": shop["unblock"].pk})
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("repairs:detail", args=[order.pk])
    assert order.owner == shop["owner"] and order.price_item == shop["unblock"] and order.source == "desk"


# ---- judging and dispatching ----------------------------------------------------------


def test_desk_judges_then_dispatches_outside_the_trade_only_with_a_reason(client, shop):
    order = register(shop)
    client.force_login(shop["desk"])
    assert post(client, order, "judge", {"decision": "accept"}).status_code == 302

    refused = post(client, order, "dispatch", {"worker": shop["electrician"].pk})
    assert refused.status_code == 400
    assert "worker" in refused.context["forms"]["dispatch"].errors
    assert WorkOrder.objects.get(pk=order.pk).status == Status.ACCEPTED

    post(client, order, "dispatch", {"worker": shop["electrician"].pk, "trade_override": "水工都在外面"})
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED and order.worker == shop["electrician"]
    assert "水工都在外面" in page(client, order)


def test_refusing_needs_the_explanation_for_the_customer(client, shop):
    order = register(shop)
    client.force_login(shop["desk"])
    response = post(client, order, "judge", {"decision": "refuse"})
    assert response.status_code == 400 and "explanation" in response.context["forms"]["judge"].errors
    post(client, order, "judge", {"decision": "refuse", "explanation": "属于开发商保修"})
    assert WorkOrder.objects.get(pk=order.pk).status == Status.REFUSED


def test_an_illegal_action_gives_a_message_not_a_server_error(client, shop):
    order = accepted(shop)
    services.work_order_void(order=order, reason="业主取消", actor=shop["desk"], now=timezone.now())
    client.force_login(shop["desk"])
    response = post(client, order, "dispatch", {"worker": shop["plumber"].pk})
    assert response.status_code == 302
    body = page(client, order)
    assert "cannot become" in body
    assert WorkOrder.objects.get(pk=order.pk).status == Status.VOIDED


def test_void_keeps_the_order_with_its_reason(client, shop):
    order = register(shop)
    client.force_login(shop["desk"])
    assert post(client, order, "void", {"reason": ""}).status_code == 400
    post(client, order, "void", {"reason": "业主电话取消"})
    order.refresh_from_db()
    assert order.status == Status.VOIDED and order.void_reason == "业主电话取消"
    assert "业主电话取消" in page(client, order)


@pytest.mark.parametrize("language, says", [("en", "Cancelled by the owner in the portal"),
                                             ("zh-hans", "业主已在业主服务平台取消")])
def test_an_owners_cancellation_without_a_reason_reads_in_the_desks_language(client, shop, language, says):
    # given: the owner cancelled from the portal (read in Chinese there) and gave no reason
    order = register(shop)
    with translation.override("zh-hans"):
        services.work_order_cancel_by_owner(order=order, owner=shop["owner"], reason="", now=timezone.now())

    # when
    client.force_login(shop["desk"])
    body = client.get(reverse("repairs:detail", args=[order.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    # then: the reason and the timeline say it in the desk's language
    assert body.count(says) == 2


def test_a_rectification_after_a_callback_says_so_in_the_timeline(client, shop):
    order = completed(shop)
    services.work_order_rectify(order=order, reason="水龙头又开始滴水", now=timezone.now())
    client.force_login(shop["desk"])
    body = page(client, order)
    assert "Sent back after a callback: the owner is unsatisfied" in body and "水龙头又开始滴水" in body


# ---- acceptance, damage, payment -----------------------------------------------------------


def test_desk_records_the_paper_acceptance(client, shop):
    order = completed(shop)
    client.force_login(shop["desk"])
    unsigned = post(client, order, "verdict", {"satisfied": "yes", "rating": "5"})
    assert unsigned.status_code == 400 and "signed_on_paper" in unsigned.context["forms"]["verdict"].errors

    post(client, order, "verdict", {"satisfied": "yes", "rating": "4", "comment": "师傅很专业",
                                    "signer_name": "李娜", "signed_on_paper": "on"})
    order.refresh_from_db()
    acceptance = Acceptance.objects.get(work_order=order)
    assert order.status == Status.SIGNED_OFF and acceptance.signed_on == "paper" and acceptance.rating == 4
    assert "师傅很专业" in page(client, order)


def test_supervisor_settles_damage_and_the_desk_cannot(client, shop):
    order = completed(shop)
    incident = services.damage_report(order=order, description="地板划伤", actor=shop["desk"], now=timezone.now())
    data = {"incident": incident.pk, "compensation": "200", "agreement": "赔偿200元，业主同意"}

    client.force_login(shop["desk"])
    assert "Record the compensation agreed" not in page(client, order)
    assert post(client, order, "damage_settle", data).status_code == 403

    client.force_login(shop["boss"])
    post(client, order, "damage_settle", data)
    incident.refresh_from_db()
    assert incident.status == "settled" and incident.compensation == Decimal("200.00")
    assert DamageIncident.objects.count() == 1


def test_cash_payment_shows_the_receipt_number(client, shop):
    order = completed(shop, kind="special_service", price_item=shop["unblock"])
    client.force_login(shop["desk"])
    response = client.post(reverse("repairs:action", args=[order.pk, "payment"]), {"method": "cash"},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    receipt = Receipt.objects.get(source=f"workorder:{order.pk}")
    body = response.content.decode()
    assert receipt.amount == Decimal("80.00")
    assert body.count(receipt.number) >= 2  # the message and the payment card
    again = post(client, order, "payment", {"method": "cash"})
    assert again.status_code == 302 and Receipt.objects.count() == 1


# ---- print, price list, complaint, access --------------------------------------------------


def test_print_page_has_both_copies_and_no_navigation(client, shop):
    order = accepted(shop)
    client.force_login(shop["desk"])
    body = client.get(reverse("repairs:print", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Desk copy" in body and "Worker copy" in body
    assert body.count(order.number) >= 2 and "139****5678" in body and "13912345678" not in body
    assert "navbar" not in body


def test_supervisor_edits_the_price_list_and_the_desk_cannot(client, shop):
    item = shop["unblock"]
    url = reverse("repairs:price_item_edit", args=[item.pk])
    data = {"name": "疏通下水道", "trade": "plumbing", "price": "95", "unit_label": "次", "active": "on"}

    client.force_login(shop["desk"])
    assert client.get(reverse("repairs:price_list")).status_code == 200
    assert client.post(url, data).status_code == 403

    client.force_login(shop["boss"])
    bad = client.post(url, {**data, "price": "-1"})
    assert bad.status_code == 400 and "price" in bad.context["form"].errors
    client.post(url, data)
    assert PriceItem.objects.get(pk=item.pk).price == Decimal("95.00")


def test_a_repair_complaint_becomes_a_work_order(client, shop):
    complaint = complaints.complaint_register(unit=shop["unit"], owner=shop["owner"], channel="phone",
                                              category="repair", description="卫生间漏水", now=timezone.now())
    client.force_login(shop["desk"])
    detail = client.get(reverse("complaints:detail", args=[complaint.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Turn into a work order" in detail.content.decode()

    response = client.post(reverse("repairs:from_complaint", args=[complaint.pk]),
                           {"kind": "minor_repair", "trade": "plumbing"})
    order = WorkOrder.objects.get()
    assert response["Location"] == reverse("repairs:detail", args=[order.pk])
    assert order.complaint == complaint and order.source == "complaint"


def test_a_noise_complaint_does_not_become_a_work_order(client, shop):
    complaint = complaints.complaint_register(unit=shop["unit"], owner=shop["owner"], channel="phone",
                                              category="noise", description="楼上噪音", now=timezone.now())
    client.force_login(shop["desk"])
    assert "Turn into a work order" not in client.get(
        reverse("complaints:detail", args=[complaint.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.post(reverse("repairs:from_complaint", args=[complaint.pk]),
                           {"kind": "minor_repair", "trade": "plumbing"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Only a repair complaint becomes a work order." in response.content.decode()
    assert WorkOrder.objects.count() == 0


def test_owners_get_403_and_engineering_reads_only_its_own_orders(client, shop):
    order = register(shop)
    shop["owner"].user = UserFactory(username="lina")
    shop["owner"].save(update_fields=["user"])
    client.force_login(shop["owner"].user)
    for url in (reverse("repairs:queue"), reverse("repairs:detail", args=[order.pk]),
                reverse("repairs:print", args=[order.pk]), reverse("repairs:register")):
        assert client.get(url).status_code == 403

    # not yet his: not even confirmed to exist
    client.force_login(shop["plumber"].user)
    assert client.get(reverse("repairs:detail", args=[order.pk])).status_code == 404
    services.work_order_judge(order=order, accept=True, actor=shop["desk"], now=timezone.now())
    services.work_order_dispatch(order=order, worker=shop["plumber"], actor=shop["desk"], now=timezone.now())
    assert client.get(reverse("repairs:detail", args=[order.pk])).status_code == 200
    assert client.get(reverse("repairs:register")).status_code == 403
    assert post(client, order, "judge", {"decision": "accept"}).status_code == 403
    client.force_login(shop["plumber2"].user)
    assert client.get(reverse("repairs:detail", args=[order.pk])).status_code == 404
    assert order.number not in client.get(reverse("repairs:queue") + "?status=all").content.decode()


def test_signature_image_is_served_to_staff_only(client, shop):
    order = completed(shop)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    services.work_order_customer_verdict(order=order, satisfied=True, rating=5, signature_png=png,
                                         actor=shop["plumber"].user, now=timezone.now())
    acceptance = Acceptance.objects.get()
    url = reverse("repairs:signature", args=[acceptance.pk])
    client.force_login(shop["desk"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png" and response.content == png
    assert client.get(reverse("repairs:signature", args=[acceptance.pk + 99])).status_code == 404
    client.force_login(UserFactory(username="nobody"))
    assert client.get(url).status_code == 403


def test_another_estate_is_not_mixed_into_the_price_list(client, shop):
    other = UnitFactory(number="1-1-101").estate
    PriceItem.objects.create(estate=other, name="换锁芯", trade="locksmith", price=Decimal("120"), unit_label="次")
    client.force_login(shop["desk"])
    body = client.get(reverse("repairs:price_list"), {"estate": shop["unit"].estate_id}).content.decode()
    assert "疏通下水道" in body and "换锁芯" not in body
