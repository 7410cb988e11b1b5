"""Renovations in the demo estate (demo.renovation, a step of seed_demo), read from the
estate tests/conftest.py loads once per run (``demo_seeded``)."""

from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from fees.models import Receipt
from owners.models import Estate
from propertydesk.models import Notification
from renovation.models import (
    DEPOSITS,
    TRANSITIONS,
    Breach,
    BreachStatus,
    DepositRefund,
    GateCheck,
    GateResult,
    Inspection,
    Patrol,
    Renovation,
    RenovationCharge,
    RenovationEvent,
    RenovationPolicy,
    Status,
    WorkerPass,
)
from renovation.selectors import renovation_checklist


def test_every_state_in_both_estates(seeded, db):
    for estate in Estate.objects.all():
        # when
        renovations = Renovation.objects.filter(estate=estate)

        # then: every state, and a failed inspection being fixed
        assert set(renovations.values_list("status", flat=True)) == set(Status.values), estate.code
        fixing = [r for r in renovations.filter(status=Status.IN_PROGRESS)
                  if r.inspections.order_by("requested_at").last() is not None
                  and r.inspections.order_by("requested_at").last().passed is False]
        assert fixing, estate.code
        # under way with live passes
        assert WorkerPass.objects.filter(renovation__estate=estate, renovation__status=Status.IN_PROGRESS,
                                         revoked_at__isnull=True).exists()
    assert "renovations refunded" in seeded[0] and "gate checks" in seeded[0]


def test_every_timeline_follows_the_transition_map_and_nothing_is_after_the_clock(seeded, db, as_of):
    moves = defaultdict(list)
    for event in RenovationEvent.objects.exclude(to_status="").order_by("at", "id"):
        moves[event.renovation_id].append(event)

    for renovation in Renovation.objects.all():
        events = moves[renovation.pk]
        assert events[0].to_status == Status.SUBMITTED and events[0].at == renovation.applied_at
        for before, after in pairwise(events):
            assert after.from_status == before.to_status, renovation.number
            assert after.to_status in TRANSITIONS[before.to_status], renovation.number
        assert events[-1].to_status == renovation.status, renovation.number
        assert renovation.planned_start >= timezone.localdate(renovation.applied_at)
    assert not RenovationEvent.objects.filter(at__gte=as_of).exists()
    assert not GateCheck.objects.filter(checked_at__gte=as_of).exists()
    assert Renovation.objects.filter(applied_at__lt=as_of - timedelta(days=120)).exists()


def test_an_approved_application_had_everything_on_the_checklist(seeded, db):
    approved = Renovation.objects.exclude(status__in=(Status.SUBMITTED, Status.RETURNED, Status.WITHDRAWN))

    assert approved.exists()
    for renovation in approved:
        assert renovation_checklist(renovation=renovation).complete, renovation.number
    # a returned one says why, and one of them was resubmitted and approved since
    assert all(r.return_reasons for r in Renovation.objects.filter(status=Status.RETURNED))
    assert RenovationEvent.objects.filter(from_status=Status.RETURNED, to_status=Status.SUBMITTED).exists()


def test_fees_and_deposits_have_receipts_numbered_with_the_estates_others(seeded, db):
    charges = RenovationCharge.objects.select_related("receipt", "renovation")

    assert charges.filter(kind="rubbish_fee").exists() and charges.filter(kind="pass_fee").exists()
    for charge in charges:
        assert charge.receipt.source == f"renovation:{charge.renovation_id}:{charge.kind}"
        assert charge.receipt.amount == charge.amount and charge.receipt.issued_at == charge.paid_at
    assert Renovation.objects.filter(rubbish_fee_declined=True).exists()
    # a worker who joined later paid his pass fee on its own receipt
    assert charges.filter(kind="pass_fee").values("renovation").distinct().count() < charges.filter(
        kind="pass_fee").count()
    assert Receipt.objects.filter(source__startswith="renovation:").count() == charges.count()


def test_the_wet_floor_waits_out_its_months_and_the_others_their_days(seeded, db):
    policies = {p.estate.code: p for p in RenovationPolicy.objects.select_related("estate")}
    # 锦绣华庭 has a policy of its own; 翠湖花园 the defaults
    assert set(policies) == {"jinxiu"} and policies["jinxiu"].refund_days == 15
    waiting = Renovation.objects.filter(status=Status.PASSED, floors_altered=True)
    assert {r.estate.code for r in waiting} == {"cuihu", "jinxiu"}
    for renovation in Renovation.objects.filter(passed_at__isnull=False).select_related("estate"):
        passed_on = timezone.localdate(renovation.passed_at)
        if renovation.floors_altered:
            assert renovation.deposits_due_on == passed_on + relativedelta(months=3), renovation.number
        else:
            days = policies[renovation.estate.code].refund_days if renovation.estate.code in policies else 10
            assert renovation.deposits_due_on == passed_on + timedelta(days=days), renovation.number
    # the waiting one is not due yet; the due ones are, and the daily job moved them
    today = timezone.localdate()
    assert all(r.deposits_due_on > today for r in waiting)
    assert all(r.deposits_due_on <= today for r in Renovation.objects.filter(status=Status.DEPOSITS_DUE))


