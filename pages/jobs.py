"""Scheduled jobs of the pages layer (registered in propertydesk/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from pages import services


def month_facts(*, as_of: datetime) -> str:
    """The dashboard's month facts: the running month (with what stands open) and every
    month not settled yet within DASHBOARD_MONTHS, computed again; settled months left
    alone. Every quarter of an hour: the dashboard shows the running month as of the
    last run."""
    months = services.month_facts_refresh(as_of=as_of, now=timezone.now(), months=settings.DASHBOARD_MONTHS)
    return "months computed: " + (", ".join(f"{month:%Y-%m}" for month in months) or "none")
