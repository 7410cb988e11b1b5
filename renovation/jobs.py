"""Scheduled jobs of renovation (registered in propertydesk/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from renovation import services


def daily(*, as_of: datetime) -> str:
    """Every morning: renovations whose refund day has come move to "deposits due"; then
    one message per event, each once however often it runs (dedupe keys): passes
    expiring within the warning days and expired, deposits due for refund, renovations
    past their planned end, inspections not done within the working days. A day missed
    is caught up by the next run: every rule looks at the state, not at the day."""
    with transaction.atomic():
        moved = services.renovations_fall_due(as_of=as_of)
        found = services.renovation_reminders_send(as_of=as_of)
    return f"{len(moved)} renovations' deposits fell due; " + ", ".join(f"{n} {what}" for what, n in found.items())
