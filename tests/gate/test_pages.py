"""The gate's pages as the desk, the guard, owners and a tenant use them."""

import datetime as dt

import pytest
from django.urls import reverse

from gate import services
from gate.models import CardApplication, ItemPass, Preregistration, Visit
from gate.services import PassLine
from tests.gate.conftest import T0, TODAY

ID = "440106198001012345"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def tenant_user(place):
    return services.resident_login_create(resident=place["tenant"], username="g_tenant", password="x-Pass-123").user


def test_the_desk_registers_a_visitor_with_the_id_masked_and_lets_them_out_in_one_click(client, place, clock):
    client.force_login(place["desk"])
    response = client.post(reverse("gate:visitors"), {
        "unit": "1-1-101", "visitor_name": "赵六", "id_number": ID, "confirmed": "yes", "confirmed_how": "intercom"})
    assert response.status_code == 302
    page = client.get(reverse("gate:visitors")).content.decode()
    assert "4401**********2345" in page and ID not in page
    visit = Visit.objects.get()
    # revealing shows the number and logs it
    revealed = client.post(reverse("gate:visit_reveal", args=[visit.pk])).content.decode()
    assert ID in revealed and visit.reveals.count() == 1
    client.post(reverse("gate:visit_out", args=[visit.pk]))
    visit.refresh_from_db()
    assert visit.time_out is not None


def test_a_bad_registration_names_the_field(client, place, clock):
    client.force_login(place["desk"])
    response = client.post(reverse("gate:visitors"), {"unit": "9-9-999", "visitor_name": "x", "id_number": ID,
                                                      "confirmed": "yes", "confirmed_how": "phone"})
    assert response.status_code == 400
    assert "No unit has this number." in response.content.decode()
    assert not Visit.objects.exists()


def test_the_desk_fills_a_visit_from_the_owners_code(client, place, clock):
    prereg = services.preregistration_create(owner=place["li"], unit=place["u101"], visitor_name="李母", day=TODAY,
                                             now=T0)
    client.force_login(place["desk"])
    client.post(reverse("gate:visitors"), {"code": prereg.code, "id_number": ID, "confirmed": "no"})
    visit = Visit.objects.get()
    assert (visit.visitor_name, visit.unit, visit.confirmed_how) == ("李母", place["u101"], "preregistered")


def test_an_owner_announces_a_visitor_and_gets_a_code(client, place, clock):
    client.force_login(place["users"]["li"])
    response = client.post(reverse("gate:portal_visitors"), {"unit": place["u101"].pk, "visitor_name": "李母",
                                                             "day": TODAY.isoformat()}, follow=True)
    code = Preregistration.objects.get().code
    assert code in response.content.decode()
    # another owner's unit is not offered
    response = client.post(reverse("gate:portal_visitors"), {"unit": place["u102"].pk, "visitor_name": "x",
                                                             "day": TODAY.isoformat()})
    assert response.status_code == 400


def test_tenant_applies_owner_confirms_and_the_guard_releases(client, place, clock, tenant_user):
    # the tenant applies in the portal
    client.force_login(tenant_user)
    response = client.post(reverse("gate:portal_passes"), {"unit": place["u101"].pk, "day": TODAY.isoformat(),
                                                           "lines": "旧沙发 × 1\n纸箱 6"})
    item_pass = ItemPass.objects.get()
    assert response.status_code == 302 and item_pass.status == "awaiting_owner"
    assert [(line.description, line.quantity) for line in item_pass.lines.all()] == [("旧沙发", 1), ("纸箱", 6)]
    # another owner cannot see it
    client.force_login(place["users"]["wang"])
    assert client.get(reverse("gate:portal_pass", args=[item_pass.pk])).status_code == 404
    # the guard's page says not confirmed
    client.force_login(place["desk"])
    page = client.get(reverse("gate:check"), {"number": item_pass.number}).content.decode()
    assert 'data-answer="not_confirmed"' in page and "release-form" not in page
    # the owner confirms in the portal
    client.force_login(place["users"]["li"])
    client.post(reverse("gate:portal_pass_confirm", args=[item_pass.pk]))
    # the guard checks and releases
    client.force_login(place["desk"])
    page = client.get(reverse("gate:check"), {"number": item_pass.number}).content.decode()
    assert 'data-answer="valid"' in page
    response = client.post(f"{reverse('gate:check')}?number={item_pass.number}",
                           {"carrier_name": "搬家师傅", "carrier_id_number": ID})
    assert response.status_code == 302
    item_pass.refresh_from_db()
    assert item_pass.status == "released" and item_pass.carrier_id_masked == "4401**********2345"


