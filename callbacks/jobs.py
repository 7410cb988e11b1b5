"""Scheduled jobs of callbacks (registered in propertydesk/jobs.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from callbacks import selectors, services


def hourly(*, as_of: datetime) -> str:
    """Every hour: make the callback of any source event that has none (a lost event is
    repaired, not missed), then flag callbacks past due, once each."""
    since = as_of - timedelta(days=settings.CALLBACK_REPAIR_LOOKBACK_DAYS)
    made = 0
    for complaint in selectors.complaints_missing_callback(since=since, as_of=as_of):
        made += services.callback_for_complaint(complaint=complaint, now=as_of, by_job=True) is not None
    for order in selectors.work_orders_missing_callback(since=since, as_of=as_of):
        made += services.callback_for_work_order(order=order, now=as_of, by_job=True) is not None
    for order in selectors.work_orders_missing_midterm(since=since, as_of=as_of):
        made += services.callback_midterm_for_work_order(order=order, now=as_of) is not None
    for activity in selectors.activities_missing_callbacks(since=since, as_of=as_of):
        made += services.callbacks_for_activity(activity=activity, now=as_of, by_job=True)
    flagged = services.callbacks_flag_overdue(as_of=as_of)
    return f"{made} missing callbacks made, {flagged} newly overdue"


def check_due_at(month: date) -> datetime:
    """When the rate check of ``month`` is due: the moment the monthly_rates job's
    crontab names in the month after (the 10th, 23:30)."""
    from propertydesk.jobs import get_job, next_slot

    start = datetime.combine(month + relativedelta(months=1), time.min, tzinfo=timezone.get_current_timezone())
    return next_slot(get_job("callbacks.monthly_rates").schedule, after=start - timedelta(microseconds=1))


def monthly_rates(*, as_of: datetime) -> str:
    """On the 10th: last month's callbacks against the required rates (004 2.7.1: all
    of last month's special-service callbacks done by the 10th). Every month whose check
    is due and not made yet is checked, once, counting what was done by its due moment:
    the months after the latest one checked (a month with no callback owed stores no
    row, so the next month's run looks at it again), or only the latest due month on a
    database that has no check."""
    from callbacks.models import RateCheck

    latest_due = timezone.localdate(as_of).replace(day=1) - relativedelta(months=1)
    if check_due_at(latest_due) > as_of:
        latest_due -= relativedelta(months=1)
    checked = RateCheck.objects.aggregate(latest=Max("month"))["latest"]
    month = latest_due if checked is None else checked + relativedelta(months=1)
    checks, months = [], []
    while month <= latest_due:
        checks += services.rate_check_month(as_of=as_of, month=month, counted_at=check_due_at(month))
        months.append(month)
        month += relativedelta(months=1)
    if not months:
        return f"the check of {latest_due:%Y-%m} was made already"
    below = [check for check in checks if not check.meets]
    return (f"{', '.join(f'{m:%Y-%m}' for m in months)}: {len(checks)} rates checked, "
            f"{len(below)} below the required rate")
