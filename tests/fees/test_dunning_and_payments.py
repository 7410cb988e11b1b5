"""Payments (oldest bill first, reversal) and the dunning calendar: the 16th and the
21st, at most one notice per unit, month and round, whatever the runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from fees import services
from fees.models import NOTICE_TRANSITIONS, Allocation, Bill, DunningNotice, DunningNoticeEvent, Payment, Receipt
from propertydesk import outbox
from propertydesk.models import Delivery, Notification
from tests.concurrency import at_once
from tests.fees.conftest import sh

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def bills_for(*periods):
    for period in periods:
        services.bill_run(period=period, as_of=sh(period.year, period.month, 10, 1, 0))


def pay(estate, unit, amount, when=sh(2026, 11, 12, 10, 0), **kwargs):
    return services.payment_take(unit=unit, amount=Decimal(amount), method=kwargs.pop("method", "cash"),
                                 payer_name="李娜", now=when, actor=estate["desk"], **kwargs)


# ---- payments -----------------------------------------------------------------------------


def test_a_partial_payment_settles_the_oldest_bill_first(estate):
    bills_for(OCT, NOV)  # 220.33 each month for 1-1-101
    payment = pay(estate, estate["u1"], "300.00")
    october, november = Bill.objects.filter(unit=estate["u1"]).order_by("period")
    assert (october.status, october.paid) == ("paid", Decimal("220.33"))
    assert (november.status, november.paid) == ("part_paid", Decimal("79.67"))
    assert [a.amount for a in Allocation.objects.filter(payment=payment).order_by("bill__period")] == [
        Decimal("220.33"), Decimal("79.67")]
    assert payment.receipt.number == "CUIHU-SJ2026-000001" and payment.receipt.amount == Decimal("300.00")


def test_more_than_owed_or_nothing_owed_is_refused_and_nothing_is_written(estate):
    bills_for(NOV)
    with pytest.raises(ValidationError) as caught:
        pay(estate, estate["u1"], "220.34")
    assert "amount" in caught.value.message_dict and "220.33" in caught.value.message_dict["amount"][0]
    pay(estate, estate["u1"], "220.33")
    with pytest.raises(ValidationError):
        pay(estate, estate["u1"], "1.00")
    assert Receipt.objects.count() == 1 and Payment.objects.count() == 1


def test_a_reversal_needs_a_supervisor_and_a_reason_and_the_bill_owes_again(estate):
    bills_for(NOV)
    payment = pay(estate, estate["u1"], "220.33")
    with pytest.raises(PermissionDenied):
        services.payment_reverse(payment=payment, reason="收错户", now=sh(2026, 11, 12, 11, 0), actor=estate["desk"])
    with pytest.raises(ValidationError):
        services.payment_reverse(payment=payment, reason=" ", now=sh(2026, 11, 12, 11, 0), actor=estate["boss"])
    services.payment_reverse(payment=payment, reason="收错户，应为1-1-102", now=sh(2026, 11, 12, 11, 0),
                             actor=estate["boss"])
    bill = Bill.objects.get(unit=estate["u1"])
    assert (bill.status, bill.paid) == ("open", Decimal("0.00"))
    payment.refresh_from_db()
    assert payment.reversed_by == estate["boss"] and Payment.objects.count() == 1
    assert Receipt.objects.get().reversed_at is not None  # the number stays used
    with pytest.raises(ValidationError):
        services.payment_reverse(payment=payment, reason="again", now=sh(2026, 11, 12, 12, 0), actor=estate["boss"])


# ---- dunning ------------------------------------------------------------------------------


def run_dunning(day, hour=9):
    """The job, then the outbox's sending of what it queued (a task after commit, in the app)."""
    call_command("runjob", "fees.dunning", "--as-of", f"2026-11-{day:02d}T{hour:02d}:00")
    outbox.deliver(now=sh(2026, 11, day, hour, 1))


def notices():
    return sorted(DunningNotice.objects.values_list("unit__number", "round"))


def test_the_dunning_calendar_15th_16th_rerun_21st_and_a_payer_in_between(estate):
    bills_for(NOV)
    pay(estate, estate["u3"], "186.25")  # 1-1-102 paid in full before the 16th

    run_dunning(15)
    assert notices() == []

    run_dunning(16)
    assert notices() == [("1-1-101", 1), ("2-1-201", 1)]
    run_dunning(16, hour=10)  # beat fired twice
    assert DunningNotice.objects.count() == 2

    pay(estate, estate["u2"], "346.92", when=sh(2026, 11, 18, 15, 0))  # 2-1-201 pays between the rounds
    run_dunning(21)
    assert notices() == [("1-1-101", 1), ("1-1-101", 2), ("2-1-201", 1)]
    run_dunning(22)
    assert DunningNotice.objects.count() == 3


def test_the_17th_catches_up_when_beat_was_down_on_the_16th(estate):
    bills_for(NOV)
    run_dunning(17)
    assert notices() == [("1-1-101", 1), ("1-1-102", 1), ("2-1-201", 1)]


