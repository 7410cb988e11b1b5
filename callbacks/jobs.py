"""Scheduled jobs of callbacks (registered in propertydesk/jobs.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

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
    flagged = sum(services.callback_flag_overdue(callback_id=pk, as_of=as_of)
                  for pk in selectors.overdue_candidates(as_of=as_of))
    return f"{made} missing callbacks made, {flagged} newly overdue"


def monthly_rates(*, as_of: datetime) -> str:
    """On the 10th: last month's callbacks against the required rates (004 2.7.1: all
    of last month's special-service callbacks done by the 10th)."""
    checks = services.rate_check_month(as_of=as_of)
    below = [check for check in checks if not check.meets]
    return f"{len(checks)} rates checked, {len(below)} below the required rate"
