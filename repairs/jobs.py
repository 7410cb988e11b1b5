"""Scheduled jobs of work orders (registered in propertydesk/jobs.py)."""

from datetime import datetime

from repairs import services


def late_dispatch_sweep(*, as_of: datetime) -> str:
    """Every 5 minutes: each order not dispatched by its deadline alerts the desk once."""
    alerted = services.work_orders_flag_late_dispatch(as_of=as_of)
    return f"{alerted} work orders newly late for dispatch"
