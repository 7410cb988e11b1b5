import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ISSUED = datetime.datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
TOKEN_URL = "/api/v1/auth/token/"
API_URL = "/api/v1/owners/"


@pytest.fixture
def clock():
    with time_machine.travel(ISSUED, tick=False) as traveller:
        yield traveller


def obtain(client, password=PASSWORD):
    return client.post(TOKEN_URL, {"username": "desk", "password": password})


def call(client, key):
    return client.get(API_URL, HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def test_token_answers_until_its_ttl_then_401_and_a_fresh_one_is_issued(client, desk_user, clock, settings):
    # given
    settings.API_TOKEN_TTL_HOURS = 24
    key = obtain(client).json()["token"]
    clock.shift(datetime.timedelta(hours=23, minutes=59))
    assert call(client, key).status_code == 200
    assert obtain(client).json()["token"] == key  # still live: the same token
    # when
    clock.shift(datetime.timedelta(minutes=1))
    expired = call(client, key)
    fresh = obtain(client).json()["token"]
    # then
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == "Token"
    assert "expired" in expired.json()["detail"]
    assert fresh != key
    assert call(client, fresh).status_code == 200
    assert call(client, key).status_code == 401


def test_expired_token_message_is_translated(client, desk_user, clock, settings):
    settings.API_TOKEN_TTL_HOURS = 1
    key = obtain(client).json()["token"]
    clock.shift(datetime.timedelta(hours=2))
    response = client.get(API_URL, HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert "过期" in response.json()["detail"]


def test_logout_revokes_the_token(client, desk_user, clock):
    # given
    key = obtain(client).json()["token"]
    client.force_login(desk_user)
    # when
    client.post(reverse("logout"))
    # then
    assert call(client, key).status_code == 401
    assert not Token.objects.filter(user=desk_user).exists()
    fresh = obtain(client).json()["token"]
    assert fresh != key and call(client, fresh).status_code == 200


def test_password_change_through_the_form_revokes_the_token(client, desk_user, clock):
    # given
    key = obtain(client).json()["token"]
    client.force_login(desk_user)
    # when
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Lotus-pond-2026", "new_password2": "Lotus-pond-2026",
    })
    # then
    assert response.status_code == 302
    client.logout()
    assert call(client, key).status_code == 401
    fresh = obtain(client, password="Lotus-pond-2026").json()["token"]
    assert call(client, fresh).status_code == 200


def test_set_password_and_save_anywhere_revokes_the_token(client, desk_user, clock):
    # given
    key = obtain(client).json()["token"]
    # when: the admin, a reset, manage.py changepassword all end in set_password + save
    desk_user.set_password("Lotus-pond-2026")
    desk_user.save()
    # then
    assert call(client, key).status_code == 401


def test_saving_the_user_without_a_new_password_keeps_the_token(client, desk_user, clock):
    key = obtain(client).json()["token"]
    desk_user.first_name = "丽华"
    desk_user.save()
    client.force_login(desk_user)  # saves last_login, naming the field
    assert call(client, key).status_code == 200


def test_locked_out_token_endpoint_answers_429_with_retry_after(client, desk_user, clock, settings):
    # given: five failures lock the username and address out (AXES_FAILURE_LIMIT)
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.5
    for _ in range(4):
        assert obtain(client, password="wrong").status_code == 400
    fifth = obtain(client, password="wrong")
    # when: even the right password
    locked = obtain(client)
    # then
    assert fifth.status_code == 429
    assert locked.status_code == 429
    assert locked["Retry-After"] == "1800"
    assert "token" not in locked.json()


def test_token_endpoint_opens_again_after_the_cool_off(client, desk_user, clock, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.5
    for _ in range(5):
        obtain(client, password="wrong")
    clock.shift(datetime.timedelta(minutes=31))
    response = obtain(client)
    assert response.status_code == 200 and response.json()["token"]
