"""Hostile query strings on the work-order API are refused with a 400 naming the filter
(issue 13), not a database error."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from repairs import services
from repairs.models import WorkOrder
from tests.repairs.conftest import at

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def two_orders(shop):
    """One order registered at 14:44 Shanghai time, one at 15:44."""
    early = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                         trade="plumbing", source="phone", description="厨房水龙头漏水", now=at(0))
    late = services.work_order_register(unit=shop["unit"], owner=shop["owner"], kind="minor_repair",
                                        trade="plumbing", source="phone", description="卫生间漏水", now=at(60))
    return early, late


@pytest.mark.parametrize("moment", [
    "2026-01-01T00:00:00-21:59",  # PostgreSQL refuses offsets beyond ±15:59: was a 500
    "2026-01-01T00:00:00+15:00",
    "0001-01-01T00:00:00+08:00",  # before year 1 in UTC
    "yesterday",
])
def test_a_moment_no_clock_shows_is_a_400_naming_the_filter(client, shop, two_orders, moment):
    client.force_login(shop["desk"])
    response = client.get("/api/v1/work-orders/", {"registered_after": moment}, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["registered_after"]


def test_a_moment_with_any_real_offset_filters_as_the_same_instant(client, shop, two_orders):
    early, late = two_orders
    client.force_login(shop["desk"])

    def numbers(**params):
        response = client.get("/api/v1/work-orders/", params)
        assert response.status_code == 200
        return {o["number"] for o in response.json()["results"]}

    # 15:00 in Shanghai is 07:00 UTC, 21:00 in Kiribati (+14:00), 19:00 the day before at -12:00
    assert numbers(registered_after="2026-11-02T15:00:00+08:00") == {late.number}
    assert numbers(registered_after="2026-11-02T21:00:00+14:00") == {late.number}
    assert numbers(registered_after="2026-11-01T19:00:00-12:00") == {late.number}
    assert numbers(registered_before="2026-11-02T07:00:00Z") == {early.number}


# ---- text past its column, dates outside the business range, numbers that are not ---------------

JSON = {"content_type": "application/json"}
HUGE = "x" * 2_000_000


def test_the_api_refuses_a_two_million_character_work_order_on_the_description(client, shop):
    client.force_login(shop["desk"])
    response = client.post("/api/v1/work-orders/", {
        "unit": shop["unit"].pk, "owner": shop["owner"].pk, "kind": "minor_repair", "trade": "plumbing",
        "source": "phone", "description": HUGE}, **JSON, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["description"]
    assert not WorkOrder.objects.exists()


def test_the_desk_register_form_refuses_a_two_million_character_description(client, shop):
    client.force_login(shop["desk"])
    response = client.post(reverse("repairs:register"), {
        "estate": shop["unit"].estate_id, "unit_number": shop["unit"].number, "from_owner": "on",
        "kind": "minor_repair", "trade": "plumbing", "source": "phone", "description": HUGE}, **EN)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["description"]
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59+08:00", "0001-01-01T08:00:00+08:00"])
def test_an_appointment_outside_the_business_dates_is_a_400_naming_it(client, shop, moment):
    client.force_login(shop["desk"])
    response = client.post("/api/v1/work-orders/", {
        "unit": shop["unit"].pk, "owner": shop["owner"].pk, "kind": "minor_repair", "trade": "plumbing",
        "source": "phone", "description": "漏水", "appointment_at": moment}, **JSON, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["appointment_at"]


@pytest.mark.parametrize("moment", ["9999-12-31T23:59", "0001-01-01T00:00"])
def test_an_appointment_outside_the_business_dates_is_a_field_error_on_the_desk(client, shop, moment):
    client.force_login(shop["desk"])
    response = client.post(reverse("repairs:register"), {
        "estate": shop["unit"].estate_id, "unit_number": shop["unit"].number, "from_owner": "on",
        "kind": "minor_repair", "trade": "plumbing", "source": "phone", "description": "漏水",
        "appointment_at": moment}, **EN)
    assert response.status_code == 400
    assert response.context["form"].errors["appointment_at"] == ["Enter a date between 2000-01-01 and 2100-12-31."]


@pytest.mark.parametrize("price", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_the_price_services_refuse_a_price_that_is_not_a_number_naming_it(shop, price):
    with pytest.raises(ValidationError) as refused:
        services.price_item_save(estate=shop["unit"].estate, name="换锁", trade="locksmith", price=price,
                                 unit_label="次", actor=shop["boss"])
    assert list(refused.value.message_dict) == ["price"]
