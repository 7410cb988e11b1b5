"""The demo's last step: the supervisors' month reports of the months before the clock,
each made by the pages.month_report job at its moment in the registry (06:00 on the 2nd
of the next month), so the list of reports is not empty and each report reads the
month's figures as the job would have then. After every other step: a report freezes
what the complaints, work orders, callbacks and fees had done by its moment."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from demo.context import DemoContext, next_run
from demo.fees import MONTHS
from pages import jobs
from pages.models import DashboardReport, DeskReport
from propertydesk import notifications


def seed_month_reports(ctx: DemoContext) -> None:
    this_month = ctx.today.replace(day=1)
    with notifications.inbox_only():
        for i in range(MONTHS - 1, 0, -1):
            month = this_month - relativedelta(months=i)
            moment = next_run("pages.month_report", after=ctx.as_of.replace(
                year=month.year, month=month.month, day=1) + relativedelta(months=1))
            if moment < ctx.as_of:
                jobs.month_report(as_of=moment)
    ctx.counts["dashboard month reports"] = DashboardReport.objects.count()


# The desk's reports the demo keeps: the last two weeks' days and the last four Fridays.
DESK_REPORT_DAYS, DESK_REPORT_WEEKS = 14, 4


def seed_desk_reports(ctx: DemoContext) -> None:
    """The desk's daily reports of the demo's last days and weekly reports of its last
    Fridays, each made by its job at its moment (16:30), after every other step (notices
    too). What stood open is read from the records as they are at the end of the demo,
    as the month reports' is: close enough for a demo, not history."""
    def at(day):
        return datetime.combine(day, time(16, 30), tzinfo=timezone.get_current_timezone())

    with notifications.inbox_only():
        for i in range(DESK_REPORT_DAYS, -1, -1):
            day = ctx.today - timedelta(days=i)
            if at(day) <= ctx.as_of:
                jobs.daily_report(as_of=at(day))
        friday = ctx.today - timedelta(days=(ctx.today.isoweekday() - 5) % 7)
        for i in range(DESK_REPORT_WEEKS - 1, -1, -1):
            if at(friday - timedelta(weeks=i)) <= ctx.as_of:
                jobs.weekly_report(as_of=at(friday - timedelta(weeks=i)))
    ctx.counts["desk daily reports"] = DeskReport.objects.filter(period="day").count()
    ctx.counts["desk weekly reports"] = DeskReport.objects.filter(period="week").count()
