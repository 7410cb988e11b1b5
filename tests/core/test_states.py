"""The one state-machine helper (propertydesk.states): a move the map does not allow is
refused in the reader's language and writes nothing; a legal one writes one event."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils import translation

from complaints import services as complaints
from complaints.models import SUGGESTION_TRANSITIONS, Suggestion, SuggestionEvent, SuggestionStatus
from propertydesk import states
from tests.factories import EstateFactory

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class Light(models.TextChoices):
    OFF = "off", "Off"
    ON = "on", "On"
    BROKEN = "broken", "Broken"


LIGHTS = {Light.OFF: {Light.ON}, Light.ON: {Light.OFF, Light.BROKEN}, Light.BROKEN: set()}


def lights(**changes):
    return states.Transitions(Light, {**LIGHTS, **changes}, refusal="A light that is %(current)s cannot be %(target)s.")


@pytest.fixture
def suggestion(db):
    return complaints.suggestion_submit(estate=EstateFactory(), channel="phone", subject="增加快递柜",
                                        content="建议在3栋大堂增加快递柜", now=T0)


def test_a_map_names_every_state_once_and_no_other():
    with pytest.raises(ImproperlyConfigured):
        states.Transitions(Light, {Light.OFF: {Light.ON}, Light.ON: {Light.OFF}}, refusal="")  # no "broken"
    with pytest.raises(ImproperlyConfigured):
        lights(broken={"repaired"})


def test_an_action_that_does_not_start_from_the_current_state_is_refused_though_the_map_allows_it():
    # on → off is a move of the map, but not one that "repairing" makes
    with pytest.raises(ValidationError) as caught:
        lights().check(Light.ON, Light.OFF, only_from=(Light.BROKEN,))
    assert caught.value.messages == ["A light that is On cannot be Off."]
    lights().check(Light.ON, Light.OFF)


def test_set_based_sql_gets_only_the_pairs_the_map_allows():
    assert lights().pair(Light.ON, Light.BROKEN) == ("on", "broken")
    with pytest.raises(ImproperlyConfigured):
        lights().pair(Light.BROKEN, Light.ON)


def test_an_illegal_move_is_refused_naming_both_states_and_writes_nothing(suggestion, supervisor_user):
    # when: a suggestion nobody has reviewed is adopted
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        states.move(suggestion, SuggestionStatus.ADOPTED, SUGGESTION_TRANSITIONS, at=T0, actor=supervisor_user)

    # then
    assert caught.value.messages == ["A suggestion that is Received cannot become Adopted."]
    assert caught.value.code == "illegal_transition"
    assert suggestion.status == SuggestionStatus.RECEIVED
    assert Suggestion.objects.get().status == SuggestionStatus.RECEIVED
    assert not SuggestionEvent.objects.exists()


def test_the_refusal_is_written_in_the_readers_language(suggestion, supervisor_user):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        states.move(suggestion, SuggestionStatus.ADOPTED, SUGGESTION_TRANSITIONS, at=T0, actor=supervisor_user)
    assert caught.value.messages == ["状态为“已受理”的建议不能变更为“已采纳”。"]


def test_a_legal_move_writes_one_event_with_who_when_from_and_to(suggestion, desk_user):
    # when
    later = T0 + dt.timedelta(hours=2)
    event = states.move(suggestion, SuggestionStatus.UNDER_REVIEW, SUGGESTION_TRANSITIONS, at=later,
                        actor=desk_user, note="交物业部研究")

    # then: the record has its new status (the caller saves it) and one event says it all
    assert suggestion.status == SuggestionStatus.UNDER_REVIEW
    assert list(SuggestionEvent.objects.values_list("suggestion", "actor", "at", "from_status", "to_status", "note")) \
        == [(suggestion.pk, desk_user.pk, later, "received", "under_review", "交物业部研究")]
    assert event == SuggestionEvent.objects.get()
