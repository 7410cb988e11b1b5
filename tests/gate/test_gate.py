"""The gate's rules as the desk, the guard and the owners notice them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fees.models import Receipt
from gate import services
from gate.models import CardStatus, GatePolicy, GateReveal, PassCheck, PassStatus, Visit
from gate.rules import pass_check
from gate.selectors import cards_for_unit, pass_answer, visits_still_in
from gate.services import PassLine
from propertydesk import messages
from propertydesk.models import Delivery, Notification
from tests.gate.conftest import T0, TODAY, sh

ID = "440106198001012345"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


# ---- visitors ----------------------------------------------------------------------------------

def test_a_visitors_id_number_is_stored_encrypted_shown_masked_and_its_reveal_logged(place):
    # given
    visit = services.visit_register(unit=place["u101"], visitor_name="赵六", id_number=ID, confirmed=True,
                                    confirmed_how="intercom", now=T0, actor=place["desk"])
    # then: not in the clear in the table, masked for lists
    raw = _raw("gate_visit", "id_number", visit.pk)
    assert ID not in raw and "2345" not in raw
    assert Visit.objects.get(pk=visit.pk).id_number_masked == "4401**********2345"
    # when: the desk reveals it
    assert services.visit_reveal_id(visit=visit, user=place["desk"], now=T0) == ID
    # then: logged; engineering may not
    assert GateReveal.objects.filter(visit=visit, user=place["desk"], field="visitor_id").count() == 1
    with pytest.raises(PermissionDenied):
        services.visit_reveal_id(visit=visit, user=place["eng"], now=T0)
    assert GateReveal.objects.count() == 1


def test_a_visitor_checks_out_once_and_leaves_the_still_in_list(place):
    visit = services.visit_register(unit=place["u101"], visitor_name="赵六", id_number=ID, confirmed=True,
                                    confirmed_how="phone", now=T0, actor=place["desk"])
    assert list(visits_still_in(as_of=T0)) == [visit]
    services.visit_check_out(visit=visit, now=T0 + dt.timedelta(hours=1), actor=place["desk"])
    assert list(visits_still_in(as_of=T0 + dt.timedelta(hours=1))) == []
    with pytest.raises(ValidationError, match="left already"):
        services.visit_check_out(visit=visit, now=T0 + dt.timedelta(hours=2), actor=place["desk"])


def test_a_visitor_the_resident_did_not_confirm_is_recorded_and_not_let_in(place):
    visit = services.visit_register(unit=place["u101"], visitor_name="推销员", id_number=ID, confirmed=False,
                                    now=T0, actor=place["desk"])
    assert visit.time_out == visit.time_in
    assert list(visits_still_in(as_of=T0)) == []


def test_a_confirmed_visit_must_say_how_and_the_id_number_is_required(place):
    with pytest.raises(ValidationError) as error:
        services.visit_register(unit=place["u101"], visitor_name="赵六", id_number="", confirmed=True,
                                confirmed_how="", now=T0, actor=place["desk"])
    assert set(error.value.message_dict) == {"id_number", "confirmed_how"}
    assert not Visit.objects.exists()


def test_a_preregistration_code_works_once_for_its_day_and_for_its_unit(place):
    # given: 李娜 announces her visitor for tomorrow
    tomorrow = TODAY + dt.timedelta(days=1)
    prereg = services.preregistration_create(owner=place["li"], unit=place["u101"], visitor_name="李母",
                                             day=tomorrow, now=T0)
    assert len(prereg.code) == 8
    # then: not today
    with pytest.raises(ValidationError, match="not today") as error:
        services.visit_register(unit=None, visitor_name="", id_number=ID, confirmed=False, code=prereg.code,
                                now=T0, actor=place["desk"])
    assert "code" in error.value.message_dict
    next_day = T0 + dt.timedelta(days=1)
    # not for another unit
    with pytest.raises(ValidationError, match="another unit"):
        services.visit_register(unit=place["u102"], visitor_name="", id_number=ID, confirmed=False,
                                code=prereg.code, now=next_day, actor=place["desk"])
    # when: on its day, typed in lower case with a space
    visit = services.visit_register(unit=None, visitor_name="", id_number=ID, confirmed=False,
                                    code=f" {prereg.code[:4].lower()} {prereg.code[4:]}", now=next_day,
                                    actor=place["desk"])
    # then: filled from the announcement, confirmed as pre-registered
    assert (visit.unit, visit.visitor_name, visit.confirmed, visit.confirmed_how) == (
        place["u101"], "李母", True, "preregistered")
    # and once only
    with pytest.raises(ValidationError, match="used already"):
        services.visit_register(unit=None, visitor_name="", id_number=ID, confirmed=False, code=prereg.code,
                                now=next_day, actor=place["desk"])
    assert Visit.objects.count() == 1


def test_an_owner_announces_visitors_to_their_own_units_only_and_not_for_a_past_day(place):
    with pytest.raises(ValidationError) as error:
        services.preregistration_create(owner=place["li"], unit=place["u102"], visitor_name="x",
                                        day=TODAY - dt.timedelta(days=1), now=T0)
    assert set(error.value.message_dict) == {"unit", "day"}


def test_codes_are_not_guessable_in_sequence(place):
    codes = {services.preregistration_create(owner=place["li"], unit=place["u101"], visitor_name=f"v{i}",
                                             day=TODAY, now=T0).code for i in range(20)}
    assert len(codes) == 20


# ---- item passes -------------------------------------------------------------------------------

def _tenant_pass(place, day=TODAY, now=T0):
    return services.item_pass_apply(unit=place["u101"], day=day, via="portal",
                                    lines=[PassLine("旧沙发", 1), PassLine("纸箱", 6)],
                                    applicant_resident=place["tenant"], now=now)


def test_a_tenants_pass_needs_the_owners_confirmation_before_the_guard_sees_it_valid(place, off):
    # given: the tenant applies
    item_pass = _tenant_pass(place)
    # then: waiting, the owner told in her language, the guard's page says not confirmed
    assert item_pass.status == PassStatus.AWAITING_OWNER
    note = Notification.objects.get(owner=place["li"], kind="gate.pass_to_confirm")
    subject, body = messages.render(note.kind, note.params, "zh-hans")
    assert item_pass.number in subject and "旧沙发 × 1" in body
    assert Delivery.objects.filter(notification=note, channel="sms").exists()
    assert pass_answer(text=item_pass.number, now=T0).answer == PassCheck.NOT_CONFIRMED
    with pytest.raises(ValidationError, match="cannot be released"):
        services.item_pass_release(item_pass=item_pass, carrier_name="搬家师傅", carrier_id_number=ID, now=T0,
                                   actor=place["desk"])
    # another owner cannot confirm it
    with pytest.raises(ValidationError):
        services.item_pass_confirm(item_pass=item_pass, owner=place["wang"], how="portal", now=T0)
    # when: the owner confirms in the portal
    services.item_pass_confirm(item_pass=item_pass, owner=place["li"], how="portal", now=T0)
    # then: valid on the guard's page, by its number or by the URL its QR code holds
    assert pass_answer(text=item_pass.number.lower(), now=T0).answer == PassCheck.VALID
    assert pass_answer(text=f"https://desk.example/gate/check/?number={item_pass.number}", now=T0).answer == "valid"
    # and the guard releases it with the carrier's ID number, stored encrypted
    released = services.item_pass_release(item_pass=item_pass, carrier_name="搬家师傅", carrier_id_number=ID,
                                          now=T0 + dt.timedelta(hours=2), actor=place["desk"])
    assert released.carrier_id_masked == "4401**********2345"
    assert ID not in _raw("gate_itempass", "carrier_id_number", item_pass.pk)
    assert pass_answer(text=item_pass.number, now=T0).answer == PassCheck.USED
    assert [e.to_status for e in item_pass.events.all()] == ["awaiting_owner", "confirmed", "released"]


def test_an_owners_own_pass_is_confirmed_at_once(place):
    item_pass = services.item_pass_apply(unit=place["u101"], day=TODAY, via="desk", lines=[PassLine("冰箱", 1)],
                                         applicant_owner=place["li"], now=T0, actor=place["desk"])
    assert item_pass.status == PassStatus.CONFIRMED
    assert pass_check(item_pass, now=T0) == PassCheck.VALID


def test_a_pass_of_yesterday_is_expired(place):
    item_pass = services.item_pass_apply(unit=place["u101"], day=TODAY, via="desk", lines=[PassLine("冰箱", 1)],
                                         applicant_owner=place["li"], now=T0, actor=place["desk"])
    # at 23:59 it is still good; the next morning it is expired, and cannot be released
    assert pass_check(item_pass, now=sh(2026, 11, 20, 23, 59)) == PassCheck.VALID
    assert pass_answer(text=item_pass.number, now=sh(2026, 11, 21, 0, 1)).answer == PassCheck.EXPIRED
    with pytest.raises(ValidationError, match="cannot be released"):
        services.item_pass_release(item_pass=item_pass, carrier_name="x", carrier_id_number=ID,
                                   now=sh(2026, 11, 21, 8, 0), actor=place["desk"])


def test_an_owner_may_confirm_by_signing_at_the_desk_and_an_empty_pad_is_refused(place):
    import base64
    import io

    from PIL import Image, ImageDraw

    item_pass = _tenant_pass(place)
    with pytest.raises(ValidationError) as error:
        services.item_pass_confirm(item_pass=item_pass, owner=place["li"], how="signature", signature="", now=T0,
                                   actor=place["desk"])
    assert "signature" in error.value.message_dict
    image = Image.new("RGBA", (200, 80), (255, 255, 255, 0))
    ImageDraw.Draw(image).line((10, 40, 190, 40), fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    data_url = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    confirmed = services.item_pass_confirm(item_pass=item_pass, owner=place["li"], how="signature",
                                           signature=data_url, now=T0, actor=place["desk"])
    assert confirmed.confirmed_how == "signature" and confirmed.owner_signature


def test_a_pass_needs_lines_and_an_applicant_of_the_unit(place):
    with pytest.raises(ValidationError) as error:
        services.item_pass_apply(unit=place["u102"], day=TODAY - dt.timedelta(days=1), via="portal", lines=[],
                                 applicant_resident=place["tenant"], now=T0)
    assert set(error.value.message_dict) == {"day", "lines", "applicant"}


# ---- cards -------------------------------------------------------------------------------------

def test_a_cards_ready_day_is_three_days_by_default_and_the_estates_own_otherwise(place):
    card = services.card_apply(unit=place["u101"], kind="access_card", applicant=place["li"], holder_name="张伟",
                               now=T0, actor=place["desk"])
    assert card.ready_on == TODAY + dt.timedelta(days=3) and card.fee == Decimal("50.00")
    GatePolicy.objects.create(estate=place["estate"], card_fee=Decimal("30.00"), parking_fee=Decimal("100.00"),
                              ready_days=5)
    place["u101"].estate.refresh_from_db()
    from owners.models import Unit

    unit = Unit.objects.select_related("estate").get(pk=place["u101"].pk)
    card = services.card_apply(unit=unit, kind="access_card", applicant=place["li"], holder_name="李娜", now=T0)
    assert (card.ready_on, card.fee) == (TODAY + dt.timedelta(days=5), Decimal("30.00"))
    # the other estate keeps the settings' days
    other = services.card_apply(unit=place["other"], kind="parking", applicant=place["zhou"], holder_name="周杰",
                                plate_number="粤a12345", now=T0)
    assert other.ready_on == TODAY + dt.timedelta(days=3) and other.plate_number == "粤A12345"


def test_settings_set_the_default_days_and_fee(place, settings):
    settings.GATE_POLICY_DEFAULTS = {"card_fee": Decimal("60.00"), "parking_fee": Decimal("0"), "ready_days": 2}
    card = services.card_apply(unit=place["u101"], kind="access_card", applicant=place["li"], holder_name="李娜",
                               now=T0)
    assert (card.ready_on, card.fee) == (TODAY + dt.timedelta(days=2), Decimal("60.00"))


def test_the_card_fee_is_paid_with_a_receipt_from_the_fees_sequence(place):
    card = services.card_apply(unit=place["u101"], kind="access_card", applicant=place["li"], holder_name="张伟",
                               now=T0, actor=place["desk"])
    paid = services.card_pay(card=card, method="cash", now=T0, actor=place["desk"])
    receipt = Receipt.objects.get(pk=paid.receipt_id)
    assert (receipt.amount, receipt.payer_name, receipt.unit, receipt.source) == (
        Decimal("50.00"), "李娜", place["u101"], f"gatecard:{card.pk}")
    assert receipt.number.startswith("CUIHU") or receipt.number
    assert paid.status == CardStatus.PAID
    # paying twice is refused, nothing more issued
    with pytest.raises(ValidationError):
        services.card_pay(card=card, method="cash", now=T0, actor=place["desk"])
    assert Receipt.objects.count() == 1


def test_the_applicant_is_told_in_their_language_when_the_card_is_ready(place, off):
    card = services.card_apply(unit=place["u102"], kind="access_card", applicant=place["wang"], holder_name="王强",
                               now=T0, actor=place["desk"])
    with pytest.raises(ValidationError):  # not paid yet
        services.card_mark_ready(card=card, card_number="A001", now=T0, actor=place["desk"])
    assert not Notification.objects.filter(kind="gate.card_ready").exists()
    card = services.card_pay(card=card, method="cash", now=T0, actor=place["desk"])
    services.card_mark_ready(card=card, card_number="A001", now=T0 + dt.timedelta(days=3), actor=place["desk"])
    note = Notification.objects.get(owner=place["wang"], kind="gate.card_ready")
    delivery = Delivery.objects.get(notification=note, channel="email")
    assert delivery.status == "pending"
    subject, body = messages.render(note.kind, note.params, place["wang"].language)
    assert subject == f"Your Access card {card.number} is ready" or "is ready" in subject
    assert card.receipt.number in body


def test_a_lost_card_is_deactivated_with_when_and_why_and_listed_for_its_unit(place):
    card = services.card_apply(unit=place["u101"], kind="access_card", applicant=place["li"], holder_name="张伟",
                               now=T0, actor=place["desk"])
    card = services.card_pay(card=card, method="cash", now=T0, actor=place["desk"])
    card = services.card_mark_ready(card=card, card_number="A001", now=T0, actor=place["desk"])
    card = services.card_hand_over(card=card, now=T0, actor=place["desk"])
    later = T0 + dt.timedelta(days=10)
    card = services.card_deactivate(card=card, reason="lost", note="丢在地铁上", now=later, actor=place["desk"])
    assert (card.status, card.deactivated_at, card.deactivation_reason) == ("deactivated", later, "lost")
    assert not card.active
    # a replacement is a new application, listed first as the one in use
    new = services.card_apply(unit=place["u101"], kind="access_card", applicant=place["li"], holder_name="张伟",
                              now=later, actor=place["desk"])
    new = services.card_pay(card=new, method="cash", now=later, actor=place["desk"])
    assert [c.pk for c in cards_for_unit(place["u101"])] == [new.pk, card.pk]
    # deactivated is the end
    with pytest.raises(ValidationError):
        services.card_hand_over(card=card, now=later, actor=place["desk"])


def test_a_parking_permit_needs_a_plate(place):
    with pytest.raises(ValidationError) as error:
        services.card_apply(unit=place["u101"], kind="parking", applicant=place["li"], holder_name="李娜", now=T0)
    assert "plate_number" in error.value.message_dict
