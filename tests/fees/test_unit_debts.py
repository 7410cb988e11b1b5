"""The stored debts (UnitDebt): the arrears page reads what each unit owes past its
pay-by day from one row per unit instead of adding up every owing bill on each
request. The job ``fees.debts`` makes them today's just after midnight; every payment,
reversal and late bill keeps them true in its own transaction. What the desk sees is
the same as adding the bills up."""

import re
from decimal import Decimal

from django.core.management import call_command
from django.urls import reverse

from fees import jobs, selectors, services
from fees.models import Bill, UnitDebt
from tests.fees.conftest import NOV, OCT, sh

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def page_of(html: str) -> str:
    """A page without its per-request CSRF tokens."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def page(response) -> str:
    return page_of(response.content.decode())


def from_the_bills(day) -> dict[str, tuple[Decimal, str, int]]:
    """What each unit owes for bills past their pay-by day on ``day``, straight from the bills."""
    owed: dict[str, list] = {}
    for bill in Bill.objects.filter(status__in=["open", "part_paid"], due_on__lt=day).select_related("unit"):
        row = owed.setdefault(bill.unit.number, [Decimal("0.00"), bill.period, 0])
        row[0] += bill.amount - bill.paid
        row[1] = min(row[1], bill.period)
        row[2] += 1
    return {number: (row[0], f"{row[1]:%Y-%m}", row[2]) for number, row in owed.items()}


def the_desk_sees(day) -> dict[str, tuple[Decimal, str, int]]:
    return {row.unit_number: (row.owed, f"{row.oldest:%Y-%m}", row.bills) for row in selectors.arrears(as_of=day)}


def test_the_stored_debts_follow_every_payment_reversal_and_late_bill(estate):
    u1, u2, u3, desk, boss = estate["u1"], estate["u2"], estate["u3"], estate["desk"], estate["boss"]
    assert jobs.debts(as_of=sh(2026, 10, 1, 0, 5)) == "debts as of 2026-10-01: 0 units owing"

    services.bill_run(period=OCT, as_of=sh(2026, 10, 10, 1, 0))
    # Not yet due on the ledger's day: nobody owes.
    assert UnitDebt.objects.count() == 0 and the_desk_sees(selectors.debts_as_of()) == {}

    # The 16th: the bills due on the 15th count.
    assert jobs.debts(as_of=sh(2026, 10, 16, 0, 5)) == "debts as of 2026-10-16: 3 units owing"
    day = selectors.debts_as_of()
    assert the_desk_sees(day) == from_the_bills(day) and len(from_the_bills(day)) == 3

    # Half of one unit's bill, all of another's: the rows change with the payment.
    half = (selectors.unit_owed(unit=u1) / 2).quantize(Decimal("0.01"))
    services.payment_take(unit=u1, amount=half, method="cash", payer_name="李娜", now=sh(2026, 10, 17, 9), actor=desk)
    paid = services.payment_take(unit=u2, amount=selectors.unit_owed(unit=u2), method="card", payer_name="王强",
                                 now=sh(2026, 10, 17, 10), actor=desk)
    assert the_desk_sees(day) == from_the_bills(day)
    assert set(the_desk_sees(day)) == {u1.number, u3.number}
    assert UnitDebt.objects.get(unit=u1).owed == selectors.unit_owed(unit=u1)

    # The card was swiped by mistake: the unit owes again.
    services.payment_reverse(payment=paid, reason="刷错卡", now=sh(2026, 10, 17, 11), actor=boss)
    assert the_desk_sees(day) == from_the_bills(day)
    assert u2.number in the_desk_sees(day)

    # November's bills come late (the job was down from the 10th to the 20th): owing at once.
    jobs.debts(as_of=sh(2026, 11, 20, 0, 5))
    day = selectors.debts_as_of()
    services.bill_run(period=NOV, as_of=sh(2026, 11, 20, 1, 0))
    assert the_desk_sees(day) == from_the_bills(day)
    assert the_desk_sees(day)[u3.number][2] == 2  # October's and November's bill

    # Another day than the ledger's is added up from the bills: on 10 November only October's.
    assert the_desk_sees(NOV.replace(day=10)) == from_the_bills(NOV.replace(day=10))
    assert the_desk_sees(NOV.replace(day=10))[u3.number][2] == 1

    # Run twice, or by hand: the same rows.
    before = sorted(UnitDebt.objects.values_list("unit_id", "owed", "oldest", "bills"))
    call_command("runjob", "fees.debts", "--as-of", "2026-11-20T00:05")
    assert sorted(UnitDebt.objects.values_list("unit_id", "owed", "oldest", "bills")) == before


def test_the_arrears_page_and_the_running_months_report_read_the_stored_debts(client, estate, time_machine):
    desk, boss = estate["desk"], estate["boss"]
    services.bill_run(period=OCT, as_of=sh(2026, 10, 10, 1, 0))
    services.payment_take(unit=estate["u1"], amount=selectors.unit_owed(unit=estate["u1"]), method="cash",
                          payer_name="李娜", now=sh(2026, 10, 12, 9), actor=desk)
    time_machine.move_to(sh(2026, 10, 20, 10), tick=False)
    client.force_login(boss)
    live = client.get(reverse("fees:arrears"), **EN).content.decode()
    report_live = client.get(reverse("fees:reports"), {"month": "2026-10"}, **EN).content.decode()

    jobs.debts(as_of=sh(2026, 10, 20, 0, 5))
    assert UnitDebt.objects.count() == 2
    UnitDebt.objects.update(owed=Decimal("1.23"))  # to tell the source apart
    stored = client.get(reverse("fees:arrears"), **EN).content.decode()
    assert "1.23" in stored and "1.23" not in live
    report = client.get(reverse("fees:reports"), {"month": "2026-10"}, **EN).content.decode()
    assert "2.46" in report and "2.46" not in report_live
    # Kept true again, the pages are what adding up the bills gave.
    services.unit_debts_refresh(unit_ids=[estate["u2"].pk, estate["u3"].pk])
    assert page(client.get(reverse("fees:arrears"), **EN)) == page_of(live)
    assert page(client.get(reverse("fees:reports"), {"month": "2026-10"}, **EN)) == page_of(report_live)
