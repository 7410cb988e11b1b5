"""What every logged-in request costs before the page's own work: the session, the user with
their roles, permissions, owner, worker and language (one query, propertydesk/auth.py),
the unread count. Nothing about the user is kept between requests: a change holds from
the next request on."""

import datetime
import json
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from propertydesk import notifications, roles
from propertydesk.models import UserPreference
from tests.core.test_security_headers import BASE_DIR, PRODUCTION

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 16, 9, 0, tzinfo=SH)
REMINDER = {"unit": "1-1-101", "owed": "220.33", "month": {"$month": "2026-11-01"}}
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "request-cost"}}


def queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return [q["sql"] for q in ctx.captured_queries]


def test_a_simple_staff_page_costs_three_queries_besides_its_own(client, desk_user, django_assert_max_num_queries):
    # given: a desk clerk with three messages, one of them read
    notes = notifications.notify(recipients=[desk_user], kind="fees.dunning.1", params=REMINDER, now=T0)
    notifications.notify(recipients=[desk_user], kind="fees.dunning.2", params=REMINDER, now=T0)
    notes[0].read_at = T0
    notes[0].save(update_fields=["read_at"])
    client.force_login(desk_user)
    client.get(reverse("inbox"))

    # then: session, user (with roles, permissions, owner, worker, language), the inbox's
    # count of all and of unread messages (one statement, the badge's too), its page of messages
    with django_assert_max_num_queries(4):
        page = client.get(reverse("inbox"))
    assert page.context["nav_unread"] == 1 and page.context["nav_is_staff"]


def test_a_simple_owner_page_costs_three_queries_besides_its_own(client, owner_with_unit, django_assert_max_num_queries):
    owner, _unit = owner_with_unit
    notifications.notify_owner(owner=owner, kind="fees.dunning.1", params=REMINDER, now=T0)
    client.force_login(owner.user)
    client.get(reverse("inbox"))

    with django_assert_max_num_queries(4):
        page = client.get(reverse("inbox"))
    assert page.context["nav_unread"] == 1 and page.context["nav_owner"] == owner


def test_the_cost_does_not_grow_with_roles_and_permissions(client, desk_user):
    client.force_login(desk_user)
    client.get(reverse("desk"))
    one_role = queries(client, reverse("desk"))

    desk_user.groups.add(Group.objects.get(name=roles.FINANCE))
    desk_user.user_permissions.add(Permission.objects.get(codename="view_piireveal"))
    two_roles = queries(client, reverse("desk"))

    assert len(two_roles) == len(one_role)


def test_taken_out_of_a_role_the_user_loses_its_pages_on_the_next_request(client, desk_user):
    client.force_login(desk_user)
    assert client.get(reverse("complaints:queue")).status_code == 200

    desk_user.groups.remove(Group.objects.get(name=roles.FRONT_DESK))

    assert client.get(reverse("complaints:queue")).status_code == 403


def test_a_permission_taken_from_a_role_is_gone_on_the_next_request(client, desk_user):
    client.force_login(desk_user)
    assert client.get(reverse("complaints:queue")).status_code == 200

    Group.objects.get(name=roles.FRONT_DESK).permissions.remove(Permission.objects.get(codename="view_complaint"))

    assert client.get(reverse("complaints:queue")).status_code == 403


