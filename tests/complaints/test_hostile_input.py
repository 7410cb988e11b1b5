"""Hostile input on the complaint desk, the owner portal and the complaints API is
refused with an error naming the field, and nothing is saved (issue 13): a complaint
two million characters long, a promise in year 9999 or 0001."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from complaints import services
from complaints.models import Complaint, ComplaintEvent, Suggestion
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

JSON = {"content_type": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HUGE = "x" * 2_000_000
LIMIT = Complaint._meta.get_field("description").max_length


@pytest.fixture
def owner(db):
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    return owner, unit


def intake(unit, **fields):
    return {"estate": unit.estate_id, "unit_number": unit.number, "from_owner": "on", "channel": "phone",
            "category": "repair", "urgency": "normal", "description": "卫生间漏水", **fields}


def test_the_desk_intake_refuses_a_two_million_character_complaint_on_the_description(client, desk_user, owner):
    client.force_login(desk_user)
    response = client.post(reverse("complaints:intake"), intake(owner[1], description=HUGE), **EN)
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == [
        f"Ensure this value has at most {LIMIT} characters (it has 2000000)."]
    assert not Complaint.objects.exists()


def test_the_desk_intake_takes_a_complaint_of_exactly_the_limit_in_chinese(client, desk_user, owner):
    client.force_login(desk_user)
    response = client.post(reverse("complaints:intake"), intake(owner[1], description="漏" * LIMIT))
    assert response.status_code == 302
    assert len(Complaint.objects.get().description) == LIMIT


def test_the_portal_refuses_a_two_million_character_complaint_on_the_description(client, owner):
    _owner, unit = owner
    client.force_login(_owner.user)
    response = client.post(reverse("complaints:portal_create"), {
        "unit": unit.pk, "category": "noise", "urgency": "normal", "description": HUGE}, **EN)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["description"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("who", ["desk", "owner"])
def test_the_api_refuses_a_two_million_character_complaint_on_the_description(client, desk_user, owner, who):
    _owner, unit = owner
    client.force_login(desk_user if who == "desk" else _owner.user)
    body = {"unit": unit.pk, "category": "repair", "description": HUGE}
    if who == "desk":
        body |= {"from_owner": True, "channel": "phone"}
    response = client.post("/api/v1/complaints/", body, **JSON, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["description"]
    assert not Complaint.objects.exists()


def test_the_service_refuses_text_past_its_column_naming_the_field(owner):
    # given a job or an import calling the service directly, past every form
    _owner, unit = owner
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.complaint_register(unit=unit, owner=_owner, channel="phone", category="repair",
                                    description="x" * (LIMIT + 1), location="y" * 201, now=timezone.now())
    assert set(refused.value.message_dict) == {"description", "location"}
    assert not Complaint.objects.exists()


def test_a_resolution_past_its_column_is_refused_on_the_page_and_in_the_api(client, desk_user, owner):
    _owner, unit = owner
    complaint = services.complaint_register(unit=unit, owner=_owner, channel="phone", category="repair",
                                            description="漏水", now=timezone.now())
    client.force_login(desk_user)
    response = client.post(f"/api/v1/complaints/{complaint.pk}/progress/", {"note": HUGE}, **JSON)
    assert response.status_code == 400 and list(response.json()) == ["note"]
    response = client.post(f"/api/v1/complaints/{complaint.pk}/reopen/", {"reason": HUGE}, **JSON)
    assert response.status_code == 400 and list(response.json()) == ["reason"]
    assert not ComplaintEvent.objects.filter(note__startswith="xxx").exists()


def test_a_suggestion_past_its_column_is_refused_on_the_content(client, owner):
    _owner, _unit = owner
    client.force_login(_owner.user)
    response = client.post(reverse("complaints:portal_suggestion_create"), {"subject": "绿化", "content": HUGE})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["content"]
    response = client.post("/api/v1/suggestions/", {"subject": "绿化", "content": HUGE}, **JSON)
    assert response.status_code == 400 and list(response.json()) == ["content"]
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("moment", ["9999-12-31T23:59", "0001-01-01T00:00", "1999-12-31T23:59"])
def test_a_promise_outside_the_business_dates_is_a_field_error_on_the_intake(client, desk_user, owner, moment):
    client.force_login(desk_user)
    response = client.post(reverse("complaints:intake"), intake(owner[1], promised_at=moment), **EN)
    assert response.status_code == 400
    assert response.context["form"].errors["promised_at"] == ["Enter a date between 2000-01-01 and 2100-12-31."]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00Z", "2101-01-01T00:00:00+08:00"])
def test_a_promise_outside_the_business_dates_is_a_400_on_promised_at_in_the_api(client, desk_user, owner, moment):
    client.force_login(desk_user)
    response = client.post("/api/v1/complaints/", {
        "unit": owner[1].pk, "from_owner": True, "channel": "phone", "category": "repair",
        "description": "漏水", "promised_at": moment}, **JSON, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["promised_at"]
    assert not Complaint.objects.exists()


def test_the_service_refuses_a_promise_in_year_9999_naming_it(owner):
    _owner, unit = owner
    far = dt.datetime(9999, 12, 31, 12, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        services.complaint_register(unit=unit, owner=_owner, channel="phone", category="repair",
                                    description="漏水", promised_at=far, now=timezone.now())
    assert list(refused.value.message_dict) == ["promised_at"]