def test_notices_go_by_the_owners_channel_and_appear_in_the_portal_inbox_once(estate):
    estate["wang"].preferred_channel = "letter"
    estate["wang"].save(update_fields=["preferred_channel"])
    bills_for(NOV)
    run_dunning(16)
    run_dunning(17)
    by_unit = {n.unit.number: n for n in DunningNotice.objects.select_related("unit")}
    assert (by_unit["2-1-201"].channel, by_unit["2-1-201"].status) == ("printed", "to_print")
    assert by_unit["1-1-101"].status == "sent" and by_unit["1-1-101"].amount_owed == Decimal("220.33")
    inbox = Notification.objects.filter(owner=estate["li"], kind="fees.dunning.1")
    assert inbox.count() == 1 and "220.33" in inbox.get().body


def test_a_notice_records_the_channel_its_message_goes_by(estate):
    # given: 李娜 prefers WeChat, which goes by SMS until it has a backend; 王强 prefers
    # e-mail but gave no address, so he is told in the portal only
    estate["li"].preferred_channel = "wechat"
    estate["li"].save(update_fields=["preferred_channel"])
    estate["wang"].preferred_channel, estate["wang"].email = "email", ""
    estate["wang"].save(update_fields=["preferred_channel", "email"])
    bills_for(NOV)

    # when
    services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))
    services.dunning_deliver(as_of=sh(2026, 11, 16, 9, 5))

    # then: the notices and the messages sent agree
    channels = dict(DunningNotice.objects.values_list("unit__number", "channel"))
    assert channels == {"1-1-101": "sms", "1-1-102": "portal", "2-1-201": "portal"}
    sent = sorted(Delivery.objects.filter(notification__kind="fees.dunning.1")
                  .values_list("notification__owner__name", "channel"))
    assert sent == [("李娜", "inbox"), ("李娜", "sms"), ("王强", "inbox"), ("王强", "inbox")]


def test_a_printed_notice_delivered_at_the_door_records_who_and_when_and_a_sent_one_cannot_be(estate):
    # given: 王强's notice is printed, 李娜's sent by the job
    estate["wang"].preferred_channel = "letter"
    estate["wang"].save(update_fields=["preferred_channel"])
    bills_for(NOV)
    run_dunning(16)
    printed = DunningNotice.objects.get(unit=estate["u2"])
    sent = DunningNotice.objects.get(unit=estate["u1"])

    # when
    services.notice_mark_delivered(notice=printed, now=sh(2026, 11, 17, 10, 0), actor=estate["desk"])
    with pytest.raises(ValidationError):
        services.notice_mark_delivered(notice=sent, now=sh(2026, 11, 17, 10, 5), actor=estate["desk"])

    # then
    assert list(printed.events.values_list("from_status", "to_status", "at", "actor")) == [
        ("to_print", "delivered", sh(2026, 11, 17, 10, 0), estate["desk"].pk)]
    assert list(sent.events.values_list("from_status", "to_status")) == [("pending", "sent")]


@pytest.mark.django_db(transaction=True)
def test_two_dunning_runs_at_once_make_one_notice_per_unit(estate):
    bills_for(NOV)

    def run():
        return services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))

    assert sorted(at_once(run, run)) == [0, 3] and DunningNotice.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_desks_paying_the_same_unit_at_once_never_overpay_it(estate):
    # given: 1-1-101 owes 220.33 for November
    bills_for(NOV)

    def desk_takes():
        return pay(estate, estate["u1"], "150.00")

    # when: two clerks take 150.00 each at the same moment
    results = at_once(desk_takes, desk_takes)

    # then: one is taken; the other is refused (only 70.33 was still owed), nothing half-written
    assert sorted(type(r).__name__ for r in results) == ["Payment", "ValidationError"]
    bill = Bill.objects.get(unit=estate["u1"])
    assert (bill.paid, bill.status) == (Decimal("150.00"), "part_paid")
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert Receipt.objects.get().number == "CUIHU-SJ2026-000001"


# ---- a batch of payments (a bank's collection return, an online platform's settlement) -----


def line(unit, amount, when, method="bank_collection", payer="李娜"):
    return services.PaymentIn(unit=unit, amount=Decimal(amount), method=method, payer_name=payer, received_at=when)


