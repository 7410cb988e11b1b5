"""The audit history (propertydesk/audit.py): every write leaves a row naming who, when,
what and from where, set-based writes included, and personal numbers stay masked."""

import datetime as dt
from zoneinfo import ZoneInfo

import pghistory
import pytest
from django.utils import translation

from complaints import services
from complaints.models import Complaint, Status
from fees.models import FeeStandard
from owners.models import OwnerPhone
from propertydesk import audit
from propertydesk.jobs import run_job
from tests.factories import UnitFactory, give_unit, make_owner

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)

ComplaintHistory = audit.event_model(Complaint)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def complaint(db, desk_user):
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    return services.complaint_register(unit=unit, owner=owner, channel="phone", category="repair",
                                       urgency="normal", description="卫生间天花板渗水", actor=desk_user,
                                       contact_phone="13812345678", now=T0)


def rows_of(complaint):
    return list(ComplaintHistory.objects.filter(pgh_obj_id=complaint.pk).select_related("pgh_context")
                .order_by("pgh_id"))


def test_a_service_write_is_recorded_with_its_request_context(complaint, desk_user):
    # given a request's context, as the middleware sets it
    with pghistory.context(user=desk_user.pk, method="POST", path="/complaints/1/", request_id="abc"):
        # when the desk assigns it through the service
        services.complaint_assign(complaint=complaint, department="engineering", now=T0, actor=desk_user)
    # then the insert and the change are there, the change with who and from where
    inserted, changed = rows_of(complaint)
    assert inserted.pgh_label == "insert" and changed.pgh_label == "update"
    assert changed.status == Status.ASSIGNED and changed.department == "engineering"
    assert changed.pgh_context.metadata == {"user": desk_user.pk, "method": "POST",
                                            "path": "/complaints/1/", "request_id": "abc"}


def test_a_queryset_update_is_recorded_and_a_no_op_is_not(complaint):
    # when a set-based update changes the complaint, then one that changes nothing
    with pghistory.context(command="shell"):
        Complaint.objects.filter(pk=complaint.pk).update(location="北面卫生间")
        Complaint.objects.filter(pk=complaint.pk).update(location="北面卫生间")
    # then one change is recorded, naming the command
    rows = rows_of(complaint)
    assert [r.pgh_label for r in rows] == ["insert", "update"]
    assert rows[-1].location == "北面卫生间"
    assert rows[-1].pgh_context.metadata == {"command": "shell"}


def test_a_bulk_create_is_recorded_row_by_row_under_one_context(db):
    # given an estate
    unit = UnitFactory()
    # when fee standards are made with one bulk_create
    with pghistory.context(command="seed_fees"):
        made = FeeStandard.objects.bulk_create([
            FeeStandard(estate=unit.estate, item=f"物业费 {i}", rate="2.50", basis="per_m2_month",
                        effective_from=dt.date(2026, 1, 1))
            for i in range(3)
        ])
    # then each has its insert, all under the same context
    rows = list(audit.event_model(FeeStandard).objects.filter(pgh_obj_id__in=[f.pk for f in made]))
    assert len(rows) == 3 and {r.pgh_label for r in rows} == {"insert"}
    assert len({r.pgh_context_id for r in rows}) == 1
    assert rows[0].pgh_context.metadata == {"command": "seed_fees"}


def test_a_job_run_names_the_job_and_its_slot(complaint):
    # when the overdue sweep runs after the promise has passed
    as_of = complaint.promised_at + dt.timedelta(hours=1)
    run_job("complaints.overdue_sweep", as_of=as_of, now=as_of)
    # then the complaint's change names the job and the slot it ran for
    changed = rows_of(complaint)[-1]
    assert changed.pgh_label == "update"
    metadata = changed.pgh_context.metadata
    assert metadata["job"] == "complaints.overdue_sweep"
    assert dt.datetime.fromisoformat(metadata["slot"]) <= as_of


def test_blind_indexes_are_not_copied_and_numbers_are_kept_encrypted(complaint):
    phone_history = audit.event_model(OwnerPhone)
    assert "number_hash" not in {f.name for f in phone_history._meta.fields}
    # the history column holds ciphertext, as the record's does
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT contact_phone FROM "{ComplaintHistory._meta.db_table}" WHERE pgh_obj_id = %s',
                       [complaint.pk])
        stored = cursor.fetchone()[0]
    assert "13812345678" not in stored


