from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from complaints import messages, services
from complaints.models import Complaint, Suggestion
from propertydesk.messages import nested
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner, works_in

JSON = {"content_type": "application/json"}


@pytest.fixture
def neighbour(db):
    owner = make_owner(name="邻居", phone="13700001111")
    unit = UnitFactory(number="3-1-1204")
    give_unit(owner, unit)
    return owner, unit


def token_auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


def register(unit, *, owner=None, now=None, **fields) -> Complaint:
    fields = {"channel": "phone", "category": "repair", "description": "卫生间漏水", **fields}
    return services.complaint_register(
        unit=unit, owner=owner, contact_name="" if owner else "租户王先生", now=now or timezone.now(), **fields
    )


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, **JSON, **extra)


def test_complaint_goes_through_its_life_cycle_in_the_api(client, desk_user, engineer_user, owner_with_unit):
    # given
    owner, unit = owner_with_unit
    works_in(engineer_user, unit.estate, "engineering")
    client.force_login(desk_user)

    # when the desk takes the owner's call
    created = post(client, "/api/v1/complaints/", {
        "unit": unit.pk, "from_owner": True, "channel": "phone", "category": "repair",
        "urgency": "urgent", "description": "卫生间天花板漏水",
    })

    # then
    assert created.status_code == 201
    complaint = created.json()
    assert complaint["status"] == "received" and complaint["owner"] == owner.pk
    assert complaint["contact_phone_masked"] == "139****5678"
    assert "13912345678" not in created.content.decode()
    url = f"/api/v1/complaints/{complaint['id']}"

    # when the desk routes it to engineering, and the engineer works it
    assigned = post(client, f"{url}/assign/", {"department": "engineering", "assignee": engineer_user.pk})
    client.force_login(engineer_user)
    started = post(client, f"{url}/start/")
    paused = post(client, f"{url}/pause/", {"reason": "parts", "note": "等防水材料"})
    resumed = post(client, f"{url}/resume/")
    resolved = post(client, f"{url}/resolve/", {"resolution": "更换了防水层"})
    client.force_login(desk_user)
    reopened = post(client, f"{url}/reopen/", {"reason": "业主说还在渗水"})

    # then
    assert [r.status_code for r in (assigned, started, paused, resumed, resolved, reopened)] == [200] * 6
    assert assigned.json()["assignee"] == engineer_user.pk
    assert (started.json()["status"], paused.json()["is_paused"], resumed.json()["is_paused"]) == (
        "in_progress", True, False
    )
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolution"] == "更换了防水层"
    final = reopened.json()
    assert final["status"] == "in_progress" and final["reopen_count"] == 1
    assert [e["kind"] for e in final["timeline"]] == [
        "received", "assigned", "started", "paused", "resumed", "resolved", "reopened", "promise",
    ]


