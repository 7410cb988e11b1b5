"""The owner's renovation pages in the portal: applying from a phone, what is missing,
uploads, signatures on the pad, a return and the resubmission, the permit and the
deposits; another owner's renovation is not found; both languages."""

import base64
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw

from renovation import services
from renovation.models import DocumentKind, Renovation, RenovationDocument, SignedPaper, Status
from tests.factories import resident_id
from tests.renovation.conftest import END, LEAD_ID, START, T0, add_worker, apply, passed, photo, sh, started


@pytest.fixture
def owner_client(client, w):
    client.force_login(w.owner.user)
    with time_machine.travel(T0, tick=False):
        yield client


def pad_drawing() -> str:
    image = Image.new("RGBA", (320, 120), (255, 255, 255, 255))
    ImageDraw.Draw(image).line([(20, 90), (120, 20), (300, 100)], fill=(10, 10, 10, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def application(**extra):
    return {"scope": "厨房翻新，卫生间重做防水", "floors_altered": "on", "planned_start": START.isoformat(),
            "planned_end": END.isoformat(), "contractor_name": "锦华装饰工程有限公司",
            "contractor_lead_name": "赵建国", "contractor_lead_phone": "13700001111",
            "contractor_lead_id_number": LEAD_ID, **extra}


def upload(client, renovation, kind, *files, worker=None):
    data = {"kind": kind, "uploads": list(files)}
    if worker is not None:
        data["worker"] = worker.pk
    return client.post(reverse("renovation:portal_upload", args=[renovation.pk]), data)


def detail(client, renovation):
    return client.get(reverse("renovation:portal_detail", args=[renovation.pk]))


def test_an_owner_applies_uploads_signs_and_sees_the_checklist_shrink(owner_client, w):
    # given: the owner applies from the portal
    response = owner_client.post(reverse("renovation:portal_new"), {"unit": w.unit.pk, **application()})
    renovation = Renovation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("renovation:portal_detail",
                                                                            args=[renovation.pk])
    assert (renovation.owner, renovation.source, renovation.floors_altered) == (w.owner, "portal", True)
    page = owner_client.get(response["Location"]).content.decode()
    assert f"您的申请 {renovation.number} 已登记" in page  # the success message says what happened
    # everything is missing at first: 6 papers, a worker, 5 signatures (the property's too)
    assert "0/12" in page and "装修施工图纸" in page and "至少登记一名施工人员" in page

    # when: the drawings go up as two phone photos, a worker joins with ID copy and photos,
    # and the owner signs the application on the pad
    uploaded = owner_client.post(reverse("renovation:portal_upload", args=[renovation.pk]), {
        "kind": DocumentKind.DRAWINGS, "uploads": [photo("a.png"), photo("b.png")]}, follow=True)
    assert "“装修施工图纸”已上传 2 个文件。" in uploaded.content.decode()
    added = owner_client.post(reverse("renovation:portal_worker_add", args=[renovation.pk]), {
        "name": "张师傅", "id_number": resident_id(501, birth="19900101"), "phone": "13600002222",
        "id_copies": [photo("id.png")], "photos": [photo("1.png"), photo("2.png")]})
    assert added.status_code == 302
    signed = owner_client.post(reverse("renovation:portal_sign", args=[renovation.pk]), {
        "paper": "application", "party": "owner", "signature": pad_drawing()})
    assert signed.status_code == 302

    # then: each step is on record and the checklist shrinks by them
    assert RenovationDocument.objects.filter(renovation=renovation, kind=DocumentKind.DRAWINGS).count() == 2
    assert renovation.workers.get().documents.count() == 3
    assert SignedPaper.objects.get(renovation=renovation).signer_name == w.owner.name
    page = detail(owner_client, renovation).content.decode()
    assert "5/14" in page  # drawings, a worker, his ID copy, his photos, the application signed
    assert "上传 2 个文件：装修施工图纸" in page and "登记施工人员：张师傅" in page  # the history
    document = RenovationDocument.objects.filter(renovation=renovation).first()
    file = owner_client.get(reverse("renovation:portal_document", args=[renovation.pk, document.pk]))
    assert file.status_code == 200 and file["Content-Type"] == "image/png"


def test_apply_form_names_the_wrong_fields_and_never_a_500(owner_client, w):
    # the form's own checks first, then the service's, each on its field
    response = owner_client.post(reverse("renovation:portal_new"), {"unit": w.unit.pk, **application(scope="")})
    assert response.status_code == 400 and set(response.context["form"].errors) == {"scope"}
    response = owner_client.post(reverse("renovation:portal_new"), {
        "unit": w.unit.pk, **application(planned_start="2026-10-01", contractor_lead_phone="12",
                                         contractor_lead_id_number="123")})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"planned_start", "contractor_lead_phone", "contractor_lead_id_number"}
    assert errors["planned_start"] == ["开工日期不能早于今天。"]
    # another owner's unit is not a choice
    response = owner_client.post(reverse("renovation:portal_new"), {"unit": w.other_unit.pk, **application()})
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    # garbage in every field
    response = owner_client.post(reverse("renovation:portal_new"), {
        "unit": "x", "planned_start": "9999-99-99", "planned_end": "nope", "scope": "a" * 5000})
    assert response.status_code == 400
    assert not Renovation.objects.exists()


def test_a_refused_upload_is_named_on_its_item_and_nothing_is_kept(owner_client, w):
    renovation = apply(w, actor=w.owner.user)
    svg = SimpleUploadedFile("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml")
    response = upload(owner_client, renovation, DocumentKind.CONTRACT, svg)
    assert response.status_code == 400
    assert "x.svg" in response.content.decode()
    assert response.context["open_slot"] == "doc:contract"
    assert not renovation.documents.exists()
    # a made-up kind and an empty upload are field errors too
    assert upload(owner_client, renovation, "passport", photo()).status_code == 400
    assert upload(owner_client, renovation, DocumentKind.CONTRACT).status_code == 400


def test_the_owner_resubmits_after_a_return_and_sees_the_reasons(owner_client, w):
    renovation = apply(w, actor=w.owner.user)
    services.renovation_return(renovation=renovation, reasons="施工图纸不清楚，请重新拍照上传", now=T0, actor=w.desk)

    page = detail(owner_client, renovation).content.decode()
    assert "施工图纸不清楚，请重新拍照上传" in page and "已退回修改" in page
    # the owner's history has the moves, not only the steps between them
    assert "申请已受理" in page and "退回修改：有资料需要补充或更正" in page

    response = owner_client.post(reverse("renovation:portal_resubmit", args=[renovation.pk]),
                                 {"note": "已重新上传"}, follow=True)
    renovation.refresh_from_db()
    assert renovation.status == Status.SUBMITTED
    assert f"申请 {renovation.number} 已重新提交给客服中心" in response.content.decode()
    assert renovation.events.order_by("-pk").first().note == "已重新上传"
    # a second resubmission is refused with a message, not an error page
    again = owner_client.post(reverse("renovation:portal_resubmit", args=[renovation.pk]), follow=True)
    assert again.status_code == 200 and renovation.events.count() == 3


def test_the_owner_corrects_a_returned_application(owner_client, w):
    renovation = apply(w, actor=w.owner.user)
    services.renovation_return(renovation=renovation, reasons="请写明卫生间是否改动地面", now=T0, actor=w.desk)
    response = owner_client.post(reverse("renovation:portal_edit", args=[renovation.pk]), application(
        scope="卫生间改动地面", contractor_lead_id_number=""))
    assert response.status_code == 302
    renovation.refresh_from_db()
    assert (renovation.scope, renovation.floors_altered, renovation.contractor_lead_id_number) == (
        "卫生间改动地面", True, LEAD_ID)


def test_the_owner_withdraws_before_the_work_starts(owner_client, w):
    renovation = apply(w, actor=w.owner.user)
    response = owner_client.post(reverse("renovation:portal_withdraw", args=[renovation.pk]), {"note": "暂不装修"},
                                 follow=True)
    renovation.refresh_from_db()
    assert renovation.status == Status.WITHDRAWN and renovation.withdraw_reason == "暂不装修"
    assert f"装修 {renovation.number} 已撤回" in response.content.decode()


def test_another_owner_gets_404_on_every_page_and_file(client, w):
    renovation = apply(w, actor=w.owner.user)
    document = services.renovation_document_add(renovation=renovation, kind=DocumentKind.DRAWINGS,
                                                uploads=[photo()], now=T0, actor=w.owner.user)[0]
    worker = add_worker(w, renovation)
    client.force_login(w.other.user)
    pk = renovation.pk
    with time_machine.travel(T0, tick=False):
        for name, args in [("portal_detail", [pk]), ("portal_edit", [pk]), ("portal_document", [pk, document.pk]),
                           ("portal_sign", [pk])]:
            assert client.get(reverse(f"renovation:{name}", args=args),
                              {"paper": "application", "party": "owner"}).status_code == 404, name
        for name, args in [("portal_upload", [pk]), ("portal_worker_add", [pk]), ("portal_resubmit", [pk]),
                           ("portal_withdraw", [pk]), ("portal_acceptance", [pk]),
                           ("portal_document_remove", [pk, document.pk]),
                           ("portal_worker_remove", [pk, worker.pk])]:
            assert client.post(reverse(f"renovation:{name}", args=args), {"kind": "drawings"}).status_code == 404, name
        assert renovation.number not in client.get(reverse("renovation:portal_list")).content.decode()
    renovation.refresh_from_db()
    assert renovation.status == Status.SUBMITTED and renovation.documents.count() == 4


def test_the_permit_passes_receipts_and_inspection_request_once_under_way(client, w):
    renovation = started(w, workers=2)
    client.force_login(w.owner.user)
    with time_machine.travel(sh(2026, 11, 10, 9), tick=False):
        page = client.get(reverse("renovation:portal_detail", args=[renovation.pk])).content.decode()
        assert renovation.permit_number in page
        for worker_pass in renovation.passes.all():
            assert worker_pass.serial in page
        for charge in renovation.charges.all():
            assert charge.receipt.number in page
        permit = client.get(reverse("renovation:portal_permit", args=[renovation.pk])).content.decode()
        assert renovation.permit_number in permit and "08:00-12:00" in permit and "14:00-18:00" in permit
        response = client.post(reverse("renovation:portal_acceptance", args=[renovation.pk]), {"note": "周三下午在家"})
        assert response.status_code == 302
    renovation.refresh_from_db()
    assert renovation.status == Status.ACCEPTANCE_REQUESTED


def test_the_deposits_and_their_due_day_after_passing(client, w):
    renovation = passed(w, on=sh(2026, 11, 20, 10), floors_altered=True)
    client.force_login(w.owner.user)
    with time_machine.travel(sh(2026, 11, 21, 9), tick=False):
        page = client.get(reverse("renovation:portal_detail", args=[renovation.pk])).content.decode()
    assert "2027-02-20" in page  # 3 calendar months after passing, the floors were altered
    assert "业主装修押金" in page and "施工队押金" in page


def test_no_permit_page_before_the_permit(owner_client, w):
    renovation = apply(w, actor=w.owner.user)
    assert owner_client.get(reverse("renovation:portal_permit", args=[renovation.pk])).status_code == 404


@pytest.mark.parametrize("language, words", [("zh-hans", ["我的装修", "装修申请", "还缺什么"]),
                                             ("en", ["My renovations", "What is still missing", "Signatures"])])
def test_the_pages_render_in_the_owners_language(client, w, language, words):
    w.owner.language = language
    w.owner.save(update_fields=["language"])
    renovation = apply(w, actor=w.owner.user)
    client.force_login(w.owner.user)
    with time_machine.travel(T0, tick=False):
        pages = "".join(client.get(url).content.decode() for url in (
            reverse("renovation:portal_list"), reverse("renovation:portal_new"),
            reverse("renovation:portal_detail", args=[renovation.pk]),
            reverse("renovation:portal_sign", args=[renovation.pk]) + "?paper=agreement&party=contractor"))
    for word in words:
        assert word in pages


def test_the_benchmark_measures_the_renovation_page_and_the_gate_against_their_floors(w):
    from complaints import services as complaints
    from demo import benchmark

    renovation = started(w, workers=2)
    complaints.complaint_register(unit=w.unit, owner=w.owner, channel="phone", category="noise",
                                  description="装修噪音", now=T0, actor=w.desk)
    lines = []
    with time_machine.travel(sh(2026, 11, 10, 9), tick=True):
        results, _meta = benchmark.run(only=["portal: a renovation", "gate check page"], runs=2, log=lines.append)
    rows = {r.name: r for r in results}
    assert set(rows) == {"portal: a renovation", "gate check page"}, lines
    assert all(not r.error and r.runs and r.floor_ms for r in rows.values()), [r.error for r in rows.values()]
    assert renovation.owner.user is not None


def test_the_benchmark_skips_the_renovation_page_on_a_data_set_without_one(w):
    from complaints import services as complaints
    from demo import benchmark

    complaints.complaint_register(unit=w.unit, owner=w.owner, channel="phone", category="noise",
                                  description="噪音", now=T0, actor=w.desk)
    lines = []
    with time_machine.travel(sh(2026, 11, 10, 9), tick=True):
        results, _meta = benchmark.run(only=["portal: a renovation"], runs=1, log=lines.append)
    assert results == [] and lines == ["portal: a renovation: skipped (the data set has no renovation)"]


def test_a_unit_with_a_renovation_under_way_is_not_offered_again(owner_client, w):
    apply(w, actor=w.owner.user)
    page = owner_client.get(reverse("renovation:portal_new"))
    assert "每套房屋同时只能办理一项" in page.content.decode()  # the owner's only unit is taken
    response = owner_client.post(reverse("renovation:portal_new"), {"unit": w.unit.pk, **application()})
    assert response.status_code == 400 and Renovation.objects.count() == 1