def test_scrub_history_blanks_a_persons_numbers_in_their_records_history(complaint, desk_user):
    # given a complaint with history holding a contact phone, and another person's complaint
    with pghistory.context(command="shell"):
        Complaint.objects.filter(pk=complaint.pk).update(location="北面卫生间")
    other = services.complaint_register(unit=complaint.unit, channel="phone", category="repair",
                                        description="楼道灯不亮", contact_name="赵强", contact_phone="13600001111",
                                        actor=desk_user, now=T0)
    # when the first contact's fields are scrubbed
    changed = audit.scrub_history(model=Complaint, pks=[complaint.pk], fields=["contact_phone", "contact_name"])
    # then every history row of that complaint has them blank, and the other keeps its own
    assert changed == 2
    assert {(r.contact_phone, r.contact_name) for r in rows_of(complaint)} == {(None, "")}
    assert {(r.contact_phone, r.contact_name) for r in rows_of(other)} == {("13600001111", "赵强")}


def test_scrub_history_refuses_a_field_it_cannot_blank(complaint):
    with pytest.raises(ValueError):
        audit.scrub_history(model=Complaint, pks=[complaint.pk], fields=["received_at"])


# ---- the page --------------------------------------------------------------------------------

def history_url(complaint, **query):
    from django.urls import reverse
    from django.utils.http import urlencode

    url = reverse("history", args=["complaints.complaint", complaint.pk])
    return f"{url}?{urlencode(query)}" if query else url


def test_a_supervisor_reads_who_changed_what_newest_first_with_numbers_masked(client, complaint, desk_user,
                                                                             supervisor_user):
    # given a change by the desk through a request, and one by the overdue sweep
    desk_user.first_name, desk_user.last_name = "丽华", "陈"
    desk_user.save()
    with pghistory.context(user=desk_user.pk, method="POST", path=f"/complaints/{complaint.pk}/",
                           request_id="req-1"):
        services.complaint_assign(complaint=complaint, department="engineering", now=T0, actor=desk_user)
    as_of = complaint.promised_at + dt.timedelta(hours=1)
    run_job("complaints.overdue_sweep", as_of=as_of, now=as_of)
    # when a supervisor opens the complaint's history
    client.force_login(supervisor_user)
    response = client.get(history_url(complaint), HTTP_ACCEPT_LANGUAGE="en")
    # then the rows are newest first: the job, the desk's change, the creation
    assert response.status_code == 200
    rows = response.context["page"].rows
    assert [r.kind for r in rows] == ["update", "update", "insert"]
    assert rows[0].who["job"] == "complaints.overdue_sweep"
    assert rows[1].who == {"user": "陈丽华"}
    assert rows[1].request == {"method": "POST", "path": f"/complaints/{complaint.pk}/", "request_id": "req-1"}
    assigned = {c.label: (c.old, c.new) for c in rows[1].changes}
    assert assigned["status"] == ("Received", "Assigned")   # choices by their label
    html = response.content.decode()
    assert "job complaints.overdue_sweep at slot" in html and "陈丽华" in html and "req-1" in html
    # the contact phone only ever masked
    assert "138****5678" in html and "13812345678" not in html
    # and the unit by its name, not its id
    assert str(complaint.unit) in html


def test_the_history_is_paged_newest_first(client, complaint, supervisor_user):
    # given 30 changes
    for i in range(30):
        Complaint.objects.filter(pk=complaint.pk).update(location=f"{i} 号")
    client.force_login(supervisor_user)
    # when the first page and the one after it are read
    first = client.get(history_url(complaint)).context["page"]
    second = client.get(history_url(complaint, before=first.next_before)).context["page"]
    # then they hold every change once, newest first, and the last is the creation
    assert len(first.rows) == audit.PAGE_ROWS and first.rows[0].changes[0].new == "29 号"
    ids = [r.id for r in first.rows + second.rows]
    assert ids == sorted(ids, reverse=True) and len(ids) == 31
    assert second.rows[-1].kind == "insert" and second.next_before is None


