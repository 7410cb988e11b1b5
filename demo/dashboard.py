"""The demo's last step: the supervisors' month reports of the months before the clock,
each made by the pages.month_report job at its moment in the registry (06:00 on the 2nd
of the next month), so the list of reports is not empty and each report reads the
month's figures as the job would have then. After every other step: a report freezes
what the complaints, work orders, callbacks and fees had done by its moment."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta

from demo.context import DemoContext, next_run
from demo.fees import MONTHS
from pages import jobs
from pages.models import DashboardReport
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
