"""The demo's steps, in order. Each takes the :class:`DemoContext` (what the earlier
steps created, the random generator, the people generator and the clock) and adds to
it: the registry, the logins, complaints, work orders, callbacks, fees."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from demo.callbacks import seed_callbacks
from demo.complaints import seed_complaints
from demo.context import DemoContext
from demo.fees import seed_fees
from demo.people import People
from demo.registry import plan_registry, seed_registry, seed_users
from demo.repairs import seed_work_orders

Step = Callable[[DemoContext], None]
# Each sees what the earlier ones created: work orders come from open complaints, the
# callbacks from resolved complaints and completed jobs, bills carry the work orders'
# bank collection charges.
STEPS: list[Step] = [seed_registry, seed_users, seed_complaints, seed_work_orders, seed_callbacks, seed_fees]


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