def test_resolving_a_complaint_nobody_has_worked_on_is_refused_with_a_reason(client, desk_user, owner_with_unit):
    # given
    _, unit = owner_with_unit
    complaint = register(unit)
    client.force_login(desk_user)

    # when
    resp = post(client, f"/api/v1/complaints/{complaint.pk}/resolve/", {"resolution": "已处理"},
                HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert resp.status_code == 400
    assert resp.json()["non_field_errors"] == ["A complaint that is Received cannot become Resolved."]
    complaint.refresh_from_db()
    assert complaint.status == "received"


def test_the_api_has_no_way_to_close_a_complaint(client, supervisor_user, owner_with_unit):
    # given: closing happens only when the callback finds the owner satisfied
    _, unit = owner_with_unit
    complaint = register(unit)
    client.force_login(supervisor_user)

    # when
    resp = post(client, f"/api/v1/complaints/{complaint.pk}/close/")

    # then
    assert resp.status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == "received"


def test_intake_errors_name_the_field_and_register_nothing(client, desk_user, owner_with_unit):
    # given
    _, unit = owner_with_unit
    client.force_login(desk_user)
    good = {"unit": unit.pk, "channel": "phone", "category": "noise", "contact_name": "王先生",
            "description": "楼上半夜装修"}

    # when
    missing = post(client, "/api/v1/complaints/", {k: v for k, v in good.items() if k != "description"})
    blank = post(client, "/api/v1/complaints/", {**good, "description": "  "})
    bad_category = post(client, "/api/v1/complaints/", {**good, "category": "ghosts"})
    bad_phone = post(client, "/api/v1/complaints/", {**good, "contact_phone": "12"})

    # then
    assert (missing.status_code, set(missing.json())) == (400, {"description"})
    assert (blank.status_code, set(blank.json())) == (400, {"description"})
    assert (bad_category.status_code, set(bad_category.json())) == (400, {"category"})
    assert (bad_phone.status_code, set(bad_phone.json())) == (400, {"contact_phone"})
    assert Complaint.objects.count() == 0


def test_staff_cannot_name_an_owner_who_does_not_own_the_unit(client, desk_user, owner_with_unit, neighbour):
    # given
    _, unit = owner_with_unit
    other_owner, _ = neighbour
    client.force_login(desk_user)

    # when
    resp = post(client, "/api/v1/complaints/", {
        "unit": unit.pk, "owner": other_owner.pk, "channel": "walk_in", "category": "noise",
        "description": "噪音",
    })

    # then
    assert resp.status_code == 400 and set(resp.json()) == {"owner"}


def test_owner_token_reaches_only_their_own_complaints(client, owner_with_unit, neighbour):
    # given
    owner, unit = owner_with_unit
    other_owner, other_unit = neighbour
    mine = register(unit, owner=owner)
    theirs = register(other_unit, owner=other_owner)
    auth = token_auth(owner.user)

    # when
    listed = client.get("/api/v1/complaints/", **auth)
    other = client.get(f"/api/v1/complaints/{theirs.pk}/", **auth)
    filtered_to_theirs = client.get("/api/v1/complaints/", {"owner": other_owner.pk}, **auth)

    # then
    assert [c["number"] for c in listed.json()["results"]] == [mine.number]
    assert other.status_code == 404
    assert filtered_to_theirs.json()["results"] == []
    assert client.get(f"/api/v1/complaints/{mine.pk}/", **auth).status_code == 200


def test_owner_complains_through_the_portal_channel_about_their_own_unit_only(client, owner_with_unit, neighbour):
    # given
    owner, unit = owner_with_unit
    _, other_unit = neighbour
    auth = token_auth(owner.user)

    # when
    mine = post(client, "/api/v1/complaints/", {
        "unit": unit.pk, "category": "facilities", "description": "3栋电梯停了", "channel": "phone",
    }, **auth)
    theirs = post(client, "/api/v1/complaints/", {
        "unit": other_unit.pk, "category": "noise", "description": "隔壁很吵",
    }, **auth)

    # then
    assert mine.status_code == 201
    assert (mine.json()["channel"], mine.json()["owner"], mine.json()["unit"]) == ("portal", owner.pk, unit.pk)
    assert theirs.status_code == 400 and set(theirs.json()) == {"unit"}
    assert Complaint.objects.filter(unit=other_unit).count() == 0


def test_owner_cannot_run_staff_actions_on_their_complaint(client, owner_with_unit):
    # given
    owner, unit = owner_with_unit
    complaint = register(unit, owner=owner)
    auth = token_auth(owner.user)

    # when
    assign = post(client, f"/api/v1/complaints/{complaint.pk}/assign/", {"department": "engineering"}, **auth)
    resolve = post(client, f"/api/v1/complaints/{complaint.pk}/resolve/", {"resolution": "我自己修好了"}, **auth)

    # then
    assert (assign.status_code, resolve.status_code) == (403, 403)
    complaint.refresh_from_db()
    assert complaint.status == "received"


def test_internal_notes_stay_out_of_the_owners_timeline(client, desk_user, owner_with_unit):
    # given
    owner, unit = owner_with_unit
    complaint = register(unit, owner=owner)
    client.force_login(desk_user)
    post(client, f"/api/v1/complaints/{complaint.pk}/assign/", {"department": "engineering"})
    post(client, f"/api/v1/complaints/{complaint.pk}/progress/", {"note": "师傅明早九点上门"})
    post(client, f"/api/v1/complaints/{complaint.pk}/progress/", {"note": "业主脾气急，注意沟通", "internal": True})

    # when
    staff_view = client.get(f"/api/v1/complaints/{complaint.pk}/").json()
    client.logout()
    owner_view = client.get(f"/api/v1/complaints/{complaint.pk}/", **token_auth(owner.user)).json()

    # then
    staff_notes = [(e["note"], e["public"]) for e in staff_view["timeline"] if e["kind"] in ("progress", "note")]
    assert staff_notes == [("师傅明早九点上门", True), ("业主脾气急，注意沟通", False)]
    owner_notes = [e["note"] for e in owner_view["timeline"]]
    assert "师傅明早九点上门" in owner_notes and "业主脾气急，注意沟通" not in owner_notes
    assert owner_view["assignee"] is None and all(e["actor_name"] is None for e in owner_view["timeline"])


def test_the_timeline_returns_system_notes_in_the_requests_language(client, owner_with_unit):
    # given: a work order was opened for the owner's complaint (a system note)
    owner, unit = owner_with_unit
    complaint = register(unit, owner=owner)
    services.complaint_add_progress(complaint=complaint, now=complaint.received_at,
                                    note_message=nested(messages.WORK_ORDER_OPENED, {"number": "WO-7"}))
    url = f"/api/v1/complaints/{complaint.pk}/"

    # when
    auth = token_auth(owner.user)
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en", **auth).json()["timeline"]
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans", **auth).json()["timeline"]

    # then: the sentence is the system's message; the note is only ever what a person wrote
    assert [(e["kind"], e["message"], e["note"]) for e in english if e["kind"] == "progress"] == [
        ("progress", "Work order WO-7 opened for this repair.", "")]
    assert [e["message"] for e in chinese if e["kind"] == "progress"] == ["已为此报修开具派工单 WO-7。"]


def test_engineering_sees_and_works_only_what_is_routed_to_it(client, desk_user, engineer_user, owner_with_unit):
    # given
    _, unit = owner_with_unit
    leak = register(unit, category="water_power", description="水管爆了")
    litter = register(unit, category="sanitation", description="垃圾没人收")
    services.complaint_assign(complaint=leak, department="engineering", now=timezone.now(), actor=desk_user)
    services.complaint_assign(complaint=litter, department="cleaning", now=timezone.now(), actor=desk_user)
    client.force_login(engineer_user)

    # when
    listed = client.get("/api/v1/complaints/").json()
    other = client.get(f"/api/v1/complaints/{litter.pk}/")
    start_other = post(client, f"/api/v1/complaints/{litter.pk}/start/")
    start_mine = post(client, f"/api/v1/complaints/{leak.pk}/start/")
    intake = post(client, "/api/v1/complaints/", {
        "unit": unit.pk, "channel": "phone", "category": "repair", "description": "x", "contact_name": "y",
    })

    # then
    assert [c["number"] for c in listed["results"]] == [leak.number]
    assert (other.status_code, start_other.status_code, start_mine.status_code) == (404, 404, 200)
    assert intake.status_code == 403


def test_only_a_supervisor_reassigns(client, desk_user, supervisor_user, owner_with_unit):
    # given
    _, unit = owner_with_unit
    complaint = register(unit)
    services.complaint_assign(complaint=complaint, department="engineering", now=timezone.now(), actor=desk_user)
    url = f"/api/v1/complaints/{complaint.pk}/assign/"

    # when
    client.force_login(desk_user)
    by_desk = post(client, url, {"department": "security"})
    client.force_login(supervisor_user)
    by_supervisor = post(client, url, {"department": "security", "note": "其实是保安的事"})

    # then
    assert by_desk.status_code == 403
    assert by_supervisor.status_code == 200
    assert by_supervisor.json()["department"] == "security"
    kinds = [(e["kind"], e.get("public")) for e in by_supervisor.json()["timeline"][-2:]]
    # The reassignment is public; the supervisor's instruction stays internal.
    assert kinds == [("reassigned", True), ("note", False)]


def test_queue_filters_open_overdue_and_department(client, desk_user, owner_with_unit):
    # given
    _, unit = owner_with_unit
    now = timezone.now()
    late = register(unit, now=now - timedelta(days=5), description="五天前报的")
    fresh = register(unit, description="刚报的")
    services.complaint_assign(complaint=fresh, department="cleaning", now=now, actor=desk_user)
    done = register(unit, description="已解决")
    services.complaint_assign(complaint=done, department="cleaning", now=now, actor=desk_user)
    services.complaint_start(complaint=done, now=now, actor=desk_user)
    services.complaint_resolve(complaint=done, resolution="好了", now=now, actor=desk_user)
    client.force_login(desk_user)

    def numbers(**params):
        return {c["number"] for c in client.get("/api/v1/complaints/", params).json()["results"]}

    # when / then
    assert numbers(status="open") == {late.number, fresh.number}
    assert numbers(overdue="true") == {late.number}
    assert numbers(department="cleaning") == {fresh.number, done.number}
    assert numbers(unit=unit.pk, status="resolved") == {done.number}
    assert client.get("/api/v1/complaints/", {"status": "lost"}).status_code == 400


def test_someone_with_no_role_and_no_owner_record_gets_nothing(client, owner_with_unit):
    # given
    _, unit = owner_with_unit
    complaint = register(unit)
    client.force_login(UserFactory(username="nobody"))

    # when / then
    assert client.get("/api/v1/complaints/").status_code == 403
    assert client.get(f"/api/v1/complaints/{complaint.pk}/").status_code == 403
    assert client.get("/api/v1/suggestions/").status_code == 403


def test_suggestion_is_decided_by_a_supervisor_and_the_owner_reads_the_reply(
    client, desk_user, supervisor_user, owner_with_unit, neighbour
):
    # given: the owner sends a suggestion from the portal
    owner, unit = owner_with_unit
    auth = token_auth(owner.user)
    sent = post(client, "/api/v1/suggestions/", {"subject": "增加充电桩", "content": "地库能否加几个充电桩"}, **auth)
    assert sent.status_code == 201
    suggestion = sent.json()
    assert (suggestion["channel"], suggestion["unit"], suggestion["owner"]) == ("portal", unit.pk, owner.pk)
    url = f"/api/v1/suggestions/{suggestion['id']}"

    # when
    owner_review = post(client, f"{url}/review/", **auth)
    client.force_login(desk_user)
    reviewed = post(client, f"{url}/review/")
    by_desk = post(client, f"{url}/decide/", {"adopt": True, "reply": "好的"})
    client.force_login(supervisor_user)
    by_supervisor = post(client, f"{url}/decide/", {"adopt": True, "reply": "感谢建议，下月在B2加装10个充电桩。"})
    client.logout()
    owner_sees = client.get(f"{url}/", **auth)

    # then
    assert owner_review.status_code == 403
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "under_review"
    assert by_desk.status_code == 403
    assert by_supervisor.status_code == 200 and by_supervisor.json()["status"] == "adopted"
    assert owner_sees.json()["reply"] == "感谢建议，下月在B2加装10个充电桩。"
    assert owner_sees.json()["status"] == "adopted"


def test_owner_sees_only_their_own_suggestions(client, desk_user, owner_with_unit, neighbour):
    # given
    owner, unit = owner_with_unit
    other_owner, other_unit = neighbour
    now = timezone.now()
    mine = services.suggestion_submit(estate=unit.estate, unit=unit, owner=owner, channel="portal",
                                      subject="路灯", content="路灯太暗", now=now)
    theirs = services.suggestion_submit(estate=other_unit.estate, unit=other_unit, owner=other_owner,
                                        channel="portal", subject="绿化", content="多种树", now=now)
    auth = token_auth(owner.user)

    # when
    listed = client.get("/api/v1/suggestions/", **auth).json()
    other = client.get(f"/api/v1/suggestions/{theirs.pk}/", **auth)

    # then
    assert [s["number"] for s in listed["results"]] == [mine.number]
    assert other.status_code == 404


def test_desk_records_a_suggestion_from_a_unit_and_errors_name_the_field(client, desk_user, owner_with_unit):
    # given
    owner, unit = owner_with_unit
    client.force_login(desk_user)

    # when
    good = post(client, "/api/v1/suggestions/", {"unit": unit.pk, "channel": "meeting",
                                                  "subject": "快递柜", "content": "希望增加快递柜"})
    no_place = post(client, "/api/v1/suggestions/", {"channel": "meeting", "subject": "x", "content": "y"})
    no_subject = post(client, "/api/v1/suggestions/", {"unit": unit.pk, "channel": "meeting",
                                                        "subject": "", "content": "y"})

    # then
    assert good.status_code == 201
    assert (good.json()["owner"], good.json()["estate"]) == (owner.pk, unit.estate_id)
    assert (no_place.status_code, set(no_place.json())) == (400, {"estate"})
    assert (no_subject.status_code, set(no_subject.json())) == (400, {"subject"})
    assert Suggestion.objects.count() == 1


def test_queue_query_count_does_not_grow_with_its_rows(client, desk_user, engineer_user, owner_with_unit):
    # given
    owner, unit = owner_with_unit
    client.force_login(desk_user)

    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/complaints/").status_code == 200
        return len(captured)

    def add_complaints(n):
        for _ in range(n):
            complaint = register(unit, owner=owner)
            works_in(engineer_user, unit.estate, "engineering")
            services.complaint_assign(complaint=complaint, department="engineering", assignee=engineer_user,
                                      now=timezone.now(), actor=desk_user)

    # when
    add_complaints(2)
    few = queries_for_list()
    add_complaints(8)
    many = queries_for_list()

    # then
    assert many == few


def test_staff_names_read_as_the_pages_print_them(client, owner_with_unit):
    # given a desk clerk with a Chinese name and an engineer with a Western one
    desk = UserFactory(username="lhc", role="front_desk", first_name="丽华", last_name="陈")
    engineer = UserFactory(username="jd", role="engineering", first_name="Jane", last_name="Doe")
    complaint = register(owner_with_unit[1])
    works_in(engineer, complaint.estate, "engineering")
    client.force_login(desk)

    # when the desk routes the complaint to the engineer
    assigned = post(client, f"/api/v1/complaints/{complaint.pk}/assign/",
                    {"department": "engineering", "assignee": engineer.pk}).json()

    # then family name first and no space in Chinese, "Jane Doe" otherwise, as on the pages
    assert assigned["assignee_name"] == "Jane Doe"
    assert [e["actor_name"] for e in assigned["timeline"] if e["kind"] == "assigned"] == ["陈丽华"]
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "Jane Doe" in page and "陈丽华" in page
