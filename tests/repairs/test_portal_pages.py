"""The owner portal's repair and paid-service pages: what an owner sees and can do."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from repairs import services
from repairs.models import PriceItem, Status, WorkOrder
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner


@pytest.fixture
def portal(shop):
    """The shop's owner can log in; another owner has a unit of their own."""
    owner = shop["owner"]
    owner.user = UserFactory(username="lina")
    owner.language = "en"  # the portal is in the owner's language, whatever the browser asks
    owner.save(update_fields=["user", "language"])
    other = make_owner(name="王强", phone="13700001111")
    other_unit = UnitFactory(number="3-1-1204", building=shop["unit"].building, estate=shop["unit"].estate)
    give_unit(other, other_unit)
    worker = shop["plumber"].user
    worker.last_name, worker.first_name = "王", "建国"
    worker.save(update_fields=["last_name", "first_name"])
    return {**shop, "other": other, "other_unit": other_unit}


def register(unit, owner, **extra):
    fields = {"kind": "minor_repair", "trade": "plumbing", "description": "厨房水龙头漏水", "source": "portal"}
    return services.work_order_register(unit=unit, owner=owner, now=timezone.now(), **{**fields, **extra})


def dispatch(order, shop, worker="plumber", **extra):
    services.work_order_judge(order=order, accept=True, now=timezone.now(), actor=shop["desk"])
    return services.work_order_dispatch(order=order, worker=shop[worker], now=timezone.now(), actor=shop["desk"],
                                        **extra)