def test_refunds_pay_the_deposit_less_its_penalties(seeded, db):
    refunds = DepositRefund.objects.select_related("deposit__renovation")

    assert refunds.filter(deducted__gt=0).exists()
    for refund in refunds:
        assert refund.amount == refund.deposit.amount - refund.deducted
        assert refund.deposit.renovation.status in (Status.REFUNDED, Status.WITHDRAWN)
    for renovation in Renovation.objects.filter(status=Status.REFUNDED):
        assert set(renovation.charges.filter(kind__in=DEPOSITS, refund__isnull=False)
                   .values_list("kind", flat=True)) == set(DEPOSITS)
        assert not renovation.passes.filter(returned_at__isnull=True).exists()
    # withdrawn after paying: the deposits came back, the fees did not
    paid_back = Renovation.objects.filter(status=Status.WITHDRAWN, charges__refund__isnull=False).distinct()
    assert paid_back.exists()
    # a penalty deducted from a deposit still due, and one awaiting the supervisor
    assert Breach.objects.filter(status=BreachStatus.APPROVED, renovation__status=Status.DEPOSITS_DUE).exists()
    assert Breach.objects.filter(status=BreachStatus.PROPOSED).exists()
    assert Breach.objects.filter(status=BreachStatus.REJECTED).exclude(decision_note="").exists()


def test_patrols_and_the_gate_answer_every_way(seeded, db):
    assert set(GateCheck.objects.values_list("result", flat=True)) == set(GateResult.values)
    for estate in Estate.objects.all():
        assert Patrol.objects.filter(renovation__estate=estate, in_order=True).exists()
        assert Patrol.objects.filter(renovation__estate=estate, in_order=False).exclude(findings="").exists()
        checks = GateCheck.objects.filter(worker_pass__renovation__estate=estate)
        assert {GateResult.VALID, GateResult.OUTSIDE_HOURS, GateResult.NOT_YET_VALID, GateResult.REVOKED} <= set(
            checks.values_list("result", flat=True))
    # a valid check is inside the pass's dates
    for check in GateCheck.objects.filter(result=GateResult.VALID).select_related("worker_pass"):
        day = timezone.localdate(check.checked_at)
        assert check.worker_pass.valid_from <= day <= check.worker_pass.valid_to


def test_passes_of_the_finished_works_are_revoked_and_handed_back(seeded, db):
    finished = WorkerPass.objects.filter(renovation__status__in=(Status.PASSED, Status.DEPOSITS_DUE, Status.REFUNDED))

    assert finished.exists()
    assert not finished.filter(revoked_at__isnull=True).exists()
    assert not finished.filter(returned_at__isnull=True).exists()
    # a worker who left had his pass revoked and his card back while the works went on
    assert WorkerPass.objects.filter(revoke_reason="worker_removed", returned_at__isnull=False).exists()
    # inspections: a failed one lists what to fix and is followed by another request
    failed = Inspection.objects.filter(passed=False)
    assert failed.exists() and all(i.items_to_fix for i in failed)


def test_the_portal_owner_renovates_their_home(seeded, db):
    [renovation] = Renovation.objects.filter(owner__user__username="owner")

    assert renovation.status == Status.IN_PROGRESS and renovation.source == "portal"
    assert renovation.passes.filter(revoked_at__isnull=True).count() >= 3
    assert renovation.events.filter(actor=renovation.owner.user, to_status=Status.SUBMITTED).exists()
    # the owner heard of the approval and the permit in the inbox
    kinds = set(Notification.objects.filter(owner=renovation.owner).values_list("kind", flat=True))
    assert {"renovation.approved", "renovation.permit_issued"} <= kinds


def test_the_daily_job_and_the_steps_told_who_acts_next(seeded, db, as_of):
    messages = Notification.objects.filter(kind__startswith="renovation.")
    kinds = set(messages.values_list("kind", flat=True))

    assert {"renovation.deposits_due", "renovation.passes_expired", "renovation.overrun",
            "renovation.acceptance_requested", "renovation.breach_proposed", "renovation.refunded"} <= kinds
    assert not messages.filter(created_at__gte=as_of).exists()
