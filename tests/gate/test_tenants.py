"""Tenants at the desk and in the portal: the desk registers a tenant, who sets a password
with a one-time code sent by SMS in their language; the login ends with the lease; the
owner's answer on their item pass and their card being ready reach them by SMS; in the API
a tenant sees their own passes and cards only."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token

from gate import selectors, services
from gate.models import CardApplication, ItemPass, PassStatus, ResidentLogin, TenantStatus
from gate.services import PassLine
from propertydesk import outbox
from propertydesk.models import Delivery, Notification
from propertydesk.pii import mask_id_number
from tests.factories import resident_id
from tests.gate.conftest import T0, TODAY, sh

PASSWORD = "Hu7-lake-view"


@pytest.fixture
def clock(time_machine):
    """Pages and the API read the clock: held an hour after the registration."""
    time_machine.move_to(T0 + dt.timedelta(hours=1), tick=False)


def _register(place, *, username="zhao", language="en", lease_ends_on=TODAY + dt.timedelta(days=180), **extra):
    return services.tenant_register(unit=place["u101"], name="赵敏", phone="13766668888", username=username,
                                    language=language, lease_ends_on=lease_ends_on, now=T0, actor=place["desk"],
                                    **extra)


def _signs_in(client) -> bool:
    """The login form takes the tenant's name and password (a redirect away from it)."""
    response = client.post(reverse("login"), {"username": "zhao", "password": PASSWORD})
    return response.status_code == 302 and response["Location"] != reverse("login")


def _sent_sms(sms_gateway) -> list[dict]:
    outbox.deliver(now=T0 + dt.timedelta(minutes=1))
    return list(sms_gateway.messages().values())


def _code(text: str) -> str:
    return re.search(r"(?:code|验证码)\s*([A-Z0-9]{6,12})", text).group(1)


def _activated(place, sms_gateway, **kwargs) -> ResidentLogin:
    login = _register(place, **kwargs)
    code = _code(_sent_sms(sms_gateway)[-1]["text"])
    return services.tenant_activate(username=login.user.username, code=code, password=PASSWORD,
                                    now=T0 + dt.timedelta(hours=1))


# ---- registration and activation ----------------------------------------------------------------

def test_the_desk_registers_a_tenant_who_gets_a_code_by_sms_in_their_language(place, off, sms_gateway):
    id_number = resident_id(77)
    login = _register(place, id_number=id_number)
    assert login.status == TenantStatus.INVITED and login.resident.relation == "tenant"
    assert login.resident.unit == place["u101"] and login.resident.move_in_date == TODAY
    assert not login.user.has_usable_password()
    # the ID number is encrypted at rest and shown masked
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM gate_residentlogin WHERE id = %s", [login.pk])
        assert id_number not in cursor.fetchone()[0]
    assert login.id_number_masked == mask_id_number(id_number) and "*" in login.id_number_masked
    [sms] = _sent_sms(sms_gateway)
    assert sms["to"] == "13766668888"
    assert "Your portal login for 1-1-101: zhao" in sms["text"] and "/gate/activate/" in sms["text"]
    # only the code's hash is kept
    assert _code(sms["text"]) not in login.activation_code_hash
    assert login.events.get().to_status == TenantStatus.INVITED


def test_a_chinese_tenant_reads_the_code_in_chinese(place, off, sms_gateway):
    _register(place, language="zh-hans")
    [sms] = _sent_sms(sms_gateway)
    assert "门户登录" in sms["text"] and "zhao" in sms["text"]


def test_the_tenant_sets_a_password_with_the_code_once_and_then_signs_in(place, off, sms_gateway):
    login = _register(place)
    code = _code(_sent_sms(sms_gateway)[0]["text"])
    with pytest.raises(ValidationError) as wrong:
        services.tenant_activate(username="zhao", code="WRONG234", password=PASSWORD, now=T0)
    assert "code" in wrong.value.message_dict
    with pytest.raises(ValidationError) as weak:
        services.tenant_activate(username="zhao", code=code, password="123", now=T0)
    assert "password" in weak.value.message_dict
    services.tenant_activate(username="zhao", code=code.lower(), password=PASSWORD, now=T0)
    login.refresh_from_db()
    assert login.status == TenantStatus.ACTIVE and not login.activation_code_hash
    login.user.refresh_from_db()
    assert login.user.check_password(PASSWORD) and login.user.is_active
    with pytest.raises(ValidationError):  # used once
        services.tenant_activate(username="zhao", code=code, password="An0ther-pass", now=T0)


