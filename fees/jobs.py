"""Scheduled jobs of fees (registered in propertydesk/jobs.py). Each runs every day
and acts from its day of the month on: if beat was down on the 10th or the 16th, the
next day's run catches up, and the unique constraints make every rerun a no-op."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from fees import services

BILL_DAY = 10


def bill_run(*, as_of: datetime) -> str:
    """From the 10th: this month's bills for every unit that has none yet."""
    today = timezone.localdate(as_of)
    if today.day < BILL_DAY:
        return f"nothing before the {BILL_DAY}th"
    run = services.bill_run(period=today.replace(day=1), as_of=as_of)
    return f"{run.bills} bills issued for {run.period:%Y-%m} ({run.lines} lines, {run.bank_charges} bank charges)"


def dunning(*, as_of: datetime) -> str:
    """From the 16th: round 1 to every unit still owing for this month; from the
    21st: round 2. Then send what is pending."""
    today = timezone.localdate(as_of)
    made = {
        round_: services.dunning_round(period=today.replace(day=1), round_=round_, as_of=as_of)
        for round_, day in services.DUNNING_DAYS.items() if today.day >= day
    }
    if not made:
        return "nothing before the 16th"
    sent = services.dunning_deliver(as_of=as_of)
    return ", ".join(f"round {r}: {n} new notices" for r, n in made.items()) + f"; {sent} sent"


REPORT_DAY = 2


def month_report(*, as_of: datetime) -> str:
    """From the 2nd: last month's report, once. A later day catches up if the 2nd was
    missed; once made, the report of the month is left as it was made."""
    from fees.models import MonthReport
    from fees.selectors import last_month

    today = timezone.localdate(as_of)
    if today.day < REPORT_DAY:
        return f"nothing before the {REPORT_DAY}nd"
    month = last_month(today)
    if MonthReport.objects.filter(month=month, estate__isnull=True).exists():
        return f"the report of {month:%Y-%m} was made already"
    reports = services.month_report_generate(month=month, as_of=as_of)
    return f"report of {month:%Y-%m}: {len(reports)} rows (all estates and each estate)"
