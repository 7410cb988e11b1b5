from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from propertydesk.jobs import RUN_JOB_TASK, run_job


@shared_task(name=RUN_JOB_TASK)
def run_job_task(name: str, as_of: str | None = None) -> str:
    # The clock is read here, at the edge, and handed to the job.
    moment = parse_datetime(as_of) if as_of else timezone.now()
    return run_job(name, as_of=moment)


@shared_task(name="propertydesk.deliver_outbox", acks_late=True, reject_on_worker_lost=True)
def deliver_outbox_task() -> str:
    """Send what waits in the outbox, batch by batch, each at the clock's time."""
    from propertydesk import outbox

    total = outbox.Outcome()
    while True:
        outcome = outbox.deliver_batch(now=timezone.now())
        total.add(outcome)
        if not outcome.claimed:
            return str(total)
