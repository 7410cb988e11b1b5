"""Scheduled jobs of complaints (registered in propertydesk/jobs.py)."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from complaints import messages, selectors, services
from complaints.models import Department
from propertydesk import notifications
from propertydesk.roles import ENGINEERING, FRONT_DESK


def overdue_sweep(*, as_of: datetime) -> str:
    """Every 15 minutes: each open complaint past its promise is flagged and reported once."""
    flagged = services.complaints_flag_overdue(as_of=as_of)
    return f"{flagged} complaints newly overdue"


def daily_followup(*, as_of: datetime) -> str:
    """15:30: the desk reviews every open complaint and chases engineering (002 6.13).
    One digest per person per day, however often the job runs: the counts of all open
    complaints and the first COMPLAINT_DIGEST_ITEMS by promise (the queue has the rest)."""
    day = timezone.localdate(as_of).isoformat()
    digests, listed = [], 0
    for roles, department in ((FRONT_DESK,), None), ((ENGINEERING,), Department.ENGINEERING):
        params = selectors.digest_params(selectors.open_complaints_for_digest(department=department), as_of=as_of,
                                         limit=settings.COMPLAINT_DIGEST_ITEMS)
        listed = max(listed, params["open"])
        digests.append(notifications.StaffMessage(
            recipients=tuple(notifications.users_in_roles(*roles).order_by("pk").values_list("pk", flat=True)),
            kind=messages.DIGEST, params=params, url="/complaints/?status=open",
            dedupe_key=f"complaint-digest:{day}:{department or 'all'}",
        ))
    # One insert for every reader's digest: the statements do not grow with the readers.
    sent = notifications.notify_many(messages=digests, now=as_of)
    return f"digest of {listed} open complaints sent to {sent} people"
