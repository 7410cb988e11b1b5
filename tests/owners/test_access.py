import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import UnitFactory, UserFactory, give_unit, make_owner


@pytest.fixture
def neighbour(db):
    owner = make_owner(name="邻居", phone="13700001111")
    unit = UnitFactory(number="3-1-1204")
    give_unit(owner, unit)
    return owner, unit


def test_owner_portal_shows_only_my_units(client, owner_with_unit, neighbour):
    owner, my_unit = owner_with_unit
    _, their_unit = neighbour
    client.force_login(owner.user)

    home = client.get(reverse("portal:home")).content.decode()
    assert "3-1-1203" in home and "3-1-1204" not in home
    assert client.get(reverse("portal:unit", args=[my_unit.pk])).status_code == 200
    assert client.get(reverse("portal:unit", args=[their_unit.pk])).status_code == 404


def test_owner_is_kept_out_of_staff_pages(client, owner_with_unit, neighbour):
    owner, _ = owner_with_unit
    neighbour_owner, their_unit = neighbour
    client.force_login(owner.user)
    assert client.get(reverse("desk")).status_code == 403
    assert client.get(reverse("owners:detail", args=[neighbour_owner.pk])).status_code == 403
    assert client.get(reverse("owners:unit", args=[their_unit.pk])).status_code == 403


def test_owner_token_reaches_only_own_records_in_the_api(client, owner_with_unit, neighbour):
    owner, my_unit = owner_with_unit
    neighbour_owner, their_unit = neighbour
    token = Token.objects.create(user=owner.user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    units = client.get("/api/v1/units/", **auth).json()
    assert [u["number"] for u in units["results"]] == ["3-1-1203"]
    assert client.get(f"/api/v1/units/{their_unit.pk}/", **auth).status_code == 404
    assert client.get(f"/api/v1/owners/{neighbour_owner.pk}/", **auth).status_code == 404
    me = client.get(f"/api/v1/owners/{owner.pk}/", **auth).json()
    assert me["phones"][0]["masked"] == "139****5678" and "number" not in me["phones"][0]
    assert client.get("/api/v1/estates/", **auth).status_code == 403
    # Owners read; they don't write the registry.
    assert client.patch(f"/api/v1/owners/{owner.pk}/", {"name": "x"}, content_type="application/json", **auth).status_code == 403


def test_logged_in_user_without_a_role_or_owner_record_gets_nothing(client, owner_with_unit):
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/api/v1/units/").status_code == 403
    assert client.get(reverse("desk")).status_code == 403


def test_anonymous_is_sent_to_login_and_refused_by_the_api(client, db):
    assert client.get(reverse("desk")).url.startswith(reverse("login"))
    assert client.get("/api/v1/owners/").status_code in (401, 403)
