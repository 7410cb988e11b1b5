"""Each rule's due date, on the Shanghai calendar (domain §5's table)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from callbacks import services
from callbacks.models import Callback, Kind
from tests.callbacks.conftest import complete_order, resolve_complaint, sh


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("resolved, due", [
    (sh(2026, 1, 31, 23, 30), dt.date(2026, 2, 3)),   # late evening in Shanghai: still the 31st
    (sh(2026, 2, 1, 0, 30), dt.date(2026, 2, 4)),     # half an hour later (16:30 UTC on the 31st)
    (sh(2026, 12, 30, 10, 0), dt.date(2027, 1, 2)),   # across the year
])
def test_a_resolved_complaint_is_due_three_shanghai_days_later(estate, resolved, due):
    complaint = resolve_complaint(estate, received=resolved - dt.timedelta(hours=5), resolved=resolved)
    callback = Callback.objects.get(complaint=complaint)
    assert (callback.kind, callback.due_on, callback.event_at) == (Kind.COMPLAINT, due, resolved)
    assert callback.assignee == estate["desk"]  # the clerk who took the complaint


def test_a_minor_repair_is_due_three_days_after_completion(estate):
    order = complete_order(estate, kind="minor_repair", completed=sh(2026, 2, 26, 16, 0))
    assert Callback.objects.get(work_order=order).due_on == dt.date(2026, 3, 1)  # 2026 is not a leap year


@pytest.mark.parametrize("completed, due", [
    (sh(2026, 1, 31, 15, 0), dt.date(2026, 2, 28)),
    (sh(2028, 1, 31, 15, 0), dt.date(2028, 2, 29)),   # leap year
    (sh(2026, 3, 31, 23, 59), dt.date(2026, 4, 30)),
    (sh(2026, 5, 15, 9, 0), dt.date(2026, 6, 15)),
])
def test_major_works_are_due_one_calendar_month_later(estate, completed, due):
    order = complete_order(estate, kind="major_works", completed=completed)
    callback = Callback.objects.get(work_order=order)
    assert (callback.kind, callback.due_on) == (Kind.MAJOR_WORKS, due)


def test_a_special_service_is_called_back_after_completion_by_the_tenth_of_next_month(estate):
    order = complete_order(estate, kind="special_service", completed=sh(2026, 1, 30, 11, 0), payment="cash")
    assert Callback.objects.get(work_order=order).due_on == dt.date(2026, 2, 2)
    # a rule that would run past the 10th of the next month stops there
    services.callback_rule_set(estate=estate["unit"].estate, kind=Kind.SPECIAL_COMPLETION, days=20,
                               by_day_of_next_month=10, required_rate=Decimal("100"), now=sh(2026, 2, 1, 0, 0))
    later = complete_order(estate, kind="special_service", completed=sh(2026, 2, 25, 11, 0))
    assert Callback.objects.get(work_order=later).due_on == dt.date(2026, 3, 10)


def test_a_multi_day_special_service_also_gets_a_mid_term_callback(estate):
    # given: three days of work planned, from Monday 9:00 to Thursday 9:00
    order = complete_order(estate, kind="special_service", registered=sh(2026, 3, 2, 8, 0),
                           arrived=sh(2026, 3, 2, 9, 0), planned_end=sh(2026, 3, 5, 9, 0),
                           completed=sh(2026, 3, 5, 9, 0))
    # when: the hourly job sees it on site
    services.callback_midterm_for_work_order(order=order, now=sh(2026, 3, 2, 10, 0))
    # then: due half-way through, Tuesday 3 March at 21:00
    midterm = Callback.objects.get(work_order=order, kind=Kind.SPECIAL_MIDTERM)
    assert midterm.due_on == dt.date(2026, 3, 3)
    assert Callback.objects.filter(work_order=order).count() == 2  # and the one after completion


def test_a_routine_service_is_due_a_week_later(estate):
    order = complete_order(estate, kind="routine", completed=sh(2026, 6, 1, 10, 0))
    callback = Callback.objects.get(work_order=order)
    assert (callback.kind, callback.due_on) == (Kind.OTHER, dt.date(2026, 6, 8))


def test_activity_households_are_called_back_a_month_after(estate):
    from activities import services as activities

    activity = activities.activity_plan(estate=estate["unit"].estate, title="中秋游园会", starts_at=sh(2026, 9, 25, 19, 0),
                                        now=sh(2026, 9, 1, 10, 0), actor=estate["desk"])
    activities.participation_record(activity=activity, unit=estate["unit"], owner=estate["owner"],
                                    now=sh(2026, 9, 25, 19, 5), actor=estate["desk"])
    activities.activity_hold(activity=activity, now=sh(2026, 9, 25, 21, 0), actor=estate["desk"])
    callback = Callback.objects.get(activity=activity)
    assert (callback.owner, callback.unit, callback.due_on) == (estate["owner"], estate["unit"], dt.date(2026, 10, 25))


def test_a_supervisors_rule_change_applies_to_new_callbacks_only(estate):
    first = resolve_complaint(estate, received=sh(2026, 4, 1, 9, 0), resolved=sh(2026, 4, 1, 12, 0))
    services.callback_rule_set(estate=estate["unit"].estate, kind=Kind.COMPLAINT, days=2,
                               required_rate=Decimal("100"), now=sh(2026, 4, 2, 0, 0), actor=estate["boss"])
    second = resolve_complaint(estate, received=sh(2026, 4, 3, 9, 0), resolved=sh(2026, 4, 3, 12, 0))
    assert Callback.objects.get(complaint=first).due_on == dt.date(2026, 4, 4)
    assert Callback.objects.get(complaint=second).due_on == dt.date(2026, 4, 5)


def test_only_a_supervisor_changes_a_rule_and_a_bad_one_names_its_fields(estate):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        services.callback_rule_set(estate=estate["unit"].estate, kind=Kind.COMPLAINT, days=2, now=sh(2026, 4, 2),
                                   actor=estate["desk"])
    with pytest.raises(ValidationError) as caught:
        services.callback_rule_set(estate=estate["unit"].estate, kind=Kind.COMPLAINT, days=0, months=0,
                                   required_rate=Decimal("120"), now=sh(2026, 4, 2), actor=estate["boss"])
    assert set(caught.value.message_dict) == {"days", "required_rate"}
