"""The scheduled-job path end to end: a real Celery worker process on Redis runs a
registered job against the test database."""

import time

import pytest

from owners.models import RegistryCheck
from propertydesk.jobs import RUN_JOB_TASK
from propertydesk.models import JobRun
from tests.factories import UnitFactory


@pytest.mark.celery_worker
def test_beat_entry_runs_the_registry_check_on_a_real_worker(job_worker):
    # given
    sender, queue, proc = job_worker
    UnitFactory(number="7-1-701")

    # when: what beat sends for this job, with an as_of
    sender.send_task(RUN_JOB_TASK, args=["owners.registry_check"],
                     kwargs={"as_of": "2026-11-22T03:10:00+08:00"}, queue=queue)

    # then
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not JobRun.objects.filter(finished_at__isnull=False).exists():
        if proc.poll() is not None:
            pytest.fail(f"worker exited early:\n{proc.stdout.read()}")
        time.sleep(0.3)
    run = JobRun.objects.get()
    assert run.ok, run.summary
    check = RegistryCheck.objects.get()
    assert str(check.check_date) == "2026-11-22"
    assert check.units_without_owner == 1
