"""What the browser is told about each response: the Content-Security-Policy, no caching
of revealed numbers, the idle session limit, the login lock-out and HTTPS in production."""

import datetime
import json
import os
import re
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from tests.factories import PASSWORD

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MORNING = datetime.datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)
BASE_DIR = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_pages_allow_scripts_only_from_our_own_files(client, desk_user):
    client.force_login(desk_user)
    csp = directives(client.get(reverse("complaints:intake")))
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]  # the signature pads
    assert csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'self'"]


def test_no_template_has_an_inline_script_or_event_handler():
    # The policy would block them in the browser: they belong in static/js.
    offenders = []
    for path in (BASE_DIR / "templates").rglob("*.html"):
        text = path.read_text()
        if "<script>" in text or re.search(r"\son[a-z]+=\"", text):
            offenders.append(str(path.relative_to(BASE_DIR)))
    assert offenders == []


@pytest.mark.parametrize("field", ["phone", "id_number"])
def test_a_revealed_number_is_not_kept_in_any_cache(client, desk_user, owner_with_unit, field):
    owner, _unit = owner_with_unit
    client.force_login(desk_user)
    response = client.post(reverse("owners:reveal", args=[owner.pk]), {"field": field})
    assert response.status_code == 200 and response.context["revealed"]
    assert "no-store" in response["Cache-Control"]
    # The masked page may be cached as before.
    assert "no-store" not in client.get(reverse("owners:detail", args=[owner.pk])).get("Cache-Control", "")


def test_a_number_revealed_through_the_api_is_not_kept_in_any_cache(client, desk_user, owner_with_unit):
    owner, _unit = owner_with_unit
    client.force_login(desk_user)
    response = client.post(f"/api/v1/owners/{owner.pk}/reveal/", {"field": "phone"})
    assert response.status_code == 200 and "13912345678" in json.dumps(response.json())
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("minutes, stays", [(29, True), (31, False)])
def test_a_session_idle_past_the_limit_lands_on_the_login_page(client, desk_user, settings, minutes, stays):
    assert settings.SESSION_IDLE_TIMEOUT_MINUTES == 30
    with time_machine.travel(MORNING, tick=False) as clock:
        client.force_login(desk_user)
        assert client.get(reverse("desk")).status_code == 200
        clock.shift(datetime.timedelta(minutes=minutes))
        response = client.get(reverse("desk"))
    if stays:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_working_keeps_the_session_beyond_the_idle_limit(client, desk_user):
    with time_machine.travel(MORNING, tick=False) as clock:
        client.force_login(desk_user)
        for _ in range(6):  # two and a half hours, a request every 25 minutes
            clock.shift(datetime.timedelta(minutes=25))
            assert client.get(reverse("desk")).status_code == 200
        # Requests within the same minute do not write the session again.
        cookie = client.cookies["sessionid"]
        assert client.get(reverse("desk")).cookies.get("sessionid") is None
        assert client.cookies["sessionid"].value == cookie.value


@pytest.mark.real_password_hashing
def test_locked_out_login_page_answers_429_with_retry_after_and_says_why(client, desk_user, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.5
    with time_machine.travel(MORNING, tick=False):
        for _ in range(5):
            client.post(reverse("login"), {"username": "desk", "password": "wrong"})
        response = client.post(reverse("login"), {"username": "desk", "password": PASSWORD},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert response["Retry-After"] == "1800"
    page = response.content.decode()
    assert "账号已暂时锁定" in page and "请约 30 分钟后重试" in page
    assert not client.session.get("_auth_user_id")


def test_the_health_check_is_answered_over_plain_http_when_https_is_enforced(client, db):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz").status_code == 200
        desk = client.get(reverse("desk"))
    assert desk.status_code == 301 and desk["Location"].startswith("https://")


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-enough-0123456789abcdef",
    "FIELD_ENCRYPTION_KEY": "f" * 64,
    "ALLOWED_HOSTS": "desk.example.com",
    "SMS_ALLOW_LOGGING_BACKEND": "true",
    "DATABASE_URL": "postgres://check@localhost:5432/check",
}
PRINT = """
import json, django
from django.conf import settings
from django.core.management import call_command
django.setup()
call_command("check", deploy=True, fail_level="WARNING")
print(json.dumps({name: getattr(settings, name, None) for name in (
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER")}))
"""


def production(tmp_path, **env) -> dict:
    """Settings and `check --deploy` (failing on any warning) in a fresh process, as production loads them."""
    # A clean environment: nothing of the test run's own (DEBUG, DJANGO_ALLOW_ASYNC_UNSAFE, ...).
    full_env = {"PATH": os.environ.get("PATH", ""), **PRODUCTION, **env,
                "PROPERTYDESK_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "propertydesk.settings"}
    result = subprocess.run([sys.executable, "-c", PRINT], cwd=BASE_DIR, env=full_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_pass_the_deploy_check_with_https_on(tmp_path):
    on = production(tmp_path)
    assert on["SECURE_SSL_REDIRECT"] and on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"]
    assert on["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600 and on["SECURE_HSTS_INCLUDE_SUBDOMAINS"]


def test_behind_a_proxy_that_redirects_and_sends_hsts_the_switches_are_off_and_still_clean(tmp_path):
    off = production(tmp_path, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert not off["SECURE_SSL_REDIRECT"] and off["SECURE_HSTS_SECONDS"] == 0
    assert off["SESSION_COOKIE_SECURE"] and off["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