def test_a_code_runs_out_and_a_new_one_replaces_it(place, off, sms_gateway, settings):
    settings.GATE_ACTIVATION_HOURS = 2
    login = _register(place)
    first = _code(_sent_sms(sms_gateway)[0]["text"])
    with pytest.raises(ValidationError):
        services.tenant_activate(username="zhao", code=first, password=PASSWORD, now=T0 + dt.timedelta(hours=3))
    services.tenant_activation_resend(login=login, now=T0 + dt.timedelta(hours=3), actor=place["desk"])
    codes = {_code(m["text"]) for m in _sent_sms(sms_gateway)}
    assert len(codes) == 2
    [second] = codes - {first}
    with pytest.raises(ValidationError):  # the first code no longer works
        services.tenant_activate(username="zhao", code=first, password=PASSWORD, now=T0 + dt.timedelta(hours=3))
    services.tenant_activate(username="zhao", code=second, password=PASSWORD, now=T0 + dt.timedelta(hours=4))


def test_registration_names_each_wrong_field_and_writes_nothing(place):
    with pytest.raises(ValidationError) as error:
        services.tenant_register(unit=place["u101"], name="", phone="123", username="g_li", id_number="123",
                                 lease_ends_on=TODAY - dt.timedelta(days=1), now=T0, actor=place["desk"])
    assert set(error.value.message_dict) >= {"name", "phone", "username", "id_number", "lease_ends_on"}
    assert not ResidentLogin.objects.exists()


# ---- ending access ------------------------------------------------------------------------------

def test_the_desk_ends_a_tenants_access_and_the_login_stops_working(client, place, off, sms_gateway):
    login = _activated(place, sms_gateway)
    assert _signs_in(client)
    client.logout()
    token = Token.objects.create(user=login.user)
    services.tenant_access_end(login=login, reason="lease_over", now=T0 + dt.timedelta(days=2), actor=place["desk"])
    login.refresh_from_db()
    assert login.status == TenantStatus.ENDED and login.end_reason == "lease_over"
    login.user.refresh_from_db()
    assert not login.user.is_active
    assert not Token.objects.filter(pk=token.pk).exists()
    assert login.resident.move_out_date == TODAY + dt.timedelta(days=2)
    assert selectors.portal_person(login.user) is None
    assert not _signs_in(client)
    with pytest.raises(ValidationError):  # once
        services.tenant_access_end(login=login, reason="lease_over", now=T0, actor=place["desk"])


def test_a_session_of_an_ended_tenant_is_signed_out_at_its_next_request(client, place, off, sms_gateway, clock):
    login = _activated(place, sms_gateway)
    client.force_login(login.user)
    assert client.get(reverse("gate:portal_passes")).status_code == 200
    services.tenant_access_end(login=login, reason="lease_over", now=T0, actor=place["desk"])
    assert client.get(reverse("gate:portal_passes")).status_code == 302


def test_a_lease_past_its_end_ends_by_the_daily_job_once(place, off, sms_gateway):
    login = _activated(place, sms_gateway, lease_ends_on=TODAY + dt.timedelta(days=10))
    call_command("runjob", "gate.tenant_leases", "--as-of", (TODAY + dt.timedelta(days=10)).isoformat())
    login.refresh_from_db()
    assert login.status == TenantStatus.ACTIVE  # its last day
    call_command("runjob", "gate.tenant_leases", "--as-of", (TODAY + dt.timedelta(days=11)).isoformat())
    login.refresh_from_db()
    assert login.status == TenantStatus.ENDED and login.end_reason == "lease_end_date"
    assert login.resident.move_out_date == TODAY + dt.timedelta(days=10)
    assert services.tenant_leases_end(as_of=sh(2026, 12, 2, 1, 0)) == 0
    assert login.events.filter(to_status=TenantStatus.ENDED).count() == 1
    login.user.refresh_from_db()
    assert not login.user.is_active


