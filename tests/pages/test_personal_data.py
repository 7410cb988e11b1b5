"""An owner's rights over their personal data (PIPL arts. 45, 47): their own data as one
file from the portal, and a departed owner anonymised by a supervisor. Held clock, small
fixed data set (the figures before and after an anonymisation: tests/pages/test_personal_data_demo.py)."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from complaints.models import Complaint, ComplaintEvent
from fees.models import Payment, Receipt
from owners import selectors as owner_selectors
from owners import services as owner_services
from owners.models import Owner, OwnerAnonymisation, OwnerPhone, Resident
from pages.services import owner_anonymise
from propertydesk.models import Delivery, Notification
from repairs.models import WorkOrder
from tests.factories import UnitFactory, UserFactory, give_unit, make_owner
from tests.pages.test_today import NOW, complaint, order, payment, sh


def _file(client, owner, language):
    owner.language = language
    owner.save(update_fields=["language"])
    client.force_login(owner.user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("portal:my_data_file"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    return {sheet.title: [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets}


def _text(book) -> str:
    return "\n".join(" ".join("" if cell is None else str(cell) for cell in row)
                     for rows in book.values() for row in rows)


def _with_login(owner, username):
    owner.user = UserFactory(username=username)
    owner.save(update_fields=["user"])
    return owner


@pytest.fixture
def two_owners(db):
    a = _with_login(make_owner(name="李娜", phone="13912345678"), "lina")
    b = _with_login(make_owner(name="王强", phone="13700001111"), "wangqiang")
    unit_a, unit_b = UnitFactory(number="3-1-1203"), UnitFactory(number="5-2-0801")
    give_unit(a, unit_a)
    give_unit(b, unit_b)
    for owner, unit, number in ((a, unit_a, "TS-A"), (b, unit_b, "TS-B")):
        made = complaint(unit, number, promised=sh(2026, 11, 19, 9, 0), owner=owner,
                         contact_phone=owner.phones.first().number)
        ComplaintEvent.objects.create(complaint=made, kind="progress", at=NOW, note=f"进展 {number}", public=True)
        ComplaintEvent.objects.create(complaint=made, kind="note", at=NOW, note=f"内部 {number}", public=False)
        payment(unit, f"SJ-{number}", "120.00", by=None, at=sh(2026, 11, 1, 10, 0))
        note = Notification.objects.create(owner=owner, kind="complaint.received", created_at=NOW,
                                           params={"number": number, "time": None})
        Delivery.objects.create(notification=note, channel="sms", status="sent", idempotency_key=f"k-{number}",
                                created_at=NOW, sent_at=NOW)
    Resident.objects.create(unit=unit_a, name="李小明", relation="tenant", phone="13655556666",
                            move_in_date=dt.date(2021, 1, 1))
    return a, b


def test_an_owner_downloads_their_own_data_and_nothing_of_another_owner(client, two_owners):
    a, b = two_owners
    # when owner A downloads their file
    book = _file(client, a, "zh-hans")
    text = _text(book)
    # then it holds their record with their own numbers in full, their complaint with its
    # public progress, their payment and the message sent to them, rendered
    assert "李娜" in text and "13912345678" in text and a.id_number in text
    assert "TS-A" in text and "进展 TS-A" in text and "SJ-TS-A" in text
    assert "内部 TS-A" not in text  # the desk's internal note is not the owner's record
    messages = list(book.values())[-1]
    assert any("TS-A" in " ".join(str(cell) for cell in row) for row in messages[1:])
    # a tenant's number is theirs, not the owner's: masked
    assert "李小明" in text and "13655556666" not in text and "136****6666" in text
    # and nothing of owner B
    assert "王强" not in text and "TS-B" not in text and "13700001111" not in text


def test_the_file_speaks_the_owners_language(client, two_owners):
    a, _b = two_owners
    english = _file(client, a, "en")
    assert "owner" in english and "complaints" in english and "payments" in english
    chinese = _file(client, a, "zh-hans")
    assert "业主" in chinese and not {"owner", "complaints"} & set(chinese)


def test_a_unit_that_changed_hands_gives_each_owner_their_own_time_only(client, db):
    seller = _with_login(make_owner(name="陈静", phone="13811112222"), "chenjing")
    buyer = _with_login(make_owner(name="刘洋", phone="13833334444"), "liuyang")
    unit = UnitFactory(number="2-1-0502")
    give_unit(seller, unit, since=dt.date(2019, 3, 1))
    payment(unit, "SJ-BEFORE", "300.00", by=None, at=sh(2026, 6, 10, 10, 0))
    owner_services.ownership_transfer(unit=unit, new_owners=[buyer], transfer_date=dt.date(2026, 8, 1))
    payment(unit, "SJ-AFTER", "410.00", by=None, at=sh(2026, 9, 10, 10, 0))
    sold = Resident.objects.create(unit=unit, name="陈老人", relation="family", move_in_date=dt.date(2019, 3, 1),
                                   move_out_date=dt.date(2026, 7, 30))
    Resident.objects.create(unit=unit, name="刘租客", relation="tenant", move_in_date=dt.date(2026, 9, 1))
    assert sold.pk

    seller_text, buyer_text = _text(_file(client, seller, "zh-hans")), _text(_file(client, buyer, "zh-hans"))

    assert "SJ-BEFORE" in seller_text and "SJ-AFTER" not in seller_text
    assert "陈老人" in seller_text and "刘租客" not in seller_text
    assert "SJ-AFTER" in buyer_text and "SJ-BEFORE" not in buyer_text
    assert "刘租客" in buyer_text and "陈老人" not in buyer_text


def test_the_portal_offers_the_file_in_the_account_menu(client, two_owners):
    a, _b = two_owners
    client.force_login(a.user)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:my_data") in home
    page = client.get(reverse("portal:my_data"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert reverse("portal:my_data_file") in page


# ---- anonymising a departed owner ------------------------------------------------------------------


@pytest.fixture
def departed(db, supervisor_user):
    """An owner who sold their unit, with a complaint, a work order, a payment and a login."""
    owner = _with_login(make_owner(name="赵敏", phone="13522223333"), "zhaomin")
    buyer = make_owner(name="孙磊", phone="13599998888")
    unit = UnitFactory(number="4-2-0303")
    give_unit(owner, unit, since=dt.date(2018, 1, 1))
    made = complaint(unit, "TS-Z1", promised=sh(2026, 5, 2, 9, 0), owner=owner, contact_phone="13522223333",
                     status="resolved", resolved_at=sh(2026, 5, 1, 9, 0), resolution="已为赵敏更换水管")
    Complaint.objects.filter(pk=made.pk).update(contact_name="赵敏")
    order_ = order(unit, "WO-Z1", status="registered")
    WorkOrder.objects.filter(pk=order_.pk).update(owner=owner, requester_name="赵敏", requester_phone="13522223333")
    paid = payment(unit, "SJ-Z1", "256.40", by=supervisor_user, at=sh(2026, 4, 3, 10, 0))
    Payment.objects.filter(pk=paid.pk).update(payer_name="赵敏")
    Receipt.objects.filter(pk=paid.receipt_id).update(payer_name="赵敏")
    Resident.objects.create(unit=unit, name="赵小敏", relation="family", move_in_date=dt.date(2018, 1, 1),
                            move_out_date=dt.date(2026, 7, 31), phone="13611112222")
    Resident.objects.create(unit=unit, name="租客钱", relation="tenant", move_in_date=dt.date(2025, 1, 1))
    owner_services.ownership_transfer(unit=unit, new_owners=[buyer], transfer_date=dt.date(2026, 8, 1))
    later = payment(unit, "SJ-S1", "88.00", by=supervisor_user, at=sh(2026, 9, 3, 10, 0))
    Payment.objects.filter(pk=later.pk).update(payer_name="孙磊")
    return {"owner": owner, "buyer": buyer, "unit": unit, "complaint": made, "payment": paid, "later": later}


def test_a_supervisor_anonymises_a_departed_owner_and_the_money_stays(client, departed, supervisor_user):
    owner, paid = departed["owner"], departed["payment"]
    before = Payment.objects.values_list("pk", "amount", "receipt__number", "received_at").order_by("pk")
    # when the supervisor anonymises them, with a reason
    client.force_login(supervisor_user)
    response = client.post(reverse("owners:anonymise", args=[owner.pk]), {"reason": "业主申请注销（已售房）"})
    assert response.status_code == 302
    # then names, numbers and what was written about them are gone everywhere
    owner.refresh_from_db()
    assert owner.name == f"已注销业主 #{owner.pk}" and owner.id_number is None and owner.id_number_hash == ""
    assert not OwnerPhone.objects.filter(owner=owner).exists()
    record = Complaint.objects.get(pk=departed["complaint"].pk)
    assert (record.contact_name, record.contact_phone) == (owner.name, None)
    assert "赵敏" not in record.resolution and record.status == "resolved" and record.number == "TS-Z1"
    order_ = WorkOrder.objects.get(number="WO-Z1")
    assert order_.requester_name == owner.name and order_.requester_phone is None
    # their payment names them no more; the buyer's is the buyer's; every amount and number stays
    assert Payment.objects.get(pk=paid.pk).payer_name == owner.name
    assert Receipt.objects.get(pk=paid.receipt_id).payer_name == owner.name
    assert Payment.objects.get(pk=departed["later"].pk).payer_name == "孙磊"
    # their family who left with them are renamed; the tenant who stayed on under the buyer is not
    assert set(Resident.objects.filter(unit=departed["unit"]).values_list("name", "phone")) == \
        {("已注销住户", None), ("租客钱", None)}
    assert list(Payment.objects.values_list("pk", "amount", "receipt__number", "received_at").order_by("pk")) \
        == list(before)
    # the receipt still prints, with its number and amount
    printed = client.get(reverse("fees:receipt_print", args=[paid.receipt_id])).content.decode()
    assert "SJ-Z1" in printed and "256.40" in printed and "赵敏" not in printed
    # the desk finds them by neither name nor phone nor its last four digits
    for query in ("赵敏", "13522223333", "3333"):
        assert not owner_selectors.owner_list(query=query).filter(pk=owner.pk).exists()
    # the login is closed
    user = owner.user
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password() and "zhaomin" not in user.username
    # and the anonymisation is on record: who, when, why; the owner's page says so
    done = OwnerAnonymisation.objects.get(owner=owner)
    assert done.anonymised_by == supervisor_user and done.reason == "业主申请注销（已售房）"
    assert done.rows["complaints.Complaint"] == 1 and done.rows["fees.Payment"] == 1
    page = client.get(reverse("owners:detail", args=[owner.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "业主申请注销（已售房）" in page


def test_anonymising_twice_changes_nothing_more(departed, supervisor_user):
    owner = departed["owner"]
    first = owner_anonymise(owner_id=owner.pk, actor=supervisor_user, reason="离开小区", now=NOW)
    with CaptureQueriesContext(connection) as queries:
        second = owner_anonymise(owner_id=owner.pk, actor=supervisor_user, reason="再来一次", now=NOW)
    assert second.pk == first.pk and second.reason == "离开小区"
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert OwnerAnonymisation.objects.count() == 1


def test_an_owner_who_still_owns_a_unit_is_refused_with_the_unit_named(client, supervisor_user, db):
    owner = make_owner(name="周杰", phone="13566667777")
    give_unit(owner, UnitFactory(number="6-1-1101"))
    with pytest.raises(ValidationError) as refused:
        owner_anonymise(owner_id=owner.pk, actor=supervisor_user, reason="误操作", now=NOW)
    assert "6-1-1101" in " ".join(refused.value.messages)
    owner.refresh_from_db()
    assert owner.name == "周杰" and not OwnerAnonymisation.objects.exists()
    # the page says it too, and changes nothing
    client.force_login(supervisor_user)
    response = client.post(reverse("owners:anonymise", args=[owner.pk]), {"reason": "误操作"}, follow=True)
    assert "6-1-1101" in response.content.decode()
    assert Owner.objects.get(pk=owner.pk).name == "周杰"


def test_the_desk_may_not_anonymise_and_a_reason_is_required(client, departed, desk_user, supervisor_user):
    owner = departed["owner"]
    client.force_login(desk_user)
    assert client.post(reverse("owners:anonymise", args=[owner.pk]), {"reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        owner_anonymise(owner_id=owner.pk, actor=desk_user, reason="x", now=NOW)
    client.force_login(supervisor_user)
    response = client.post(reverse("owners:anonymise", args=[owner.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert Owner.objects.get(pk=owner.pk).name == "赵敏"


def test_anonymising_costs_the_same_statements_however_many_records(departed, supervisor_user):
    owner, unit = departed["owner"], departed["unit"]
    lonely = make_owner(name="钱多", phone="13500001234")
    give_unit(lonely, UnitFactory(number="7-1-0101"), since=dt.date(2018, 1, 1))
    owner_services.ownership_transfer(unit=lonely.ownerships.get().unit, new_owners=[departed["buyer"]],
                                      transfer_date=dt.date(2026, 8, 1))
    for i in range(10):
        complaint(unit, f"TS-Z{10 + i}", promised=sh(2026, 5, 2, 9, 0), owner=owner)
    with CaptureQueriesContext(connection) as few:
        owner_anonymise(owner_id=lonely.pk, actor=supervisor_user, reason="离开小区", now=NOW)
    with CaptureQueriesContext(connection) as many:
        owner_anonymise(owner_id=owner.pk, actor=supervisor_user, reason="离开小区", now=NOW)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Complaint.objects.filter(owner=owner, contact_name=owner.__class__.objects.get(pk=owner.pk).name).count() == 11
    assert Decimal("256.40") in Payment.objects.values_list("amount", flat=True)


def test_the_file_reads_the_same_statements_however_many_records(client, two_owners):
    a, _b = two_owners
    unit = a.ownerships.get().unit
    client.force_login(a.user)

    def statements():
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("portal:my_data_file")).status_code == 200
        return len(queries.captured_queries)

    few = statements()
    for i in range(6):
        made = complaint(unit, f"TS-A{i}", promised=sh(2026, 11, 19, 9, 0), owner=a)
        ComplaintEvent.objects.create(complaint=made, kind="progress", at=NOW, note="进展", public=True)
        payment(unit, f"SJ-A{i}", "10.00", by=None, at=sh(2026, 11, 2, 10, i))
        note = Notification.objects.create(owner=a, kind="complaint.received", created_at=NOW,
                                           params={"number": made.number, "time": None})
        Delivery.objects.create(notification=note, channel="sms", status="sent", idempotency_key=f"k-A{i}",
                                created_at=NOW, sent_at=NOW)
    assert statements() == few


def test_anonymising_scrubs_the_audit_history_too(departed, supervisor_user):
    """The history's trigger-made copies of the rows kept the name and numbers the rows no
    longer do: after the anonymisation no copy holds them, and the history still shows the
    change with the neutral values."""
    from propertydesk import audit

    owner = departed["owner"]
    kinds = (Owner, OwnerPhone, Complaint, WorkOrder, Payment, Receipt, Resident)

    def copies_naming_them():
        found = []
        for model in kinds:
            events = audit.event_model(model)
            for row in events.objects.all():
                values = [getattr(row, f.name) for f in events._meta.fields if not f.name.startswith("pgh_")]
                if any(isinstance(v, str) and ("赵敏" in v or "13522223333" in v or "13611112222" in v)
                       for v in values):
                    found.append(model._meta.label)
        return found

    assert {"owners.Owner", "owners.OwnerPhone", "complaints.Complaint", "repairs.WorkOrder",
            "fees.Payment"} <= set(copies_naming_them())
    owner_anonymise(owner_id=owner.pk, actor=supervisor_user, reason="离开小区", now=NOW)
    assert copies_naming_them() == []
    latest = audit.event_model(Owner).objects.filter(pgh_obj_id=owner.pk).order_by("-pgh_id").first()
    assert latest.name == f"已注销业主 #{owner.pk}"
