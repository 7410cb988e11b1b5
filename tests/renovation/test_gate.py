"""The gate: a pass at the edges of its dates and the day's working hours, on a day off,
revoked, unknown or forged; every check logged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from renovation import rules, services
from renovation.models import GateCheck, GateResult, RevokeReason
from tests.renovation.conftest import T0, sh, started

# The pass runs 9 to 20 November 2026; the day's windows are 08:00–12:00 and 14:00–18:00;
# 12 November is made a day off.
EDGES = [
    (sh(2026, 11, 8, 23, 59), GateResult.NOT_YET_VALID),
    (sh(2026, 11, 9, 7, 59), GateResult.OUTSIDE_HOURS),
    (sh(2026, 11, 9, 8, 0), GateResult.VALID),
    (sh(2026, 11, 9, 11, 59), GateResult.VALID),
    (sh(2026, 11, 9, 12, 0), GateResult.OUTSIDE_HOURS),
    (sh(2026, 11, 9, 13, 59), GateResult.OUTSIDE_HOURS),
    (sh(2026, 11, 9, 14, 0), GateResult.VALID),
    (sh(2026, 11, 9, 17, 59), GateResult.VALID),
    (sh(2026, 11, 9, 18, 0), GateResult.OUTSIDE_HOURS),
    (sh(2026, 11, 12, 10, 0), GateResult.OUTSIDE_HOURS),  # the day off
    (sh(2026, 11, 20, 17, 59), GateResult.VALID),
    (sh(2026, 11, 21, 8, 0), GateResult.EXPIRED),
    # a moment given in UTC is judged in Shanghai: 00:30 UTC is 08:30 there
    (dt.datetime(2026, 11, 10, 0, 30, tzinfo=dt.UTC), GateResult.VALID),
]


@pytest.fixture
def worker_pass(w):
    services.renovation_policy_save(estate=w.estate, actor=w.boss, days_off=[dt.date(2026, 11, 12)])
    return started(w).passes.get()


def test_a_pass_at_the_edges_of_its_dates_and_hours_and_on_a_day_off_each_check_logged(w, worker_pass):
    answers = [services.gate_check(code=worker_pass.serial, now=moment, actor=w.desk).result for moment, _ in EDGES]
    assert answers == [expected for _, expected in EDGES]
    logged = list(GateCheck.objects.order_by("checked_at", "pk").values_list("checked_at", "result", "checked_by",
                                                                              "worker_pass"))
    assert logged == sorted((moment, expected, w.desk.pk, worker_pass.pk) for moment, expected in EDGES)


def test_the_gate_answer_shows_the_worker_his_photo_and_the_unit(w, worker_pass):
    answer = services.gate_check(code=worker_pass.serial.lower(), now=sh(2026, 11, 10, 9), actor=w.desk)
    assert answer.ok
    shown = answer.worker_pass
    assert (shown.holder_name, shown.room, shown.renovation.unit.number) == ("工人1号", "3-1-1203", "3-1-1203")
    assert shown.photo is not None and shown.photo.is_image


def test_a_qr_code_is_read_by_its_signature_and_a_forged_one_is_refused(w, worker_pass):
    at = sh(2026, 11, 10, 9)
    token = rules.pass_token(worker_pass.serial)
    assert services.gate_check(code=token, now=at, actor=w.desk).result == GateResult.VALID
    forged = worker_pass.serial + ":" + "A" * 43
    answer = services.gate_check(code=forged, now=at, actor=w.desk)
    assert (answer.result, answer.worker_pass) == (GateResult.FORGED, None)
    # a token for another serial cannot be made by changing the serial in a real one
    other = token.replace("-00001", "-00002")
    assert services.gate_check(code=other, now=at, actor=w.desk).result == GateResult.FORGED
    unknown = services.gate_check(code="NOPE-CR2026-99999", now=at, actor=w.desk)
    assert (unknown.result, unknown.worker_pass) == (GateResult.UNKNOWN, None)
    assert list(GateCheck.objects.order_by("pk").values_list("result", flat=True)) == [
        "valid", "forged", "forged", "unknown"]


def test_removing_a_worker_revokes_his_pass_at_the_gate(w, worker_pass):
    services.worker_remove(worker=worker_pass.worker, reason="离开施工队", now=sh(2026, 11, 10, 12), actor=w.desk)
    worker_pass.refresh_from_db()
    assert worker_pass.revoke_reason == RevokeReason.WORKER_REMOVED
    assert services.gate_check(code=worker_pass.serial, now=sh(2026, 11, 10, 11, 59), actor=w.desk).result == "valid"
    assert services.gate_check(code=worker_pass.serial, now=sh(2026, 11, 10, 14), actor=w.desk).result == "revoked"


def test_the_end_of_the_renovation_revokes_every_pass(w):
    renovation = started(w, workers=2)
    services.acceptance_request(renovation=renovation, now=sh(2026, 11, 16, 9), actor=w.owner.user)
    services.inspection_record(renovation=renovation, passed=True, now=sh(2026, 11, 16, 15), actor=w.engineer)
    answers = {services.gate_check(code=p.serial, now=sh(2026, 11, 17, 9), actor=w.desk).result
               for p in renovation.passes.all()}
    assert answers == {GateResult.REVOKED}
    assert set(renovation.passes.values_list("revoke_reason", flat=True)) == {RevokeReason.RENOVATION_ENDED}


def test_a_failed_inspection_leaves_the_passes_valid_for_the_fixing(w, worker_pass):
    renovation = worker_pass.renovation
    services.acceptance_request(renovation=renovation, now=sh(2026, 11, 16, 9), actor=w.owner.user)
    services.inspection_record(renovation=renovation, passed=False, items_to_fix="卫生间闭水试验不合格",
                               now=sh(2026, 11, 16, 15), actor=w.engineer)
    assert services.gate_check(code=worker_pass.serial, now=sh(2026, 11, 17, 9), actor=w.desk).result == "valid"


def test_the_planned_end_extended_extends_the_passes(w, worker_pass):
    services.renovation_extend(renovation=worker_pass.renovation, planned_end=dt.date(2026, 11, 27),
                               reason="瓷砖到货延迟", now=sh(2026, 11, 18, 10), actor=w.desk)
    assert services.gate_check(code=worker_pass.serial, now=sh(2026, 11, 25, 9), actor=w.desk).result == "valid"


def test_only_staff_who_check_the_gate_do(w, worker_pass):
    with pytest.raises(PermissionDenied):
        services.gate_check(code=worker_pass.serial, now=T0, actor=w.owner.user)
    with pytest.raises(PermissionDenied):
        services.gate_check(code=worker_pass.serial, now=T0, actor=w.finance)
    assert not GateCheck.objects.exists()
