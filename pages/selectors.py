"""Reads of the pages that show several apps at once. The desk's today page takes each
block's rows from its app's selectors and counts every block in one capped statement
(propertydesk.paging.capped_counts), so its queries do not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from callbacks import selectors as callbacks
from complaints import selectors as complaints
from fees import selectors as fees
from propertydesk import selectors as core
from propertydesk.paging import capped_counts
from propertydesk.roles import is_supervisor
from renovation import selectors as renovation
from repairs import selectors as repairs

# What each block needs to be shown, by the reader's permission.
NEEDS = {
    "callbacks": "callbacks.view_callback",
    "complaints": "complaints.view_complaint",
    "work_orders": "repairs.view_workorder",
    "renovations": "renovation.view_renovation",
    "payments": "fees.view_payment",
    "deliveries": "propertydesk.view_delivery",
}


@dataclass
class Today:
    """The desk's day as of a moment: per block its first rows and capped counts (a count
    above ``QUEUE_COUNT_CAP`` means "more"); a block the reader may not see is None."""

    as_of: datetime
    counts: dict[str, int] = field(default_factory=dict)
    callbacks: list | None = None
    complaints: list | None = None
    undispatched: list | None = None
    appointments: list | None = None
    renovations: list | None = None
    payments: dict | None = None
    undelivered: core.UndeliveredFigure | None = None
    deliveries: list | None = None
    # The figure of everything not delivered (pending too) is the supervisors'; the desk
    # sees the failed and given-up messages, which are its to retry.
    figure_shown: bool = False

    @property
    def today(self):
        return timezone.localdate(self.as_of)


def desk_today(*, user, as_of: datetime, limit: int | None = None) -> Today:
    """Everything the desk's today page shows for ``user`` as of ``as_of``."""
    limit = limit or settings.TODAY_ROWS
    today = timezone.localdate(as_of)
    may = {block: user.has_perm(perm) for block, perm in NEEDS.items()}
    day = Today(as_of=as_of, figure_shown=is_supervisor(user))
    counted = {}
    if may["callbacks"]:
        counted.update(callbacks.today_callback_counts(user=user, today=today))
        day.callbacks = callbacks.today_callbacks(user=user, today=today, limit=limit)
    if may["complaints"]:
        counted.update(complaints.today_complaint_counts(now=as_of))
        day.complaints = complaints.today_complaints(now=as_of, limit=limit)
    if may["work_orders"]:
        counted.update(repairs.today_work_order_counts(today=today))
        day.undispatched = repairs.today_undispatched(limit=limit)
        day.appointments = repairs.today_appointments(today=today, limit=limit)
    if may["renovations"]:
        counted.update(renovation.today_renovation_counts())
        day.renovations = renovation.today_renovations(limit=limit)
    if may["payments"]:
        day.payments = fees.today_payments(user=user, day=today, limit=limit)
    if may["deliveries"]:
        day.undelivered = core.undelivered_figure(as_of=as_of)
        day.deliveries = (core.deliveries_needing_attention(limit=limit)
                          if day.undelivered.failed or day.undelivered.given_up else [])
    day.counts = capped_counts(counted)
    return day


def portal_home_units(*, owner) -> list:
    """The units on the owner's home, each with its estate and building, since when they
    own it, how many live there and ``owed`` (what the unit owes now): one statement."""
    from owners.selectors import owner_home_units

    return list(owner_home_units(owner=owner).annotate(owed=fees.owed_per_unit()))
