"""The desk's renovation pages: who sees them in either language, each action through
its form doing what it says with a message, bad input as field errors (never a 500),
refusals as messages, and the printables' contents (the permit, the pass cards with their
QR code)."""

import base64
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from PIL import Image, ImageDraw

from renovation import rules
from renovation.models import Breach, ChargeKind, DepositRefund, Renovation, SignedPaper, Status
from renovation.views.desk import qr_svg
from tests.factories import UnitFactory, give_unit, resident_id
from tests.renovation.conftest import END, LEAD_ID, START, T0, apply, approved, complete, passed, photo, sh, started

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def clock(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(T0, tick=False):
        yield


def url(name, *args):
    return reverse(f"renovation:{name}", args=args)


def act(client, renovation, name, data=None, **extra):
    return client.post(url("action", renovation.pk, name), data or {}, **{**EN, **extra})


def said(response) -> list[str]:
    """The messages a redirect left, read on the page it leads to."""
    return [str(m) for m in response.context["messages"]] if response.context else []


def pad_data_url() -> str:
    image = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(20, 80), (120, 20), (260, 90)], fill=(10, 10, 10, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# ---- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize("language, words", [("en", ("Waits for", "Checklist")), ("zh-hans", ("等待", "资料清单"))])
def test_the_pages_render_in_both_languages_for_every_staff_role(client, w, language, words):
    renovation = started(w)
    pages = [url("board"), url("detail", renovation.pk), url("permit_print", renovation.pk),
             url("passes_print", renovation.pk), url("application_print", renovation.pk)]
    for user in (w.desk, w.boss, w.engineer, w.finance):
        client.force_login(user)
        for page in pages:
            response = client.get(page, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, (user.username, page)
        body = client.get(url("detail", renovation.pk), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert all(word in body for word in words), user.username


def test_each_list_page_is_for_the_roles_whose_work_it_is(client, w):
    expected = {
        "new": {"desk": 200, "boss": 200, "engineer": 403, "finance": 403},
        "deposits": {"desk": 200, "boss": 200, "engineer": 403, "finance": 200},
        "inspections": {"desk": 403, "boss": 200, "engineer": 200, "finance": 403},
        "board": {"desk": 200, "boss": 200, "engineer": 200, "finance": 200},
    }
    for page, statuses in expected.items():
        for who, status in statuses.items():
            client.force_login(getattr(w, who))
            assert client.get(url(page), **EN).status_code == status, (page, who)
    client.force_login(w.owner.user)
    assert client.get(url("board")).status_code == 403


def test_the_board_puts_each_renovation_in_its_state_with_what_it_waits_for(client, w):
    # given one application just in and one at work
    fresh = apply(w)
    working = started(w, unit=w.other_unit, owner=w.other)
    client.force_login(w.desk)
    # when
    body = client.get(url("board"), **EN).content.decode()
    # then each is in its own column, with the column's count and what it waits for
    submitted, in_progress = body.index('id="state-submitted"'), body.index('id="state-in_progress"')
    assert submitted < body.index(fresh.number) < body.index('id="state-returned"')
    assert in_progress < body.index(working.number) < body.index('id="state-acceptance_requested"')
    assert "The desk checks the papers, then approves or returns the application." in body
    assert "The work is done and the owner requests acceptance." in body
    # and an estate filter keeps the others out
    elsewhere = UnitFactory(number="9-9-909")
    give_unit(w.owner, elsewhere)
    other_estate = apply(w, unit=elsewhere)
    filtered = client.get(url("board"), {"estate": w.estate.pk}, **EN).content.decode()
    assert fresh.number in filtered and other_estate.number not in filtered


# ---- a new application ----------------------------------------------------------------------


def test_the_desk_picks_the_unit_by_number_then_its_owner_and_applies(client, w):
    client.force_login(w.desk)
    # the unit by its number: the second step offers its owners
    step = client.get(url("new"), {"estate": w.estate.pk, "unit_number": "3-1-1203"}, **EN)
    assert step.status_code == 200 and "李娜" in step.content.decode() and "王强" not in step.content.decode()
    # when the desk applies for 李娜
    response = client.post(url("new"), {
        "estate": w.estate.pk, "unit_number": "3-1-1203", "owner": w.owner.pk, "scope": "厨房翻新",
        "planned_start": START.isoformat(), "planned_end": END.isoformat(), "contractor_name": "锦华装饰",
        "contractor_lead_name": "赵建国", "contractor_lead_phone": "13700001111",
        "contractor_lead_id_number": LEAD_ID}, follow=True, **EN)
    # then
    renovation = Renovation.objects.get()
    assert (renovation.unit, renovation.owner, renovation.source) == (w.unit, w.owner, "desk")
    assert response.redirect_chain[-1][0] == url("detail", renovation.pk)
    assert f"Renovation application {renovation.number} entered for 3-1-1203." in said(response)[0]


def test_a_room_that_does_not_exist_is_said_on_the_room_field(client, w):
    client.force_login(w.desk)
    response = client.get(url("new"), {"estate": w.estate.pk, "unit_number": "9-9-999"}, **EN)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["unit_number"]


def test_a_bad_application_names_its_fields_and_saves_nothing(client, w):
    client.force_login(w.desk)
    response = client.post(url("new"), {
        "estate": w.estate.pk, "unit_number": "3-1-1203", "owner": w.owner.pk, "scope": "厨房翻新",
        "planned_start": "2026-10-01", "planned_end": "2026-10-20", "contractor_name": "锦华装饰",
        "contractor_lead_name": "赵建国", "contractor_lead_phone": "12345", "contractor_lead_id_number": "x"}, **EN)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"planned_start", "contractor_lead_phone", "contractor_lead_id_number"} <= set(errors)
    assert "The start date cannot be in the past." in response.content.decode()
    assert not Renovation.objects.exists()


def test_a_second_application_for_the_unit_is_refused_on_the_room(client, w):
    first = apply(w)
    client.force_login(w.desk)
    response = client.post(url("new"), {
        "estate": w.estate.pk, "unit_number": "3-1-1203", "owner": w.owner.pk, "scope": "再装修一次",
        "planned_start": START.isoformat(), "planned_end": END.isoformat(), "contractor_name": "锦华装饰",
        "contractor_lead_name": "赵建国", "contractor_lead_phone": "13700001111",
        "contractor_lead_id_number": LEAD_ID}, **EN)
    assert response.status_code == 400
    assert first.number in " ".join(response.context["form"].errors["unit_number"])


# ---- the application's papers, workers and signatures ------------------------------------------


def test_uploading_a_document_and_adding_a_worker_fill_the_checklist(client, w):
    renovation = apply(w)
    client.force_login(w.desk)
    # when the drawings are uploaded
    response = act(client, renovation, "document", {"kind": "drawings", "uploads": [photo("a.png"), photo("b.png")]},
                   follow=True)
    assert said(response) == ["2 files added: Construction drawings."]
    # and a worker joins with his ID copy and two photos
    response = act(client, renovation, "worker_add", {
        "name": "孙大力", "id_number": "110101199001011237", "id_copies": [photo("id.png")],
        "photos": [photo("1.png"), photo("2.png")]}, follow=True)
    assert said(response) == ["孙大力 joins the team."]
    # then the checklist no longer asks for them, and the ID number shows masked only
    body = client.get(url("detail", renovation.pk), **EN).content.decode()
    assert "孙大力: ID card copy" not in body and "At least one worker" not in body
    assert "110101199001011237" not in body and "1101**********1237" in body


def test_a_photo_that_is_not_a_picture_is_refused_on_its_field(client, w):
    renovation = apply(w)
    client.force_login(w.desk)
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.png", b"<html>not a picture</html>", content_type="image/png")
    response = act(client, renovation, "worker_add", {"name": "孙大力", "id_number": "110101199001011237",
                                                       "photos": [fake]})
    assert response.status_code == 400
    form = response.context["forms"]["worker_add"]
    assert list(form.errors) == ["photos"]
    assert not renovation.workers.exists()


def test_a_party_signs_on_the_pad_and_an_empty_pad_is_refused_on_the_signature(client, w):
    renovation = apply(w)
    client.force_login(w.desk)
    empty = act(client, renovation, "sign", {"paper": "agreement", "party": "contractor", "signature": ""})
    assert empty.status_code == 400
    assert "The signature box is empty. Ask the signer to sign." in empty.content.decode()
    assert not SignedPaper.objects.exists()
    response = act(client, renovation, "sign", {"paper": "agreement", "party": "contractor",
                                                "signature": pad_data_url()}, follow=True)
    signed = SignedPaper.objects.get()
    assert (signed.paper, signed.party, signed.signer_name) == ("agreement", "contractor", "赵建国")
    assert said(response) == ["Renovation management agreement signed for the contractor by 赵建国."]
    # the signature is served to the desk as a picture
    image = client.get(url("paper_file", signed.pk))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_a_scan_of_a_paper_signed_on_paper_is_recorded(client, w):
    renovation = apply(w)
    client.force_login(w.desk)
    missing = act(client, renovation, "scan", {"paper": "fire_safety", "signer_names": "赵建国"})
    assert missing.status_code == 400 and "Choose a file to upload." in missing.content.decode()
    assert not SignedPaper.objects.exists()
    response = act(client, renovation, "scan", {"paper": "fire_safety", "signer_names": "赵建国",
                                                "scan": photo("scan.png")}, follow=True)
    assert said(response) == ["The scan of the signed Fire safety responsibility letter is on record."]
    assert SignedPaper.objects.get().method == "scan"


# ---- the decision --------------------------------------------------------------------------------


def test_approving_an_incomplete_application_is_refused_naming_what_is_missing(client, w):
    renovation = apply(w)
    client.force_login(w.desk)
    response = act(client, renovation, "approve", follow=True)
    [message] = said(response)
    assert message.startswith("The application cannot be approved while anything is missing.")
    assert "Construction drawings" in message
    renovation.refresh_from_db()
    assert renovation.status == Status.SUBMITTED


def test_the_desk_approves_a_complete_application_and_finance_cannot(client, w):
    renovation = apply(w)
    complete(w, renovation)
    client.force_login(w.finance)
    assert act(client, renovation, "approve").status_code == 403
    renovation.refresh_from_db()
    assert renovation.status == Status.SUBMITTED
    client.force_login(w.desk)
    response = act(client, renovation, "approve", {"note": "资料齐全"}, follow=True)
    assert said(response) == ["Approved. The owner is told to pay the fees and deposits at the finance office: "
                              "¥2452.50."]
    renovation.refresh_from_db()
    assert renovation.status == Status.APPROVED


def test_returning_needs_the_reasons_and_then_sends_it_back(client, w):
    renovation = apply(w)
    client.force_login(w.desk)
    response = act(client, renovation, "return", {"reasons": ""})
    assert response.status_code == 400 and list(response.context["forms"]["return"].errors) == ["reasons"]
    response = act(client, renovation, "return", {"reasons": "请补充施工图纸"}, follow=True)
    assert said(response) == ["Returned to the owner with the reasons; it comes back when they resubmit it."]
    assert "请补充施工图纸" in response.content.decode()
    renovation.refresh_from_db()
    assert renovation.status == Status.RETURNED


def test_an_action_the_state_does_not_allow_is_refused_with_a_message(client, w):
    renovation = apply(w)
    client.force_login(w.desk)
    response = act(client, renovation, "permit", follow=True)
    [message] = said(response)
    assert "cannot become" in message
    renovation.refresh_from_db()
    assert renovation.status == Status.SUBMITTED and not renovation.permit_number


def test_withdrawing_needs_a_reason(client, w):
    renovation = apply(w)
    client.force_login(w.desk)
    assert act(client, renovation, "withdraw", {"reason": ""}).status_code == 400
    response = act(client, renovation, "withdraw", {"reason": "业主改变计划"}, follow=True)
    assert said(response) == ["Withdrawn; the unit is free for a new application."]


# ---- fees, permit, passes and the printables -------------------------------------------------------


def test_fees_with_the_rubbish_fee_declined_then_the_permit_and_what_they_print(client, w):
    w.estate.service_phone = "0571-88886666"
    w.estate.save()
    renovation = approved(w)
    # when finance takes the fees, the owner declining the rubbish fee
    client.force_login(w.finance)
    response = act(client, renovation, "fees", {"method": "cash", "decline_rubbish_fee": "on"}, follow=True)
    [message] = said(response)
    assert message.startswith("Fees taken: ¥2005.00, receipts ")
    assert "The owner declined the rubbish removal fee" in message
    charges = list(renovation.charges.order_by("pk"))
    assert [c.kind for c in charges] == [ChargeKind.OWNER_DEPOSIT, ChargeKind.CONTRACTOR_DEPOSIT, ChargeKind.PASS_FEE]
    body = response.content.decode()
    assert all(reverse("fees:receipt_print", args=[c.receipt_id]) in body for c in charges)
    # and the desk issues the permit and the pass
    client.force_login(w.desk)
    response = act(client, renovation, "permit", follow=True)
    renovation.refresh_from_db()
    worker_pass = renovation.passes.get()
    assert said(response) == [f"Permit {renovation.permit_number} issued with 1 worker pass: the work may start. "
                              "Print them."]
    # then the permit for the door says all of it
    permit = client.get(url("permit_print", renovation.pk), **EN).content.decode()
    for text in (renovation.permit_number, "3-1-1203", "李娜", "锦华装饰工程有限公司", "赵建国", "137****1111",
                 "08:00-12:00, 14:00-18:00", "2026-11-09 – 2026-11-20", "0571-88886666", w.estate.name,
                 "The owner declined the rubbish removal fee", worker_pass.serial):
        assert text in permit, text
    assert "13700001111" not in permit
    # and in Chinese
    permit_zh = client.get(url("permit_print", renovation.pk), **ZH).content.decode()
    assert "装修施工许可证" in permit_zh and "08:00-12:00, 14:00-18:00" in permit_zh
    assert f'1 张：<span class="rp-mono">{worker_pass.serial}</span>' in permit_zh  # a full-width colon
    assert f'1 pass: <span class="rp-mono">{worker_pass.serial}</span>' in permit
    # the pass card: serial, the ID masked, the room, the dates, the permit and the QR code
    card = client.get(url("passes_print", renovation.pk), **EN).content.decode()
    for text in (worker_pass.serial, worker_pass.holder_id_masked, "3-1-1203", "工人1号", "锦华装饰工程有限公司",
                 "2026-11-09", "2026-11-20", renovation.permit_number, url("document", worker_pass.photo_id)):
        assert text in card, text
    assert worker_pass.holder_id_number not in card
    assert "<svg" in card and str(qr_svg(rules.pass_token(worker_pass.serial))) in card
    # the application prints the refusal too
    application = client.get(url("application_print", renovation.pk), **EN).content.decode()
    assert "The owner declined the rubbish removal fee" in application


def test_a_worker_who_joins_later_pays_his_pass_fee_then_gets_his_pass(client, w):
    renovation = started(w)
    client.force_login(w.desk)
    response = act(client, renovation, "worker_add", {
        "name": "钱师傅", "id_number": resident_id(777), "id_copies": [photo()], "photos": [photo(), photo()]},
        follow=True)
    assert said(response) == ["钱师傅 joins the team; his pass is issued once his pass fee is paid."]
    # no pass before the fee
    response = act(client, renovation, "passes", follow=True)
    assert said(response) == ["The pass fee of 钱师傅 is not paid yet."]
    response = act(client, renovation, "pass_fees", {"method": "card"}, follow=True)
    assert said(response)[0].startswith("Pass fees taken: ¥5.00, receipt ")
    response = act(client, renovation, "passes", follow=True)
    assert said(response)[0].startswith("1 pass issued: ")
    assert renovation.passes.filter(revoked_at__isnull=True).count() == 2


def test_removing_a_worker_revokes_his_pass_and_the_card_comes_back(client, w):
    renovation = started(w)
    worker = renovation.workers.get()
    client.force_login(w.desk)
    assert act(client, renovation, "worker_remove", {"worker": worker.pk, "reason": ""}).status_code == 400
    response = act(client, renovation, "worker_remove", {"worker": worker.pk, "reason": "合同到期"}, follow=True)
    assert said(response) == ["工人1号 left the team: his pass is revoked and the card is to be handed back."]
    worker_pass = renovation.passes.get()
    response = act(client, renovation, "pass_return", {"worker_pass": worker_pass.pk}, follow=True)
    assert said(response) == [f"Pass {worker_pass.serial} handed back."]
    worker_pass.refresh_from_db()
    assert worker_pass.returned_at is not None


def test_extending_moves_the_end_and_a_date_before_it_is_refused_on_the_field(client, w):
    renovation = started(w)
    client.force_login(w.desk)
    response = act(client, renovation, "extend", {"planned_end": "2026-11-10", "reason": "材料延误"})
    assert response.status_code == 400 and list(response.context["forms"]["extend"].errors) == ["planned_end"]
    response = act(client, renovation, "extend", {"planned_end": "2026-12-05", "reason": "材料延误"}, follow=True)
    assert said(response) == ["Extended to 2026-12-05; the live passes are valid to that day."]
    assert renovation.passes.get().valid_to == dt.date(2026, 12, 5)


# ---- patrols, breaches, inspection ---------------------------------------------------------------


def test_a_patrol_a_breach_and_the_supervisors_decision(client, w):
    renovation = started(w)
    client.force_login(w.engineer)
    # a patrol that found something must say what
    response = act(client, renovation, "patrol", {"in_order": "no", "findings": ""})
    assert response.status_code == 400 and list(response.context["forms"]["patrol"].errors) == ["findings"]
    response = act(client, renovation, "patrol", {"in_order": "no", "findings": "午休时间电钻施工",
                                                  "photos": [photo()]}, follow=True)
    assert said(response) == ["Patrol recorded with its findings. Propose a penalty if a rule was broken."]
    # a penalty larger than the deposit is refused on its field
    too_much = act(client, renovation, "breach", {"rule": "午休噪音", "evidence": "12:30 电钻",
                                                   "penalty": "5000", "deposit_kind": "contractor_deposit"})
    assert too_much.status_code == 400 and list(too_much.context["forms"]["breach"].errors) == ["penalty"]
    response = act(client, renovation, "breach", {"rule": "午休噪音", "evidence": "12:30 电钻", "penalty": "200",
                                                  "deposit_kind": "contractor_deposit"}, follow=True)
    assert said(response) == ["Penalty of ¥200.00 proposed; the supervisors are asked to approve it."]
    breach = Breach.objects.get()
    # the engineer and the desk may not decide it; a supervisor does
    assert act(client, renovation, "breach_approve", {"breach": breach.pk}).status_code == 403
    client.force_login(w.desk)
    assert act(client, renovation, "breach_approve", {"breach": breach.pk}).status_code == 403
    client.force_login(w.boss)
    response = act(client, renovation, "breach_approve", {"breach": breach.pk}, follow=True)
    assert said(response) == ["Penalty approved: ¥200.00 is deducted from the contractor's deposit; the owner is told."]
    assert breach.__class__.objects.get().deduction.amount == Decimal("200.00")
    # a second decision is refused with a message
    response = act(client, renovation, "breach_reject", {"breach": breach.pk, "note": "弄错了"}, follow=True)
    assert said(response) == ["This penalty was decided already."]


def test_acceptance_then_a_failed_inspection_lists_the_items_and_a_passed_one_sets_the_refund_day(client, w):
    renovation = started(w)
    client.force_login(w.desk)
    response = act(client, renovation, "acceptance", {"note": "已完工"}, follow=True)
    assert said(response) == ["Acceptance requested: engineering is told to inspect the work."]
    client.force_login(w.engineer)
    assert client.get(url("inspections"), **EN).content.decode().count(renovation.number) == 1
    response = act(client, renovation, "inspection", {"passed": "no", "items_to_fix": ""})
    assert response.status_code == 400 and list(response.context["forms"]["inspection"].errors) == ["items_to_fix"]
    response = act(client, renovation, "inspection", {"passed": "no", "items_to_fix": "卫生间防水未做闭水试验"},
                   follow=True)
    assert said(response) == ["Failed: the work goes back in progress with the items to fix. The owner is told."]
    assert "卫生间防水未做闭水试验" in response.content.decode()
    client.force_login(w.desk)
    act(client, renovation, "acceptance", {"note": "已整改"}, follow=True)
    client.force_login(w.engineer)
    response = act(client, renovation, "inspection", {"passed": "yes"}, follow=True)
    assert said(response) == ["Passed. The passes are revoked; the deposits fall due on 2026-11-12. The owner is told."]


# ---- deposits ---------------------------------------------------------------------------------------


def test_finance_refunds_a_deposit_from_the_deposits_page_once_it_is_due(client, w):
    renovation = passed(w, on=sh(2026, 11, 2, 11))  # due on 12 November
    deposit = renovation.charges.get(kind=ChargeKind.OWNER_DEPOSIT)
    client.force_login(w.finance)
    page = client.get(url("deposits"), **EN).content.decode()
    assert renovation.number in page and "¥2,000.00" in page
    # before the day: refused with a message, nothing paid
    response = client.post(url("deposit_refund", deposit.pk), {"method": "cash", "back": "deposits"}, follow=True,
                           **EN)
    assert response.redirect_chain[-1][0] == url("deposits")
    assert said(response) == ["The deposits fall due on 2026-11-12."]
    assert f'action="{url("deposit_refund", deposit.pk)}"' not in page  # no refund form is offered before it
    assert not DepositRefund.objects.exists()
    with time_machine.travel(sh(2026, 11, 12, 10), tick=False):
        client.force_login(w.finance)  # ten days later: a new session
        page = client.get(url("deposits"), {"state": "due"}, **EN).content.decode()
        assert f'action="{url("deposit_refund", deposit.pk)}"' in page
        response = client.post(url("deposit_refund", deposit.pk), {"method": "bank_transfer", "back": "deposits"},
                               follow=True, **EN)
    refund = DepositRefund.objects.get()
    assert said(response) == [f"Owner's renovation deposit refunded: ¥1000.00 paid to 李娜 (¥0.00 deducted), "
                              f"voucher {refund.voucher_number}."]


def test_a_refund_with_a_bad_method_is_refused_on_the_field_and_the_desk_may_not_refund(client, w):
    renovation = passed(w, on=sh(2026, 11, 2, 11))
    deposit = renovation.charges.get(kind=ChargeKind.OWNER_DEPOSIT)
    with time_machine.travel(sh(2026, 11, 12, 10), tick=False):
        client.force_login(w.desk)
        assert client.post(url("deposit_refund", deposit.pk), {"method": "cash"}).status_code == 403
        client.force_login(w.finance)
        response = client.post(url("deposit_refund", deposit.pk), {"method": "gold"}, **EN)
    assert response.status_code == 400
    assert not DepositRefund.objects.exists()


# ---- files -----------------------------------------------------------------------------------------


def test_a_document_is_served_to_who_may_see_the_renovation_only(client, w):
    renovation = apply(w)
    complete(w, renovation)
    document = renovation.documents.first()
    assert client.get(url("document", document.pk)).status_code == 302  # to the login page
    client.force_login(w.other.user)
    assert client.get(url("document", document.pk)).status_code == 404
    client.force_login(w.owner.user)
    assert client.get(url("document", document.pk)).status_code == 200
    client.force_login(w.engineer)
    response = client.get(url("document", document.pk))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
