"""The month's fee calendar as beat runs it: the 10th, the 16th and the 21st through a
real Celery worker on Redis."""

import time

import pytest

from fees.models import Bill, DunningNotice
from propertydesk.jobs import RUN_JOB_TASK
from propertydesk.models import JobRun


@pytest.mark.celery_worker
def test_the_10th_16th_and_21st_jobs_on_a_real_worker(job_worker, estate):
    # given: three units billed by the estate's standards
    sender, queue, proc = job_worker

    # when: what beat sends on each day (the worker takes them in order)
    for name, as_of in (("fees.bill_run", "2026-11-10T01:00:00+08:00"),
                        ("fees.dunning", "2026-11-16T09:00:00+08:00"),
                        ("fees.dunning", "2026-11-21T09:00:00+08:00")):
        sender.send_task(RUN_JOB_TASK, args=[name], kwargs={"as_of": as_of}, queue=queue)

    # then
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and JobRun.objects.filter(finished_at__isnull=False).count() < 3:
        if proc.poll() is not None:
            pytest.fail(f"worker exited early:\n{proc.stdout.read()}")
        time.sleep(0.3)
    runs = list(JobRun.objects.order_by("pk"))
    assert [run.ok for run in runs] == [True, True, True], [run.summary for run in runs]
    assert Bill.objects.count() == 3
    assert sorted(DunningNotice.objects.values_list("round", flat=True)) == [1, 1, 1, 2, 2, 2]
    assert "round 2: 3 new notices" in runs[2].summary
