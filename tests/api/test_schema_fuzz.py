"""Schemathesis fuzzes every operation of the REST API from the OpenAPI schema the
portal serves (/api/v1/schema/), once as a supervisor and once as an owner, against a
small estate: no answer may be a 500, and every answer must match the schema.

In-process (the WSGI app, no server thread), so every request runs in the test's own
transaction: what the fuzzer writes is rolled back. The examples per operation are
bounded and derandomized, failures are counted instead of raised (no shrinking), and
the figures appear in the run's closing summary ("figures"). It runs with the rest of
the suite (``./dev test``), or alone: ``./dev test -m schemathesis tests/api``."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import os
from decimal import Decimal

import hypothesis
import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from callbacks import services as callbacks
from callbacks.models import Callback
from complaints import services as complaints
from desk import services as desk_log
from fees import services as fees
from fees.models import FeeStandard
from notices import services as notices
from propertydesk.wsgi import application
from renovation import services as renovation
from renovation.models import PAPER_PARTIES, REQUIRED_DOCUMENTS
from repairs.models import PriceItem, Worker
from tests.callbacks.conftest import complete_order, resolve_complaint, sh
from tests.factories import PASSWORD, UnitFactory, UserFactory, give_unit, make_owner, resident_id
from tests.renovation.conftest import photo, signature

pytestmark = pytest.mark.schemathesis

SCHEMA = "/api/v1/schema/"
# Examples per operation: schema-valid ones and hostile ones (wrong types, missing
# fields, out-of-range values). Bounded so both identities run in about a minute;
# PROPERTYDESK_FUZZ_EXAMPLES=40,40 (valid, hostile) digs deeper by hand.
POSITIVE_EXAMPLES, NEGATIVE_EXAMPLES = (
    int(n) for n in os.environ.get("PROPERTYDESK_FUZZ_EXAMPLES", "7,3").split(","))
CHECKS = {
    "server errors": not_a_server_error,
    "schema violations": response_schema_conformance,
    "undeclared statuses": status_code_conformance,
}
NOW = sh(2026, 11, 20, 10, 0)


@dataclasses.dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    failures: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    examples: dict = dataclasses.field(default_factory=dict)  # (check, operation) -> first message

    def line(self, identity: str) -> str:
        counts = ", ".join(f"{self.failures[name]} {name}" for name in CHECKS)
        return f"schemathesis {identity}: {self.operations} operations, {self.cases} cases, {counts}"

    def details(self) -> str:
        return "\n\n".join(f"[{check}] {operation}\n{message}"
                           for (check, operation), message in sorted(self.examples.items()))


@pytest.fixture
def world(db, settings):
    """One estate: the owner 李娜 with her unit and a neighbour with his; a complaint
    resolved and one just taken, a paid special service and a minor repair done, their
    callbacks (one offered online), a suggestion, October's and November's bills, a
    payment and October's first reminders, her renovation under way and her neighbour's
    application. Returns the two callers."""
    settings.ALLOWED_HOSTS = ["*"]
    with time_machine.travel(NOW, tick=False):
        owner = make_owner(name="李娜", phone="13912345678")
        unit = UnitFactory(number="3-1-1203")
        give_unit(owner, unit)
        owner.user = UserFactory(username="lina", last_name="李娜")
        owner.save(update_fields=["user"])
        neighbour = make_owner(name="王强", phone="13800001111")
        next_door = UnitFactory(building=unit.building, number="3-1-1204")
        give_unit(neighbour, next_door)
        desk = UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
        boss = UserFactory(username="boss", role="supervisor", first_name="敏", last_name="周")
        plumber = Worker.objects.create(user=UserFactory(username="eng", role="engineering"), estate=unit.estate,
                                        trades=["plumbing"])
        item = PriceItem.objects.create(estate=unit.estate, name="疏通下水道", trade="plumbing",
                                        price=Decimal("80.00"), unit_label="次")
        estate = {"owner": owner, "unit": unit, "desk": desk, "boss": boss, "plumber": plumber, "item": item}
        resolve_complaint(estate, received=sh(2026, 11, 18, 9, 0), resolved=sh(2026, 11, 18, 15, 0))
        complaints.complaint_register(unit=unit, owner=owner, channel="phone", category="facilities",
                                      description="楼道灯不亮", now=sh(2026, 11, 19, 9, 0), actor=desk)
        complete_order(estate, kind="special_service", completed=sh(2026, 11, 19, 11, 0), payment="cash")
        complete_order(estate, kind="minor_repair", completed=sh(2026, 11, 19, 16, 0))
        for callback in Callback.objects.all()[:1]:
            callbacks.callback_offer_online(callback=callback, now=NOW, actor=desk)
        complaints.suggestion_submit(estate=unit.estate, channel="portal", subject="增加充电桩",
                                     content="地下车库能否增加电动车充电桩？", now=NOW, owner=owner, unit=unit)
        FeeStandard.objects.create(estate=unit.estate, item="物业服务费", basis="per_m2_month",
                                   rate=Decimal("2.35"), effective_from=dt.date(2026, 1, 1))
        fees.bill_run(period=dt.date(2026, 10, 1), as_of=sh(2026, 10, 10, 1, 0))
        fees.bill_run(period=dt.date(2026, 11, 1), as_of=sh(2026, 11, 10, 1, 0))
        fees.payment_take(unit=unit, amount=Decimal("100.00"), method="cash", payer_name="李娜",
                          now=sh(2026, 11, 12, 10, 0), actor=desk)
        fees.dunning_round(period=dt.date(2026, 10, 1), round_=1, as_of=sh(2026, 11, 16, 9, 0))
        renovations(owner, unit, neighbour, next_door, desk=desk, boss=boss)
        # notices: one sent to her building, one to the neighbour's unit alone, a draft
        for audience, places in (("buildings", [unit.building.number]), ("units", [next_door.number])):
            notices.notice_publish(notice=notices.notice_create(
                estate=unit.estate, kind="lift", audience=audience, buildings=places, units=places, title="电梯维保",
                body="{place}电梯{start}至{end}停运。", place="3号楼", starts_at=sh(2026, 11, 21, 9, 0),
                ends_at=sh(2026, 11, 21, 12, 0), now=NOW, actor=desk), now=NOW, actor=desk)
        notices.notice_create(estate=unit.estate, kind="safety", title="安全提示", body="请勿占用消防通道。", now=NOW,
                              actor=desk)
        # activities: one to come with her household signed up, one held with its callback
        from activities import services as activities

        tea = activities.activity_plan(estate=unit.estate, title="重阳节茶话会", kind="cultural",
                                       starts_at=sh(2026, 11, 28, 15, 0), now=NOW, actor=desk)
        activities.participation_record(activity=tea, unit=unit, owner=owner, attended=False, now=NOW, actor=desk)
        party = activities.activity_plan(estate=unit.estate, title="中秋游园会", starts_at=sh(2026, 11, 1, 19, 0),
                                         now=sh(2026, 10, 20, 9, 0), actor=desk)
        activities.participation_record(activity=party, unit=unit, now=sh(2026, 11, 1, 19, 5), actor=desk)
        activities.activity_hold(activity=party, now=sh(2026, 11, 1, 21, 0), actor=desk)
        # the shift log: an entry on her unit handed over and waiting, one closed
        desk_log.entry_add(estate=unit.estate, author=desk, text="3-1-1203 厨房漏水，明早回电", priority="high",
                           unit=unit, now=sh(2026, 11, 20, 9, 0))
        done = desk_log.entry_add(estate=unit.estate, author=desk, text="快递柜已修好", now=sh(2026, 11, 20, 9, 5))
        desk_log.entry_close(entry=done, actor=desk, now=sh(2026, 11, 20, 9, 30))
        desk_log.handover_create(estate=unit.estate, actor=desk, now=sh(2026, 11, 20, 9, 40), notes="钥匙在抽屉")
    return {"owner": owner.user, "supervisor": boss}


def renovations(owner, unit, neighbour, next_door, *, desk, boss) -> None:
    """李娜's renovation under way (every paper, a worker with his pass) and her
    neighbour's application just submitted."""
    made = renovation.renovation_apply(
        unit=unit, owner=owner, scope="厨房翻新", planned_start=dt.date(2026, 11, 19),
        planned_end=dt.date(2026, 12, 31), contractor_name="锦华装饰工程有限公司", contractor_lead_name="赵建国",
        contractor_lead_phone="13700001111", contractor_lead_id_number=resident_id(900), now=sh(2026, 11, 19, 9, 0),
        actor=desk)
    for kind in REQUIRED_DOCUMENTS:
        renovation.renovation_document_add(renovation=made, kind=kind, uploads=[photo()], now=sh(2026, 11, 19, 9, 5),
                                           actor=desk)
    renovation.worker_add(renovation=made, name="工人甲", id_number=resident_id(901, birth="19900101"),
                          now=sh(2026, 11, 19, 9, 10), actor=desk, id_copies=[photo()], photos=[photo(), photo()])
    for paper, parties in PAPER_PARTIES.items():
        for party in parties:
            renovation.paper_sign(renovation=made, paper=paper, party=party, signature_png=signature(),
                                  now=sh(2026, 11, 19, 9, 15), actor=desk)
    renovation.renovation_approve(renovation=made, now=sh(2026, 11, 19, 10, 0), actor=desk)
    renovation.renovation_fees_take(renovation=made, method="cash", now=sh(2026, 11, 19, 11, 0), actor=boss)
    renovation.permit_issue(renovation=made, now=sh(2026, 11, 19, 12, 0), actor=desk)
    renovation.renovation_apply(
        unit=next_door, owner=neighbour, scope="客厅铺木地板", planned_start=dt.date(2026, 11, 23),
        planned_end=dt.date(2026, 12, 10), contractor_name="美居装饰有限公司", contractor_lead_name="钱伟",
        contractor_lead_phone="13700002222", contractor_lead_id_number=resident_id(902), now=sh(2026, 11, 20, 9, 0),
        actor=desk)


