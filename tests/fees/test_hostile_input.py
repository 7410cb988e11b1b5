"""Hostile input at the fee desk and on the fees API is refused with a 4xx naming the
field (issue 13): amounts that are not numbers, moments no clock shows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from fees import services
from fees.models import Payment
from tests.fees.conftest import sh

JSON = {"content_type": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOV = dt.date(2026, 11, 1)
NOT_NUMBERS = ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf"]


@pytest.fixture
def owing(estate):
    services.bill_run(period=NOV, as_of=sh(2026, 11, 10, 1, 0))
    return estate


@pytest.mark.parametrize("amount", NOT_NUMBERS)
def test_the_fee_desk_refuses_an_amount_that_is_not_a_number_on_the_amount(client, owing, amount):
    client.force_login(owing["desk"])
    response = client.post(reverse("fees:unit_account", args=[owing["u1"].pk]),
                           {"amount": amount, "method": "cash", "payer_name": "李娜"}, **EN)
    assert response.status_code == 400
    assert response.context["form"].errors["amount"] == ["Enter a number."]
    assert response.context["preview"] == [] and not Payment.objects.exists()


@pytest.mark.parametrize("amount", NOT_NUMBERS)
def test_the_payments_api_refuses_an_amount_that_is_not_a_number_on_the_amount(client, owing, amount):
    client.force_login(owing["desk"])
    response = client.post("/api/v1/payments/", {"unit": owing["u1"].pk, "amount": amount, "method": "cash",
                                                 "payer_name": "李娜"}, **JSON, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["amount"]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("moment", ["2026-01-01T00:00:00-21:59", "2026-01-01T00:00:00+23:00",
                                    "0001-01-01T00:00:00+08:00"])
def test_a_moment_no_clock_shows_is_a_400_naming_the_payments_filter(client, owing, moment):
    client.force_login(owing["desk"])
    response = client.get("/api/v1/payments/", {"received_after": moment}, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["received_after"]


def test_the_offset_error_says_which_offsets_are_taken(client, owing):
    client.force_login(owing["desk"])
    response = client.get("/api/v1/payments/", {"received_before": "2026-01-01T00:00:00-21:59"}, **EN)
    assert response.json() == {"received_before": ["Give a UTC offset between -12:00 and +14:00."]}


def test_payments_filter_by_the_same_instant_whatever_the_offset(client, owing):
    # given payments at 10:00 and 11:00 Shanghai time (02:00 and 03:00 UTC)
    for hour in (10, 11):
        services.payment_take(unit=owing["u1"], amount=Decimal("10.00"), method="cash", payer_name="李娜",
                              now=sh(2026, 11, 12, hour, 0), actor=owing["desk"])
    client.force_login(owing["desk"])

    def count(**params):
        response = client.get("/api/v1/payments/", params)
        assert response.status_code == 200, response.content
        return len(response.json()["results"])

    assert count(received_after="2026-11-12T10:30:00+08:00") == 1
    assert count(received_after="2026-11-12T02:30:00Z") == 1
    assert count(received_after="2026-11-11T14:30:00-12:00") == 1
    assert count(received_before="2026-11-12T16:30:00+14:00") == 1
