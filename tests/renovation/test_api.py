"""The renovation REST API: an owner applies and sees only their own; the desk approves
(or is told what is missing), takes the fees, issues the permit; engineering inspects;
the gate verifies passes; each role only what it may."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIRequestFactory

from renovation import api, rules, selectors, services
from renovation.models import GateCheck, GateResult, Renovation, Status
from tests.factories import UnitFactory, give_unit, make_owner
from tests.renovation.conftest import END, LEAD_ID, START, T0, apply, complete, passed, photo, sh, started

JSON = {"content_type": "application/json"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/api/v1/renovations/"


def token(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


def application(w, **fields) -> dict:
    return {"unit": w.unit.pk, "scope": "厨房、卫生间翻新", "floors_altered": True, "planned_start": str(START),
            "planned_end": str(END), "contractor_name": "锦华装饰工程有限公司", "contractor_lead_name": "赵建国",
            "contractor_lead_phone": "13700001111", "contractor_lead_id_number": LEAD_ID, **fields}


def post(client, url, data=None, **headers):
    return client.post(url, data or {}, **JSON, **headers)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_owner_applies_through_the_api_and_sees_only_their_own(client, w):
    # given: 李娜 and her neighbour 王强, each with a portal login
    lina, wang = token(w.owner.user), token(w.other.user)

    # when
    with time_machine.travel(T0, tick=False):
        made = post(client, URL, application(w), **lina)
        hers = client.get(URL, **lina)
        his = client.get(URL, **wang)
        peek = client.get(f"{URL}{made.json()['id']}/", **wang)
        for_her_unit = post(client, URL, application(w), **wang)

    # then
    assert made.status_code == 201, made.content
    body = made.json()
    renovation = Renovation.objects.get(pk=body["id"])
    assert (renovation.owner, renovation.source, renovation.status) == (w.owner, "portal", Status.SUBMITTED)
    assert body["contractor_lead_phone_masked"] == "137****1111"
    assert "13700001111" not in made.content.decode() and LEAD_ID not in made.content.decode()
    assert body["floors_altered"] is True and body["complete"] is False
    assert ids(hers) == [renovation.pk]
    assert ids(his) == []
    assert peek.status_code == 404
    # a unit that is not his is, to him, a unit that does not exist
    assert for_her_unit.status_code == 400 and "unit" in for_her_unit.json()


def test_an_application_with_mistakes_is_refused_field_by_field(client, w):
    # given
    client.force_login(w.desk)

    # when: the desk names no owner; then a start in the past and a bad phone
    with time_machine.travel(T0, tick=False):
        no_owner = post(client, URL, application(w), **EN)
        wrong = post(client, URL, application(w, owner=w.owner.pk, planned_start="2026-10-01",
                                               contractor_lead_phone="12"), **EN)

    # then
    assert no_owner.status_code == 400 and set(no_owner.json()) == {"owner"}
    assert wrong.status_code == 400
    assert set(wrong.json()) == {"planned_start", "contractor_lead_phone"}
    assert wrong.json()["planned_start"] == ["The start date cannot be in the past."]
    assert not Renovation.objects.exists()


def test_the_desk_approves_only_a_complete_application_and_is_told_what_is_missing(client, w):
    # given: an application with no drawings and the worker's photos missing one
    renovation = apply(w)
    complete(w, renovation, skip={"document:drawings", "worker:photos"})
    client.force_login(w.desk)

    # when
    with time_machine.travel(T0, tick=False):
        refused = post(client, f"{URL}{renovation.pk}/approve/", **EN)
        detail = client.get(f"{URL}{renovation.pk}/", **EN)
    complete(w, renovation, skip={"workers", "paper:application:owner", "paper:fire_safety:contractor",
                                  "paper:agreement:owner", "paper:agreement:contractor",
                                  "paper:agreement:property"})
    worker = renovation.workers.get()
    services.renovation_document_add(renovation=renovation, kind="worker_photo", worker=worker, now=T0,
                                     actor=w.desk, uploads=[photo()])
    with time_machine.travel(T0, tick=False):
        approved = post(client, f"{URL}{renovation.pk}/approve/", {"note": "资料齐全"}, **EN)

    # then
    assert refused.status_code == 400
    body = refused.json()
    assert "Construction drawings" in body["non_field_errors"][0]
    assert [item["key"] for item in body["missing"]] == ["document:drawings", f"worker:{worker.pk}:photos"]
    assert detail.json()["complete"] is False
    assert [i["key"] for i in detail.json()["checklist"] if not i["done"]] == [
        "document:drawings", f"worker:{worker.pk}:photos"]
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == Status.APPROVED and approved.json()["complete"] is True


def test_finance_cannot_approve_and_engineering_cannot_take_fees(client, w):
    # given: a complete application
    renovation = apply(w)
    complete(w, renovation)

    # when
    with time_machine.travel(T0, tick=False):
        client.force_login(w.finance)
        by_finance = post(client, f"{URL}{renovation.pk}/approve/")
        client.force_login(w.engineer)
        fees_by_engineer = post(client, f"{URL}{renovation.pk}/take-fees/", {"method": "cash"})
        client.force_login(w.owner.user)
        by_owner = post(client, f"{URL}{renovation.pk}/approve/")

    # then
    assert by_finance.status_code == fees_by_engineer.status_code == by_owner.status_code == 403
    renovation.refresh_from_db()
    assert renovation.status == Status.SUBMITTED


def test_a_renovation_from_fees_to_acceptance_through_the_api(client, w):
    # given: approved, one worker, the bathroom floor altered
    renovation = apply(w, floors_altered=True)
    complete(w, renovation)
    services.renovation_approve(renovation=renovation, now=T0, actor=w.desk)
    base = f"{URL}{renovation.pk}/"

    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        client.force_login(w.finance)
        paid = post(client, base + "take-fees/", {"method": "cash", "decline_rubbish_fee": True})
        client.force_login(w.desk)
        permitted = post(client, base + "issue-permit/")
        extended = post(client, base + "extend/", {"planned_end": "2026-11-27", "reason": "瓷砖到货晚"})
    with time_machine.travel(sh(2026, 11, 26, 16, 0), tick=False):
        client.force_login(w.owner.user)
        asked = post(client, base + "request-acceptance/", {"note": "已完工"})
        client.force_login(w.engineer)
        failed_without_items = post(client, base + "record-inspection/", {"passed": False}, **EN)
        failed = post(client, base + "record-inspection/", {"passed": False, "items_to_fix": "卫生间闭水试验渗漏"})
        client.force_login(w.owner.user)
        again = post(client, base + "request-acceptance/")
        client.force_login(w.engineer)
        passed = post(client, base + "record-inspection/", {"passed": True})
        client.force_login(w.owner.user)
        seen = client.get(base)

    # then: each receipt named; the rubbish fee declined; the pass valid to the new end
    assert paid.status_code == 200, paid.content
    charges = {c["kind"]: c for c in paid.json()["charges"]}
    assert set(charges) == {"owner_deposit", "contractor_deposit", "pass_fee"}
    code = w.estate.code.upper()
    assert all(c["receipt_number"].startswith(f"{code}-SJ2026-") for c in charges.values())
    assert paid.json()["rubbish_fee_declined"] is True
    assert permitted.status_code == 200 and permitted.json()["permit_number"] == f"{code}-XK2026-00001"
    [worker_pass] = extended.json()["passes"]
    assert worker_pass["valid_to"] == "2026-11-27" and worker_pass["photo_url"].endswith("/")
    assert asked.json()["status"] == Status.ACCEPTANCE_REQUESTED
    assert failed_without_items.status_code == 400 and "items_to_fix" in failed_without_items.json()
    assert failed.json()["status"] == Status.IN_PROGRESS
    assert again.json()["status"] == Status.ACCEPTANCE_REQUESTED
    assert passed.status_code == 200 and passed.json()["status"] == Status.PASSED
    body = seen.json()
    # floors altered: three calendar months after passing
    assert body["deposits_due_on"] == "2027-02-26"
    assert [(d["kind"], d["amount"], d["state"], d["pending"]) for d in body["deposits"]] == [
        ("owner_deposit", "1000.00", "held", None), ("contractor_deposit", "1000.00", "held", None)]
    assert [i["passed"] for i in body["inspections"]] == [False, True]
    assert body["passes"][0]["revoked_at"] is not None
    # the owner's timeline has every move and names no one on the staff
    assert [e["to_status"] for e in body["events"] if e["to_status"]] == [
        Status.SUBMITTED, Status.APPROVED, Status.FEES_PAID, Status.IN_PROGRESS, Status.ACCEPTANCE_REQUESTED,
        Status.IN_PROGRESS, Status.ACCEPTANCE_REQUESTED, Status.PASSED]
    assert all(e["actor_name"] is None for e in body["events"])


def test_documents_are_fetched_through_their_renovation_only(client, w):
    # given
    renovation = apply(w)
    complete(w, renovation)
    client.force_login(w.owner.user)
    with time_machine.travel(T0, tick=False):
        body = client.get(f"{URL}{renovation.pk}/").json()
    document, paper = body["documents"][0], body["papers"][0]

    # when
    own = client.get(document["url"])
    signature = client.get(paper["url"])
    client.force_login(w.other.user)
    other = client.get(document["url"])
    client.force_login(w.desk)
    elsewhere = client.get(f"{URL}{renovation.pk + 1}/documents/{document['id']}/")

    # then
    assert own.status_code == 200 and own["Content-Type"] == "image/png"
    assert own["X-Content-Type-Options"] == "nosniff"
    assert signature.status_code == 200 and signature["Content-Type"] == "image/png"
    assert other.status_code == 404 and elsewhere.status_code == 404
    assert "renovation/" not in str(body)  # no stored path


def test_the_desk_returns_and_the_owner_resubmits_then_withdraws(client, w):
    # given
    renovation = apply(w)
    base = f"{URL}{renovation.pk}/"

    with time_machine.travel(T0, tick=False):
        client.force_login(w.desk)
        blank = post(client, base + "return/", {"reasons": ""}, **EN)
        returned = post(client, base + "return/", {"reasons": "缺少施工图纸"})
        client.force_login(w.owner.user)
        resubmitted = post(client, base + "resubmit/")
        withdrawn = post(client, base + "withdraw/", {"reason": "暂不装修"})
        again = post(client, base + "withdraw/")

    assert blank.status_code == 400 and blank.json()["reasons"] == ["Tell the owner what to add or correct."]
    assert returned.json()["status"] == Status.RETURNED and returned.json()["return_reasons"] == "缺少施工图纸"
    assert resubmitted.json()["status"] == Status.SUBMITTED
    assert withdrawn.json()["status"] == Status.WITHDRAWN
    assert again.status_code == 400 and "non_field_errors" in again.json()


@pytest.fixture
def at_work(w):
    """A renovation under way from START to END with two workers, each with a pass."""
    renovation = started(w, workers=2)
    return renovation, list(renovation.passes.order_by("serial"))


def verify(client, code, at):
    with time_machine.travel(at, tick=False):
        return post(client, "/api/v1/worker-passes/verify/", {"code": code})


def test_the_gate_verifies_a_pass_and_logs_every_check(client, w, at_work):
    # given
    renovation, (first, second) = at_work
    client.force_login(w.desk)
    services.worker_remove(worker=second.worker, reason="离场", now=sh(2026, 11, 12, 9, 0), actor=w.desk)

    # when
    valid = verify(client, first.serial, sh(2026, 11, 10, 10, 0))
    by_qr = verify(client, rules.pass_token(first.serial), sh(2026, 11, 10, 10, 5))
    expired = verify(client, first.serial, sh(2026, 11, 21, 10, 0))
    revoked = verify(client, second.serial, sh(2026, 11, 13, 10, 0))
    unknown = verify(client, "CUIHU-CR2026-09999", sh(2026, 11, 13, 10, 0))
    forged = verify(client, first.serial + ":forged", sh(2026, 11, 13, 10, 0))
    blank = verify(client, " ", sh(2026, 11, 13, 10, 0))

    # then
    answer = valid.json()
    assert valid.status_code == 200 and answer["result"] == GateResult.VALID and answer["ok"] is True
    assert (answer["worker_name"], answer["unit_number"], answer["valid_from"], answer["valid_to"]) == (
        first.holder_name, "3-1-1203", str(START), str(END))
    assert answer["photo_url"].endswith(f"/renovations/{renovation.pk}/documents/{first.photo_id}/")
    assert by_qr.json()["result"] == GateResult.VALID
    assert (expired.json()["result"], expired.json()["ok"]) == (GateResult.EXPIRED, False)
    assert revoked.json()["result"] == GateResult.REVOKED
    assert unknown.json()["result"] == GateResult.UNKNOWN and unknown.json()["worker_name"] is None
    assert forged.json()["result"] == GateResult.FORGED
    assert blank.status_code == 400 and "code" in blank.json()
    assert list(GateCheck.objects.order_by("pk").values_list("result", flat=True)) == [
        "valid", "valid", "expired", "revoked", "unknown", "forged"]
    assert GateCheck.objects.filter(checked_by=w.desk).count() == 6


def test_passes_are_the_desks_business(client, w, at_work):
    renovation, passes = at_work

    client.force_login(w.desk)
    listed = client.get("/api/v1/worker-passes/", {"renovation": renovation.pk})
    client.force_login(w.owner.user)
    by_owner = client.get("/api/v1/worker-passes/")
    owner_verify = verify(client, passes[0].serial, sh(2026, 11, 10, 10, 0))
    client.force_login(w.engineer)
    by_engineer = client.get("/api/v1/worker-passes/")

    assert sorted(row["serial"] for row in listed.json()["results"]) == [p.serial for p in passes]
    serializer = api.WorkerPassSerializer()
    row = selectors.passes_for_api().get(pk=passes[0].pk)
    assert serializer.row(row) == dict(serializer.declared(row))
    assert listed.json()["results"][0]["unit_number"] == "3-1-1203"
    assert by_owner.status_code == owner_verify.status_code == by_engineer.status_code == 403
    assert not GateCheck.objects.exists()


def test_the_list_reads_the_same_statements_however_many_renovations_it_shows(client, w):
    client.force_login(w.boss)

    def queries():
        with CaptureQueriesContext(connection) as captured, time_machine.travel(T0, tick=False):
            assert client.get(URL).status_code == 200
        return len(captured)

    started(w, workers=1)
    one = queries()
    for n in range(3):
        owner = make_owner(name=f"业主{n}", phone=f"1391000000{n}")
        unit = UnitFactory(building=w.unit.building, number=f"3-2-{n + 1}01")
        give_unit(owner, unit)
        renovation = apply(w, unit=unit, owner=owner)
        complete(w, renovation, workers=2)
    assert queries() == one


def test_the_schema_names_every_renovation_route(client, w):
    client.force_login(w.desk)
    body = client.get("/api/v1/schema/").content.decode()
    for path in ("/api/v1/renovations/", "/api/v1/renovations/{id}/approve/", "/api/v1/renovations/{id}/return/",
                 "/api/v1/renovations/{id}/take-fees/", "/api/v1/renovations/{id}/record-inspection/",
                 "/api/v1/renovations/{id}/documents/{document_id}/", "/api/v1/worker-passes/verify/"):
        assert path in body


def test_nested_rows_are_written_as_their_declared_fields_would_write_them(w):
    # given: a renovation that passed, with a deposit refunded and a penalty proposed on the other
    renovation = passed(w, on=sh(2026, 11, 20, 10, 0))
    due = sh(2026, 12, 1, 10, 0)
    owner_deposit = renovation.charges.get(kind="owner_deposit")
    services.deposit_refund(deposit=owner_deposit, method="cash", now=due, actor=w.finance)
    request = APIRequestFactory().get("/api/v1/renovations/")
    request.user = w.boss
    context = {"request": request, "today": due.date()}
    renovation = selectors.renovations_for_api(w.boss).get(pk=renovation.pk)

    # then: each row written directly is the declared fields' own representation
    pairs = [(api.WorkerSerializer, renovation.api_workers), (api.DocumentSerializer, renovation.api_documents),
             (api.PaperSerializer, renovation.api_papers), (api.ChargeSerializer, renovation.api_charges),
             (api.PassSerializer, renovation.api_passes), (api.InspectionSerializer, renovation.api_inspections)]
    for serializer_class, rows in pairs:
        serializer = serializer_class(context=context)
        assert rows, serializer_class.__name__
        for row in rows:
            assert serializer.row(row) == dict(serializer.declared(row)), serializer_class.__name__
    refund = owner_deposit.refund
    assert api.ChargeSerializer(context=context).get_refund(owner_deposit) == dict(api.RefundSerializer(refund).data)
    deposits = api.RenovationSerializer(context=context).deposit_rows(renovation)
    assert [api.DepositSerializer.row(row) for row in deposits] == [
        dict(d) for d in api.DepositSerializer(deposits, many=True).data]
    assert [d["state"] for d in deposits] == ["refunded", "due"]
