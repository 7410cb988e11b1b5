"""A correction that would break the rules of the result it replaces is a 400 on the
field (issue 13), not the database's check constraint as a 500."""

import pytest
from django.core.exceptions import ValidationError
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
