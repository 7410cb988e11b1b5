"""A renovation in the browser, from the owner's phone to the refund (issue 15).

The owner applies in the portal on her phone, sends the contractor's papers, adds a
worker with his ID copy and two photos, signs her papers on the pad (the contractor's
lead signs his on her phone) and sees what is still missing: the property company's
signature. The desk signs for the property company, approves, takes the fees in cash
with their receipts, issues the permit and the pass, and prints both. The guard types
the pass's number at the gate: valid; the day after its last day: expired. The owner
asks for the inspection, engineering passes it, the desk takes the card back, and on
the refund day (the daily job run for that morning) finance refunds both deposits on
the deposits page: the renovation is closed.

The clock is moved to moments counted from the day the test runs (a working-hours
morning tomorrow, the day after the last day of the work, the refund day), so the
journey passes whatever the date. Each role's page loads and form submits are counted
and printed among the run's figures. Screenshots of the board, the permit, the pass
cards, the owner's page on her phone and the gate's answers, each in Chinese and in
English, and the permit and cards as PDF, go where every journey's go:
test-artifacts/screenshots (the ``screenshot`` fixture, tests/e2e/conftest.py)."""

import datetime as dt
import re
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import expect

from renovation import rules, selectors
from renovation.models import (
    DEPOSITS,
    ChargeKind,
    GateResult,
    Renovation,
    RenovationCharge,
    Status,
)
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.steps import Journey
from tests.factories import (
    PASSWORD,
    BuildingFactory,
    EstateFactory,
    UnitFactory,
    UserFactory,
    give_unit,
    make_owner,
    resident_id,
)
from tests.uploads import clean_pdf, png

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = {"width": 390, "height": 844}
LEAD_ID = resident_id(900, birth="19750505")
WORKER_ID = resident_id(501, birth="19900101")
WORK_DAYS = 7  # the planned work: its first day and six more
LANGUAGES = (("zh-hans", "zh"), ("en", "en"))

# The contractor's papers, each sent as a phone would: a photo, or a PDF.
PAPERS = [("drawings", "pdf"), ("business_licence", "png"), ("contract", "pdf"), ("qualification", "png"),
          ("tax_registration", "png"), ("lead_id", "png")]


def label(choice, language: str) -> str:
    """A choice as the page shows it in that language, whatever the catalogue says."""
    with translation.override(language):
        return str(choice.label)


def upload(name: str, kind: str) -> dict:
    if kind == "pdf":
        return {"name": f"{name}.pdf", "mimeType": "application/pdf", "buffer": clean_pdf()}
    return {"name": f"{name}.png", "mimeType": "image/png", "buffer": png(size=(120, 160))}


