"""The application: what it needs before approval, one renovation per unit at a time,
no start in the past, only an owner of the unit applies."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation

from propertydesk.models import Notification
from renovation import selectors, services
from renovation.models import REQUIRED_DOCUMENTS, DocumentKind, Paper, Party, Renovation, RenovationDocument, Status
from tests.renovation.conftest import T0, apply, complete, photo, sh
from tests.uploads import HTML

# Each item of the checklist, and how the refusal names it (in English).
MISSING = [
    *[(f"document:{kind}", kind.label) for kind in REQUIRED_DOCUMENTS],
    ("workers", "At least one worker"),
    ("worker:id", "工人1号: ID card copy"),
    ("worker:photos", "工人1号: 2 photos (1 so far)"),
    ("paper:application:owner", "Owner's renovation application, signed"),
    ("paper:fire_safety:contractor", "Fire safety responsibility letter, signed"),
    ("paper:agreement:owner", "Renovation management agreement signed by the owner"),
    ("paper:agreement:contractor", "Renovation management agreement signed by the contractor"),
    ("paper:agreement:property", "Renovation management agreement signed by the property management company"),
]


@pytest.mark.parametrize("key, named", MISSING, ids=[key for key, _named in MISSING])
def test_approval_is_refused_while_a_required_item_is_missing_and_the_refusal_names_it(w, key, named):
    # given an application complete but for one item
    with translation.override("en"):
        renovation = apply(w)
        complete(w, renovation, skip={key})
        # when the desk approves it
        with pytest.raises(ValidationError) as refused:
            services.renovation_approve(renovation=renovation, now=T0, actor=w.desk)
        # then it is refused, naming that item and nothing else, and nothing moved
        assert refused.value.code == "incomplete"
        assert refused.value.messages[0] == (
            f"The application cannot be approved while anything is missing. Missing: {named}.")
        assert [item.label for item in selectors.renovation_checklist(renovation=renovation).missing] == [str(named)]
    renovation.refresh_from_db()
    assert renovation.status == Status.SUBMITTED
    assert renovation.events.filter(to_status=Status.APPROVED).count() == 0


def test_a_complete_application_is_approved_and_the_owner_told_what_to_pay(w):
    # given a complete application with two workers
    renovation = apply(w)
    complete(w, renovation, workers=2)
    assert selectors.renovation_checklist(renovation=renovation).complete
    # when the desk approves it
    services.renovation_approve(renovation=renovation, now=T0, actor=w.desk)
    # then it waits for the fees, and the owner reads the total: 1000 + 1000 + 89.5 m² × 5 + 2 × 5
    renovation.refresh_from_db()
    assert (renovation.status, renovation.approved_by) == (Status.APPROVED, w.desk)
    note = Notification.objects.get(owner=w.owner, kind="renovation.approved")
    assert "¥2457.50" in note.render("en")[1]


def test_a_scan_of_the_signed_agreement_stands_for_all_three_signatures(w):
    renovation = apply(w)
    complete(w, renovation, skip={f"paper:agreement:{party}" for party in Party.values})
    services.paper_scan_record(renovation=renovation, paper=Paper.AGREEMENT, scan=photo("agreement.png"),
                               signer_names="李娜、赵建国、翠湖物业", now=T0, actor=w.desk)
    assert selectors.renovation_checklist(renovation=renovation).complete


def test_a_second_active_renovation_of_a_unit_is_refused_with_a_message_naming_the_first(w):
    first = apply(w)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        apply(w, now=T0 + dt.timedelta(hours=1))
    assert list(refused.value.message_dict) == ["unit"]
    assert first.number in refused.value.message_dict["unit"][0]
    assert Renovation.objects.filter(unit=w.unit).count() == 1


def test_the_database_allows_one_active_renovation_per_unit_whatever_the_code(w):
    first = apply(w)
    clone = Renovation(number="X-1", estate=first.estate, unit=first.unit, owner=first.owner, source="desk",
                       scope="x", planned_start=first.planned_start, planned_end=first.planned_end,
                       contractor_name="x", contractor_lead_name="x", applied_at=T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_a_withdrawn_renovation_frees_the_unit_for_a_new_application(w):
    first = apply(w)
    services.renovation_withdraw(renovation=first, reason="", now=T0, actor=w.owner.user)
    second = apply(w, now=T0 + dt.timedelta(days=1))
    assert second.status == Status.SUBMITTED
    first.refresh_from_db()
    assert first.status == Status.WITHDRAWN


@pytest.mark.parametrize("start, refused", [(dt.date(2026, 11, 1), True), (dt.date(2026, 11, 2), False)])
def test_the_start_date_cannot_be_in_the_past(w, start, refused):
    # T0 is 2 November, Shanghai time
    if refused:
        with pytest.raises(ValidationError) as error:
            apply(w, planned_start=start)
        assert list(error.value.message_dict) == ["planned_start"]
    else:
        assert apply(w, planned_start=start).planned_start == start


def test_the_start_is_judged_on_the_shanghai_calendar(w):
    # 1 November 23:30 in Shanghai is 15:30 UTC: "today" is the 1st, so the 1st is no past day
    late_evening = sh(2026, 11, 1, 23, 30)
    assert apply(w, now=late_evening, planned_start=dt.date(2026, 11, 1)).planned_start == dt.date(2026, 11, 1)


def test_the_end_cannot_come_before_the_start(w):
    with pytest.raises(ValidationError) as error:
        apply(w, planned_end=dt.date(2026, 11, 8))
    assert list(error.value.message_dict) == ["planned_end"]


def test_the_desk_applies_only_for_an_owner_of_the_unit(w):
    with pytest.raises(ValidationError) as error:
        apply(w, owner=w.other)
    assert list(error.value.message_dict) == ["owner"]


def test_an_owner_applies_in_their_own_name_for_their_own_unit_only(w):
    with pytest.raises(PermissionDenied):
        apply(w, actor=w.owner.user, owner=w.other, unit=w.other_unit)
    with pytest.raises(ValidationError) as error:
        apply(w, actor=w.owner.user, unit=w.other_unit)
    assert list(error.value.message_dict) == ["owner"]
    mine = apply(w, actor=w.owner.user)
    assert (mine.source, mine.created_by) == ("portal", w.owner.user)
    # the desk hears of an application from the portal
    assert Notification.objects.filter(recipient=w.desk, kind="renovation.applied").count() == 1


def test_a_returned_application_comes_back_with_the_reasons_and_is_resubmitted(w):
    renovation = apply(w)
    with pytest.raises(ValidationError) as error:
        services.renovation_return(renovation=renovation, reasons=" ", now=T0, actor=w.desk)
    assert list(error.value.message_dict) == ["reasons"]
    services.renovation_return(renovation=renovation, reasons="请补充施工图纸", now=T0, actor=w.desk)
    assert Notification.objects.get(owner=w.owner, kind="renovation.returned").params["reasons"] == "请补充施工图纸"
    services.renovation_resubmit(renovation=renovation, now=T0 + dt.timedelta(hours=1), actor=w.owner.user)
    renovation.refresh_from_db()
    assert renovation.status == Status.SUBMITTED
    assert [e.to_status for e in renovation.events.exclude(to_status="")] == ["submitted", "returned", "submitted"]


def test_a_file_that_is_not_a_photo_or_pdf_is_refused_by_name_and_nothing_is_stored(w):
    renovation = apply(w)
    fake = SimpleUploadedFile("licence.png", HTML, content_type="image/png")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.renovation_document_add(renovation=renovation, kind=DocumentKind.BUSINESS_LICENCE,
                                         uploads=[photo(), fake], now=T0, actor=w.desk)
    assert "licence.png" in error.value.message_dict["uploads"][0]
    assert RenovationDocument.objects.count() == 0


def test_a_worker_photo_must_be_a_photo_and_the_application_documents_close_at_approval(w):
    renovation = apply(w)
    worker = complete(w, renovation)[0]
    pdf = SimpleUploadedFile("photo.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        services.renovation_document_add(renovation=renovation, kind=DocumentKind.WORKER_PHOTO, uploads=[pdf],
                                         now=T0, actor=w.desk, worker=worker)
    assert list(error.value.message_dict) == ["uploads"]
    services.renovation_approve(renovation=renovation, now=T0, actor=w.desk)
    with pytest.raises(ValidationError) as closed:
        services.renovation_document_add(renovation=renovation, kind=DocumentKind.DRAWINGS, uploads=[photo()],
                                         now=T0, actor=w.desk)
    assert closed.value.code == "wrong_status"


def test_the_lead_id_and_phone_are_stored_encrypted_and_shown_masked(w):
    from django.db import connection

    renovation = apply(w)
    with connection.cursor() as cursor:
        cursor.execute("SELECT contractor_lead_id_number, contractor_lead_phone FROM renovation_renovation "
                       "WHERE id = %s", [renovation.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert renovation.contractor_lead_id_number not in stored_id and "13700001111" not in stored_phone
    assert renovation.contractor_lead_phone_masked == "137****1111"
    assert renovation.contractor_lead_id_masked.startswith("4401") and "*" in renovation.contractor_lead_id_masked


def test_the_owner_corrects_a_returned_application_by_the_same_rules(w):
    renovation = apply(w, actor=w.owner.user)
    services.renovation_return(renovation=renovation, reasons="结束日期有误", now=T0, actor=w.desk)
    with pytest.raises(ValidationError) as error:
        services.renovation_change(renovation=renovation, planned_start=dt.date(2026, 10, 30), now=T0,
                                   actor=w.owner.user)
    assert list(error.value.message_dict) == ["planned_start"]
    services.renovation_change(renovation=renovation, planned_end=dt.date(2026, 12, 31), floors_altered=True,
                               now=T0, actor=w.owner.user)
    renovation.refresh_from_db()
    assert (renovation.planned_end, renovation.floors_altered) == (dt.date(2026, 12, 31), True)
    assert renovation.events.filter(data__action="changed").get().data["fields"] == ["floors_altered", "planned_end"]


def test_a_document_uploaded_by_mistake_is_taken_back_only_before_approval(w):
    renovation = apply(w)
    complete(w, renovation)
    extra = services.renovation_document_add(renovation=renovation, kind=DocumentKind.DRAWINGS, uploads=[photo()],
                                             now=T0, actor=w.desk)[0]
    services.renovation_document_remove(document=extra, now=T0, actor=w.desk)
    assert not RenovationDocument.objects.filter(pk=extra.pk).exists()
    services.renovation_approve(renovation=renovation, now=T0, actor=w.desk)
    with pytest.raises(ValidationError):
        services.renovation_document_remove(document=renovation.documents.first(), now=T0, actor=w.desk)
