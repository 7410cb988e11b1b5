"""Hostile input on the owner registry is refused with an error naming the field, and
nothing is saved (issue 13): text past its column, dates no registry holds."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from owners import services
from owners.models import Owner, Ownership
from tests.factories import UnitFactory, make_owner

JSON = {"content_type": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HUGE = "x" * 2_000_000


def test_the_desk_create_form_refuses_a_special_needs_note_past_its_column(client, desk_user):
    client.force_login(desk_user)
    response = client.post(reverse("owners:create"), {
        "name": "高洁", "id_type": "passport", "phone": "13512345678", "phone_label": "mobile",
        "preferred_channel": "phone", "special_needs_note": HUGE}, **EN)
    assert response.status_code == 200  # the form again, as for any refused field
    assert list(response.context["form"].errors) == ["special_needs_note"]
    assert not Owner.objects.exists()


def test_the_api_refuses_an_owner_with_text_past_its_columns(client, desk_user):
    client.force_login(desk_user)
    response = client.post("/api/v1/owners/", {
        "name": "高" * 101, "id_type": "passport", "phones": [{"number": "13512345678"}],
        "special_needs_note": HUGE}, **JSON, **EN)
    assert response.status_code == 400
    assert set(response.json()) == {"name", "special_needs_note"}
    assert not Owner.objects.exists()


def test_the_service_refuses_text_past_its_columns_naming_each_field(db):
    with pytest.raises(ValidationError) as refused:
        services.owner_create(name="高洁", id_type="passport", id_number="E" * 41, address="路" * 201,
                              phones=[services.PhoneInput(number="13512345678")])
    assert set(refused.value.message_dict) == {"id_number", "address"}
    assert not Owner.objects.exists()


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1899, 12, 31)])
def test_an_ownership_from_a_day_no_registry_holds_is_refused_on_the_start_date(db, day):
    owner, unit = make_owner(name="高洁", phone="13512345678"), UnitFactory(number="1-1-101")
    with pytest.raises(ValidationError) as refused:
        services.ownership_start(unit=unit, owner=owner, start_date=day)
    assert list(refused.value.message_dict) == ["start_date"]
    assert not Ownership.objects.exists()


def test_an_ownership_older_than_the_portal_is_taken(db):
    # a flat bought in 1996 is older than the business records, not older than the registry
    owner, unit = make_owner(name="高洁", phone="13512345678"), UnitFactory(number="1-1-101")
    services.ownership_start(unit=unit, owner=owner, start_date=dt.date(1996, 7, 1))
    assert Ownership.objects.get().start_date == dt.date(1996, 7, 1)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_move_out_on_a_day_no_registry_holds_is_a_field_error(client, desk_user, day):
    owner, unit = make_owner(name="高洁", phone="13512345678"), UnitFactory(number="1-1-101")
    ownership = services.ownership_start(unit=unit, owner=owner, start_date=dt.date(2020, 1, 1),
                                         move_in_date=dt.date(2020, 2, 1))
    client.force_login(desk_user)
    response = client.post(reverse("owners:ownership_move_out", args=[ownership.pk]), {"move_out_date": day}, **EN)
    ownership.refresh_from_db()
    assert ownership.move_out_date is None
    assert response.status_code in (302, 400)
