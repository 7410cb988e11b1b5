"""The renovation's state machine: each move an event, each illegal move refused with a
message and nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from renovation import selectors, services
from renovation.models import TRANSITIONS, Inspection, Status
from tests.renovation.conftest import T0, apply, approved, paid, passed, sh, started


def test_the_whole_life_is_one_event_per_move(w):
    renovation = passed(w, on=sh(2026, 11, 30, 10))
    services.renovations_fall_due(as_of=sh(2026, 12, 10, 8))
    for charge in renovation.charges.filter(kind__in=("owner_deposit", "contractor_deposit")):
        services.deposit_refund(deposit=charge, method="cash", now=sh(2026, 12, 10, 9), actor=w.finance)
    renovation.refresh_from_db()
    moves = [(e.from_status, e.to_status) for e in renovation.events.exclude(to_status="").order_by("at", "pk")]
    assert moves == [("", "submitted"), ("submitted", "approved"), ("approved", "fees_paid"),
                     ("fees_paid", "in_progress"), ("in_progress", "acceptance_requested"),
                     ("acceptance_requested", "passed"), ("passed", "deposits_due"), ("deposits_due", "refunded")]
    assert all(TRANSITIONS.allows(a, b) for a, b in moves[1:])


# An illegal move for each stage, and the state it is tried from.
ILLEGAL = [
    ("approve a returned application", "returned",
     lambda w, r: services.renovation_approve(renovation=r, now=T0, actor=w.desk)),
    ("resubmit what was never returned", "submitted",
     lambda w, r: services.renovation_resubmit(renovation=r, now=T0, actor=w.desk)),
    ("take fees before approval", "submitted",
     lambda w, r: services.renovation_fees_take(renovation=r, method="cash", now=T0, actor=w.finance)),
    ("issue the permit twice", "in_progress",
     lambda w, r: services.permit_issue(renovation=r, now=T0, actor=w.desk)),
    ("request acceptance before the work", "fees_paid",
     lambda w, r: services.acceptance_request(renovation=r, now=T0, actor=w.owner.user)),
    ("inspect what nobody asked to accept", "in_progress",
     lambda w, r: services.inspection_record(renovation=r, passed=True, now=T0, actor=w.engineer)),
    ("withdraw once the work has started", "in_progress",
     lambda w, r: services.renovation_withdraw(renovation=r, reason="x", now=T0, actor=w.desk)),
    ("return an approved application", "approved",
     lambda w, r: services.renovation_return(renovation=r, reasons="x", now=T0, actor=w.desk)),
]


def at_stage(w, status):
    if status in ("submitted", "returned"):
        renovation = apply(w)
        if status == "returned":
            services.renovation_return(renovation=renovation, reasons="请补充资料", now=T0, actor=w.desk)
        return renovation
    return {"approved": approved, "fees_paid": paid, "in_progress": started}[status](w)


@pytest.mark.parametrize("what, status, act", ILLEGAL, ids=[what for what, _s, _a in ILLEGAL])
def test_an_illegal_move_is_refused_with_a_message_and_nothing_is_written(w, what, status, act):
    renovation = at_stage(w, status)
    renovation.refresh_from_db()
    events = renovation.events.count()
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            act(w, renovation)
        assert refused.value.code == "illegal_transition"
        assert refused.value.messages[0].startswith(f"A renovation that is {Status(status).label} cannot become ")
    renovation.refresh_from_db()
    assert (renovation.status, renovation.events.count()) == (status, events)


def test_a_failed_inspection_goes_back_to_work_and_the_next_request_is_the_reinspection(w):
    renovation = started(w)
    services.acceptance_request(renovation=renovation, now=sh(2026, 11, 18, 9), actor=w.owner.user)
    with pytest.raises(ValidationError) as no_items:
        services.inspection_record(renovation=renovation, passed=False, now=sh(2026, 11, 18, 15), actor=w.engineer)
    assert list(no_items.value.message_dict) == ["items_to_fix"]
    services.inspection_record(renovation=renovation, passed=False, items_to_fix="厨房排烟管未封堵",
                               now=sh(2026, 11, 18, 15), actor=w.engineer)
    renovation.refresh_from_db()
    assert renovation.status == Status.IN_PROGRESS
    board = {column.status: column for column in selectors.renovation_board(user=w.desk, as_of=sh(2026, 11, 19))}
    assert board[Status.IN_PROGRESS].renovations[0].waits_for == str(selectors.FIXING)
    services.acceptance_request(renovation=renovation, now=sh(2026, 11, 19, 9), actor=w.owner.user)
    services.inspection_record(renovation=renovation, passed=True, now=sh(2026, 11, 19, 15), actor=w.engineer)
    renovation.refresh_from_db()
    assert renovation.status == Status.PASSED
    assert list(Inspection.objects.filter(renovation=renovation).values_list("passed", "items_to_fix")) == [
        (False, "厨房排烟管未封堵"), (True, "")]


def test_the_board_lists_open_renovations_by_state_with_what_each_waits_for(w):
    first = started(w)
    second = apply(w, unit=w.other_unit, owner=w.other, now=T0 + dt.timedelta(hours=1))
    with translation.override("en"):
        board = selectors.renovation_board(user=w.desk, as_of=sh(2026, 11, 21, 9))
    by_status = {column.status: column for column in board}
    assert [c.status for c in board] == ["submitted", "returned", "approved", "fees_paid", "in_progress",
                                         "acceptance_requested", "passed", "deposits_due"]
    assert (by_status["submitted"].count, by_status["submitted"].renovations) == (1, [second])
    assert by_status["in_progress"].renovations == [first]
    assert by_status["in_progress"].renovations[0].past_planned_end  # planned to end on 20 November
    assert by_status["approved"].waits_for == "The fees and deposits are paid at the finance office."
