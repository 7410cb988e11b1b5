"""A complaint goes to the people of the department that owns it, and every step says
what it did."""

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from complaints import services
from complaints.models import Complaint
from tests.factories import EstateFactory, UnitFactory, UserFactory, give_unit, make_owner, works_in


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def estate(db):
    unit = UnitFactory(number="3-1-1203")
    owner = make_owner(name="李娜", phone="13912345678")
    give_unit(owner, unit)
    desk = works_in(UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈"),
                    unit.estate, "customer_service")
    guard = works_in(UserFactory(username="guard", role="front_desk", first_name="国强", last_name="刘"),
                     unit.estate, "security")
    plumber = works_in(UserFactory(username="plumber", role="engineering", first_name="建军", last_name="李"),
                       unit.estate, "engineering")
    # a guard of another estate is not this estate's security
    elsewhere = works_in(UserFactory(username="far", role="front_desk", first_name="远", last_name="王"),
                         EstateFactory(), "security")
    return {"unit": unit, "owner": owner, "desk": desk, "guard": guard, "plumber": plumber, "elsewhere": elsewhere}


def noise(estate) -> Complaint:
    return services.complaint_register(unit=estate["unit"], owner=estate["owner"], channel="phone", category="noise",
                                       description="楼下商铺深夜装卸货", actor=estate["desk"], now=timezone.now())


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_service_refuses_a_person_outside_the_department_naming_the_field(estate):
    complaint = noise(estate)

    for person in (estate["plumber"], estate["elsewhere"]):
        with pytest.raises(ValidationError) as refused:
            services.complaint_assign(complaint=complaint, department="security", assignee=person,
                                      actor=estate["desk"], now=timezone.now())
        assert list(refused.value.message_dict) == ["assignee"]
        assert "does not work in Security" in refused.value.message_dict["assignee"][0]

    complaint.refresh_from_db()
    assert complaint.status == "received" and complaint.events.filter(kind="assigned").count() == 0
    services.complaint_assign(complaint=complaint, department="security", assignee=estate["guard"],
                              actor=estate["desk"], now=timezone.now())
    complaint.refresh_from_db()
    assert complaint.status == "assigned" and complaint.assignee == estate["guard"]


def test_the_form_proposes_the_categorys_department_and_lists_only_its_people(client, estate):
    complaint = noise(estate)
    client.force_login(estate["desk"])

    body = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()

    form = body[body.index('id="action-assign"'):body.index('id="assign-note"')]
    assert re.search(r'<option value="security"\s+selected>', form)
    assignees = form[form.index('name="assignee"'):]
    assert "刘国强" in assignees and "李建军" not in assignees and "王远" not in assignees
    # the script's list for another department, when the desk changes it
    people = json.loads(re.search(r'<script id="assign-people" type="application/json">(.*?)</script>',
                                  body).group(1))
    assert people == {"customer_service": [[estate["desk"].pk, "陈丽华"]],
                      "engineering": [[estate["plumber"].pk, "李建军"]],
                      "security": [[estate["guard"].pk, "刘国强"]]}
    assert "js/complaint-assign.js" in body


def test_a_person_of_another_department_is_refused_on_the_field_and_the_right_one_is_said(client, estate):
    complaint = noise(estate)
    client.force_login(estate["desk"])
    url = reverse("complaints:action", args=[complaint.pk, "assign"])

    refused = client.post(url, {"department": "security", "assignee": estate["plumber"].pk})
    assigned = client.post(url, {"department": "security", "assignee": estate["guard"].pk})

    assert refused.status_code == 400
    assert list(refused.context["forms"]["assign"].errors) == ["assignee"]
    assert assigned.status_code == 302
    assert said(assigned) == [f"Complaint {complaint.number} assigned to Security: 刘国强."]


def test_each_step_says_what_it_did(client, estate):
    complaint = noise(estate)
    client.force_login(estate["desk"])

    def act(name, data=None):
        response = client.post(reverse("complaints:action", args=[complaint.pk, name]), data or {}, follow=True)
        return said(response)

    assert act("assign", {"department": "customer_service"}) == [
        f"Complaint {complaint.number} assigned to Customer service."]
    assert act("start") == [f"Work started on complaint {complaint.number}."]
    assert act("progress", {"note": "已联系商铺", "internal": "on"}) == [
        f"Internal note added to complaint {complaint.number}."]
    assert act("resolve", {"resolution": "商铺改为晚九点前装卸"}) == [
        f"Complaint {complaint.number} resolved; the owner will be called back."]
