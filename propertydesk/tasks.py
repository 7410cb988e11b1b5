from celery import shared_task
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from propertydesk.jobs import RUN_JOB_TASK, TICK_TASK, JobBusy, run_job, tick


@shared_task(name=TICK_TASK)
def tick_task() -> str:
    # The clock is read here, at the edge, and handed to the tick.
    outcomes = tick(now=timezone.now())
    return "; ".join(f"{o.job}: {o.summary if o.ran else 'failed: ' + o.summary}" for o in outcomes)


@shared_task(name=RUN_JOB_TASK)
def run_job_task(name: str, as_of: str | None = None) -> str:
    """One job by hand through a worker. A copy delivered again after its worker died
    finds the slot's row left by the dead worker and runs the slot again on it."""
    now = timezone.now()
    moment = parse_datetime(as_of) if as_of else now
    try:
        return run_job(name, as_of=moment, now=now).summary
    except JobBusy as busy:
        return str(busy)


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


@shared_task(name="propertydesk.write_download", acks_late=True, reject_on_worker_lost=True)
def write_download_task(download_id: int) -> str:
    """Write a list's .xlsx that was too long to write while its reader waited."""
    from propertydesk.downloads import download_write

    return download_write(download_id=download_id)
