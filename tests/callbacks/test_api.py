"""The callbacks API: the desk's list and actions, the owner's online answer,
supervisors' cancelling, spot checks and rules, and what is never possible."""

import base64
import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image, ImageDraw
from rest_framework.authtoken.models import Token

from callbacks.models import Callback, CallbackEvent, CallbackResult, CallbackRule, SpotCheck, Status
from complaints.models import Status as ComplaintStatus
from tests.callbacks.conftest import complete_order, resolve_complaint
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

JSON = {"content_type": "application/json"}


def post(client, url, data=None, **extra):
    return client.post(url, data or {}, **JSON, **extra)


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def complaint_callback(estate, *, resolved: dt.datetime) -> Callback:
    complaint = resolve_complaint(estate, received=resolved - dt.timedelta(hours=5), resolved=resolved)
    return Callback.objects.get(complaint=complaint)


def url(callback, action="") -> str:
    return f"/api/v1/callbacks/{callback.pk}/" + (f"{action}/" if action else "")


def signature_data_url() -> str:
    image = Image.new("RGB", (300, 120), "white")
    ImageDraw.Draw(image).line([(20, 90), (120, 20), (280, 100)], fill="black", width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_staff_list_callbacks_and_filter_them(client, estate):
    # given: one complaint callback long overdue, one due in three days, one repair done
    late = complaint_callback(estate, resolved=ago(days=10))
    fresh = complaint_callback(estate, resolved=ago(hours=1))
    repair = Callback.objects.get(work_order=complete_order(estate, kind="minor_repair", completed=ago(hours=2)))
    client.force_login(estate["desk"])

    def ids(query=""):
        answer = client.get(f"/api/v1/callbacks/{query}")
        assert answer.status_code == 200
        return {row["id"] for row in answer.json()["results"]}

    # then
    assert ids() == {late.pk, fresh.pk, repair.pk}
    assert ids("?overdue=true") == {late.pk}
    assert ids("?overdue=false") == {fresh.pk, repair.pk}
    assert ids("?kind=minor_repair") == {repair.pk}
    assert ids(f"?complaint={fresh.complaint_id}") == {fresh.pk}
    assert ids(f"?work_order={repair.work_order_id}") == {repair.pk}
    assert ids(f"?due_before={late.due_on.isoformat()}") == {late.pk}
    assert ids(f"?due_after={min(fresh.due_on, repair.due_on).isoformat()}&status=due") == {fresh.pk, repair.pk}
    assert ids(f"?assignee={estate['desk'].pk}&estate={late.estate_id}") == {late.pk, fresh.pk, repair.pk}
    row = client.get(url(late)).json()
    assert row["is_overdue"] is True and row["status"] == "due" and row["kind"] == "complaint"
    assert row["source"] == {"type": "complaint", "id": late.complaint_id, "number": late.complaint.number}
    assert row["assignee"] == estate["desk"].pk and row["results"] == [] and row["spot_checks"] == []


def test_an_owner_sees_only_the_callbacks_offered_to_them_with_a_token(client, estate):
    # given: two callbacks of the owner, one offered online; and a neighbour
    offered = complaint_callback(estate, resolved=ago(days=1))
    not_offered = complaint_callback(estate, resolved=ago(hours=3))
    client.force_login(estate["desk"])
    assert post(client, url(offered, "offer")).json()["offered_online_at"] is not None
    client.logout()
    token = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=estate['owner'].user).key}"}
    neighbour = make_owner(name="王强", phone="13700001111")
    give_unit(neighbour, UnitFactory(number="3-1-1204"))
    neighbour.user = UserFactory(username="wangqiang")
    neighbour.save(update_fields=["user"])

    # then
    listed = client.get("/api/v1/callbacks/", **token).json()["results"]
    assert [row["id"] for row in listed] == [offered.pk]
    assert listed[0]["assignee"] is None  # staff-only
    assert client.get(url(not_offered), **token).status_code == 404
    client.force_login(neighbour.user)
    assert client.get("/api/v1/callbacks/").json()["results"] == []
    assert client.get(url(offered)).status_code == 404
    assert post(client, url(offered, "perform"), {"satisfaction": "satisfied"}).status_code == 404
    client.logout()

    # and: the owner answers online; a staff method is not theirs
    as_phone = post(client, url(offered, "perform"), {"method": "phone", "satisfaction": "satisfied",
                                                      "owner_words": "好"}, **token)
    assert as_phone.status_code == 403
    answered = post(client, url(offered, "perform"), {"satisfaction": "very_satisfied", "suggestions": "谢谢"},
                    **token)
    assert answered.status_code == 200
    assert answered.json()["status"] == "done" and answered.json()["results"][0]["method"] == "online"