def test_the_daily_job_ends_many_leases_in_as_many_statements_as_one(place, off, sms_gateway):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    end = TODAY + dt.timedelta(days=5)
    one = _register(place, username="t0", lease_ends_on=end)
    with CaptureQueriesContext(connection) as alone:
        assert services.tenant_leases_end(as_of=sh(2026, 12, 20, 0, 10)) == 1
    many = [_register(place, username=f"t{i}", lease_ends_on=end) for i in range(1, 6)]
    Token.objects.create(user=many[0].user)
    with CaptureQueriesContext(connection) as five:
        assert services.tenant_leases_end(as_of=sh(2026, 12, 20, 0, 10)) == 5

    assert len(five) == len(alone)
    for login in [one, *many]:
        login.refresh_from_db()
        login.user.refresh_from_db()
        login.resident.refresh_from_db()
        assert login.status == TenantStatus.ENDED and not login.user.is_active
        assert login.resident.move_out_date == end
        assert login.events.filter(from_status=TenantStatus.INVITED, to_status=TenantStatus.ENDED).count() == 1
    assert not Token.objects.filter(user=many[0].user).exists()


# ---- messages to the tenant ---------------------------------------------------------------------

def _tenant_pass(place, login) -> ItemPass:
    return services.item_pass_apply(unit=place["u101"], day=TODAY, lines=[PassLine("旧沙发", 1)], via="portal",
                                    applicant_resident=login.resident, now=T0, actor=login.user)


def test_the_tenant_hears_by_sms_that_the_owner_confirmed_their_pass(place, off, sms_gateway):
    login = _activated(place, sms_gateway)
    item_pass = _tenant_pass(place, login)
    services.item_pass_confirm(item_pass=item_pass, owner=place["li"], how="portal", now=T0, actor=place["li"].user)
    note = Notification.objects.get(recipient=login.user, kind="gate.pass_confirmed")
    assert Delivery.objects.filter(notification=note, channel="sms").exists()
    texts = [m["text"] for m in _sent_sms(sms_gateway)]
    assert any(f"Item pass {item_pass.number} is confirmed by the owner" in t for t in texts)


def test_the_tenant_hears_the_owners_refusal_and_its_reason(place, off, sms_gateway):
    login = _activated(place, sms_gateway)
    item_pass = _tenant_pass(place, login)
    with pytest.raises(ValidationError):  # not the owner of the unit
        services.item_pass_refuse(item_pass=item_pass, owner=place["wang"], reason="", now=T0)
    services.item_pass_refuse(item_pass=item_pass, owner=place["li"], reason="沙发是房东的", now=T0,
                              actor=place["li"].user)
    item_pass.refresh_from_db()
    assert item_pass.status == PassStatus.CANCELLED
    texts = [m["text"] for m in _sent_sms(sms_gateway)]
    assert any(f"Item pass {item_pass.number} was refused by the owner" in t and "沙发是房东的" in t for t in texts)
    with pytest.raises(ValidationError):  # refused once
        services.item_pass_refuse(item_pass=item_pass, owner=place["li"], now=T0)


def test_the_tenant_is_told_their_card_is_ready_not_the_owner(place, off, sms_gateway):
    login = _activated(place, sms_gateway)
    card = services.card_apply(unit=place["u101"], kind="access_card", applicant_resident=login.resident,
                               holder_name="赵敏", now=T0, actor=login.user)
    assert card.applicant == place["li"]  # the card is the owner of record's
    card = services.card_pay(card=card, method="cash", now=T0, actor=place["desk"])
    services.card_mark_ready(card=card, card_number="A9", now=T0 + dt.timedelta(days=3), actor=place["desk"])
    assert Notification.objects.filter(recipient=login.user, kind="gate.card_ready").exists()
    assert not Notification.objects.filter(owner=place["li"], kind="gate.card_ready").exists()
    texts = [m["text"] for m in _sent_sms(sms_gateway)]
    assert any(f"Your Access card {card.number} is ready" in t and card.receipt.number in t for t in texts)


# ---- the API ------------------------------------------------------------------------------------

