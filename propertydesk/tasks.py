from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from propertydesk.jobs import RUN_JOB_TASK, run_job


@shared_task(name=RUN_JOB_TASK)
def run_job_task(name: str, as_of: str | None = None) -> str:
    # The clock is read here, at the edge, and handed to the job.
    moment = parse_datetime(as_of) if as_of else timezone.now()
    return run_job(name, as_of=moment)
