"""Fees from the unit's area and the estate's policy, each with its receipt; the rubbish
fee declined; the permit and the passes only after payment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from fees.models import Receipt
from renovation import rules, selectors, services
from renovation.models import ChargeKind, RenovationPolicy, Status
from tests.factories import UnitFactory, give_unit
from tests.renovation.conftest import T0, add_worker, apply, approved, complete, paid, started


def amounts(renovation) -> dict[str, Decimal]:
    return {c.kind: c.amount for c in renovation.charges.all()}


def test_fees_come_from_the_unit_area_and_the_default_policy_each_with_its_receipt(w):
    # given an approved renovation of 89.50 m² with two workers
    renovation = approved(w, workers=2)
    # when finance takes the fees in cash
    charges = services.renovation_fees_take(renovation=renovation, method="cash", now=T0, actor=w.finance)
    # then: 1000 + 1000 deposits, 89.50 × 5 = 447.50 rubbish, 2 passes × 5
    assert amounts(renovation) == {ChargeKind.OWNER_DEPOSIT: Decimal("1000.00"),
                                   ChargeKind.CONTRACTOR_DEPOSIT: Decimal("1000.00"),
                                   ChargeKind.RUBBISH_FEE: Decimal("447.50"), ChargeKind.PASS_FEE: Decimal("10.00")}
    receipts = Receipt.objects.filter(unit=w.unit).order_by("number")
    assert len(receipts) == 4 == len({c.receipt_id for c in charges})
    assert [r.payer_name for r in receipts] == ["李娜", "锦华装饰工程有限公司", "李娜", "锦华装饰工程有限公司"]
    with translation.override("en"):
        assert receipts[2].purpose_text == f"Renovation {renovation.number}, 3-1-1203: Rubbish removal fee"
    with translation.override("zh-hans"):
        assert receipts[0].purpose_text.startswith(f"装修 {renovation.number}")
    renovation.refresh_from_db()
    assert (renovation.status, renovation.rubbish_fee_declined) == (Status.FEES_PAID, False)


def test_an_estates_own_policy_overrides_the_defaults_and_no_other_estate(w):
    # given the estate's own policy; the flat of another estate follows the defaults
    services.renovation_policy_save(estate=w.estate, actor=w.boss, owner_deposit=Decimal("2000"),
                                    contractor_deposit=Decimal("3000"), rubbish_fee_per_m2=Decimal("6.50"),
                                    pass_fee=Decimal("10"))
    elsewhere = UnitFactory(number="1-1-101", area=Decimal("100.00"))
    give_unit(w.owner, elsewhere)
    # then the fees follow it: 89.50 × 6.50 = 581.75
    renovation = paid(w, workers=3)
    assert amounts(renovation) == {ChargeKind.OWNER_DEPOSIT: Decimal("2000.00"),
                                   ChargeKind.CONTRACTOR_DEPOSIT: Decimal("3000.00"),
                                   ChargeKind.RUBBISH_FEE: Decimal("581.75"), ChargeKind.PASS_FEE: Decimal("30.00")}
    other = apply(w, unit=elsewhere)
    complete(w, other)
    quote = selectors.renovation_fee_quote(renovation=other)
    assert (quote.owner_deposit, quote.rubbish_fee, quote.pass_fee) == (Decimal("1000.00"), Decimal("500.00"),
                                                                         Decimal("5.00"))


def test_a_policy_with_unreadable_working_hours_is_refused_by_field(w):
    with pytest.raises(ValidationError) as error:
        services.renovation_policy_save(estate=w.estate, actor=w.boss, work_windows=["8-12", "14:00-13:00"])
    assert list(error.value.message_dict) == ["work_windows"]
    assert not RenovationPolicy.objects.exists()
    with pytest.raises(PermissionDenied):
        services.renovation_policy_save(estate=w.estate, actor=w.desk, refund_days=5)


def test_rubbish_fee_declined_is_recorded_for_the_application_and_the_permit_and_not_charged(w):
    renovation = approved(w)
    services.renovation_fees_take(renovation=renovation, method="card", now=T0, actor=w.finance,
                                  decline_rubbish_fee=True)
    renovation.refresh_from_db()
    assert renovation.rubbish_fee_declined is True
    assert ChargeKind.RUBBISH_FEE not in amounts(renovation)
    assert renovation.events.get(to_status=Status.FEES_PAID).data["rubbish_fee_declined"] is True
    services.permit_issue(renovation=renovation, now=T0, actor=w.desk)
    renovation.refresh_from_db()
    assert renovation.permit_number and renovation.rubbish_fee_declined  # the permit prints it from here


def test_fees_are_paid_at_finance_not_by_bank_collection(w):
    renovation = approved(w)
    with pytest.raises(ValidationError) as error:
        services.renovation_fees_take(renovation=renovation, method="bank_collection", now=T0, actor=w.finance)
    assert list(error.value.message_dict) == ["method"]
    assert not Receipt.objects.exists()


def test_no_permit_and_no_pass_before_the_fees_are_paid(w):
    # given an approved renovation whose fees are not paid
    renovation = approved(w)
    # then neither the permit nor a pass can be issued
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.permit_issue(renovation=renovation, now=T0, actor=w.desk)
    assert refused.value.messages == ["A renovation that is Approved, fees to pay cannot become Work in progress."]
    with pytest.raises(ValidationError):
        services.passes_issue(renovation=renovation, now=T0, actor=w.desk)
    assert renovation.passes.count() == 0
    # when the fees are paid, the permit brings a pass for every worker
    services.renovation_fees_take(renovation=renovation, method="cash", now=T0, actor=w.finance)
    services.permit_issue(renovation=renovation, now=T0, actor=w.desk)
    renovation.refresh_from_db()
    worker_pass = renovation.passes.get()
    assert renovation.permit_number.endswith("-XK2026-00001")
    assert worker_pass.serial.endswith("-CR2026-00001") and worker_pass.permit_number == renovation.permit_number
    assert (worker_pass.valid_from, worker_pass.valid_to) == (renovation.planned_start, renovation.planned_end)
    assert (worker_pass.room, worker_pass.holder_name, worker_pass.contractor_name) == (
        "3-1-1203", "工人1号", "锦华装饰工程有限公司")
    assert worker_pass.photo.kind == "worker_photo"
    assert worker_pass.holder_id_masked.count("*") == 10


def test_a_worker_who_joins_later_gets_a_pass_only_once_his_pass_fee_is_paid(w):
    renovation = started(w)
    newcomer = add_worker(w, renovation, n=2, now=T0 + dt.timedelta(days=8))
    later = T0 + dt.timedelta(days=8)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.passes_issue(renovation=renovation, now=later, actor=w.desk)
    assert refused.value.code == "pass_fee_unpaid" and "工人2号" in refused.value.messages[0]
    charge = services.pass_fees_take(renovation=renovation, method="cash", now=later, actor=w.finance)
    assert (charge.amount, charge.receipt.amount) == (Decimal("5.00"), Decimal("5.00"))
    issued = services.passes_issue(renovation=renovation, now=later, actor=w.desk)
    assert [p.worker for p in issued] == [newcomer]
    assert issued[0].valid_from == dt.date(2026, 11, 10)  # the day of issue: the planned start is past


def test_a_worker_without_his_id_copy_and_two_photos_gets_no_pass(w):
    renovation = started(w)
    later = T0 + dt.timedelta(days=1)
    add_worker(w, renovation, n=2, now=later, photos=1)
    services.pass_fees_take(renovation=renovation, method="cash", now=later, actor=w.finance)
    with pytest.raises(ValidationError) as refused:
        services.passes_issue(renovation=renovation, now=later, actor=w.desk)
    assert refused.value.code == "worker_papers"


def test_the_fee_quote_rounds_half_up_to_the_cent(w):
    policy = RenovationPolicy.with_defaults(rubbish_fee_per_m2=Decimal("3.33"))
    assert rules.fee_quote(policy=policy, area=Decimal("89.55"), passes=1).rubbish_fee == Decimal("298.20")
    assert rules.fee_quote(policy=policy, area=Decimal("0.15"), passes=1).rubbish_fee == Decimal("0.50")
