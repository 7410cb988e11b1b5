"""Hostile input at the fee desk and on the fees API is refused with a 4xx naming the
field (issue 13): amounts that are not numbers, moments no clock shows."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from fees import services
from fees.models import Payment
from tests.factories import UserFactory
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


# ---- the service, past every form: a job, a bank's collection return -------------------------


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
                                    Decimal("1e30")])
def test_the_payment_service_refuses_an_amount_that_is_not_a_number_naming_the_amount(owing, amount):
    with pytest.raises(ValidationError) as refused:
        services.payment_take(unit=owing["u1"], amount=amount, method="cash", payer_name="李娜",
                              now=sh(2026, 11, 12, 10, 0), actor=owing["desk"])
    assert list(refused.value.message_dict) == ["amount"]
    assert not Payment.objects.exists()


def test_a_batch_with_one_amount_that_is_not_a_number_names_its_unit_and_takes_nothing(owing):
    batch = [services.PaymentIn(unit=owing["u1"], amount=Decimal("10.00"), method="bank_collection", payer_name="李娜",
                                received_at=sh(2026, 11, 12, 10, 0)),
             services.PaymentIn(unit=owing["u2"], amount=Decimal("Infinity"), method="bank_collection", payer_name="王强",
                                received_at=sh(2026, 11, 12, 10, 0))]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.payments_take(payments=batch, actor=owing["desk"])
    assert refused.value.message_dict == {"amount": ["2-1-201: Enter a number."]}
    assert not Payment.objects.exists()


def test_the_fee_desk_refuses_a_payer_name_past_its_column(client, owing):
    client.force_login(owing["desk"])
    response = client.post(reverse("fees:unit_account", args=[owing["u1"].pk]),
                           {"amount": "10.00", "method": "cash", "payer_name": "x" * 2_000_000}, **EN)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["payer_name"]
    assert not Payment.objects.exists()


# ---- dates past the business range ------------------------------------------------------------


@pytest.mark.parametrize("params", [{"period": "9999-12"}, {"period": "0001-01"}])
def test_the_dunning_page_in_a_month_no_record_has_shows_this_month(client, owing, params):
    client.force_login(owing["boss"])
    with time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False):
        response = client.get(reverse("fees:dunning"), params)
    assert response.status_code == 200
    assert response.context["period"] == dt.date(2026, 11, 1)


@pytest.mark.parametrize("name, value", [("month", "9999-12"), ("month", "0001-01"), ("day", "9999-12-31")])
def test_the_reports_pages_in_a_month_no_record_has_answer(client, owing, name, value):
    client.force_login(owing["boss"])
    with time_machine.travel(sh(2026, 11, 20, 10, 0), tick=False):
        reports = client.get(reverse("fees:reports"), {name: value})
        takings = client.get(reverse("fees:takings"), {name: value})
    assert reports.status_code == 200 and takings.status_code == 200


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_a_fee_standard_outside_the_business_dates_is_a_field_error(client, owing, day):
    client.force_login(UserFactory(username="cashier", role="finance"))
    response = client.post(reverse("fees:standard_new"), {
        "estate": owing["estate"].pk, "item": "车位费", "basis": "per_unit_month", "rate": "100.00",
        "effective_from": day}, **EN)
    assert response.status_code == 400
    assert response.context["form"].errors["effective_from"] == ["Enter a date between 2000-01-01 and 2100-12-31."]


@pytest.mark.parametrize("params", [{"period": "9999-12"}, {"in_force_on": "0001-01-01"}])
def test_a_day_outside_the_business_dates_is_a_400_naming_the_fees_filter(client, owing, params):
    client.force_login(owing["desk"])
    path = "/api/v1/bills/" if "period" in params else "/api/v1/fee-standards/"
    response = client.get(path, params, **EN)
    assert response.status_code == 400
    assert list(response.json()) == list(params)