def known_ids() -> dict[str, list[int]]:
    """For each path's collection (``/api/v1/work-orders/{id}/…``): the ids that exist."""
    from django.apps import apps

    models = {"estates": "owners.Estate", "buildings": "owners.Building", "units": "owners.Unit",
              "owners": "owners.Owner", "complaints": "complaints.Complaint",
              "suggestions": "complaints.Suggestion", "work-orders": "repairs.WorkOrder",
              "price-items": "repairs.PriceItem", "callbacks": "callbacks.Callback",
              "callback-rules": "callbacks.CallbackRule", "bills": "fees.Bill", "payments": "fees.Payment",
              "fee-standards": "fees.FeeStandard", "dunning-notices": "fees.DunningNotice",
              "renovations": "renovation.Renovation", "worker-passes": "renovation.WorkerPass",
              "notices": "notices.Notice", "activities": "activities.Activity",
              "shift-log": "desk.LogEntry", "handovers": "desk.Handover",
              "handover-items": "desk.HandoverItem"}
    return {name: sorted(apps.get_model(label).objects.values_list("pk", flat=True))
            for name, label in models.items()}


@contextlib.contextmanager
def in_process():
    """Requests handled in this thread keep the test's connection open (as Django's test
    client does): the end of a request must not close the transaction the test runs in."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def token_for(client, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.content
    return {"Authorization": f"Token {answer.json()['token']}"}


def fuzz(headers: dict[str, str]) -> Tally:
    with in_process():
        return _fuzz(headers)


def _fuzz(headers: dict[str, str]) -> Tally:
    schema = schemathesis.openapi.from_wsgi(SCHEMA, application, headers=headers)
    ids = known_ids()
    tally = Tally()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        collection = operation.path.removeprefix("/api/v1/").split("/")[0]
        # An id that exists half the time (the record's own rules answer), else the fuzzer's.
        real_id = st.sampled_from(ids.get(collection) or [None]) if "{id}" in operation.path else st.none()

        def run(case, use_id):
            if use_id is not None:
                case.path_parameters["id"] = use_id
            response = case.call(headers=headers)
            tally.cases += 1
            try:
                case.validate_response(response, checks=list(CHECKS.values()), headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    name = next((n for n, check in CHECKS.items() if check.__name__ in failure.checks), failure.title)
                    tally.failures[name] += 1
                    body = "" if isinstance(case.body, NotSet) else f" body={case.body!r:.300}"
                    tally.examples.setdefault(
                        (name, operation.label),
                        f"{case.method} {case.formatted_path} query={case.query or {}}{body}\n"
                        f"-> {response.status_code} {response.text[:600]}\n{failure.title}: {failure.message[:800]}")

        for mode, examples in [(GenerationMode.POSITIVE, POSITIVE_EXAMPLES), (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)]:
            strategy = st.tuples(operation.as_strategy(generation_mode=mode), st.one_of(st.none(), real_id))
            hypothesis.settings(
                max_examples=examples, derandomize=True, database=None, deadline=None,
                phases=[hypothesis.Phase.generate], suppress_health_check=list(hypothesis.HealthCheck),
            )(hypothesis.given(strategy)(lambda pair: run(*pair)))()
    return tally


def report(figure, identity: str, tally: Tally) -> None:
    figure(tally.line(identity))
    assert sum(tally.failures.values()) == 0, tally.line(identity) + "\n\n" + tally.details()


def test_no_operation_fails_or_breaks_its_schema_for_a_supervisor(client, world, figure):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        tally = fuzz(token_for(client, world["supervisor"].username))
    report(figure, "supervisor", tally)


def test_no_operation_fails_or_breaks_its_schema_for_an_owner(client, world, figure):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        tally = fuzz(token_for(client, world["owner"].username))
    report(figure, "owner", tally)