def test_a_tenant_lists_and_makes_their_own_passes_and_cards_through_the_api(client, place, off, sms_gateway, clock):
    login = _activated(place, sms_gateway)
    theirs = _tenant_pass(place, login)
    owners_pass = services.item_pass_apply(unit=place["u101"], day=TODAY, lines=[PassLine("冰箱", 1)], via="portal",
                                           applicant_owner=place["li"], now=T0)
    owners_card = services.card_apply(unit=place["u101"], kind="access_card", applicant=place["li"],
                                      holder_name="李娜", now=T0)
    token = client.post(reverse("api-token"), {"username": "zhao", "password": PASSWORD}).json()["token"]
    api = {"HTTP_AUTHORIZATION": f"Token {token}"}
    listed = client.get(reverse("gate-pass-list"), **api).json()["results"]
    assert [p["id"] for p in listed] == [theirs.pk]
    assert client.get(reverse("gate-pass-detail", args=[owners_pass.pk]), **api).status_code == 404
    made = client.post(reverse("gate-pass-list"), {"unit": place["u101"].pk, "day": TODAY.isoformat(),
                                                   "lines": [{"description": "书桌", "quantity": 1}]},
                       content_type="application/json", **api)
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "awaiting_owner"
    card = client.post(reverse("gate-card-list"), {"unit": place["u101"].pk, "kind": "access_card",
                                                   "holder_name": "赵敏"}, content_type="application/json", **api)
    assert card.status_code == 201, card.content
    assert card.json()["applicant_name"] == "赵敏"
    assert [c["id"] for c in client.get(reverse("gate-card-list"), **api).json()["results"]] == [card.json()["id"]]
    assert client.get(reverse("gate-card-detail", args=[owners_card.pk]), **api).status_code == 404
    # another unit: refused on its field; the owner's records and actions: nothing
    other = client.post(reverse("gate-card-list"), {"unit": place["u102"].pk, "kind": "access_card",
                                                    "holder_name": "赵敏"}, content_type="application/json", **api)
    assert other.status_code == 400 and "applicant" in other.json()
    assert client.get(reverse("gate-visit-list"), **api).status_code == 403
    assert client.post(reverse("gate-pass-confirm", args=[theirs.pk]), **api).status_code == 403
    assert client.get(reverse("owner-list"), **api).status_code == 403
    assert CardApplication.objects.filter(applicant_resident=login.resident).count() == 1


def test_an_ended_tenants_token_is_refused(client, place, off, sms_gateway, clock):
    login = _activated(place, sms_gateway)
    token = client.post(reverse("api-token"), {"username": "zhao", "password": PASSWORD}).json()["token"]
    services.tenant_access_end(login=login, reason="lease_over", now=T0, actor=place["desk"])
    assert client.get(reverse("gate-pass-list"), HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


# ---- the desk's page ----------------------------------------------------------------------------

def test_the_desk_registers_a_tenant_from_the_units_tenant_page(client, place, off, sms_gateway, clock):
    client.force_login(place["desk"])
    url = f"{reverse('gate:residents')}?unit=1-1-101"
    page = client.get(url)
    assert page.status_code == 200 and "张伟" in page.content.decode()
    bad = client.post(url, {"name": "赵敏", "phone": "137", "lease_ends_on": "2027-05-31", "language": "en",
                            "username": "zhao"})
    assert bad.status_code == 400 and not ResidentLogin.objects.exists()
    done = client.post(url, {"name": "赵敏", "phone": "13766668888", "lease_ends_on": "2027-05-31",
                             "language": "en", "username": "zhao", "id_number": ""})
    assert done.status_code == 302
    login = ResidentLogin.objects.get()
    page = client.get(url).content.decode()
    assert "赵敏" in page and "137****8888" in page and "13766668888" not in page
    ended = client.post(reverse("gate:resident_end", args=[login.pk]), {"reason": "lease_over"})
    assert ended.status_code == 302
    login.refresh_from_db()
    assert login.status == TenantStatus.ENDED
    assert [r.name for r in selectors.residents_for_unit(place["u101"])] == ["张伟", "赵敏"]


def test_the_tenant_page_is_the_desks(client, place):
    for who, status in (("eng", 403), ("li", 403)):
        client.force_login(place[who] if who == "eng" else place["users"][who])
        assert client.get(reverse("gate:residents")).status_code == status


def test_the_activation_page_sets_the_password(client, place, off, sms_gateway, clock):
    _register(place)
    code = _code(_sent_sms(sms_gateway)[0]["text"])
    url = reverse("gate:activate")
    assert client.get(url).status_code == 200
    mismatch = client.post(url, {"username": "zhao", "code": code, "password": PASSWORD, "password_again": "x"})
    assert mismatch.status_code == 400
    done = client.post(url, {"username": "zhao", "code": code, "password": PASSWORD, "password_again": PASSWORD})
    assert done.status_code == 302, done.content.decode()[-3000:]
    assert done["Location"] == reverse("login")
    assert _signs_in(client)
