"""The guard's gate page: the answer for each kind of pass, in large colour with the
worker, his photo and the unit; every check logged once; a forged QR code refused;
only the roles that check the gate may open it."""

import pytest
import time_machine
from django.urls import reverse

from renovation import rules, services
from renovation.models import GateCheck, GateResult
from tests.factories import UserFactory
from tests.renovation.conftest import sh, started

# The passes run 9 to 20 November 2026; work 08:00–12:00 and 14:00–18:00.
WORKING = sh(2026, 11, 10, 9, 30)


@pytest.fixture
def gate(client, w):
    """Two workers' passes of a renovation under way; the desk user is the guard."""
    renovation = started(w, workers=2)
    first, second = renovation.passes.order_by("serial")
    client.force_login(w.desk)
    return client, first, second


def check(client, code, at=WORKING):
    with time_machine.travel(at, tick=False):
        response = client.post(reverse("renovation:gate"), {"code": code})
        assert response.status_code == 302, response.content.decode()[:500]
        return client.get(response["Location"])


@pytest.mark.parametrize("at, result, words", [
    (WORKING, GateResult.VALID, ["有效", "核对本人与照片一致后放行"]),
    (sh(2026, 11, 21, 9), GateResult.EXPIRED, ["已过期", "不予放行"]),
    (sh(2026, 11, 8, 9), GateResult.NOT_YET_VALID, ["尚未生效"]),
    (sh(2026, 11, 10, 12, 30), GateResult.OUTSIDE_HOURS, ["不在施工时间内", "现在不是施工时间"]),
])
def test_the_answer_for_each_moment_with_the_worker_and_each_check_logged(gate, w, at, result, words):
    client, worker_pass, _ = gate
    page = check(client, worker_pass.serial, at).content.decode()
    logged = GateCheck.objects.get()
    assert (logged.result, logged.worker_pass, logged.checked_by, logged.checked_at) == (
        result, worker_pass, w.desk, at)
    for word in words:
        assert word in page
    colour = {"valid": "success", "expired": "danger"}.get(result, "warning")
    assert f"pd-gate-answer pd-gate-{colour}" in page
    # whose pass it is: name, photo, unit, contractor, dates, permit
    assert worker_pass.holder_name in page and worker_pass.room in page
    assert reverse("renovation:gate_photo", args=[worker_pass.photo_id]) in page
    assert worker_pass.contractor_name in page and worker_pass.permit_number in page
    assert "2026-11-09 – 2026-11-20" in page


def test_a_revoked_pass_and_a_typed_serial_in_small_letters(gate, w):
    client, worker_pass, other = gate
    services.worker_remove(worker=worker_pass.worker, reason="离开施工队", now=sh(2026, 11, 10, 8), actor=w.desk)
    page = check(client, worker_pass.serial.lower()).content.decode()
    assert "已作废" in page and "pd-gate-danger" in page and worker_pass.holder_name in page
    assert check(client, other.serial).context["answer"].result == GateResult.VALID


def test_a_scanned_qr_code_is_read_and_a_forged_one_refused(gate, w):
    client, worker_pass, _ = gate
    page = check(client, rules.pass_token(worker_pass.serial)).content.decode()
    assert "有效" in page and worker_pass.holder_name in page
    forged = check(client, worker_pass.serial + ":" + "A" * 43)
    assert forged.context["answer"].result == GateResult.FORGED
    text = forged.content.decode()
    assert "伪造的二维码" in text and "此二维码不是本处签发的" in text
    # a forged code names no pass: nobody's name or photo is shown
    assert forged.context["worker_pass"] is None and worker_pass.holder_name not in text.split("我最近的查验")[0]
    unknown = check(client, "NOPE-CR2026-99999")
    assert unknown.context["answer"].result == GateResult.UNKNOWN and "查无此出入证" in unknown.content.decode()
    assert list(GateCheck.objects.order_by("pk").values_list("result", flat=True)) == ["valid", "forged", "unknown"]


def test_reloading_the_answer_does_not_check_again_and_the_log_is_the_guards_own(gate, w):
    client, worker_pass, other = gate
    answer = check(client, worker_pass.serial)
    url = answer.request["PATH_INFO"] + "?" + answer.request["QUERY_STRING"]
    with time_machine.travel(WORKING, tick=False):
        client.get(url)
        services.gate_check(code=other.serial, now=WORKING, actor=w.boss)  # another guard's check
        page = client.get(reverse("renovation:gate"))
    assert GateCheck.objects.filter(checked_by=w.desk).count() == 1
    assert [c.worker_pass for c in page.context["recent"]] == [worker_pass]
    # another guard's check is not shown as an answer to this one
    theirs = GateCheck.objects.get(checked_by=w.boss)
    with time_machine.travel(WORKING, tick=False):
        assert client.get(reverse("renovation:gate"), {"check": theirs.pk}).context["answer"] is None


def test_an_empty_or_hostile_code_is_a_field_error_not_a_500(gate, w):
    client, _, _ = gate
    with time_machine.travel(WORKING, tick=False):
        empty = client.post(reverse("renovation:gate"), {"code": "  "})
        assert empty.status_code == 400 and "请输入出入证编号或扫描二维码" in empty.content.decode()
        for code in ["x" * 600, "<script>alert(1)</script>", "a:b:c:d", "\x00", "'; DROP TABLE x; --"]:
            assert client.post(reverse("renovation:gate"), {"code": code}).status_code in (302, 400), code
        assert client.get(reverse("renovation:gate"), {"check": "abc"}).status_code == 200


def test_the_photo_is_served_to_the_guard_only(gate, w, client):
    guard, worker_pass, _ = gate
    url = reverse("renovation:gate_photo", args=[worker_pass.photo_id])
    assert guard.get(url).status_code == 200 and guard.get(url)["Content-Type"] == "image/png"
    client.force_login(w.owner.user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role, status", [("front_desk", 200), ("supervisor", 200), ("engineering", 403),
                                          ("finance", 403), ("owner", 403), (None, 302)])
def test_who_may_open_the_gate_page(client, w, role, status):
    if role == "owner":
        client.force_login(w.owner.user)
    elif role:
        client.force_login(UserFactory(role=role))
    response = client.get(reverse("renovation:gate"))
    assert response.status_code == status
    if status == 200:
        assert client.post(reverse("renovation:gate"), {"code": "X-CR2026-00001"}).status_code == 302
    else:
        assert client.post(reverse("renovation:gate"), {"code": "X-CR2026-00001"}).status_code == status
        assert not GateCheck.objects.exists()


def test_the_gate_page_in_english(gate, w):
    client, worker_pass, _ = gate
    with time_machine.travel(WORKING, tick=False):
        response = client.post(reverse("renovation:gate"), {"code": worker_pass.serial}, HTTP_ACCEPT_LANGUAGE="en")
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Gate check: worker passes" in page and "Let the worker in if the face matches the photo." in page
    assert "Scan the QR code" in page