@pytest.mark.parametrize("who", ["desk", "owner"])
def test_the_desk_and_owners_cannot_read_a_history(client, complaint, desk_user, who):
    user = desk_user
    if who == "owner":
        from tests.factories import UserFactory
        user = UserFactory()
        complaint.owner.user = user
        complaint.owner.save()
    client.force_login(user)
    assert client.get(history_url(complaint)).status_code == 403


def test_a_supervisor_finds_the_link_on_the_complaint_and_the_desk_does_not(client, complaint, desk_user,
                                                                          supervisor_user):
    client.force_login(supervisor_user)
    assert history_url(complaint) in client.get(f"/complaints/{complaint.pk}/").content.decode()
    client.force_login(desk_user)
    assert history_url(complaint) not in client.get(f"/complaints/{complaint.pk}/").content.decode()


def test_a_nonsense_cursor_or_model_is_not_an_error(client, complaint, supervisor_user):
    client.force_login(supervisor_user)
    assert client.get(history_url(complaint, before="x' OR 1=1")).status_code == 200
    assert client.get("/history/complaints.nothing/1/").status_code == 404
    assert client.get("/history/nonsense/1/").status_code == 404
    assert client.get(f"/history/complaints.complaint/{complaint.pk + 1000}/").status_code == 404


def test_an_owners_id_number_appears_masked_in_the_history_and_scrubbed_not_at_all(client, supervisor_user):
    # given an owner whose ID number was corrected
    from owners.models import Owner
    from tests.factories import resident_id

    first, second = resident_id(7), resident_id(8)
    owner = make_owner(name="王芳", phone="13912340000", id_number=first)
    with pghistory.context(command="shell"):
        Owner.objects.filter(pk=owner.pk).update(id_number=second)
    client.force_login(supervisor_user)
    url = f"/history/owners.owner/{owner.pk}/"
    # when a supervisor reads the owner's history
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then both numbers are there masked, neither in full
    from propertydesk.pii import mask_id_number
    assert mask_id_number(first) in html and mask_id_number(second) in html
    assert first not in html and second not in html
    # and once scrubbed, not even masked
    audit.scrub_history(model=Owner, pks=[owner.pk], fields=["id_number"])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert mask_id_number(first) not in html and mask_id_number(second) not in html


def test_a_load_inside_history_skipped_leaves_no_history_and_what_follows_does(complaint):
    from django.db import transaction

    # when a set-based write runs inside history_skipped (as seed_scale loads), then one after it
    with transaction.atomic(), audit.history_skipped():
        Complaint.objects.filter(pk=complaint.pk).update(location="载入")
    Complaint.objects.filter(pk=complaint.pk).update(location="之后")
    # then only the later change is recorded
    assert [r.location for r in rows_of(complaint)[1:]] == ["之后"]


def test_a_desk_page_post_names_the_clerk_and_the_request(client, complaint, desk_user):
    # when the clerk assigns the complaint on its page, the request carrying an id
    client.force_login(desk_user)
    path = f"/complaints/{complaint.pk}/assign/"
    response = client.post(path, {"department": "engineering"}, HTTP_X_REQUEST_ID="desk-42")
    # then the change names her and that request, and the answer carries its id
    assert response.status_code == 302 and response["X-Request-ID"] == "desk-42"
    changed = rows_of(complaint)[-1]
    assert changed.department == "engineering"
    assert changed.pgh_context.metadata == {"user": desk_user.pk, "method": "POST", "path": path,
                                            "request_id": "desk-42"}


def test_an_api_call_with_a_token_names_the_tokens_user(client, complaint, desk_user):
    from rest_framework.authtoken.models import Token

    # when the desk's app assigns it through the API with a token (no session)
    token = Token.objects.create(user=desk_user)
    path = f"/api/v1/complaints/{complaint.pk}/assign/"
    response = client.post(path, {"department": "engineering"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    # then the change names the token's user, with a request id made for it
    assert response.status_code == 200
    metadata = rows_of(complaint)[-1].pgh_context.metadata
    assert metadata["user"] == desk_user.pk and metadata["path"] == path
    assert metadata["request_id"] == response["X-Request-ID"] and len(metadata["request_id"]) == 32
