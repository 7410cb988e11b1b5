"""The shift log and the handover (客服日志, 交接班): what the next shift must sign for, what
the supervisors hear of a refusal, the takings a handover freezes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from desk import selectors, services, shifts
from desk.models import EntryStatus, Handover, HandoverItem, ItemStatus, LogEntry
from fees import services as fees
from propertydesk import messages
from propertydesk.models import Notification
from tests.desk.conftest import DAY, HANDOVER_AT, NIGHT, sh


def add(place, text, *, now=DAY, author=None, **kwargs):
    return services.entry_add(estate=place["estate"], author=author or place["day"], text=text, now=now, **kwargs)


def hand_over(place, *, now=HANDOVER_AT, notes="", **kwargs):
    return services.handover_create(estate=place["estate"], actor=place["day"], now=now, notes=notes, **kwargs)


def item_of(handover, entry) -> HandoverItem:
    return HandoverItem.objects.get(handover=handover, entry=entry)


# ---- shifts ----------------------------------------------------------------------------------

def test_a_moment_belongs_to_its_shift_and_the_night_shift_to_the_day_it_started(place):
    estate = place["estate"]
    assert (shifts.shift_at(estate, DAY).key, shifts.shift_at(estate, DAY).day) == ("day", dt.date(2026, 11, 24))
    late = shifts.shift_at(estate, sh(2026, 11, 25, 3, 0))
    assert (late.key, late.day, late.start, late.end) == (
        "night", dt.date(2026, 11, 24), sh(2026, 11, 24, 20, 15), sh(2026, 11, 25, 8, 15))
    assert shifts.next_shift(estate, late).start == sh(2026, 11, 25, 8, 15)


def test_an_estate_keeps_its_own_shifts(place, settings):
    settings.DESK_SHIFTS_BY_ESTATE = "cuihu:early=07:00-15:00,late=15:00-23:00,night=23:00-07:00"
    assert shifts.shift_at(place["estate"], sh(2026, 11, 24, 16, 0)).key == "late"
    assert shifts.shift_at(place["other"].estate, sh(2026, 11, 24, 16, 0)).key == "day"


# ---- entries ---------------------------------------------------------------------------------

def test_an_entry_is_stamped_with_its_moment_author_and_shift(place):
    entry = add(place, "1-1-101 报修厨房漏水，已派工", priority="high", unit=place["u101"])

    assert (entry.written_at, entry.author, entry.shift_key, entry.shift_day) == (
        DAY, place["day"], "day", dt.date(2026, 11, 24))
    assert entry.events.get().to_status == EntryStatus.OPEN


@pytest.mark.parametrize("kwargs, field", [
    ({"text": "  "}, "text"),
    ({"text": "x", "priority": "whenever"}, "priority"),
    ({"text": "x" * 2001}, "text"),
])
def test_bad_input_names_the_field_and_writes_nothing(place, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        services.entry_add(estate=place["estate"], author=place["day"], now=DAY, **kwargs)

    assert field in refused.value.message_dict
    assert not LogEntry.objects.exists()


def test_an_entry_about_another_estates_unit_is_refused_on_the_unit(place):
    with pytest.raises(ValidationError) as refused:
        add(place, "远方苑的事", unit=place["other"])

    assert "unit" in refused.value.message_dict


def test_a_refusal_reason_is_required_and_named(place):
    add(place, "等工程部回复")
    handover = hand_over(place)
    item = handover.items.get()

    with pytest.raises(ValidationError) as refused:
        services.item_refuse(item=item, actor=place["night"], now=NIGHT, reason="  ")

    assert "reason" in refused.value.message_dict
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING


# ---- the handover ----------------------------------------------------------------------------

def test_a_handover_carries_every_open_entry_and_leaves_closed_ones(place):
    # given
    kept = add(place, "2号楼电梯异响，已报工程部", priority="urgent")
    done = add(place, "业主取走快递")
    services.entry_close(entry=done, actor=place["day"], now=DAY + dt.timedelta(hours=1))

    # when
    handover = hand_over(place, notes="收银抽屉钥匙在保险柜")

    # then
    assert [i.entry for i in handover.items.all()] == [kept]
    assert (handover.shift_key, handover.next_key, handover.notes) == ("day", "night", "收银抽屉钥匙在保险柜")
    assert handover.status == Handover.Status.HANDED_OVER


def test_an_item_is_the_next_shifts_only_once_acknowledged(place):
    # given: an open entry handed over
    entry = add(place, "3-1-1203 明早9点上门维修，需提醒业主")
    handover = hand_over(place)
    night = shifts.shift_at(place["estate"], NIGHT)

    # then: until it is signed for it is nobody's new work: not the night's, still waiting on the today page
    assert list(selectors.open_entries(estate=place["estate"], shift=night)) == []
    assert [i.entry for i in selectors.waiting_items()] == [entry]

    # when: the night shift signs
    services.item_acknowledge(item=item_of(handover, entry), actor=place["night"], now=NIGHT)

    # then: it is the night shift's, nothing waits, the handover is taken over
    assert list(selectors.open_entries(estate=place["estate"], shift=night)) == [entry]
    assert list(selectors.waiting_items()) == []
    entry.refresh_from_db()
    handover.refresh_from_db()
    assert (entry.held_key, entry.held_start) == ("night", night.start)
    assert handover.status == Handover.Status.TAKEN_OVER
    item = item_of(handover, entry)
    assert (item.decided_by, item.decided_at) == (place["night"], NIGHT)
    assert [(e.from_status, e.to_status) for e in item.events.all()] == [("", "pending"), ("pending", "acknowledged")]


def test_the_next_shift_signs_not_the_one_handing_over_and_not_before_its_time(place, settings):
    settings.DESK_TAKEOVER_EARLY_MINUTES = 15
    add(place, "待跟进")
    item = hand_over(place, now=sh(2026, 11, 24, 19, 0)).items.get()

    with pytest.raises(ValidationError, match="20:00") as early:
        services.item_acknowledge(item=item, actor=place["night"], now=sh(2026, 11, 24, 19, 30))
    with pytest.raises(ValidationError) as own:
        services.item_acknowledge(item=item, actor=place["day"], now=NIGHT)
    assert (early.value.code, own.value.code) == ("too_early", "own_handover")
    services.item_acknowledge(item=item, actor=place["night"], now=sh(2026, 11, 24, 20, 0))

    item.refresh_from_db()
    assert item.status == ItemStatus.ACKNOWLEDGED


def test_an_item_is_signed_for_once(place):
    add(place, "待跟进")
    item = hand_over(place).items.get()
    services.item_acknowledge(item=item, actor=place["night"], now=NIGHT)

    with pytest.raises(ValidationError):
        services.item_refuse(item=item, actor=place["night"], now=NIGHT, reason="改主意")


def test_a_refusal_reaches_the_supervisor_with_the_reason_and_a_link(place):
    # given
    entry = add(place, "业主投诉噪音，答应今晚回电")
    handover = hand_over(place)

    # when
    services.item_refuse(item=item_of(handover, entry), actor=place["night"], now=NIGHT,
                         reason="没有业主电话，无法回电")

    # then: the supervisor has it in the inbox, in their language, linking to the handover
    note = Notification.objects.get(recipient=place["boss"])
    subject, body = messages.render(note.kind, note.params, "zh-hans")
    assert "翠湖苑" in subject and "没有业主电话，无法回电" in body and "小王" in body
    assert note.url == f"/shift-log/handovers/{handover.pk}/"
    subject_en, _body = messages.render(note.kind, note.params, "en")
    assert subject_en.startswith("Handover item refused: 翠湖苑, Day shift of 2026-11-24")
    assert not Notification.objects.filter(recipient__in=[place["day"], place["night"], place["fin"]]).exists()
    # and the entry stays with the day shift, open, carried again by its next handover
    entry.refresh_from_db()
    assert (entry.status, entry.held_key) == (EntryStatus.OPEN, "day")
    assert item_of(handover, entry).reason == "没有业主电话，无法回电"


def test_a_second_handover_of_one_shift_is_refused(place):
    add(place, "待跟进")
    hand_over(place)

    with pytest.raises(ValidationError) as refused:
        hand_over(place, now=HANDOVER_AT + dt.timedelta(minutes=5))

    assert refused.value.code == "handed_over"
    assert refused.value.messages == ["2026-11-24 白班已经交过班了。"]
    assert Handover.objects.count() == 1


def test_an_entry_waiting_in_a_handover_cannot_be_closed_before_it_is_signed_for(place):
    entry = add(place, "待跟进")
    hand_over(place)

    with pytest.raises(ValidationError) as refused:
        services.entry_close(entry=entry, actor=place["day"], now=HANDOVER_AT)

    assert refused.value.code == "pending"
    entry.refresh_from_db()
    assert entry.status == EntryStatus.OPEN


def test_the_takings_of_a_handover_equal_the_shifts_payments_by_method(place):
    # given: payments in the day shift by cash and card, one reversed, one before the shift
    # started (the night before) and one in the other estate
    def pay(unit, amount, method, at):
        return fees.payment_take(unit=unit, amount=Decimal(amount), method=method, payer_name="某人", now=at,
                                 actor=place["day"])
    pay(place["u101"], "50.00", "cash", sh(2026, 11, 24, 8, 0))
    pay(place["u101"], "30.00", "cash", sh(2026, 11, 24, 9, 0))
    pay(place["u102"], "20.50", "cash", sh(2026, 11, 24, 11, 0))
    pay(place["u102"], "100.00", "card", sh(2026, 11, 24, 15, 0))
    wrong = pay(place["u101"], "10.00", "card", sh(2026, 11, 24, 16, 0))
    fees.payment_reverse(payment=wrong, reason="刷错卡", now=sh(2026, 11, 24, 16, 5), actor=place["boss"])

    # when
    handover = hand_over(place)

    # then
    assert {t.method: (t.count, t.total) for t in handover.takings.all()} == {
        "cash": (2, Decimal("50.50")), "card": (1, Decimal("100.00"))}
    assert (handover.takings_count, handover.takings_total) == (3, Decimal("150.50"))
    assert selectors.handover_takings(place["estate"], dt.date(2026, 11, 24)) == {
        "cash": Decimal("50.50"), "card": Decimal("100.00")}
    # frozen: a payment taken later in the shift does not change what was handed over
    pay(place["u102"], "5.00", "cash", sh(2026, 11, 24, 20, 10))
    assert handover.takings.get(method="cash").total == Decimal("50.50")


def test_the_next_handover_carries_what_the_previous_shift_did_not_hand_over(place):
    # given: an entry the day shift never handed over
    entry = add(place, "忘了交班的事")

    # when: the night shift hands over at the end of the night
    handover = services.handover_create(estate=place["estate"], actor=place["night"], now=sh(2026, 11, 25, 8, 0))

    # then
    assert [i.entry for i in handover.items.all()] == [entry]


@pytest.mark.parametrize("spec", ["day=08:15-20:15,night=20:00-08:15", "day=8-20", "day=25:00-08:00,night=08:00-25:00"])
def test_shifts_that_do_not_follow_one_another_round_the_clock_are_refused(place, settings, spec):
    from django.core.exceptions import ImproperlyConfigured

    settings.DESK_SHIFTS = spec

    with pytest.raises(ImproperlyConfigured):
        shifts.shift_at(place["estate"], DAY)
