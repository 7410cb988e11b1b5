"""Incidents (突发事件): the callers' script beside the complaint intake for the buildings
affected only, the checklist from the estate's plan with who and when, the notice to
exactly those buildings, the close with a summary, the supervisors told once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from incidents import services
from incidents.models import EmergencyPlan, Incident, IncidentEvent, PlanStep
from notices import services as notice_services
from notices.models import NoticeHousehold
from propertydesk import messages
from propertydesk.models import Notification
from tests.factories import EstateFactory
from tests.incidents.conftest import T0, opened

LATER = T0 + dt.timedelta(minutes=30)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def intake_notes(client, unit) -> str:
    response = client.get(reverse("complaints:intake_notes"), {"unit": unit.pk})
    assert response.status_code == 200
    return response.content.decode()


# ---- the script beside the complaint intake -----------------------------------------------------

def test_an_open_incidents_script_appears_in_intake_only_for_its_buildings(place):
    # given: a water outage in building 1 of 翠湖苑, with the desk's own script
    opened(place, script="1号楼停水抢修中，预计06:00恢复。")
    desk = login(place["desk"])

    # then: a caller from building 1 gets the script; building 2 and the other estate's building 1 do not
    assert "1号楼停水抢修中，预计06:00恢复。" in intake_notes(desk, place["u101"])
    assert "1号楼停水抢修中" not in intake_notes(desk, place["u201"])
    assert "1号楼停水抢修中" not in intake_notes(desk, place["far101"])


def test_the_script_leaves_the_intake_when_the_incident_is_closed(place):
    incident = opened(place, script="1号楼停水抢修中。")
    desk = login(place["desk"])
    assert "1号楼停水抢修中。" in intake_notes(desk, place["u101"])

    # when
    services.incident_close(incident=incident, summary="水泵已修复，05:10恢复供水。", now=LATER, actor=place["desk"])

    # then
    assert "1号楼停水抢修中。" not in intake_notes(desk, place["u101"])


def test_a_whole_estate_incident_shows_in_every_building_of_that_estate_only(place):
    opened(place, kind="power_outage", buildings=None, whole_estate=True, script="全小区停电。")
    desk = login(place["desk"])

    assert "全小区停电。" in intake_notes(desk, place["u101"])
    assert "全小区停电。" in intake_notes(desk, place["u201"])
    assert "全小区停电。" not in intake_notes(desk, place["far101"])


def test_the_intake_page_has_the_place_for_the_notes(place):
    page = login(place["desk"]).get(reverse("complaints:intake")).content.decode()

    assert 'id="intake-notes"' in page and reverse("complaints:intake_notes") in page


def test_engineering_cannot_read_the_intake_notes(place):
    opened(place)

    assert login(place["eng"]).get(reverse("complaints:intake_notes"), {"unit": place["u101"].pk}).status_code == 403


# ---- the checklist ------------------------------------------------------------------------------

def test_every_estate_gets_the_default_plans_in_its_language_when_it_is_made(db):
    estate = EstateFactory(language="zh-hans")

    plans = EmergencyPlan.objects.filter(estate=estate)
    assert sorted(plans.values_list("kind", flat=True)) == sorted(
        ["water_outage", "power_outage", "lift_entrapment", "fire_alarm", "other"])
    fire = plans.get(kind="fire_alarm")
    assert "119" in fire.steps.first().text and "核实" in fire.steps.first().text
    assert "119" in fire.script


def test_the_checklist_is_the_estates_own_plan_and_a_later_change_to_the_plan_does_not_rewrite_it(place):
    # given: 翠湖苑 changed its water-outage plan
    plan = EmergencyPlan.objects.get(estate=place["estate"], kind="water_outage")
    plan.steps.all().delete()
    PlanStep.objects.create(plan=plan, position=1, text="通知工程部值班电工")
    PlanStep.objects.create(plan=plan, position=2, text="联系自来水公司")

    # when
    incident = opened(place)
    PlanStep.objects.filter(plan=plan, position=2).update(text="改过的步骤")

    # then
    assert list(incident.steps.values_list("position", "text")) == [(1, "通知工程部值班电工"), (2, "联系自来水公司")]


def test_a_tick_records_who_and_when_and_the_page_shows_it(place):
    incident = opened(place)
    first = incident.steps.get(position=1)

    # when
    services.incident_step_tick(step=first, now=LATER, actor=place["boss"])

    # then
    first.refresh_from_db()
    assert (first.done_at, first.done_by) == (LATER, place["boss"])
    page = login(place["desk"]).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "02:30" in page and "i_boss" in page
    with pytest.raises(ValidationError):
        services.incident_step_tick(step=first, now=LATER, actor=place["desk"])


def test_a_tick_is_taken_back_only_with_a_reason_which_the_history_keeps(place):
    incident = opened(place)
    step = services.incident_step_tick(step=incident.steps.get(position=2), now=LATER, actor=place["desk"])

    with pytest.raises(ValidationError) as refused:
        services.incident_step_untick(step=step, note="  ", now=LATER, actor=place["desk"])
    assert "note" in refused.value.message_dict

    services.incident_step_untick(step=step, note="点错了", now=LATER, actor=place["desk"])
    step.refresh_from_db()
    assert step.done_at is None and step.note == "点错了"
    assert IncidentEvent.objects.filter(incident=incident, note__contains="点错了").count() == 1


def test_the_desk_ticks_a_step_on_the_page(place):
    incident = opened(place)
    step = incident.steps.get(position=1)

    response = login(place["desk"]).post(reverse("incidents:tick", args=[incident.pk, step.pk]))

    assert response.status_code == 302
    step.refresh_from_db()
    assert step.done_by == place["desk"] and step.done_at is not None


# ---- opening -----------------------------------------------------------------------------------

def test_opening_names_the_field_that_is_wrong_and_writes_nothing(place):
    with pytest.raises(ValidationError) as refused:
        opened(place, buildings="1, 7")
    assert "7" in " ".join(refused.value.message_dict["buildings"])

    with pytest.raises(ValidationError) as refused:
        services.incident_open(estate=place["estate"], kind="fire_alarm", buildings="1", place="", description="",
                               started_at=T0 + dt.timedelta(hours=1), now=T0, actor=place["desk"])
    assert {"place", "description", "started_at"} <= set(refused.value.message_dict)
    assert not Incident.objects.exists()


def test_the_open_page_answers_a_bad_form_with_400_naming_the_field(place):
    response = login(place["desk"]).post(reverse("incidents:new"), {
        "kind": "water_outage", "estate": place["estate"].pk, "buildings": "99", "place": "泵房",
        "started_at": "2026-11-20T01:40", "description": "停水"})

    assert response.status_code == 400
    assert "99" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_script_is_the_plans_unless_the_desk_writes_one(place):
    plan = EmergencyPlan.objects.get(estate=place["estate"], kind="lift_entrapment")

    incident = opened(place, kind="lift_entrapment")

    assert incident.script == plan.script and "维保" in incident.script


# ---- the supervisors ---------------------------------------------------------------------------

def test_the_supervisors_are_told_once_when_it_is_opened_and_not_again(place, off):
    # when: opened, then handled
    incident = opened(place)
    services.incident_step_tick(step=incident.steps.first(), now=LATER, actor=place["desk"])
    services.incident_update(incident=incident, script="新口径", now=LATER, actor=place["desk"])

    # then: each supervisor has one message; nobody else any
    told = Notification.objects.filter(kind="incidents.opened")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["i_boss", "i_boss2"]
    subject, body = messages.render("incidents.opened", told.first().params, "zh-hans")
    assert subject == "突发事件：停水，1号楼地下泵房" and "水泵故障" in body


# ---- the notice --------------------------------------------------------------------------------

def test_the_generated_notice_addresses_exactly_the_incidents_buildings(place, off):
    from tests.factories import BuildingFactory, UnitFactory, give_unit, make_owner

    b3 = BuildingFactory(estate=place["estate"], number="3")
    give_unit(make_owner(name="吴梅", phone="13611112222"), UnitFactory(building=b3, number="3-1-301"))
    incident = opened(place, buildings="1, 3")

    # when
    notice = services.incident_notice_generate(incident=incident, now=LATER, actor=place["desk"])

    # then: a draft emergency to buildings 1 and 3, in the estate's language, the incident's window
    assert (notice.status, notice.emergency, notice.audience) == ("draft", True, "buildings")
    assert sorted(notice.buildings.values_list("number", flat=True)) == ["1", "3"]
    assert (notice.starts_at, notice.ends_at) == (incident.started_at, incident.expected_end)
    assert notice.shown_title == "停水通知" and notice.shown_body.startswith("1 栋、3 栋自2026-11-20 01:40起停水")
    notice_services.notice_publish(notice=notice, now=LATER, actor=place["desk"])
    assert sorted(NoticeHousehold.objects.filter(notice=notice).values_list("unit__number", flat=True)) == [
        "1-1-101", "3-1-301"]
    # a second one is refused while the first stands
    with pytest.raises(ValidationError):
        services.incident_notice_generate(incident=incident, now=LATER, actor=place["desk"])


def test_an_outage_notice_needs_the_expected_end(place):
    incident = services.incident_open(
        estate=place["estate"], kind="power_outage", buildings="2", place="2号楼配电房", description="跳闸",
        started_at=T0, now=T0, actor=place["desk"])

    with pytest.raises(ValidationError) as refused:
        services.incident_notice_generate(incident=incident, now=LATER, actor=place["desk"])
    assert "expected_end" in refused.value.message_dict


def test_moving_the_expected_end_moves_the_sent_notices_end(place, off):
    incident = opened(place)
    notice = services.incident_notice_generate(incident=incident, now=LATER, actor=place["desk"])
    notice_services.notice_publish(notice=notice, now=LATER, actor=place["desk"])
    new_end = T0 + dt.timedelta(hours=8)

    services.incident_update(incident=incident, expected_end=new_end, now=LATER, actor=place["desk"])

    notice.refresh_from_db()
    assert notice.ends_at == new_end


# ---- closing -----------------------------------------------------------------------------------

def test_closing_needs_a_summary(place):
    incident = opened(place)

    with pytest.raises(ValidationError) as refused:
        services.incident_close(incident=incident, summary="  ", now=LATER, actor=place["desk"])
    assert "summary" in refused.value.message_dict
    incident.refresh_from_db()
    assert incident.status == "open"

    response = login(place["desk"]).post(reverse("incidents:close", args=[incident.pk]), {"summary": ""})
    assert response.status_code == 400
    incident.refresh_from_db()
    assert incident.status == "open"


def test_a_closed_incident_keeps_its_summary_and_changes_no_more(place):
    incident = opened(place)
    services.incident_close(incident=incident, summary="05:10恢复供水。", now=LATER, actor=place["desk"])

    incident.refresh_from_db()
    assert (incident.status, incident.summary, incident.closed_at) == ("closed", "05:10恢复供水。", LATER)
    assert list(incident.events.values_list("from_status", "to_status")) == [("", "open"), ("open", "closed")]
    with pytest.raises(ValidationError):
        services.incident_step_tick(step=incident.steps.first(), now=LATER, actor=place["desk"])
    with pytest.raises(ValidationError):
        services.incident_close(incident=incident, summary="再关一次", now=LATER, actor=place["desk"])


# ---- the list, the desk's day, the API ----------------------------------------------------------

def test_the_list_shows_the_open_incidents_first(place):
    old = opened(place, now=T0 - dt.timedelta(days=2), expected_end=T0 - dt.timedelta(days=1, hours=20))
    services.incident_close(incident=old, summary="已恢复", now=T0 - dt.timedelta(days=1), actor=place["desk"])
    older_but_open = opened(place, kind="lift_entrapment", now=T0 - dt.timedelta(days=3))

    page = login(place["desk"]).get(reverse("incidents:list")).content.decode()

    assert page.index(f'data-incident="{older_but_open.pk}"') < page.index(f'data-incident="{old.pk}"')


def test_the_api_opens_and_ticks_through_the_services_and_owners_get_nothing(place):
    desk = login(place["desk"])
    response = desk.post("/api/v1/incidents/", {
        "estate": place["estate"].pk, "kind": "fire_alarm", "buildings": ["2"], "place": "2号楼12层",
        "description": "烟感报警", "started_at": "2026-11-20T01:50:00+08:00"}, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["buildings"] == ["2"] and len(response.json()["steps"]) == 5

    ticked = desk.post(f"/api/v1/incidents/{pk}/tick/", {"step": 1}, content_type="application/json")
    assert ticked.status_code == 200 and ticked.json()["steps"][0]["done_at"]
    refused = desk.post(f"/api/v1/incidents/{pk}/close/", {"summary": ""}, content_type="application/json")
    assert refused.status_code == 400 and "summary" in refused.json()
    assert login(place["eng"]).get("/api/v1/incidents/").status_code == 403


def test_the_desks_day_names_the_open_incidents_and_only_while_they_are_open(place):
    incident = opened(place, kind="lift_entrapment", where="2号楼2单元电梯")
    desk = login(place["desk"])

    page = desk.get(reverse("desk")).content.decode()
    assert 'id="open-incidents"' in page and "2号楼2单元电梯" in page

    services.incident_close(incident=incident, summary="已解困", now=LATER, actor=place["desk"])
    assert 'id="open-incidents"' not in desk.get(reverse("desk")).content.decode()


def test_taking_a_tick_back_on_the_page_needs_a_reason(place):
    incident = opened(place)
    step = services.incident_step_tick(step=incident.steps.get(position=1), now=LATER, actor=place["desk"])
    desk = login(place["desk"])
    url = reverse("incidents:untick", args=[incident.pk, step.pk])

    refused = desk.post(url, {"note": ""})
    assert refused.status_code == 400 and "请说明撤销勾选的原因" in refused.content.decode()
    step.refresh_from_db()
    assert step.done_at is not None

    assert desk.post(url, {"note": "误点"}).status_code == 302
    step.refresh_from_db()
    assert step.done_at is None and step.note == "误点"


def test_the_script_changed_on_the_page_is_what_the_intake_shows_next(place):
    incident = opened(place, script="旧口径")
    desk = login(place["desk"])

    response = desk.post(reverse("incidents:update", args=[incident.pk]),
                         {"script": "新口径：预计08:00恢复", "expected_end": "2026-11-20T08:00"})

    assert response.status_code == 302
    notes = intake_notes(desk, place["u101"])
    assert "新口径：预计08:00恢复" in notes and "旧口径" not in notes and "2026-11-20 08:00" in notes
