"""The gate's API: the same services, the fields named on bad input, ID numbers masked."""

import pytest
from django.urls import reverse

from gate.models import ItemPass, Visit
from tests.gate.conftest import T0, TODAY

ID = "440106198001012345"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)


def test_the_desk_registers_a_visitor_and_reads_it_masked(client, place, clock):
    client.force_login(place["desk"])
    response = client.post(reverse("gate-visit-list"), {"unit": place["u101"].pk, "visitor_name": "赵六",
                                                        "id_number": ID, "confirmed": True,
                                                        "confirmed_how": "phone"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["id_number"] == "4401**********2345"
    visit = Visit.objects.get()
    revealed = client.post(reverse("gate-visit-reveal", args=[visit.pk]))
    assert revealed.json() == {"id_number": ID} and visit.reveals.get().via == "api"


def test_bad_input_names_the_field_and_writes_nothing(client, place, clock):
    client.force_login(place["desk"])
    response = client.post(reverse("gate-visit-list"), {"unit": place["u101"].pk, "visitor_name": "赵六",
                                                        "id_number": ID, "confirmed": True},
                           content_type="application/json")
    assert response.status_code == 400 and "confirmed_how" in response.json()
    response = client.post(reverse("gate-pass-list"), {"unit": place["u101"].pk, "day": TODAY.isoformat(),
                                                       "lines": []}, content_type="application/json")
    assert response.status_code == 400 and set(response.json()) >= {"lines"}
    assert not Visit.objects.exists() and not ItemPass.objects.exists()


def test_an_owner_applies_for_her_own_unit_only_and_her_pass_is_valid_at_once(client, place, clock):
    client.force_login(place["users"]["li"])
    body = {"unit": place["u101"].pk, "day": TODAY.isoformat(), "lines": [{"description": "冰箱", "quantity": 1}]}
    response = client.post(reverse("gate-pass-list"), body, content_type="application/json")
    assert response.status_code == 201 and response.json()["check"] == "valid"
    response = client.post(reverse("gate-pass-list"), {**body, "unit": place["u102"].pk},
                           content_type="application/json")
    assert response.status_code == 400 and "applicant" in response.json()


def test_the_schema_lists_the_gate(client, place):
    client.force_login(place["boss"])
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert {"/api/v1/gate/visitors/", "/api/v1/gate/item-passes/{id}/release/", "/api/v1/gate/cards/{id}/pay/"} \
        <= set(schema["paths"])