def in_future(hours=26):
    return timezone.localtime(timezone.now() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_list_shows_only_my_orders(client, portal):
    mine = register(portal["unit"], portal["owner"])
    theirs = register(portal["other_unit"], portal["other"], description="阳台门锁坏了")
    client.force_login(portal["owner"].user)

    page = client.get(reverse("repairs:portal_list")).content.decode()

    assert mine.number in page and "厨房水龙头漏水" in page
    assert theirs.number not in page and "阳台门锁坏了" not in page


def test_another_owners_order_is_not_found_on_detail_and_cancel(client, portal):
    theirs = register(portal["other_unit"], portal["other"])
    client.force_login(portal["owner"].user)

    assert client.get(reverse("repairs:portal_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("repairs:portal_cancel", args=[theirs.pk])).status_code == 404
    assert WorkOrder.objects.get(pk=theirs.pk).status == Status.REGISTERED


def test_booking_a_paid_service_from_the_price_list_creates_a_portal_special_service(client, portal):
    client.force_login(portal["owner"].user)
    item = portal["unblock"]

    form = client.get(reverse("repairs:portal_new"), {"kind": "service", "item": item.pk})
    assert form.status_code == 200 and form.context["form"]["price_item"].value() == item.pk
    response = client.post(reverse("repairs:portal_new") + "?kind=service", {
        "kind": "service", "unit": portal["unit"].pk, "price_item": item.pk, "description": "",
        "appointment_at": in_future(),
    }, follow=True)

    order = WorkOrder.objects.get()
    assert (order.kind, order.source, order.price_item, order.trade) == ("special_service", "portal", item, "plumbing")
    assert order.owner == portal["owner"] and order.appointment_at is not None
    assert response.redirect_chain[-1][0] == reverse("repairs:portal_detail", args=[order.pk])
    assert order.number in client.get(reverse("repairs:portal_list")).content.decode()


def test_a_repair_request_is_registered_as_a_minor_repair(client, portal):
    client.force_login(portal["owner"].user)

    response = client.post(reverse("repairs:portal_new"), {
        "kind": "repair", "unit": portal["unit"].pk, "trade": "electrical", "description": "客厅插座没电",
        "appointment_at": "",
    })

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert (order.kind, order.trade, order.source, order.price_item) == ("minor_repair", "electrical", "portal", None)


def test_booking_without_choosing_an_item_is_refused_on_the_field(client, portal):
    client.force_login(portal["owner"].user)

    response = client.post(reverse("repairs:portal_new"), {
        "kind": "service", "unit": portal["unit"].pk, "description": "请尽快", "appointment_at": in_future(),
    })

    assert response.status_code == 400
    assert "price_item" in response.context["form"].errors
    assert not WorkOrder.objects.exists()


def test_a_repair_with_an_appointment_in_the_past_is_refused_on_that_field(client, portal):
    client.force_login(portal["owner"].user)
    yesterday = in_future(hours=-24)

    with translation.override("en"):
        response = client.post(reverse("repairs:portal_new"), {
            "kind": "repair", "unit": portal["unit"].pk, "trade": "plumbing", "description": "漏水",
            "appointment_at": yesterday,
        }, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["form"].errors["appointment_at"] == ["The appointment cannot be in the past."]
    assert not WorkOrder.objects.exists()


def test_an_item_of_another_estates_price_list_is_refused(client, portal):
    # given: the owner also has a unit in a second estate, with its own price list
    far_unit = UnitFactory(number="8-2-801")
    give_unit(portal["owner"], far_unit)
    far_item = PriceItem.objects.create(estate=far_unit.estate, name="空调清洗", trade="appliances",
                                        price=Decimal("120.00"), unit_label="台")
    client.force_login(portal["owner"].user)

    # when: booking the second estate's service for the first estate's unit
    with translation.override("en"):
        response = client.post(reverse("repairs:portal_new"), {
            "kind": "service", "unit": portal["unit"].pk, "price_item": far_item.pk, "appointment_at": in_future(),
        }, HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 400
    assert response.context["form"].errors["price_item"] == ["This service is not on this estate's price list."]
    assert not WorkOrder.objects.exists()


def test_cancel_before_dispatch_voids_the_order_and_keeps_it(client, portal):
    order = register(portal["unit"], portal["owner"])
    client.force_login(portal["owner"].user)

    response = client.post(reverse("repairs:portal_cancel", args=[order.pk]), {"reason": "已自行修好"}, follow=True)

    order.refresh_from_db()
    assert (order.status, order.void_reason) == (Status.VOIDED, "已自行修好")
    assert response.status_code == 200 and "已自行修好" in response.content.decode()
    assert b'name="reason"' not in response.content


def test_cancel_after_dispatch_is_refused_with_a_message(client, portal):
    order = dispatch(register(portal["unit"], portal["owner"]), portal)
    client.force_login(portal["owner"].user)

    response = client.post(reverse("repairs:portal_cancel", args=[order.pk]), follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")

    messages = [str(m) for m in response.context["messages"]]
    assert any("call the service centre" in m for m in messages)
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED
    assert b'name="reason"' not in response.content


def test_detail_shows_the_workers_name_after_dispatch(client, portal):
    order = register(portal["unit"], portal["owner"])
    client.force_login(portal["owner"].user)
    url = reverse("repairs:portal_detail", args=[order.pk])
    assert "王建国" not in client.get(url).content.decode()

    dispatch(order, portal)

    assert "王建国" in client.get(url).content.decode()
    assert "王建国" in client.get(reverse("repairs:portal_list")).content.decode()


def test_history_shows_status_changes_but_not_internal_details(client, portal):
    order = dispatch(register(portal["unit"], portal["owner"]), portal, worker="electrician",
                     trade_override="水工今天休息")
    now = timezone.now()
    services.work_order_take(order=order, worker=portal["electrician"], now=now)
    services.work_order_arrive(order=order, worker=portal["electrician"], now=now)
    services.damage_report(order=order, description="搬动时刮花了地板", now=now, actor=portal["electrician"].user)
    client.force_login(portal["owner"].user)

    with translation.override("en"):
        page = client.get(reverse("repairs:portal_detail", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()

    assert "Request registered" in text and "The worker arrived" in text
    assert "水工今天休息" not in text and "搬动时刮花了地板" not in text
    assert "call the service centre" in text


def test_price_list_page_shows_prices_with_a_book_link(client, portal):
    PriceItem.objects.create(estate=portal["unit"].estate, name="旧价目", trade="general", price=Decimal("9.00"),
                             unit_label="次", active=False)
    client.force_login(portal["owner"].user)

    page = client.get(reverse("repairs:portal_prices")).content.decode()

    assert "疏通下水道" in page and "80.00" in page and "次" in page
    assert f"kind=service&amp;item={portal['unblock'].pk}" in page
    assert "旧价目" not in page


def test_staff_without_an_owner_profile_are_forbidden(client, portal):
    order = register(portal["unit"], portal["owner"])
    client.force_login(portal["desk"])

    for url in (reverse("repairs:portal_list"), reverse("repairs:portal_new"), reverse("repairs:portal_prices"),
                reverse("repairs:portal_detail", args=[order.pk])):
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_portal_pages_render_in_both_languages(client, portal, language):
    order = dispatch(register(portal["unit"], portal["owner"], kind="special_service",
                              price_item=portal["unblock"]), portal)
    portal["owner"].language = language
    portal["owner"].save(update_fields=["language"])
    client.force_login(portal["owner"].user)

    for url in (reverse("repairs:portal_list"), reverse("repairs:portal_new") + "?kind=repair",
                reverse("repairs:portal_new") + "?kind=service", reverse("repairs:portal_prices"),
                reverse("repairs:portal_detail", args=[order.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<html lang="{language}">' in response.content.decode()
