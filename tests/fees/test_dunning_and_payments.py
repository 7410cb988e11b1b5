"""Payments (oldest bill first, reversal) and the dunning calendar: the 16th and the
21st, at most one notice per unit, month and round, whatever the runs."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection

from fees import services
from fees.models import Allocation, Bill, DunningNotice, Payment, Receipt
from propertydesk.models import Notification
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
    call_command("runjob", "fees.dunning", "--as-of", f"2026-11-{day:02d}T{hour:02d}:00")


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


@pytest.mark.django_db(transaction=True)
def test_two_dunning_runs_at_once_make_one_notice_per_unit(estate):
    bills_for(NOV)
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            services.dunning_round(period=NOV, round_=1, as_of=sh(2026, 11, 16, 9, 0))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and DunningNotice.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_desks_paying_the_same_unit_at_once_never_overpay_it(estate):
    # given: 1-1-101 owes 220.33 for November
    bills_for(NOV)
    barrier, results = threading.Barrier(2), []

    def desk_takes(amount):
        try:
            barrier.wait()
            pay(estate, estate["u1"], amount)
            results.append("paid")
        except ValidationError as error:
            results.append(" ".join(error.messages))
        finally:
            connection.close()

    # when: two clerks take 150.00 each at the same moment
    threads = [threading.Thread(target=desk_takes, args=("150.00",)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one is taken; the other is refused (only 70.33 was still owed), nothing half-written
    assert sorted(r == "paid" for r in results) == [False, True]
    bill = Bill.objects.get(unit=estate["u1"])
    assert (bill.paid, bill.status) == (Decimal("150.00"), "part_paid")
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert Receipt.objects.get().number == "CUIHU-SJ2026-000001"
