"""A database or a cache that does not answer, in one process: the page and the API say
"back in a moment" (503, Retry-After) instead of a 500, in the reader's language, and a
Redis that is down is a cache miss, not an error. Real connections to a port where
nothing listens, no mocks; tests/faults does the same with whole servers stopped."""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import PASSWORD


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _database_gone():
    """The default connection closed and pointed at a port where nothing listens: the
    next query's connection attempt is refused, as when the server is stopped."""
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_a_page_says_back_in_a_moment_when_the_database_is_gone(desk_user):
    # given: a desk user signed in (the session lives in the database)
    client = Client(raise_request_exception=False)
    client.force_login(desk_user)
    # when: the database stops answering
    with _database_gone():
        page = client.get(reverse("complaints:intake"))
        english = client.get(reverse("complaints:intake"), headers={"accept-language": "en"})
    # then: 503 with Retry-After and a page in the reader's language, not a bare 500
    assert page.status_code == 503 and int(page["Retry-After"]) > 0
    assert "服务暂时不可用，请稍后再试。" in page.content.decode() and "重试" in page.content.decode()
    assert "text/html" in page["Content-Type"]
    assert english.status_code == 503 and "The service is briefly unavailable" in english.content.decode()
    assert "no-store" in page["Cache-Control"]
    # and the next request after the server is back works, without a restart
    assert client.get(reverse("complaints:intake")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_json_503_when_the_database_is_gone(desk_user):
    client = Client(raise_request_exception=False)
    client.force_login(desk_user)
    with _database_gone():
        response = client.get("/api/v1/complaints/", headers={"accept-language": "en"})
        health = client.get("/healthz")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The service is briefly unavailable. Please try again in a moment."}
    assert int(response["Retry-After"]) > 0
    assert health.status_code == 503  # the container's health check sees it too


def test_any_other_error_is_still_the_500_page():
    # a view that raises something else: the handler leaves it to Django's 500 page
    from django.test import RequestFactory

    from propertydesk.unavailable import server_error

    request = RequestFactory().get("/complaints/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
@pytest.mark.real_password_hashing
def test_signing_in_and_working_while_the_cache_redis_is_down(desk_user, settings):
    # given: sessions in Redis before the database (cached_db), and that Redis not answering
    caches = {"default": {"BACKEND": "propertydesk.cache.TolerantRedisCache",
                          "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"):
        client = Client(raise_request_exception=False)
        # when: the desk signs in and opens pages
        login = client.post(reverse("login"), {"username": "desk", "password": PASSWORD})
        pages = [client.get(reverse("complaints:intake")).status_code for _ in range(3)]
        # then: the sign-in worked from the database and the pages answer
        assert login.status_code == 302 and pages == [200, 200, 200]
        # and signing out ends the session
        client.post(reverse("logout"))
        assert client.get(reverse("complaints:intake")).status_code == 302
