"""Scheduled jobs of work orders (registered in propertydesk/jobs.py)."""

from datetime import datetime

from repairs import selectors, services


def late_dispatch_sweep(*, as_of: datetime) -> str:
    """Every 5 minutes: each order not dispatched by its deadline alerts the desk once."""
    alerted = sum(
        services.work_order_flag_late_dispatch(order_id=pk, as_of=as_of)
        for pk in selectors.late_dispatch_candidates(as_of=as_of)
    )
    return f"{alerted} work orders newly late for dispatch"