def test_performing_by_phone_needs_the_owners_words_and_satisfied_closes_the_complaint(client, estate):
    callback = complaint_callback(estate, resolved=ago(days=1))
    client.force_login(estate["desk"])

    missing = post(client, url(callback, "perform"), {"method": "phone", "satisfaction": "satisfied"})
    assert missing.status_code == 400 and "owner_words" in missing.json()
    assert not CallbackResult.objects.exists()

    done = post(client, url(callback, "perform"), {"method": "phone", "satisfaction": "satisfied",
                                                   "owner_words": "修好了，挺满意", "quality": "防水层重做"})
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "done" and body["done_at"] is not None
    assert body["results"][0]["owner_words"] == "修好了，挺满意" and body["results"][0]["recorded_by"] == estate["desk"].pk
    callback.complaint.refresh_from_db()
    assert callback.complaint.status == ComplaintStatus.CLOSED


def test_unsatisfied_sends_the_complaint_back_and_performing_twice_is_refused(client, estate):
    callback = complaint_callback(estate, resolved=ago(days=1))
    client.force_login(estate["desk"])
    phone = {"method": "phone", "satisfaction": "unsatisfied", "owner_words": "还是漏"}

    no_reason = post(client, url(callback, "perform"), phone)
    assert no_reason.status_code == 400 and "shortcomings" in no_reason.json()

    sent_back = post(client, url(callback, "perform"), {**phone, "shortcomings": "雨后仍渗水"})
    assert sent_back.status_code == 200 and sent_back.json()["rectification_ordered_at"] is not None
    callback.complaint.refresh_from_db()
    assert callback.complaint.status == ComplaintStatus.IN_PROGRESS

    twice = post(client, url(callback, "perform"), {**phone, "satisfaction": "satisfied"})
    assert twice.status_code == 400 and "non_field_errors" in twice.json()
    assert CallbackResult.objects.count() == 1


def test_face_to_face_takes_the_signature_but_never_gives_it_back(client, estate):
    callback = complaint_callback(estate, resolved=ago(days=1))
    client.force_login(estate["desk"])

    unsigned = post(client, url(callback, "perform"), {"method": "face_to_face", "satisfaction": "satisfied"})
    assert unsigned.status_code == 400 and "signature" in unsigned.json()
    bad = post(client, url(callback, "perform"), {"method": "face_to_face", "satisfaction": "satisfied",
                                                  "signature": "data:image/png;base64,AAAA"})
    assert bad.status_code == 400 and "signature" in bad.json()

    signed = post(client, url(callback, "perform"), {"method": "face_to_face", "satisfaction": "satisfied",
                                                     "signature": signature_data_url(), "signer_name": "李娜"})
    assert signed.status_code == 200
    result = signed.json()["results"][0]
    assert result["has_signature"] is True and result["signer_name"] == "李娜"
    assert "signature_png" not in result and "iVBOR" not in signed.content.decode()
    assert bytes(CallbackResult.objects.get().signature_png).startswith(b"\x89PNG")


def test_a_correction_is_a_new_result_linked_to_the_original(client, estate):
    callback = complaint_callback(estate, resolved=ago(days=1))
    client.force_login(estate["desk"])
    post(client, url(callback, "perform"), {"method": "phone", "satisfaction": "neutral", "owner_words": "一般",
                                            "suggestions": "希望早点通知"})
    original = CallbackResult.objects.get()

    no_reason = post(client, url(callback, "correct"), {"reason": " ", "suggestions": "x"})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    corrected = post(client, url(callback, "correct"), {"reason": "建议记错了", "suggestions": "希望维修前电话通知"})

    assert corrected.status_code == 200
    first, second = corrected.json()["results"]
    assert first["id"] == original.pk and first["suggestions"] == "希望早点通知"
    assert second["corrects"] == original.pk and second["correction_reason"] == "建议记错了"
    assert second["suggestions"] == "希望维修前电话通知" and second["satisfaction"] == "neutral"