def test_a_permission_given_to_the_user_holds_on_the_next_request(client, engineer_user):
    client.force_login(engineer_user)
    assert client.get(reverse("deliveries")).status_code == 403

    engineer_user.user_permissions.add(Permission.objects.get(codename="view_delivery"))

    assert client.get(reverse("deliveries")).status_code == 200


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, desk_user):
    client.force_login(desk_user)
    assert client.get(reverse("desk")).status_code == 200

    desk_user.is_active = False
    desk_user.save(update_fields=["is_active"])

    response = client.get(reverse("desk"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_new_message_shows_in_the_unread_count_on_the_next_request(client, desk_user):
    client.force_login(desk_user)
    assert client.get(reverse("inbox")).context["nav_unread"] == 0

    notifications.notify(recipients=[desk_user], kind="fees.dunning.1", params=REMINDER, now=T0)

    assert client.get(reverse("inbox")).context["nav_unread"] == 1


def test_a_language_chosen_elsewhere_holds_on_the_next_request(client, desk_user):
    client.force_login(desk_user)
    assert client.get(reverse("desk"))["Content-Language"] == "zh-hans"

    UserPreference.objects.create(user=desk_user, language="en")

    assert client.get(reverse("desk"))["Content-Language"] == "en"


def test_a_token_call_reads_its_user_with_roles_and_permissions_in_one_query(client, desk_user):
    key = Token.objects.create(user=desk_user).key
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    # no separate read of groups, permissions or the user's language
    assert '"auth_user_groups"."group_id") WHERE' not in sql
    assert 'FROM "propertydesk_userpreference"' not in sql


# ---- sessions in a shared cache (CACHE_URL): cached_db ---------------------------------------


@pytest.fixture
def cached_sessions(settings):
    settings.CACHES = LOCAL_CACHE
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_with_sessions_in_the_cache_a_page_reads_no_session_row(client, desk_user, cached_sessions):
    client.force_login(desk_user)
    client.get(reverse("inbox"))

    sql = queries(client, reverse("inbox"))

    assert not [q for q in sql if "django_session" in q]
    assert len(sql) <= 3  # the user, the unread count, the inbox's own count


def test_with_sessions_in_the_cache_logout_ends_the_session(client, desk_user, cached_sessions):
    client.force_login(desk_user)
    assert client.get(reverse("desk")).status_code == 200
    cookie = client.cookies["sessionid"].value

    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # the old cookie, kept by someone

    response = client.get(reverse("desk"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("minutes, stays", [(29, True), (31, False)])
def test_with_sessions_in_the_cache_an_idle_session_still_ends(client, desk_user, cached_sessions, minutes, stays):
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(desk_user)
        assert client.get(reverse("desk")).status_code == 200
        clock.shift(datetime.timedelta(minutes=minutes))
        response = client.get(reverse("desk"))
    assert response.status_code == (200 if stays else 302)


# ---- production settings ---------------------------------------------------------------------

SHOW = """
import json, django
from django.conf import settings
django.setup()
from django.template import engines
db = settings.DATABASES["default"]
print(json.dumps({"session": settings.SESSION_ENGINE, "cache": settings.CACHES["default"]["BACKEND"],
                  "conn_max_age": db["CONN_MAX_AGE"], "health": db["CONN_HEALTH_CHECKS"],
                  "loaders": [l[0] if isinstance(l, tuple) else l for l in engines["django"].engine.loaders]}))
"""


def production_settings(tmp_path, **env) -> dict:
    full_env = {"PATH": os.environ.get("PATH", ""), **PRODUCTION, **env,
                "PROPERTYDESK_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "propertydesk.settings"}
    result = subprocess.run([sys.executable, "-c", SHOW], cwd=BASE_DIR, env=full_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_connections_and_compiled_templates_and_sessions_in_redis(tmp_path):
    shown = production_settings(tmp_path, CACHE_URL="redis://redis:6379/1")
    assert shown["session"] == "django.contrib.sessions.backends.cached_db"
    assert shown["cache"] == "propertydesk.cache.TolerantRedisCache"  # Django's RedisCache, a miss when Redis is down
    assert shown["conn_max_age"] == 600 and shown["health"]
    assert shown["loaders"] == ["django.template.loaders.cached.Loader"]


def test_without_a_shared_cache_sessions_stay_in_the_database(tmp_path):
    shown = production_settings(tmp_path, DB_CONN_MAX_AGE="0")
    assert shown["session"] == "django.contrib.sessions.backends.db"
    assert shown["conn_max_age"] == 0
