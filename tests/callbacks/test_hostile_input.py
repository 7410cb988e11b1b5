"""A correction that would break the rules of the result it replaces is a 400 on the
field (issue 13), not the database's check constraint as a 500."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from callbacks import services
from callbacks.models import Callback, CallbackResult
from tests.callbacks.conftest import resolve_complaint, sh

JSON = {"content_type": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def by_phone(estate):
    """A complaint's callback done by phone on 5 May, the owner neutral, in her own words."""
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    services.callback_perform(callback=callback, method="phone", satisfaction="neutral", owner_words="还行",
                              now=sh(2026, 5, 5, 10, 0), actor=estate["desk"])
    return callback


@pytest.mark.parametrize("words", ["", "   "])
def test_the_api_refuses_to_blank_the_owners_words_of_a_phone_callback(client, estate, by_phone, words):
    client.force_login(estate["desk"])
    response = client.post(f"/api/v1/callbacks/{by_phone.pk}/correct/",
                           {"reason": "记错了", "owner_words": words}, **JSON, **EN)
    assert response.status_code == 400
    assert response.json() == {"owner_words": ["By phone, write down the owner's own words."]}
    assert CallbackResult.objects.count() == 1


def test_a_correction_cannot_drop_an_unhappy_owners_shortcomings(estate):
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    services.callback_perform(callback=callback, method="phone", satisfaction="unsatisfied", owner_words="还在漏",
                              shortcomings="墙角仍渗水", now=sh(2026, 5, 5, 10, 0), actor=estate["desk"])
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.callback_correct(callback=callback, reason="记错了", shortcomings=" ",
                                  now=sh(2026, 5, 5, 11, 0), actor=estate["desk"])
    assert list(refused.value.message_dict) == ["shortcomings"]


def test_a_correction_that_keeps_the_owners_words_is_recorded(estate, by_phone):
    correction = services.callback_correct(callback=by_phone, reason="建议记错了", suggestions="先打电话",
                                           now=sh(2026, 5, 5, 11, 0), actor=estate["desk"])
    assert correction.owner_words == "还行" and correction.suggestions == "先打电话"


# ---- text past its column, dates outside the business range, rules past the calendar -------------

HUGE = "x" * 2_000_000


def test_the_api_refuses_owner_words_past_their_column_and_records_nothing(client, estate):
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    client.force_login(estate["desk"])
    response = client.post(f"/api/v1/callbacks/{callback.pk}/perform/", {
        "method": "phone", "satisfaction": "satisfied", "owner_words": HUGE}, **JSON, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["owner_words"]
    assert not CallbackResult.objects.exists()


def test_the_desk_perform_form_refuses_owner_words_past_their_column(client, estate):
    complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    callback = Callback.objects.get(complaint=complaint)
    client.force_login(estate["desk"])
    response = client.post(reverse("callbacks:action", args=[callback.pk, "perform"]), {
        "method": "phone", "satisfaction": "satisfied", "owner_words": HUGE}, **EN)
    assert response.status_code == 400
    assert "owner_words" in response.context["forms"]["perform"].errors
    assert not CallbackResult.objects.exists()


def test_the_service_refuses_a_correction_past_its_columns_naming_the_field(estate, by_phone):
    with pytest.raises(ValidationError) as refused:
        services.callback_correct(callback=by_phone, reason="记错了", suggestions="y" * 2001,
                                  now=sh(2026, 5, 5, 11, 0), actor=estate["desk"])
    assert list(refused.value.message_dict) == ["suggestions"]
    assert CallbackResult.objects.count() == 1


@pytest.mark.parametrize("params", [{"due_after": "9999-12-31"}, {"due_before": "0001-01-01"}])
def test_a_day_outside_the_business_dates_is_a_400_naming_the_callbacks_filter(client, estate, params):
    client.force_login(estate["desk"])
    response = client.get("/api/v1/callbacks/", params, **EN)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


@pytest.mark.parametrize("params", [{"month": "9999-12"}, {"month": "0001-01"}])
def test_the_rates_page_in_a_month_no_record_has_answers(client, estate, params):
    client.force_login(estate["boss"])
    assert client.get(reverse("callbacks:rates"), params).status_code == 200


@pytest.mark.parametrize("field, value", [("days", 40000), ("months", 30000), ("required_rate", "NaN")])
def test_a_rule_past_the_calendar_or_not_a_number_is_a_400_naming_the_field(client, estate, field, value):
    client.force_login(estate["boss"])
    response = client.post("/api/v1/callback-rules/", {
        "estate": estate["unit"].estate_id, "kind": "complaint", "days": 3, field: value}, **JSON, **EN)
    assert response.status_code == 400
    assert list(response.json()) == [field]
