"""The one registry of scheduled jobs.

Every job the calendar runs is a line in ``JOBS``: a name, a crontab in
Asia/Shanghai time (CELERY_TIMEZONE), the dotted path of a function taking
``as_of``, and how long a queued run stays worth running. Celery beat's schedule
is built from it (propertydesk/celery.py) and ``manage.py runjob NAME --as-of``
runs the same function by hand. Jobs must be idempotent: beat can fire twice,
and a catch-up run after downtime must not send anything twice.

Functions are named by path, not imported, so beat can read this table before
Django's apps are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from celery.schedules import crontab
from django.utils.module_loading import import_string

RUN_JOB_TASK = "propertydesk.run_job"


@dataclass(frozen=True)
class Job:
    name: str
    schedule: crontab
    func: str
    description: str
    expires: int  # seconds a queued run stays worth running

    def function(self):
        return import_string(self.func)


JOBS: tuple[Job, ...] = (
    Job(
        name="owners.registry_check",
        schedule=crontab(hour=3, minute=10),
        func="owners.jobs.registry_check",
        description="Daily integrity check of the owner registry: units without a current "
        "owner, owners without a phone, owners without a unit.",
        expires=6 * 3600,
    ),
    Job(
        name="complaints.overdue_sweep",
        schedule=crontab(minute="*/15"),
        func="complaints.jobs.overdue_sweep",
        description="Flag open complaints past their promise and tell the supervisors, once each.",
        expires=14 * 60,
    ),
    Job(
        name="complaints.daily_followup",
        schedule=crontab(hour=15, minute=30),
        func="complaints.jobs.daily_followup",
        description="15:30 follow-up digest of every open complaint for the desk and engineering (002 6.13).",
        expires=2 * 3600,
    ),
    Job(
        name="repairs.late_dispatch_sweep",
        schedule=crontab(minute="*/5"),
        func="repairs.jobs.late_dispatch_sweep",
        description="Alert the desk once about each work order not dispatched within 15 minutes (004 2.4.1).",
        expires=4 * 60,
    ),
    Job(
        name="callbacks.hourly",
        schedule=crontab(minute=20),
        func="callbacks.jobs.hourly",
        description="Make the callback of any resolved complaint or finished job that has none; "
        "flag callbacks past due and tell the assignee and the supervisors, once.",
        expires=50 * 60,
    ),
    Job(
        name="callbacks.monthly_rates",
        schedule=crontab(day_of_month=10, hour=23, minute=30),
        func="callbacks.jobs.monthly_rates",
        description="On the 10th: last month's callbacks per kind against the required rates (004 2.7.1).",
        expires=12 * 3600,
    ),
    Job(
        name="fees.bill_run",
        schedule=crontab(hour=1, minute=0),
        func="fees.jobs.bill_run",
        description="From each estate's bill day (its fee policy, the 10th by default): the month's bill "
        "for every unit that has none yet (002 五).",
        expires=20 * 3600,
    ),
    Job(
        name="fees.dunning",
        schedule=crontab(hour=9, minute=0),
        func="fees.jobs.dunning",
        description="From each estate's first dunning day (its fee policy, the 16th by default): the first "
        "payment reminder to every unit still owing; from its second (the 21st), the second (002 五). "
        "At most one per unit, month and round.",
        expires=12 * 3600,
    ),
    Job(
        name="fees.month_report",
        schedule=crontab(hour=2, minute=30),
        func="fees.jobs.month_report",
        description="From each estate's report day (its fee policy, the 2nd by default): last month's fee "
        "report (collection rate, payments by method, arrears by age, notices), once; a later day catches "
        "up if the day was missed (002 五).",
        expires=20 * 3600,
    ),
)


class UnknownJob(LookupError):
    pass


def get_job(name: str) -> Job:
    for job in JOBS:
        if job.name == name:
            return job
    raise UnknownJob(name)


def beat_schedule() -> dict:
    return {
        job.name: {
            "task": RUN_JOB_TASK,
            "schedule": job.schedule,
            "args": (job.name,),
            "options": {"expires": job.expires},
        }
        for job in JOBS
    }


def run_job(name: str, *, as_of: datetime) -> str:
    """Run one job for the moment ``as_of`` and record the run. Returns the job's summary."""
    from propertydesk.models import JobRun

    job = get_job(name)
    run = JobRun.objects.create(name=job.name, as_of=as_of)
    try:
        summary = job.function()(as_of=as_of)
    except Exception as exc:
        run.finish(ok=False, summary=f"{type(exc).__name__}: {exc}")
        raise
    run.finish(ok=True, summary=str(summary or ""))
    return str(summary or "")
