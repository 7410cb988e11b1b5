"""The demo's steps, in order. Each takes the :class:`DemoContext` (what the earlier
steps created, the random generator, the people generator, the clock and the timeline)
and adds to it: the registry, the logins, complaints, the fees' calendar, the work
orders and the renovations on one timeline played up to the demo's clock, callbacks,
arrears cases, the supervisors' month reports, notices, incidents, the gate, the activities
to come, the shift log and its handovers."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from demo.activities import seed_activities
from demo.callbacks import seed_callbacks
from demo.complaints import seed_complaints
from demo.context import DemoContext
from demo.dashboard import seed_desk_reports, seed_month_reports
from demo.desk import seed_desk
from demo.fees import finish_fees, schedule_fees
from demo.gate import schedule_gate_cards, seed_gate
from demo.incidents import seed_incidents
from demo.notices import seed_notices
from demo.people import People
from demo.registry import plan_registry, seed_registry, seed_users
from demo.renovation import count_renovations, schedule_renovations
from demo.repairs import count_work_orders, schedule_work_orders
from propertydesk import notifications



def play(ctx: DemoContext) -> None:
    """The fees', the work orders' and the renovations' actions, together, up to the demo's clock."""
    with notifications.inbox_only():
        ctx.timeline.play_until(ctx.as_of)


Step = Callable[[DemoContext], None]
# Each sees what the earlier ones created: work orders come from open complaints, bills
# carry the work orders' bank collection charges (on the timeline, in time), callbacks
# follow resolved complaints and completed jobs, arrears cases what is owed at the end; the
# supervisors' month reports freeze what all of them had done by each report's 2nd; the desk's
# daily and weekly reports, last, count the demo's last days, notices included.
STEPS: list[Step] = [
    seed_registry, seed_users, seed_complaints, schedule_fees, schedule_work_orders, schedule_renovations,
    schedule_gate_cards, play,
    count_work_orders, count_renovations, seed_callbacks, finish_fees, seed_month_reports, seed_notices,
    seed_incidents, seed_gate, seed_activities,
    seed_desk, seed_desk_reports,
]


def plan(*, rng: random.Random, today: date) -> DemoContext:
    """The registry ``seed`` would write, in memory only: for tests and dry runs."""
    ctx = DemoContext(rng=rng, today=today, people=People(rng))
    plan_registry(ctx)
    return ctx


def seed(*, rng: random.Random, today: date) -> DemoContext:
    """Create the demo data. The caller wraps it in a transaction (seed_demo does)."""
    ctx = DemoContext(rng=rng, today=today, people=People(rng))
    for step in STEPS:
        step(ctx)
    return ctx
