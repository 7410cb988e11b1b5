"""Scheduled jobs of the pages layer (registered in propertydesk/jobs.py)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import timezone

from gate.services import visitor_data_purge
from pages import services
from renovation.services import worker_data_purge


def month_facts(*, as_of: datetime) -> str:
    """The dashboard's month facts: the running month (with what stands open) and every
    month not settled yet within DASHBOARD_MONTHS, computed again; settled months left
    alone. Every quarter of an hour: the dashboard shows the running month as of the
    last run."""
    months = services.month_facts_refresh(as_of=as_of, now=timezone.now(), months=settings.DASHBOARD_MONTHS)
    return "months computed: " + (", ".join(f"{month:%Y-%m}" for month in months) or "none")


# The day of the month the supervisors' report of the month before is made (issue 16):
# the crontab of pages.month_report in propertydesk/jobs.py names the same day.
REPORT_DAY = 2


def month_report(*, as_of: datetime) -> str:
    """From the 2nd: last month's report of every dashboard figure (pages.DashboardReport),
    once. Every month missing since the latest one made is made too, oldest first (the
    job was down over a 2nd); a database with no report starts with last month. A month
    reported is left as it was made."""
    from dateutil.relativedelta import relativedelta
    from django.db.models import Max

    from pages import figures
    from pages.models import DashboardReport

    today = timezone.localdate(as_of)
    last = figures.month_start(today) - relativedelta(months=1)
    if today.day < REPORT_DAY:
        last -= relativedelta(months=1)  # last month's is not due before the 2nd
    latest = DashboardReport.objects.aggregate(latest=Max("month"))["latest"]
    if latest is None and today.day < REPORT_DAY:
        return f"nothing before the {REPORT_DAY}nd"
    months = figures.months_between(latest + relativedelta(months=1), last) if latest else [last]
    now = timezone.now()
    made = [report.month for month in months
            if (report := services.month_report_store(month=month, as_of=as_of, now=now)) is not None]
    if not made:
        return f"the report of {last:%Y-%m} was made already"
    caught_up = " (caught up)" if len(made) > 1 else ""
    return "reports made: " + ", ".join(f"{month:%Y-%m}" for month in made) + caught_up


def _desk_reports(period: str, *, as_of: datetime) -> str:
    from django.db.models import Max

    from pages import desk_reports
    from pages.models import DeskReport

    last = desk_reports.last_due(period, as_of=as_of)
    latest = DeskReport.objects.filter(period=period).aggregate(latest=Max("last_day"))["latest"]
    days = desk_reports.due_between(period, after=latest, last=last)
    now = timezone.now()
    made = [day for day in days
            if services.desk_report_store(period=period, last_day=day, as_of=as_of, now=now) is not None]
    if not made:
        return f"the report of {last:%Y-%m-%d} was made already"
    caught_up = " (caught up)" if len(made) > 1 else ""
    return "reports made: " + ", ".join(f"{day:%Y-%m-%d}" for day in made) + caught_up


def daily_report(*, as_of: datetime) -> str:
    """At 16:30: the desk's daily report (002 6.16) of the day from midnight to 16:30, for
    every estate and all of them, once. Days missed since the latest one made are made too,
    oldest first, at most DESK_REPORT_CATCH_UP_DAYS back; before 16:30, yesterday's is the
    one due. A day reported is left as it was made."""
    return _desk_reports("day", as_of=as_of)


def weekly_report(*, as_of: datetime) -> str:
    """On Friday at 16:30: the desk's weekly report (002 四.3) of the week from the midnight
    of its first day (DESK_REPORT_WEEK_STARTS) to Friday 16:30, once; weeks missed are made
    too, at most DESK_REPORT_CATCH_UP_WEEKS back."""
    return _desk_reports("week", as_of=as_of)


def personal_data_purge(*, as_of: datetime) -> str:
    """Nightly: the personal data of visitors and item-pass carriers past
    VISITOR_DATA_RETENTION_DAYS, and of renovation workers and contractors' leads past
    WORKER_DATA_RETENTION_DAYS, replaced (gate.services.visitor_data_purge,
    renovation.services.worker_data_purge). A fixed number of statements whatever the rows;
    what was purged is not matched again, and a night missed is caught up the next."""
    counts = {**visitor_data_purge(as_of=as_of), **worker_data_purge(as_of=as_of)}
    return "personal data purged: " + ", ".join(f"{kind} {n}" for kind, n in counts.items())