def test_the_pass_page_shows_a_qr_code_of_the_guards_url(client, place, clock):
    item_pass = services.item_pass_apply(unit=place["u101"], day=TODAY, via="desk", lines=[PassLine("冰箱", 1)],
                                         applicant_owner=place["li"], now=T0)
    client.force_login(place["desk"])
    page = client.get(reverse("gate:pass_detail", args=[item_pass.pk])).content.decode()
    assert "<svg" in page and f"?number={item_pass.number}" in page


def test_the_desk_applies_for_a_card_takes_the_fee_and_marks_it_ready(client, place, clock):
    client.force_login(place["desk"])
    response = client.post(reverse("gate:card_new"), {"unit": "1-1-102", "kind": "access_card",
                                                      "holder_name": "王强"}, follow=True)
    card = CardApplication.objects.get()
    assert (TODAY + dt.timedelta(days=3)).isoformat() in response.content.decode()
    client.post(reverse("gate:card_pay", args=[card.pk]), {"method": "cash"})
    card.refresh_from_db()
    page = client.get(reverse("gate:card_detail", args=[card.pk])).content.decode()
    assert card.receipt.number in page
    client.post(reverse("gate:card_ready", args=[card.pk]), {"card_number": "A-0001"})
    card.refresh_from_db()
    assert card.status == "ready"
    # the owner sees it in the portal; the other owner does not
    client.force_login(place["users"]["wang"])
    assert card.number in client.get(reverse("gate:portal_cards")).content.decode()
    client.force_login(place["users"]["li"])
    assert card.number not in client.get(reverse("gate:portal_cards")).content.decode()


def test_a_card_marked_ready_before_payment_is_refused_with_a_message(client, place, clock):
    card = services.card_apply(unit=place["u101"], kind="access_card", applicant=place["li"], holder_name="李娜",
                               now=T0)
    client.force_login(place["desk"])
    response = client.post(reverse("gate:card_ready", args=[card.pk]), {"card_number": "A-1"}, follow=True)
    assert "cannot become" in response.content.decode()
    card.refresh_from_db()
    assert card.status == "applied"


def test_a_tenant_logging_in_lands_on_their_item_passes(client, tenant_user):
    # The login page sends everyone to "home", which knew owners and staff only: a tenant got a 403.
    response = client.post(reverse("login"), {"username": "g_tenant", "password": "x-Pass-123"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("gate:portal_passes")


def test_the_desk_search_opens_a_pass_or_a_card_by_its_number(client, place, clock):
    # given: an owner's pass of today and a card application
    made = services.item_pass_apply(unit=place["u101"], day=TODAY, lines=[PassLine("旧沙发", 1)], via="desk",
                                    applicant_owner=place["li"], now=T0, actor=place["desk"])
    card = services.card_apply(unit=place["u101"], kind="access_card", applicant=place["li"], holder_name="李娜",
                               now=T0, actor=place["desk"])
    client.force_login(place["desk"])

    # when the desk types either number into its search box, in lower case
    to_pass = client.get(reverse("desk"), {"q": made.number.lower()})
    to_card = client.get(reverse("desk"), {"q": card.number.lower()})

    # then it is taken straight to the record
    assert to_pass.headers["Location"] == reverse("gate:pass_detail", args=[made.pk])
    assert to_card.headers["Location"] == reverse("gate:card_detail", args=[card.pk])