def test_assigning_takes_someone_who_does_callbacks(client, estate):
    callback = complaint_callback(estate, resolved=ago(days=1))
    client.force_login(estate["desk"])

    engineer = post(client, url(callback, "assign"), {"assignee": estate["plumber"].user_id})
    assert engineer.status_code == 400 and "assignee" in engineer.json()
    boss = post(client, url(callback, "assign"), {"assignee": estate["boss"].pk})
    assert boss.status_code == 200 and boss.json()["assignee"] == estate["boss"].pk


def test_only_a_supervisor_cancels_with_a_reason(client, estate):
    callback = complaint_callback(estate, resolved=ago(days=1))

    client.force_login(estate["desk"])
    assert post(client, url(callback, "cancel"), {"reason": "业主已搬走"}).status_code == 403

    client.force_login(estate["boss"])
    blank = post(client, url(callback, "cancel"), {"reason": ""})
    assert blank.status_code == 400 and "reason" in blank.json()
    cancelled = post(client, url(callback, "cancel"), {"reason": "业主已搬走，联系不上"})
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "业主已搬走，联系不上"
    assert body["cancelled_by"] == estate["boss"].pk


def test_a_done_callback_cannot_be_cancelled_or_performed_again_through_the_api(client, estate):
    # given: a callback the desk performed
    callback = complaint_callback(estate, resolved=ago(days=1))
    client.force_login(estate["desk"])
    done = post(client, url(callback, "perform"), {"method": "phone", "satisfaction": "satisfied", "owner_words": "满意"})
    assert done.status_code == 200 and done.json()["status"] == "done"

    # when: a supervisor cancels it, the desk performs it again
    client.force_login(estate["boss"])
    cancel = post(client, url(callback, "cancel"), {"reason": "弄错了"}, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(estate["desk"])
    again = post(client, url(callback, "perform"), {"method": "phone", "satisfaction": "unsatisfied",
                                                     "owner_words": "不满意", "shortcomings": "还是漏"})

    # then: both refused; still done, with its one event
    assert cancel.status_code == 400 and cancel.json()["non_field_errors"] == [
        "Only a callback still due can be cancelled."]
    assert again.status_code == 400
    callback.refresh_from_db()
    assert callback.status == Status.DONE and callback.cancel_reason == ""
    assert list(CallbackEvent.objects.values_list("from_status", "to_status", "actor")) == [
        ("due", "done", estate["desk"].pk)]


def test_a_supervisor_spot_checks_a_done_callback(client, estate):
    callback = complaint_callback(estate, resolved=ago(days=1))
    client.force_login(estate["boss"])
    check = {"method": "phone", "agrees": True}

    assert post(client, url(callback, "spot-check"), check).status_code == 400  # not done yet
    client.force_login(estate["desk"])
    post(client, url(callback, "perform"), {"method": "phone", "satisfaction": "satisfied", "owner_words": "满意"})
    assert post(client, url(callback, "spot-check"), check).status_code == 403

    client.force_login(estate["boss"])
    disagree = post(client, url(callback, "spot-check"), {"method": "phone", "agrees": False})
    assert disagree.status_code == 400 and "note" in disagree.json()
    checked = post(client, url(callback, "spot-check"), check)
    assert checked.status_code == 200
    assert [(c["agrees"], c["checked_by"]) for c in checked.json()["spot_checks"]] == [(True, estate["boss"].pk)]
    assert SpotCheck.objects.count() == 1


def test_callbacks_are_never_created_edited_or_deleted_by_hand(client, estate):
    callback = complaint_callback(estate, resolved=ago(days=1))
    client.force_login(estate["boss"])

    assert client.delete(url(callback)).status_code == 405
    assert client.put(url(callback), {}, **JSON).status_code == 405
    assert client.patch(url(callback), {"status": "done"}, **JSON).status_code == 405
    assert post(client, "/api/v1/callbacks/", {"complaint": callback.complaint_id}).status_code == 405
    callback.refresh_from_db()
    assert callback.status == Status.DUE and Callback.objects.count() == 1


def test_a_supervisor_sets_a_new_rule_version_and_current_shows_it(client, estate):
    estate_id = estate["unit"].estate_id
    rule = {"estate": estate_id, "kind": "complaint", "days": 2, "required_rate": "100"}

    client.force_login(estate["desk"])
    assert post(client, "/api/v1/callback-rules/", rule).status_code == 403
    before = {r["kind"]: r for r in client.get(f"/api/v1/callback-rules/current/?estate={estate_id}").json()}
    assert before["complaint"]["days"] == 3 and before["complaint"]["effective_from"] is None

    client.force_login(estate["boss"])
    no_due = post(client, "/api/v1/callback-rules/", {**rule, "days": 0})
    assert no_due.status_code == 400 and "days" in no_due.json()
    created = post(client, "/api/v1/callback-rules/", rule)
    assert created.status_code == 201 and created.json()["effective_from"] is not None
    post(client, "/api/v1/callback-rules/", {**rule, "days": 1})

    versions = client.get(f"/api/v1/callback-rules/?estate={estate_id}&kind=complaint").json()["results"]
    assert [v["days"] for v in versions] == [1, 2]
    now = {r["kind"]: r for r in client.get(f"/api/v1/callback-rules/current/?estate={estate_id}").json()}
    assert now["complaint"]["days"] == 1 and now["complaint"]["rule"] == versions[0]["id"]
    assert now["major_works"]["months"] == 1 and now["major_works"]["rule"] is None
    assert client.get("/api/v1/callback-rules/current/").status_code == 400
    assert CallbackRule.objects.count() == 2

    # owners do not see the rules
    client.force_login(estate["owner"].user)
    assert client.get("/api/v1/callback-rules/").status_code == 403


def test_a_work_order_takes_a_planned_end_and_shows_it(client, estate):
    client.force_login(estate["desk"])
    start = timezone.now() + dt.timedelta(days=1)
    order = {"unit": estate["unit"].pk, "kind": "special_service", "trade": "plumbing", "description": "全屋管道更换",
             "source": "phone", "from_owner": True, "requester_name": "李娜", "price_item": estate["item"].pk,
             "appointment_at": start.isoformat()}

    too_early = post(client, "/api/v1/work-orders/", {**order, "planned_end_at": start.isoformat()})
    assert too_early.status_code == 400 and "planned_end_at" in too_early.json()
    created = post(client, "/api/v1/work-orders/",
                   {**order, "planned_end_at": (start + dt.timedelta(days=3)).isoformat()})

    assert created.status_code == 201
    planned = dt.datetime.fromisoformat(created.json()["planned_end_at"])
    assert abs(planned - (start + dt.timedelta(days=3))) < dt.timedelta(seconds=1)


def test_the_schema_lists_the_callback_endpoints(client, estate):
    client.force_login(estate["desk"])

    schema = client.get("/api/v1/schema/")

    assert schema.status_code == 200
    body = schema.content.decode()
    for path in ("/api/v1/callbacks/", "/api/v1/callbacks/{id}/perform/", "/api/v1/callbacks/{id}/spot-check/",
                 "/api/v1/callback-rules/", "/api/v1/callback-rules/current/"):
        assert path in body


def test_the_list_query_count_does_not_grow_with_the_rows(client, estate):
    client.force_login(estate["desk"])

    def add_done(n):
        for day in range(n):
            callback = complaint_callback(estate, resolved=ago(days=day + 1))
            post(client, url(callback, "perform"), {"method": "phone", "satisfaction": "neutral",
                                                    "owner_words": "还行"})

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/callbacks/").status_code == 200
        return len(captured)

    add_done(1)
    few = queries()
    add_done(4)
    assert queries() == few
