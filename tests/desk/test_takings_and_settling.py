"""The receiving shift signs for the takings (002 三 2.3: 清点核对), and a supervisor settles a
refused item: reassigned to a shift or a person, or closed with a note."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from desk import services
from desk.models import EntryStatus, HandoverItem, ItemStatus, TakingsReceipt, TakingsStatus
from fees import services as fees
from propertydesk import messages
from propertydesk.models import Notification
from tests.desk.conftest import DAY, HANDOVER_AT, NIGHT, sh
from tests.factories import UserFactory


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pay(place, amount, method, at=DAY, unit="u101"):
    return fees.payment_take(unit=place[unit], amount=Decimal(amount), method=method, payer_name="某人", now=at,
                             actor=place["day"])


@pytest.fixture
def handed(place):
    """The day shift took ¥130.50 in cash and ¥100 by card, and handed over."""
    pay(place, "80.00", "cash")
    pay(place, "50.50", "cash", unit="u102")
    pay(place, "100.00", "card")
    return services.handover_create(estate=place["estate"], actor=place["day"], now=HANDOVER_AT)


# ---- the takings received -------------------------------------------------------------------

def test_the_takings_wait_to_be_received_and_the_next_shift_signs_for_them_as_counted(place, handed):
    # given
    receipt = TakingsReceipt.objects.get(handover=handed)
    assert receipt.status == TakingsStatus.WAITING

    # when: the night shift counts the cash by hand and checks the card slips
    services.takings_receive(handover=handed, actor=place["night"], now=NIGHT,
                             counted={"cash": Decimal("130.50"), "card": Decimal("100.00")})

    # then: received, by whom and when; each method's count kept; nobody told
    receipt.refresh_from_db()
    assert (receipt.status, receipt.received_by, receipt.received_at) == (TakingsStatus.RECEIVED, place["night"],
                                                                          NIGHT)
    assert {t.method: t.counted for t in handed.takings.all()} == {"cash": Decimal("130.50"),
                                                                     "card": Decimal("100.00")}
    assert [(e.from_status, e.to_status, e.actor) for e in receipt.events.all()] == [
        ("", "waiting", place["day"]), ("waiting", "received", place["night"])]
    assert not Notification.objects.filter(kind="desk.takings_difference").exists()


def test_a_difference_needs_its_reason_and_reaches_the_supervisors_with_a_link(place, handed):
    # a count short of cash without a reason: refused on that method's reason, nothing written
    with pytest.raises(ValidationError) as refused:
        services.takings_receive(handover=handed, actor=place["night"], now=NIGHT,
                                 counted={"cash": Decimal("120.50"), "card": Decimal("100.00")})
    assert list(refused.value.error_dict) == ["reason_cash"]
    assert TakingsReceipt.objects.get(handover=handed).status == TakingsStatus.WAITING

    # with its reason
    services.takings_receive(handover=handed, actor=place["night"], now=NIGHT,
                             counted={"cash": Decimal("120.50"), "card": Decimal("100.00")},
                             reasons={"cash": "找零多找了10元"})

    receipt = TakingsReceipt.objects.get(handover=handed)
    assert receipt.status == TakingsStatus.DIFFERENCE
    cash = handed.takings.get(method="cash")
    assert (cash.counted, cash.difference, cash.difference_reason) == (Decimal("120.50"), Decimal("-10.00"),
                                                                      "找零多找了10元")
    note = Notification.objects.get(recipient=place["boss"], kind="desk.takings_difference")
    assert note.url == f"/shift-log/handovers/{handed.pk}/"
    subject, body = messages.render(note.kind, note.params, "zh-hans")
    assert "翠湖苑" in subject and "找零多找了10元" in body and "120.50" in body and "130.50" in body
    _subject, body_en = messages.render(note.kind, note.params, "en")
    assert "Cash: counted 120.50, handed over 130.50" in body_en
    assert not Notification.objects.filter(recipient__in=[place["day"], place["night"], place["fin"]]).exists()


def test_every_method_is_counted_and_the_one_handing_over_cannot_receive(place, handed):
    with pytest.raises(ValidationError) as missing:
        services.takings_receive(handover=handed, actor=place["night"], now=NIGHT,
                                 counted={"card": Decimal("100.00")})
    assert list(missing.value.error_dict) == ["counted_cash"]

    with pytest.raises(ValidationError) as own:
        services.takings_receive(handover=handed, actor=place["day"], now=NIGHT,
                                 counted={"cash": Decimal("130.50"), "card": Decimal("100.00")})
    assert own.value.code == "own_handover"

    with pytest.raises(ValidationError) as early:
        services.takings_receive(handover=handed, actor=place["night"], now=sh(2026, 11, 24, 19, 0),
                                 counted={"cash": Decimal("130.50"), "card": Decimal("100.00")})
    assert early.value.code == "too_early"


def test_takings_are_received_once_and_a_shift_without_payments_has_none_to_receive(place, handed):
    counted = {"cash": Decimal("130.50"), "card": Decimal("100.00")}
    services.takings_receive(handover=handed, actor=place["night"], now=NIGHT, counted=counted)
    with pytest.raises(ValidationError) as twice:
        services.takings_receive(handover=handed, actor=place["boss"], now=NIGHT, counted=counted)
    assert twice.value.code == "illegal_transition"

    quiet = services.handover_create(estate=place["estate"], actor=place["night"], now=sh(2026, 11, 25, 8, 5),
                                     shift_key="night", shift_day=dt.date(2026, 11, 24))
    assert not TakingsReceipt.objects.filter(handover=quiet).exists()
    with pytest.raises(ValidationError) as nothing:
        services.takings_receive(handover=quiet, actor=place["day"], now=sh(2026, 11, 25, 8, 20), counted={})
    assert nothing.value.code == "no_takings"


def test_unreceived_takings_show_on_the_today_page_until_the_next_shift_signs_on_the_handover(
        place, handed, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    for user in (place["day"], place["night"]):
        today = login(user).get(reverse("desk")).content.decode()
        assert f'data-takings="{handed.pk}"' in today

    night = login(place["night"])
    page = night.get(reverse("desk:handover", args=[handed.pk])).content.decode()
    assert 'id="takings-form"' in page and 'name="counted_cash"' in page
    # the cash is counted by hand: not filled in; a difference without its reason is named on its field
    bad = night.post(reverse("desk:takings_receive", args=[handed.pk]),
                     {"counted_cash": "130.00", "counted_card": "100.00"})
    assert bad.status_code == 400
    assert "reason_cash" in bad.context["takings_form"].errors
    done = night.post(reverse("desk:takings_receive", args=[handed.pk]),
                      {"counted_cash": "130.00", "counted_card": "100.00", "reason_cash": "少五毛硬币"})
    assert done.status_code == 302

    page = night.get(reverse("desk:handover", args=[handed.pk])).content.decode()
    assert 'id="takings-received"' in page and "小王" in page and "少五毛硬币" in page
    assert 'data-takings-status="difference"' in page
    assert f'data-takings="{handed.pk}"' not in login(place["day"]).get(reverse("desk")).content.decode()


def test_the_api_receives_the_takings_and_names_what_is_wrong(place, handed, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    api = login(place["night"])
    url = f"/api/v1/handovers/{handed.pk}/receive-takings/"

    short = api.post(url, {"methods": [{"method": "cash", "counted": "100.00"},
                                       {"method": "card", "counted": "100.00"}]}, content_type="application/json")
    assert short.status_code == 400 and "methods" in short.json() and "reason_cash" in str(short.json())
    own = login(place["day"]).post(url, {"methods": [{"method": "cash", "counted": "130.50"},
                                                     {"method": "card", "counted": "100.00"}]},
                                   content_type="application/json")
    assert own.status_code == 400
    done = api.post(url, {"methods": [{"method": "cash", "counted": "130.50"},
                                      {"method": "card", "counted": "100.00"}]}, content_type="application/json")
    assert done.status_code == 200
    body = done.json()
    assert (body["takings_status"], body["takings_received_by_name"]) == ("received", "小王")
    assert {t["method"]: t["counted"] for t in body["takings"]} == {"cash": "130.50", "card": "100.00"}
    assert login(place["fin"]).post(url, {}, content_type="application/json").status_code == 403


# ---- a refused item settled by a supervisor ---------------------------------------------------

@pytest.fixture
def refused(place):
    entry = services.entry_add(estate=place["estate"], author=place["day"], text="答应业主今晚回电", now=DAY)
    handover = services.handover_create(estate=place["estate"], actor=place["day"], now=HANDOVER_AT)
    item = HandoverItem.objects.get(handover=handover, entry=entry)
    return services.item_refuse(item=item, actor=place["night"], now=NIGHT, reason="没有业主电话")


def test_a_reassigned_item_is_the_named_persons_to_sign_for_and_then_theirs(place, refused):
    # given: a second clerk on the night shift
    other = UserFactory(username="d_zhao", first_name="小赵", role="front_desk")
    later = NIGHT + dt.timedelta(minutes=30)

    # when: the supervisor gives it to 小赵 of the night shift
    item = services.item_reassign(item=refused, actor=place["boss"], now=later, person=other, note="小赵有业主电话")

    # then: pending again, for 小赵 only
    assert (item.status, item.assigned_key, item.assigned_to) == (ItemStatus.PENDING, "night", other)
    assert [(e.from_status, e.to_status, e.note) for e in item.events.all()][-1] == (
        "refused", "pending", "小赵有业主电话")
    with pytest.raises(ValidationError) as not_yours:
        services.item_acknowledge(item=item, actor=place["night"], now=later)
    assert not_yours.value.code == "not_yours"
    services.item_acknowledge(item=item, actor=other, now=later)
    item.entry.refresh_from_db()
    assert (item.entry.held_key, item.entry.held_start) == ("night", sh(2026, 11, 24, 20, 15))


def test_an_item_reassigned_to_the_next_day_shift_is_signed_for_from_its_start(place, refused):
    services.item_reassign(item=refused, actor=place["boss"], now=NIGHT, shift_key="day",
                           shift_day=dt.date(2026, 11, 25))
    with pytest.raises(ValidationError) as early:
        services.item_acknowledge(item=refused, actor=place["night"], now=NIGHT)
    assert early.value.code == "too_early"
    services.item_acknowledge(item=refused, actor=place["night"], now=sh(2026, 11, 25, 8, 10))
    refused.entry.refresh_from_db()
    assert refused.entry.held_key == "day" and refused.entry.held_start == sh(2026, 11, 25, 8, 15)


def test_a_closed_item_closes_its_entry_with_the_note_and_is_not_carried_again(place, refused):
    with pytest.raises(ValidationError) as no_note:
        services.item_close(item=refused, actor=place["boss"], now=NIGHT, note="  ")
    assert list(no_note.value.error_dict) == ["note"]

    services.item_close(item=refused, actor=place["boss"], now=NIGHT, note="工程部已回电业主")

    refused.refresh_from_db()
    refused.entry.refresh_from_db()
    assert refused.status == ItemStatus.CLOSED
    assert (refused.entry.status, refused.entry.closed_by) == (EntryStatus.CLOSED, place["boss"])
    assert refused.entry.events.last().note == "工程部已回电业主"
    # the next handover carries nothing, and a closed item is settled once
    handover = services.handover_create(estate=place["estate"], actor=place["night"], now=sh(2026, 11, 25, 8, 5),
                                        shift_key="night", shift_day=dt.date(2026, 11, 24))
    assert not handover.items.exists()
    with pytest.raises(ValidationError) as twice:
        services.item_reassign(item=refused, actor=place["boss"], now=NIGHT)
    assert twice.value.code == "illegal_transition"


def test_only_a_refused_item_is_settled(place):
    entry = services.entry_add(estate=place["estate"], author=place["day"], text="待跟进", now=DAY)
    services.handover_create(estate=place["estate"], actor=place["day"], now=HANDOVER_AT)
    pending = HandoverItem.objects.get(entry=entry)
    with pytest.raises(ValidationError) as refused:
        services.item_close(item=pending, actor=place["boss"], now=NIGHT, note="x")
    assert refused.value.code == "illegal_transition"
    pending.refresh_from_db()
    assert pending.status == ItemStatus.PENDING


def test_the_supervisor_settles_a_refused_item_on_the_handover_page_and_the_desk_cannot(
        place, refused, time_machine):
    time_machine.move_to(NIGHT + dt.timedelta(minutes=10), tick=False)
    handover_url = reverse("desk:handover", args=[refused.handover_id])
    assert f'data-settle="{refused.pk}"' not in login(place["night"]).get(handover_url).content.decode()
    assert login(place["night"]).post(reverse("desk:item_close", args=[refused.pk]),
                                      {"note": "x"}).status_code == 403

    boss = login(place["boss"])
    page = boss.get(handover_url).content.decode()
    assert f'data-settle="{refused.pk}"' in page
    empty = boss.post(reverse("desk:item_close", args=[refused.pk]), {"note": ""})
    assert empty.status_code == 400
    moved = boss.post(reverse("desk:item_reassign", args=[refused.pk]),
                      {"shift": "2026-11-24/night", "person": place["night"].pk, "note": "请再核实"})
    assert moved.status_code == 302
    page = boss.get(handover_url).content.decode()
    assert f'data-assigned="{refused.pk}"' in page and "请再核实" in page
    today = login(place["night"]).get(reverse("desk")).content.decode()
    assert f'data-handover-item="{refused.pk}"' in today


def test_the_api_reassigns_and_closes_for_supervisors_only(place, refused, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    url = f"/api/v1/handover-items/{refused.pk}/"
    assert login(place["night"]).post(url + "close/", {"note": "x"},
                                      content_type="application/json").status_code == 403
    boss = login(place["boss"])
    bad = boss.post(url + "reassign/", {"shift_key": "noon"}, content_type="application/json")
    assert bad.status_code == 400 and "shift_key" in bad.json()
    done = boss.post(url + "reassign/", {"person": place["night"].pk}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "pending"
    assert done.json()["assigned_to_name"] == "小王"
    again = boss.post(url + "close/", {"note": "x"}, content_type="application/json")
    assert again.status_code == 400
