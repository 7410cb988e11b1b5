"""Reads for work-order pages, jobs and dashboards."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from repairs.models import UNDISPATCHED, WorkOrder


def late_dispatch_candidates(*, as_of: datetime) -> list[int]:
    return list(
        WorkOrder.objects.filter(
            status__in=UNDISPATCHED, dispatch_due_at__lt=as_of, dispatch_alerted_at__isnull=True
        ).values_list("pk", flat=True)
    )


def kpi_dispatch_on_time(*, start: datetime, end: datetime, estate=None) -> tuple[int, int]:
    """(dispatched within the deadline, dispatched) for orders dispatched in [start, end):
    the 15-minute rule of 004 2.4.1."""
    dispatched = WorkOrder.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end)
    if estate is not None:
        dispatched = dispatched.filter(estate=estate)
    totals = dispatched.aggregate(all=Count("id"), on_time=Count("id", filter=Q(dispatch_late_by__isnull=True)))
    return totals["on_time"], totals["all"]
