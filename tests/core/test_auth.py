import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.real_password_hashing  # these tests log in through the login form


def test_staff_land_on_the_desk_and_owners_on_the_portal(client, desk_user, owner_with_unit):
    response = client.post(reverse("login"), {"username": "desk", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("desk")
    client.post(reverse("logout"))
    response = client.post(reverse("login"), {"username": "lina", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")


def test_wrong_password_is_refused_with_a_message(client, desk_user):
    response = client.post(reverse("login"), {"username": "desk", "password": "nope"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert response.context["form"].non_field_errors()


def test_login_is_locked_after_five_failures_even_with_the_right_password(client, desk_user):
    for _ in range(5):
        client.post(reverse("login"), {"username": "desk", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "desk", "password": PASSWORD})
    assert response.status_code == 429
    assert not client.session.get("_auth_user_id")


def test_password_change_then_login_with_the_new_one(client, desk_user):
    client.force_login(desk_user)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Lotus-pond-2026", "new_password2": "Lotus-pond-2026",
    })
    assert response.url == reverse("password_change_done")
    client.post(reverse("logout"))
    old = client.post(reverse("login"), {"username": "desk", "password": PASSWORD})
    assert old.status_code == 200  # refused: the form comes back
    new = client.post(reverse("login"), {"username": "desk", "password": "Lotus-pond-2026"})
    assert new.status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, desk_user):
    client.force_login(desk_user)
    client.post(reverse("logout"))
    assert client.get(reverse("desk")).status_code == 302
