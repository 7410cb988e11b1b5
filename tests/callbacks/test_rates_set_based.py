"""The 10th's rate check reads every estate's rules at once and stores and reports its
rows as a set: the same few statements for one estate as for five, each estate judged
by its own rule."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Activity
from callbacks import jobs, services
from callbacks.models import Callback, CallbackRule, Kind, RateCheck
from propertydesk.models import Notification
from tests.callbacks.conftest import sh
from tests.factories import EstateFactory, make_owner


def _activity(estate, *, owed: int, done: int):
    """A community activity of 15 April with ``owed`` callbacks, ``done`` of them done by the 20th."""
    finished = sh(2026, 4, 15, 20, 0)
    activity = Activity.objects.create(estate=estate, title="中秋游园会", held_on=finished.date(),
                                       starts_at=finished - dt.timedelta(hours=2), status="held", finished_at=finished)
    for i in range(owed):
        owner = make_owner(name=f"业主{estate.code}{i}")
        Callback.objects.create(
            estate=estate, kind=Kind.ACTIVITY, source_key=f"activity:{activity.pk}:owner:{owner.pk}",
            activity=activity, owner=owner, contact_name=owner.name, event_at=finished,
            due_on=finished.date().replace(day=30), created_at=finished,
            status="done" if i < done else "due", done_at=sh(2026, 4, 20, 10, 0) if i < done else None)


def _check():
    with CaptureQueriesContext(connection) as queries:
        summary = jobs.monthly_rates(as_of=sh(2026, 5, 10, 23, 30))
    return summary, len(queries)


def test_five_estates_are_checked_in_as_many_statements_as_one_each_by_its_own_rule(estate):
    first = estate["unit"].estate
    _activity(first, owed=10, done=6)  # 60 % of a required 70 %: below
    one, statements_one = _check()
    assert one == "2026-04: 1 rates checked, 1 below the required rate"

    RateCheck.objects.all().delete()
    Notification.objects.all().delete()
    for n, (owed, done, required) in enumerate([(10, 6, 50), (4, 4, None), (5, 1, 70), (8, 7, 90)]):
        other = EstateFactory(code=f"e{n}", name=f"第{n}花园")
        if required is not None:
            CallbackRule.objects.create(estate=other, kind=Kind.ACTIVITY, months=1,
                                        required_rate=Decimal(required), effective_from=sh(2026, 1, 1))
        _activity(other, owed=owed, done=done)
    five, statements_five = _check()

    assert five == "2026-04: 5 rates checked, 3 below the required rate"
    assert statements_five == statements_one
    # Each by its own rule: 60 % meets the 50 % of e0, and 7 of 8 misses e3's 90 %.
    meets = {check.estate.code: (check.required_rate, check.meets) for check in RateCheck.objects.select_related("estate")}
    assert meets == {first.code: (Decimal("70.00"), False), "e0": (Decimal("50.00"), True),
                     "e1": (Decimal("70.00"), True), "e2": (Decimal("70.00"), False), "e3": (Decimal("90.00"), False)}
    # Each supervisor told once per rate below; running again tells nobody twice.
    assert Notification.objects.filter(kind="callback.rate_below", recipient=estate["boss"]).count() == 3
    services.rate_check_month(as_of=sh(2026, 5, 11, 9, 0), month=dt.date(2026, 4, 1))
    assert Notification.objects.filter(kind="callback.rate_below").count() == 3
