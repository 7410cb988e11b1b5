"""Deposits: when they fall due (10 days, or 3 calendar months when the bathroom or
kitchen floor was altered), penalties deducted but never past the deposit, each refund a
payment out of its own, and the renovation closed when both are refunded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from propertydesk.models import Notification
from renovation import rules, selectors, services
from renovation.models import ChargeKind, DepositRefund, RenovationCharge, RenovationPolicy, Status
from tests.renovation.conftest import T0, passed, sh, started

DUE = [
    # passed on,              floors altered, deposits due on
    (dt.date(2026, 11, 30), False, dt.date(2026, 12, 10)),
    (dt.date(2026, 11, 30), True, dt.date(2027, 2, 28)),
    (dt.date(2027, 11, 30), True, dt.date(2028, 2, 29)),  # a leap year
    (dt.date(2026, 12, 31), False, dt.date(2027, 1, 10)),
    (dt.date(2026, 12, 31), True, dt.date(2027, 3, 31)),
    (dt.date(2027, 1, 31), True, dt.date(2027, 4, 30)),
]


@pytest.mark.parametrize("passed_on, floors_altered, due_on", DUE, ids=[f"{d}-{f}" for d, f, _ in DUE])
def test_refund_due_dates_are_the_refund_days_or_calendar_months_after_passing(passed_on, floors_altered, due_on):
    policy = RenovationPolicy.with_defaults()
    assert rules.deposits_due_on(passed_on=passed_on, floors_altered=floors_altered, policy=policy) == due_on


@pytest.mark.parametrize("floors_altered, due_on", [(False, dt.date(2026, 12, 10)), (True, dt.date(2027, 2, 28))])
def test_passing_on_30_november_sets_the_refund_day_from_the_floors(w, floors_altered, due_on):
    # 30 November 23:30 in Shanghai is still the 30th there (15:30 UTC)
    renovation = passed(w, on=sh(2026, 11, 30, 23, 30), floors_altered=floors_altered)
    assert (renovation.status, renovation.deposits_due_on) == (Status.PASSED, due_on)
    note = Notification.objects.get(owner=w.owner, kind="renovation.inspection_passed")
    assert due_on.isoformat() in note.render("en")[1]


def test_an_estates_refund_periods_override_the_defaults(w):
    services.renovation_policy_save(estate=w.estate, actor=w.boss, refund_days=15, refund_months_floors_altered=6)
    assert passed(w, on=sh(2026, 11, 30, 10)).deposits_due_on == dt.date(2026, 12, 15)


def deposit(renovation, kind=ChargeKind.OWNER_DEPOSIT) -> RenovationCharge:
    return renovation.charges.get(kind=kind)


def test_a_deposit_is_refunded_from_its_due_day_less_penalties_as_a_payment_out_of_its_own(w):
    # given a renovation passed on 30 November with a ¥300 penalty approved on the owner's deposit
    renovation = started(w)
    breach = services.breach_propose(renovation=renovation, rule="中午12:00-14:00施工", evidence="电钻噪音，邻居投诉",
                                     penalty=Decimal("300"), deposit_kind=ChargeKind.OWNER_DEPOSIT,
                                     now=sh(2026, 11, 10, 12, 30), actor=w.engineer)
    services.breach_approve(breach=breach, now=sh(2026, 11, 10, 16), actor=w.boss)
    assert Notification.objects.get(owner=w.owner, kind="renovation.penalty").params["amount"] == "300.00"
    services.acceptance_request(renovation=renovation, now=sh(2026, 11, 30, 9), actor=w.owner.user)
    services.inspection_record(renovation=renovation, passed=True, now=sh(2026, 11, 30, 15), actor=w.engineer)
    services.pass_return(worker_pass=renovation.passes.get(), now=sh(2026, 11, 30, 16), actor=w.desk)
    # when finance refunds before the due day (10 December), it is refused with the day
    with translation.override("en"), pytest.raises(ValidationError) as early:
        services.deposit_refund(deposit=deposit(renovation), method="cash", now=sh(2026, 12, 9, 17), actor=w.finance)
    assert early.value.messages == ["The deposits fall due on 2026-12-10."]
    # on the day: 1000 − 300 paid out with a voucher; the deposit itself is unchanged
    refund = services.deposit_refund(deposit=deposit(renovation), method="cash", now=sh(2026, 12, 10, 9),
                                     actor=w.finance)
    assert (refund.amount, refund.deducted, refund.payee_name) == (Decimal("700.00"), Decimal("300.00"), "李娜")
    assert refund.voucher_number.endswith("-TK2026-000001")
    assert deposit(renovation).amount == Decimal("1000.00")
    renovation.refresh_from_db()
    assert renovation.status == Status.DEPOSITS_DUE  # the contractor's is still held
    # then the contractor's, and the renovation is closed
    services.deposit_refund(deposit=deposit(renovation, ChargeKind.CONTRACTOR_DEPOSIT), method="bank_transfer",
                            now=sh(2026, 12, 10, 9, 5), actor=w.finance)
    renovation.refresh_from_db()
    assert (renovation.status, renovation.closed_at) == (Status.REFUNDED, sh(2026, 12, 10, 9, 5))
    assert DepositRefund.objects.count() == 2
    with pytest.raises(ValidationError):
        services.deposit_refund(deposit=deposit(renovation), method="cash", now=sh(2026, 12, 11), actor=w.finance)


def test_a_penalty_larger_than_what_is_left_of_the_deposit_is_refused_naming_the_penalty(w):
    renovation = started(w)
    at = sh(2026, 11, 10, 10)
    # more than the deposit at once
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.breach_propose(renovation=renovation, rule="破坏承重墙", evidence="现场照片", penalty=Decimal("1000.01"),
                                deposit_kind=ChargeKind.CONTRACTOR_DEPOSIT, now=at, actor=w.engineer)
    assert list(refused.value.message_dict) == ["penalty"]
    assert "¥1000.00" in refused.value.message_dict["penalty"][0]
    # two proposals that each fit, but not together: the second approval is refused
    first = services.breach_propose(renovation=renovation, rule="垃圾乱堆", evidence="楼道", penalty=Decimal("600"),
                                    deposit_kind=ChargeKind.CONTRACTOR_DEPOSIT, now=at, actor=w.engineer)
    second = services.breach_propose(renovation=renovation, rule="超时施工", evidence="19:30", penalty=Decimal("500"),
                                     deposit_kind=ChargeKind.CONTRACTOR_DEPOSIT, now=at, actor=w.engineer)
    services.breach_approve(breach=first, now=at, actor=w.boss)
    with pytest.raises(ValidationError) as too_much:
        services.breach_approve(breach=second, now=at, actor=w.boss)
    assert list(too_much.value.message_dict) == ["penalty"]
    second.refresh_from_db()
    assert second.status == "proposed"
    assert services.breach_reject(breach=second, note="与前一条重复", now=at, actor=w.boss).status == "rejected"
    # the whole rest of the deposit may go: the refund is then zero, never negative
    rest = services.breach_propose(renovation=renovation, rule="损坏公共设施", evidence="电梯轿厢", penalty=Decimal("400"),
                                   deposit_kind=ChargeKind.CONTRACTOR_DEPOSIT, now=at, actor=w.engineer)
    services.breach_approve(breach=rest, now=at, actor=w.boss)
    row = selectors.deposits(as_of=at).get(kind=ChargeKind.CONTRACTOR_DEPOSIT)
    assert (row.deducted, row.refundable) == (Decimal("1000.00"), Decimal("0.00"))


def test_only_a_supervisor_approves_a_penalty(w):
    renovation = started(w)
    breach = services.breach_propose(renovation=renovation, rule="r", evidence="e", penalty=Decimal("50"),
                                     deposit_kind=ChargeKind.OWNER_DEPOSIT, now=T0, actor=w.engineer)
    for someone in (w.desk, w.engineer, w.finance, w.owner.user):
        with pytest.raises(PermissionDenied):
            services.breach_approve(breach=breach, now=T0, actor=someone)


def test_a_refund_waits_for_every_pass_card_and_every_penalty_decision(w):
    renovation = passed(w, on=sh(2026, 11, 30, 10), workers=2, return_passes=False)
    due = sh(2026, 12, 10, 9)
    first, second = renovation.passes.order_by("serial")
    services.pass_return(worker_pass=first, now=due, actor=w.desk)
    with translation.override("en"), pytest.raises(ValidationError) as out:
        services.deposit_refund(deposit=deposit(renovation), method="cash", now=due, actor=w.finance)
    assert out.value.messages == [f"Passes not handed back yet: {second.serial}."]
    services.pass_return(worker_pass=second, now=due, actor=w.desk, lost=True)
    services.breach_propose(renovation=renovation, rule="出入证遗失", evidence="工人2号", penalty=Decimal("50"),
                            deposit_kind=ChargeKind.CONTRACTOR_DEPOSIT, now=due, actor=w.engineer)
    with pytest.raises(ValidationError) as pending:
        services.deposit_refund(deposit=deposit(renovation, ChargeKind.CONTRACTOR_DEPOSIT), method="cash", now=due,
                                actor=w.finance)
    assert pending.value.code == "penalty_pending"
    # the owner's deposit has no penalty pending
    assert services.deposit_refund(deposit=deposit(renovation), method="cash", now=due, actor=w.finance).amount == 1000


def test_finance_pays_refunds_the_desk_does_not(w):
    renovation = passed(w, on=sh(2026, 11, 30, 10))
    with pytest.raises(PermissionDenied):
        services.deposit_refund(deposit=deposit(renovation), method="cash", now=sh(2026, 12, 10, 9), actor=w.desk)


def test_deposits_paid_before_a_withdrawal_fall_due_at_once(w):
    from tests.renovation.conftest import paid

    renovation = paid(w)
    services.renovation_withdraw(renovation=renovation, reason="业主改变计划", now=sh(2026, 11, 5, 10), actor=w.desk)
    refund = services.deposit_refund(deposit=deposit(renovation), method="cash", now=sh(2026, 11, 5, 11),
                                     actor=w.finance)
    assert refund.amount == Decimal("1000.00")
    renovation.refresh_from_db()
    assert renovation.status == Status.WITHDRAWN


def test_the_finance_ledger_sorts_deposits_held_due_and_refunded(w):
    renovation = passed(w, on=sh(2026, 11, 30, 10))
    before, after = sh(2026, 12, 9, 9), sh(2026, 12, 10, 9)
    assert selectors.deposit_totals(as_of=before) == {
        "held": Decimal("2000.00"), "due": Decimal("0.00"), "due_count": 0, "refunded": Decimal("0.00"),
        "deducted": Decimal("0.00")}
    assert set(selectors.deposits(as_of=before).values_list("ledger_state", flat=True)) == {"held"}
    services.deposit_refund(deposit=deposit(renovation), method="cash", now=after, actor=w.finance)
    assert sorted(selectors.deposits(as_of=after).values_list("kind", "ledger_state")) == [
        ("contractor_deposit", "due"), ("owner_deposit", "refunded")]
    totals = selectors.deposit_totals(as_of=after)
    assert (totals["held"], totals["due"], totals["due_count"], totals["refunded"]) == (
        Decimal("1000.00"), Decimal("1000.00"), 1, Decimal("1000.00"))