def test_a_bank_return_settles_each_unit_oldest_first_with_receipts_in_time_order(estate):
    # given: October and November billed; a desk payment already took receipt 000001
    bills_for(OCT, NOV)
    pay(estate, estate["u3"], "186.25", when=sh(2026, 11, 11, 9, 0))

    # when: the bank's return file for the 12th comes in: 1-1-101 collected 300.00 at 10:00,
    # 2-1-201 its two months (693.84) at 09:30
    taken = services.payments_take(payments=[
        line(estate["u1"], "300.00", sh(2026, 11, 12, 10, 0)),
        line(estate["u2"], "693.84", sh(2026, 11, 12, 9, 30), payer="王强"),
    ])

    # then: the oldest bill first for each unit, receipts continue the estate's sequence in time order
    assert [p.unit for p in taken] == [estate["u1"], estate["u2"]]  # in the order given
    october, november = Bill.objects.filter(unit=estate["u1"]).order_by("period")
    assert (october.status, october.paid, november.status, november.paid) == (
        "paid", Decimal("220.33"), "part_paid", Decimal("79.67"))
    assert set(Bill.objects.filter(unit=estate["u2"]).values_list("status", flat=True)) == {"paid"}
    assert taken[1].receipt.number == "CUIHU-SJ2026-000002" and taken[0].receipt.number == "CUIHU-SJ2026-000003"
    receipt = Receipt.objects.get(number="CUIHU-SJ2026-000003")
    assert receipt.source == f"payment:{taken[0].pk}" and receipt.amount == Decimal("300.00")
    assert receipt.method == "bank_collection" and receipt.issued_by is None
    assert Allocation.objects.filter(payment=taken[0]).count() == 2


@translation.override("en")
def test_one_bad_line_refuses_the_whole_batch_naming_the_unit_and_nothing_is_written(estate):
    bills_for(NOV)
    with pytest.raises(ValidationError) as caught:
        services.payments_take(payments=[
            line(estate["u1"], "220.33", sh(2026, 11, 12, 9, 0)),
            line(estate["u3"], "500.00", sh(2026, 11, 12, 9, 5)),  # owes 186.25
            line(estate["u2"], "0.00", sh(2026, 11, 12, 9, 10)),
        ])
    errors = caught.value.message_dict
    assert errors["amount"] == ["2-1-201: The amount must be more than zero."]
    with pytest.raises(ValidationError) as caught:
        services.payments_take(payments=[
            line(estate["u1"], "220.33", sh(2026, 11, 12, 9, 0)),
            line(estate["u3"], "500.00", sh(2026, 11, 12, 9, 5)),
        ])
    assert caught.value.message_dict["amount"] == ["1-1-102 owes ¥186.25; take at most that."]
    with pytest.raises(ValidationError) as caught:
        services.payments_take(payments=[line(estate["u1"], "100.00", sh(2026, 11, 12, 9, 0)),
                                         line(estate["u1"], "100.00", sh(2026, 11, 12, 9, 1))])
    assert caught.value.message_dict["unit"] == ["1-1-101: A unit can be paid once per batch."]
    assert Payment.objects.count() == 0 and Receipt.objects.count() == 0
    assert set(Bill.objects.values_list("status", flat=True)) == {"open"}
    # the refused batches used no receipt numbers
    assert pay(estate, estate["u1"], "220.33").receipt.number == "CUIHU-SJ2026-000001"


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_notices_at_once_send_each_one_once(estate, mailoutbox, settings, sms_gateway):
    # given: three notices of round 1 pending; 李娜 wants e-mail; the outbox is sent by
    # the workers below, not after each commit
    settings.OUTBOX_DELIVERY = "off"
    estate["li"].preferred_channel, estate["li"].email = "email", "lina@example.com"
    estate["li"].save(update_fields=["preferred_channel", "email"])
    bills_for(NOV)
    services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))

    def queue():
        return services.dunning_deliver(as_of=sh(2026, 11, 16, 9, 5), batch=1)

    def send():
        return outbox.deliver(now=sh(2026, 11, 16, 9, 6), batch=1).sent

    # when: two workers queue the notices at once, a notice per batch, then two send them
    queued = at_once(queue, queue)
    sent = at_once(send, send)

    # then: three queued between them, one inbox message each; one e-mail to 李娜 and an
    # SMS to 王强 for each of his units, each sent once
    assert sum(queued) == 3 and sum(sent) == 3
    assert set(DunningNotice.objects.values_list("status", flat=True)) == {"sent"}
    # and each move left one event, a move the map allows, when its message left
    events = DunningNoticeEvent.objects.values_list("notice__unit__number", "from_status", "to_status", "at", "actor")
    assert sorted(events) == [(unit, "pending", "sent", sh(2026, 11, 16, 9, 6), None)
                              for unit in ("1-1-101", "1-1-102", "2-1-201")]
    assert all(NOTICE_TRANSITIONS.allows(f, t) for _n, f, t, *_rest in events)
    assert Notification.objects.filter(kind="fees.dunning.1").count() == 3
    assert [m.to for m in mailoutbox] == [["lina@example.com"]] and "346.92" not in mailoutbox[0].body
    assert "220.33" in mailoutbox[0].body
    assert mailoutbox[0].extra_headers["Message-ID"].startswith("<pd-")
    assert sorted(m["to"] for m in sms_gateway.messages().values()) == ["13800001111", "13800001111"]
    assert sms_gateway.calls() == 2
