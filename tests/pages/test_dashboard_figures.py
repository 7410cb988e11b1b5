"""The supervisor's dashboard's figures against values worked out by hand on a small
fixed data set over a year's end (tests/pages/dashboard_world.py), the empty period,
and the stored month facts against the live selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pages import figures, services
from pages.models import DashboardTarget, MonthFacts
from tests.pages import dashboard_world
from tests.pages.dashboard_world import DEC, FEB, JAN, MAR, OCT, sh

D = Decimal


@pytest.fixture
def world(db):
    return dashboard_world.build()


def values(period: figures.Period) -> dict:
    return {key: value.value for key, value in period.values.items()}


def test_the_year_end_period_for_every_estate_equals_the_hand_computed_figures(world):
    # when: December 2025 and January 2026, both settled by 15 March
    period = figures.live_period(months=[DEC, JAN], as_of=sh(2026, 3, 15, 12))

    # then
    v = values(period)
    assert v["complaints_on_time"] == D("66.7")  # c1, c4 on time of c1, c2, c4
    assert v["first_response"] == D("2.3")  # (2 + 4 + 1) h / 3
    assert v["resolution_time"] == D("48.0")  # (24 + 96 + 24) h / 3
    assert v["suggestions_adopted"] == D("50.0")
    assert v["satisfaction"] == D("66.7")  # satisfied, very satisfied (the correction), neutral
    assert v["dispatch_on_time"] == D("50.0")
    assert v["orders_on_time"] == D("50.0")  # w2 finished 96 h after registering, no appointment
    assert v["rating"] == D("4.00")
    # December's 250 of 300 by 1 February; January's 150 of 350 by 1 March
    assert (period.values["collection"].numerator, period.values["collection"].denominator) == (D("400.00"), D("650.00"))
    assert v["collection"] == D("61.5")
    assert v["households"] == D("60.0")  # December u1; January u1 (late) and u3: 3 of 5 bills
    # January recovered 150 of December's 200 of u2; 50 still owed at January's end
    assert v["recovery"] == D("75.0")
    assert v["spot_checks"] == D("1")
    complaint = period.callback_rates["complaint"]
    assert (complaint.done, complaint.owed, complaint.rate, complaint.below_target) == (2, 3, D("66.7"), True)
    repair = period.callback_rates["minor_repair"]
    assert (repair.done, repair.owed, repair.below_target) == (1, 1, False)


def test_one_estate_and_the_running_month_as_it_stands(world):
    # when: estate A, January, on 20 January (before u1's late payment)
    period = figures.live_period(months=[JAN], as_of=sh(2026, 1, 20, 12), estate=world["a"])

    # then
    v = values(period)
    assert v["complaints_on_time"] == D("0.0")  # c2, late
    assert v["first_response"] is None  # nothing assigned in January in A
    assert v["resolution_time"] == D("96.0")
    assert v["collection"] == D("0.0")  # nothing of January's 300 paid by the 20th
    assert v["households"] == D("0.0")
    assert v["recovery"] == D("75.0")
    assert v["satisfaction"] == D("100.0")  # the correction only
    assert period.callback_rates["complaint"].owed == 1  # cb2, due on the 6th
    assert period.values["complaints_on_time"].below_target
    assert not period.values["satisfaction"].below_target
    # an average time above its target is marked too (72 h by default)
    assert period.values["resolution_time"].below_target


def test_an_empty_period_shows_no_figure_and_divides_by_nothing(world):
    period = figures.live_period(months=[OCT], as_of=sh(2026, 3, 15, 12))

    assert all(value is None for key, value in values(period).items() if key != "spot_checks")
    assert values(period)["spot_checks"] == 0
    assert period.callback_rates == {}


def test_a_month_without_events_still_owes_its_arrears(world):
    # March: nothing happened, but u2 still owes 50 of December's bill: nothing recovered of 50
    v = values(figures.live_period(months=[MAR], as_of=sh(2026, 3, 15, 12)))

    assert v["recovery"] == D("0.0")
    assert v["collection"] is None and v["complaints_on_time"] is None


def test_an_estates_own_target_replaces_the_settings_one(world):
    DashboardTarget.objects.create(estate=world["a"], figure="complaints_on_time", target=D("0"))

    mine = figures.live_period(months=[JAN], as_of=sh(2026, 1, 20, 12), estate=world["a"])
    every = figures.live_period(months=[JAN], as_of=sh(2026, 1, 20, 12))

    assert not mine.values["complaints_on_time"].below_target
    assert every.values["complaints_on_time"].below_target


def stored_period(months, *, estate=None) -> figures.Period:
    rows = MonthFacts.objects.filter(month__in=months).order_by("month", "estate_id")
    if estate is not None:
        rows = rows.filter(estate=estate)
    return figures.add_up([figures.tagged(row.figures, estate_id=row.estate_id, month=row.month) for row in rows])


@pytest.mark.parametrize("months", [[DEC, JAN], [dt.date(2025, 11, 1), DEC, JAN, FEB], [OCT], [MAR], [JAN]],
                         ids=["year-end", "four-months-over-the-year-end", "empty", "no-events", "one-month"])
def test_the_stored_month_facts_equal_the_live_figures(world, months):
    # given: the facts job's months, kept on 15 March
    as_of = sh(2026, 3, 15, 12)
    services.month_facts_refresh(as_of=as_of, now=as_of, months=6)

    for estate in (None, world["a"], world["b"]):
        # when
        stored = stored_period(months, estate=estate)
        live = figures.live_period(months=months, as_of=as_of, estate=estate)

        # then
        assert {k: (v.numerator, v.denominator) for k, v in stored.values.items()} == \
            {k: (v.numerator, v.denominator) for k, v in live.values.items()}
        assert {k: (r.done, r.owed, r.required) for k, r in stored.callback_rates.items()} == \
            {k: (r.done, r.owed, r.required) for k, r in live.callback_rates.items()}


def test_the_facts_job_settles_a_month_once_and_leaves_it_alone(world):
    # given: on 20 January, December is not settled yet
    first = services.month_facts_refresh(as_of=sh(2026, 1, 20, 12), now=sh(2026, 1, 20, 12), months=3)
    assert first == [dt.date(2025, 11, 1), DEC, JAN]
    assert MonthFacts.objects.count() == 3 * 2
    assert not MonthFacts.objects.filter(month=DEC, settled=True).exists()

    # when: on 2 February December settles; run twice
    services.month_facts_refresh(as_of=sh(2026, 2, 2, 12), now=sh(2026, 2, 2, 12), months=3)
    again = services.month_facts_refresh(as_of=sh(2026, 2, 2, 13), now=sh(2026, 2, 2, 13), months=3)

    # then: one row per estate and month, December settled and not computed again
    assert MonthFacts.objects.count() == 4 * 2  # November's rows stay where they were
    assert again == [JAN, FEB]
    december = MonthFacts.objects.get(estate=world["a"], month=DEC)
    assert december.settled and december.as_of == sh(2026, 2, 1)
    assert december.figures["collection"] == ["250.00", "300.00"]


def test_the_running_months_rows_carry_what_stands_open(world):
    # when: the job's run at noon on 20 January
    services.month_facts_refresh(as_of=sh(2026, 1, 20, 12), now=sh(2026, 1, 20, 12), months=1)

    # then: c3, received at 8:00, open for less than a day; cb2 past its day (the 6th)
    nothing = {"held": "0.00", "held_count": "0", "due": "0.00", "due_count": "0"}
    a = MonthFacts.objects.get(estate=world["a"], month=JAN).figures["standing"]
    assert a == {"at": "2026-01-20T12:00:00+08:00", "ages": [1, 0, 0, 0, 0], "overdue": 1, "deposits": nothing,
                 "undelivered": 0}
    assert MonthFacts.objects.get(estate=world["b"], month=JAN).figures["standing"] == {
        "at": "2026-01-20T12:00:00+08:00", "ages": [0, 0, 0, 0, 0], "overdue": 0, "deposits": nothing,
        "undelivered": 0}