def switch_language(page, language: str) -> None:
    """What the language switcher posts (folded away on a phone, absent from the print
    pages): the reader's choice, kept for their next pages."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(page.base_url + "/i18n/setlang/", max_redirects=0, form={
        "csrfmiddlewaretoken": token, "language": language, "next": "/"})
    assert response.status == 302, response.status


def in_both_languages(page, screenshot, name: str, *, end_in: str) -> None:
    """The page as it is in each language, saved as NAME-zh.png and NAME-en.png; the
    reader is left reading ``end_in``."""
    for language, suffix in sorted(LANGUAGES, key=lambda pair: pair[0] == end_in):
        switch_language(page, language)
        page.reload()  # waits for the load event
        expect(page.locator("html")).to_have_attribute("lang", language)
        screenshot(page, f"{name}-{suffix}")


def sign_on_pad(page, scope) -> None:
    """Draw a signature with the mouse on the pad inside ``scope``: two strokes."""
    pad = scope.locator("[data-signature-pad]")
    canvas = pad.locator("canvas")
    # Bootstrap scrolls smoothly: jump instead, so the box measured is where the canvas stays.
    canvas.evaluate("el => el.scrollIntoView({block: 'center', behavior: 'instant'})")
    # Scrolling wakes lazy images around the pad: draw once the box has held still for two frames.
    box, previous = canvas.bounding_box(), None
    for _ in range(20):
        if box == previous:
            break
        page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        previous, box = box, canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 50, box
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in ([(0.15, 0.60), (0.25, 0.30), (0.35, 0.65), (0.45, 0.35), (0.55, 0.60)],
                   [(0.60, 0.40), (0.70, 0.55), (0.80, 0.35), (0.88, 0.60)]):
        x, y = stroke[0]
        page.mouse.move(x0 + x * w, y0 + y * h)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(x0 + x * w, y0 + y * h, steps=6)
        page.mouse.up()
    expect(pad).to_have_class(re.compile(r"\bpd-sig-inked\b"))
    expect(scope.locator("input[name=signature]")).to_have_value(re.compile(r"^data:image/png;base64,"))


# jsQR (the gate page's own fallback reader, static/vendor/jsqr) reads the card's QR code
# drawn from its SVG, as a phone's camera would see it printed.
READ_QR = """async (svg) => {
  const side = 360;
  const copy = svg.cloneNode(true);  // drawn square, at a size of its own
  copy.setAttribute("width", side);
  copy.setAttribute("height", side);
  const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)], {type: "image/svg+xml"}));
  const image = new Image();
  await new Promise((resolve, reject) => { image.onload = resolve; image.onerror = reject; image.src = url; });
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = side;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, side, side);
  context.drawImage(image, 0, 0, side, side);
  const found = jsQR(context.getImageData(0, 0, side, side).data, side, side);
  return found ? found.data : null;
}"""


def pdf_pages(page, name: str) -> int:
    pdf = page.pdf(format="A4", path=str(SCREENSHOTS / f"{name}.pdf"))
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


@pytest.fixture
def people(transactional_db):
    estate = EstateFactory(code="cuihu", name="翠湖花园")
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(building=BuildingFactory(estate=estate, number="3"), number="3-1-1203", area=Decimal("89.50"))
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina", last_name="李娜")
    owner.save(update_fields=["user"])
    UserFactory(username="desk", role="front_desk", first_name="丽华", last_name="陈")
    UserFactory(username="menwei", role="front_desk", first_name="国强", last_name="刘")  # the gate's guard
    UserFactory(username="jianjun", role="engineering", first_name="建军", last_name="李")
    UserFactory(username="caiwu", role="finance", first_name="敏", last_name="周")
    return {"estate": estate, "owner": owner, "unit": unit}


def test_a_renovation_from_the_owners_phone_through_permit_gate_and_inspection_to_the_refund(
        page_for, screenshot, figure, people):
    started = time.perf_counter()
    journey = Journey("renovation journey")
    unit = people["unit"]
    # Tomorrow morning, in the working hours (08:00-12:00): the work starts that day.
    first_day = timezone.localdate() + dt.timedelta(days=1)
    last_day = first_day + dt.timedelta(days=WORK_DAYS - 1)
    morning = dt.datetime.combine(first_day, dt.time(9, 0), tzinfo=SHANGHAI)

    with time_machine.travel(morning, tick=True):
        # ---- the owner applies on her phone (Chinese, her language in the registry) ----------
        owner = page_for(locale="zh-CN", **PHONE)
        owner.role = "owner"
        journey.arrive(owner, "/portal/", "lina")
        journey.follow(owner, owner.locator("main a[href$='/renovation/portal/']"))
        journey.follow(owner, owner.locator("main a[href$='/renovation/portal/new/']"))
        form = owner.locator("main form[method=post]")
        expect(form.locator("select[name=unit]")).to_have_value(str(unit.pk))
        form.locator("textarea[name=scope]").fill("厨房、卫生间墙面翻新，客厅铺木地板，不动承重墙")
        form.locator("input[name=planned_start]").fill(first_day.isoformat())
        form.locator("input[name=planned_end]").fill(last_day.isoformat())
        form.locator("input[name=contractor_name]").fill("锦华装饰工程有限公司")
        form.locator("input[name=contractor_lead_name]").fill("赵建国")
        form.locator("input[name=contractor_lead_phone]").fill("13700001111")
        form.locator("input[name=contractor_lead_id_number]").fill(LEAD_ID)
        journey.submit(owner, form.locator("button[type=submit]"))

        renovation = Renovation.objects.get()
        assert renovation.status == Status.SUBMITTED and renovation.source == "portal"
        assert (renovation.planned_start, renovation.planned_end) == (first_day, last_day)
        detail_path = f"/renovation/portal/{renovation.pk}/"
        expect(owner).to_have_url(re.compile(re.escape(detail_path) + "$"))
        expect(owner.locator(".page-header")).to_contain_text(renovation.number)

        # the contractor's papers, one upload each, photographed or as PDF
        for kind, file_type in PAPERS:
            item = owner.locator(f"#doc-{kind}")
            expect(item).to_have_attribute("open", "")  # a missing paper is open with its upload
            item.locator("input[type=file]").set_input_files(files=[upload(kind, file_type)])
            journey.submit(owner, item.locator("form.pd-rv-upload button[type=submit]"))
            expect(owner.locator(f"#doc-{kind} > summary .bi-check-circle-fill")).to_have_count(1)

        # a worker with his ID copy and two photos, in one form
        new_worker = owner.locator("#worker-new form")
        new_worker.locator("input[name=name]").fill("张建军")
        new_worker.locator("input[name=id_number]").fill(WORKER_ID)
        new_worker.locator("input[name=phone]").fill("13600002222")
        new_worker.locator("input[name=id_copies]").set_input_files(files=[upload("身份证", "png")])
        new_worker.locator("input[name=photos]").set_input_files(
            files=[upload("正面照", "png"), upload("半身照", "png")])
        journey.submit(owner, new_worker.locator("button[type=submit]"))
        worker = renovation.workers.get()
        assert worker.name == "张建军" and worker.documents.count() == 3
        expect(owner.locator(f"#worker-{worker.pk} summary .bi-check-circle-fill")).to_have_count(1)

        # her signatures on the pad, then the contractor's lead signs his on her phone
        for paper, party in (("application", "owner"), ("agreement", "owner"),
                             ("fire_safety", "contractor"), ("agreement", "contractor")):
            journey.follow(owner, owner.locator(f"#paper-{paper} a[href*='party={party}']"))
            sign_form = owner.locator("main form[method=post]")
            sign_on_pad(owner, sign_form)
            journey.submit(owner, sign_form.locator("button[type=submit]"))
            expect(owner).to_have_url(re.compile(re.escape(detail_path) + f"#paper-{paper}$"))
        assert sorted(renovation.papers.values_list("paper", "party", "method")) == [
            ("agreement", "contractor", "pad"), ("agreement", "owner", "pad"), ("application", "owner", "pad"),
            ("fire_safety", "contractor", "pad")]

        # what is still missing: the property company's signature, which the desk gives
        with translation.override("zh-hans"):
            missing = [item.label for item in selectors.renovation_checklist(renovation=renovation).missing]
        assert len(missing) == 1, missing
        checklist = owner.locator("#checklist")
        expect(checklist.locator("a.pd-rv-check .pd-rv-check-label")).to_have_text(missing)
        expect(checklist.locator(".badge")).to_have_text("13/14")
        in_both_languages(owner, screenshot, "renovation-portal-missing-phone", end_in="zh-hans")

        # ---- the desk: the property company's signature, approval, fees, permit -------------
        desk = page_for(locale="zh-CN")
        desk.role = "desk"
        journey.arrive(desk, "/renovation/", "desk")
        card = desk.locator(f"#state-submitted a[href$='/renovation/{renovation.pk}/']")
        expect(card).to_contain_text("3-1-1203")
        journey.follow(desk, card)
        expect(desk.locator("#checklist .rp-missing li")).to_have_text(missing)

        signing = desk.locator("#paper-agreement details.rp-sign")
        expect(signing).to_have_count(1)  # the owner's and the contractor's are on file
        signing.locator("summary").click()
        sign_on_pad(desk, signing)
        journey.submit(desk, signing.locator("button[type=submit]"))
        expect(desk.locator("#checklist .card-header .text-success")).to_be_visible()  # complete

        journey.submit(desk, desk.locator("#action-approve button[type=submit]"))
        renovation.refresh_from_db()
        assert renovation.status == Status.APPROVED

        fees = desk.locator("#action-fees")
        fees.locator("input[name=method][value=cash]").check()
        journey.submit(desk, fees.locator("button[type=submit]"))
        renovation.refresh_from_db()
        assert renovation.status == Status.FEES_PAID
        charges = {c.kind: c for c in RenovationCharge.objects.filter(renovation=renovation).select_related("receipt")}
        assert {kind: charges[kind].amount for kind in charges} == {
            ChargeKind.OWNER_DEPOSIT: Decimal("1000.00"), ChargeKind.CONTRACTOR_DEPOSIT: Decimal("1000.00"),
            ChargeKind.RUBBISH_FEE: Decimal("447.50"), ChargeKind.PASS_FEE: Decimal("5.00")}  # 89.50 m² × ¥5
        assert {c.receipt.method for c in charges.values()} == {"cash"}
        receipts = desk.locator("#fees table a[href*='/fees/receipts/']")
        expect(receipts).to_have_count(4)
        assert {text.strip() for text in receipts.all_inner_texts()} == {c.receipt.number for c in charges.values()}
        owner_deposit = charges[ChargeKind.OWNER_DEPOSIT].receipt
        receipt = journey.open_print(desk, desk.locator(f"#fees table a[href*='/fees/receipts/{owner_deposit.pk}/']"))
        expect(receipt.locator("body")).to_contain_text(owner_deposit.number)
        receipt.close()

        journey.submit(desk, desk.locator("#passes form[action$='/actions/permit/'] button[type=submit]"))
        renovation.refresh_from_db()
        assert renovation.status == Status.IN_PROGRESS
        year = first_day.year
        assert renovation.permit_number == f"CUIHU-XK{year}-00001"
        worker_pass = renovation.passes.get()
        assert worker_pass.serial == f"CUIHU-CR{year}-00001"
        assert (worker_pass.valid_from, worker_pass.valid_to) == (first_day, last_day)
        expect(desk.locator("#passes")).to_contain_text(worker_pass.serial)

        # the permit for the door: its number, the working hours, the pass; one A4 sheet
        hours = "08:00-12:00, 14:00-18:00"
        permit = journey.open_print(desk, desk.locator(".page-header a[href$='/permit/']"))
        expect(permit.locator(".rp-permit-number")).to_contain_text(renovation.permit_number)
        expect(permit.locator(".rp-hours")).to_have_text(hours)
        expect(permit.locator(".rp-permit")).to_contain_text(worker_pass.serial)
        expect(permit.locator(".rp-permit")).to_contain_text(f"{first_day:%Y-%m-%d} – {last_day:%Y-%m-%d}")
        assert pdf_pages(permit, "renovation-permit") == 1
        in_both_languages(permit, screenshot, "renovation-permit-print", end_in="zh-hans")

        # the pass card: photo, masked ID number, the permit's number, a QR code in SVG that reads
        # as the gate expects it
        cards = journey.open_print(desk, desk.locator(".page-header a[href$='/passes/']"))
        card = cards.locator(".rp-card")
        expect(card).to_have_count(1)
        expect(card.locator(".rp-card-serial")).to_contain_text(worker_pass.serial)
        expect(card.locator(".rp-card-serial")).to_contain_text(renovation.permit_number)
        expect(card.locator(".rp-card-name")).to_have_text("张建军")
        dates = card.locator(".rp-card-valid .text-nowrap")  # a date is never cut at its hyphens
        expect(dates).to_have_text([f"{first_day:%Y-%m-%d}", f"{last_day:%Y-%m-%d}"])
        assert [date.evaluate("el => el.getClientRects().length") for date in dates.all()] == [1, 1]
        expect(card.locator(".rp-pii")).to_have_text(f"{WORKER_ID[:4]}{'*' * 10}{WORKER_ID[-4:]}")
        expect(card).not_to_contain_text(WORKER_ID)
        expect(card).to_contain_text("3-1-1203")
        assert card.locator("img.rp-card-photo").evaluate("img => img.complete && img.naturalWidth > 0")
        qr = card.locator(".rp-card-qr svg.rp-qr")
        expect(qr).to_have_count(1)
        cards.add_script_tag(url=cards.base_url + "/static/vendor/jsqr/jsQR.js")
        assert qr.evaluate(READ_QR) == rules.pass_token(worker_pass.serial)
        assert pdf_pages(cards, "renovation-passes") == 1
        in_both_languages(cards, screenshot, "renovation-passes-print", end_in="zh-hans")
        cards.close()
        permit.close()

        # the board: the renovation under way
        journey.follow(desk, desk.locator("nav.navbar a.nav-link[href$='/renovation/']"))
        expect(desk.locator("#state-in_progress")).to_contain_text("3-1-1203")
        in_both_languages(desk, screenshot, "renovation-board", end_in="zh-hans")

        # ---- the guard at the gate, on his phone: the pass is valid --------------------------
        guard = page_for(locale="zh-CN", **PHONE)
        guard.role = "guard"
        journey.arrive(guard, "/renovation/gate/", "menwei")
        guard.locator("#id_code").fill(worker_pass.serial)
        journey.submit(guard, guard.locator("#gate-form button[type=submit]"))
        answer = guard.locator("#answer")
        expect(answer.locator(".pd-gate-answer-label")).to_have_text(label(GateResult.VALID, "zh-hans"))
        expect(answer.locator(".pd-gate-success")).to_have_count(1)
        expect(answer.locator(".pd-gate-name")).to_have_text("张建军")
        expect(answer).to_contain_text("3-1-1203")
        assert answer.locator("img.pd-gate-photo").evaluate("img => img.complete && img.naturalWidth > 0")
        in_both_languages(guard, screenshot, "renovation-gate-valid-phone", end_in="zh-hans")

    # ---- the day after the last day of the work ------------------------------------------------
    after = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(9, 0), tzinfo=SHANGHAI)
    with time_machine.travel(after, tick=True):
        # the guard (signed in again: a week idle ends a session): the same pass has expired
        journey.arrive(guard, "/renovation/gate/", "menwei")
        guard.locator("#id_code").fill(worker_pass.serial)
        journey.submit(guard, guard.locator("#gate-form button[type=submit]"))
        expect(answer.locator(".pd-gate-answer-label")).to_have_text(label(GateResult.EXPIRED, "zh-hans"))
        expect(answer.locator(".pd-gate-danger")).to_have_count(1)
        expect(answer.locator(".pd-gate-facts .text-danger")).to_have_text(
            f"{first_day:%Y-%m-%d} – {last_day:%Y-%m-%d}")
        assert list(worker_pass.checks.order_by("pk").values_list("result", flat=True)) == [
            GateResult.VALID, GateResult.EXPIRED]
        in_both_languages(guard, screenshot, "renovation-gate-expired-phone", end_in="zh-hans")

        # the owner asks for the inspection
        journey.arrive(owner, detail_path, "lina")
        owner.locator("#acceptance-note").fill("工期已完成，周末上午都可以来验收")
        journey.submit(owner, owner.locator("#completion form button[type=submit]"))
        renovation.refresh_from_db()
        assert renovation.status == Status.ACCEPTANCE_REQUESTED

        # engineering finds it among the inspections due and passes it
        engineer = page_for(locale="zh-CN")
        engineer.role = "engineering"
        journey.arrive(engineer, "/renovation/inspections/", "jianjun")
        journey.follow(engineer, engineer.locator(f"main a[href$='/renovation/{renovation.pk}/#inspection']"))
        inspection = engineer.locator("#action-inspection")
        inspection.locator("input[name=passed][value=yes]").check()
        inspection.locator("textarea[name=note]").fill("墙面、地面、水电验收合格")
        journey.submit(engineer, inspection.locator("button[type=submit]"))
        renovation.refresh_from_db()
        assert renovation.status == Status.PASSED
        refund_day = after.date() + dt.timedelta(days=10)  # passed + the policy's 10 days
        assert renovation.deposits_due_on == refund_day

        # the desk takes the pass card back (the deposits wait for it)
        journey.arrive(desk, f"/renovation/{renovation.pk}/", "desk")
        journey.submit(desk, desk.locator("#passes form[action$='/actions/pass_return/'] button[type=submit]"))
        worker_pass.refresh_from_db()
        assert worker_pass.revoked_at is not None and worker_pass.returned_at is not None

    # ---- the refund day: the morning job, then finance ----------------------------------------
    refund_morning = dt.datetime.combine(refund_day, dt.time(8, 0), tzinfo=SHANGHAI)
    with time_machine.travel(refund_morning + dt.timedelta(minutes=30), tick=True):
        call_command("runjob", "renovation.daily", "--as-of", refund_morning.strftime("%Y-%m-%dT%H:%M"))
        renovation.refresh_from_db()
        assert renovation.status == Status.DEPOSITS_DUE

        finance = page_for(locale="en-US")
        finance.role = "finance"
        journey.arrive(finance, "/renovation/deposits/", "caiwu")
        deposits = [charges[kind] for kind in DEPOSITS]
        for deposit in deposits:
            row = finance.locator(f"#deposit-{deposit.pk}")
            expect(row.locator(".badge").last).to_have_text("Due for refund")
            row.locator("select[name=method]").select_option("cash")
            journey.submit(finance, row.locator("button[type=submit]"))
            expect(finance).to_have_url(re.compile(r"/renovation/deposits/$"))
            expect(finance.locator(f"#deposit-{deposit.pk} .badge").last).to_have_text("Refunded")
        renovation.refresh_from_db()
        assert renovation.status == Status.REFUNDED and renovation.closed_at is not None
        refunds = [deposit.refund for deposit in RenovationCharge.objects.filter(pk__in=[d.pk for d in deposits])
                   .select_related("refund").order_by("pk")]
        assert [r.voucher_number for r in refunds] == [f"CUIHU-TK{refund_day.year}-{n:06d}" for n in (1, 2)]
        assert [(r.amount, r.method) for r in refunds] == [(Decimal("1000.00"), "cash")] * 2
        for refund in refunds:
            expect(finance.locator("main")).to_contain_text(refund.voucher_number)
        expect(finance.locator(f"#deposit-{deposits[0].pk} .badge").first).to_have_text(
            label(Status.REFUNDED, "en"))
        screenshot(finance, "renovation-deposits-refunded-en")

        # the owner sees it closed, with the vouchers and the receipts
        journey.arrive(owner, detail_path, "lina")
        expect(owner.locator(".page-header .badge")).to_have_text(label(Status.REFUNDED, "zh-hans"))
        for refund in refunds:
            expect(owner.locator("#deposits")).to_contain_text(refund.voucher_number)
        for charge in charges.values():
            expect(owner.locator("#fees")).to_contain_text(charge.receipt.number)
        in_both_languages(owner, screenshot, "renovation-portal-refunded-phone", end_in="zh-hans")

    figure(journey.figure(time.perf_counter() - started))
