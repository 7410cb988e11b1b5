"""The hourly callback job as beat runs it: through a real Celery worker on Redis."""

import time

import pytest

from callbacks.models import Callback
from callbacks.receivers import on_complaint_resolved
from complaints.signals import complaint_resolved
from propertydesk.jobs import RUN_JOB_TASK
from propertydesk.models import JobRun
from tests.callbacks.conftest import resolve_complaint, sh


@pytest.mark.celery_worker
def test_the_hourly_job_on_a_real_worker_repairs_a_lost_callback(job_worker, estate):
    # given: a complaint resolved while the event was lost
    sender, queue, proc = job_worker
    complaint_resolved.disconnect(dispatch_uid="callbacks.complaint_resolved")
    try:
        complaint = resolve_complaint(estate, received=sh(2026, 5, 4, 9, 0), resolved=sh(2026, 5, 4, 17, 0))
    finally:
        complaint_resolved.connect(on_complaint_resolved, dispatch_uid="callbacks.complaint_resolved")

    # when: what beat sends at 18:20
    sender.send_task(RUN_JOB_TASK, args=["callbacks.hourly"], kwargs={"as_of": "2026-05-04T18:20:00+08:00"},
                     queue=queue)

    # then
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not JobRun.objects.filter(finished_at__isnull=False).exists():
        if proc.poll() is not None:
            pytest.fail(f"worker exited early:\n{proc.stdout.read()}")
        time.sleep(0.3)
    run = JobRun.objects.get()
    assert run.ok and run.summary.startswith("1 missing callbacks made"), run.summary
    assert Callback.objects.get().complaint == complaint
