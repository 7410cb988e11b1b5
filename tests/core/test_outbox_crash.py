"""The crash the outbox exists for: a worker killed (SIGKILL) in the middle of the
dunning job's SMS. Real worker processes on Redis, the test database, and the recording
gateway in Redis, which keeps each message once by its idempotency key and counts every
call, as a gateway honouring keys would."""

import datetime as dt
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from fees import services as fees
from fees.models import DunningNotice
from propertydesk import jobs
from propertydesk.models import Delivery, JobRun
from propertydesk.sms import RecordingGateway
from tests.conftest import start_worker, stop_worker
from tests.factories import estate_reached_by_sms

SH = ZoneInfo("Asia/Shanghai")
NOV = dt.date(2026, 11, 1)
OWNERS = 1_050


def _estate_owing(n: int):
    """An estate of ``n`` units, each with an owner who wants SMS and a November bill unpaid."""
    estate_reached_by_sms(n, code="crash")
    fees.bill_run(period=NOV, as_of=dt.datetime(2026, 11, 10, 1, 0, tzinfo=SH))


def _wait(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_dunning_loses_no_sms_and_sends_none_twice(redis_url, figure):
    # given: 1,050 units owing, their owners reached by SMS; a gateway that takes 10 ms a message
    # (a batch of 100 then sends for a second: killed half-way through one, as asserted below,
    # however slowly a busy machine notices; at 3 ms a batch could finish before the kill)
    _estate_owing(OWNERS)
    gateway = RecordingGateway("sms")
    gateway.reset()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {"SMS_BACKEND": "propertydesk.sms.RecordingSmsBackend", "GATEWAY_RECORD_URL": settings.GATEWAY_RECORD_URL,
           "GATEWAY_RECORD_DELAY_MS": "10", "OUTBOX_KEY_PREFIX": settings.OUTBOX_KEY_PREFIX, "OUTBOX_BATCH": "100"}
    sender = Celery(broker=redis_url)
    # The first worker sends the outbox right after each commit, inside the job (as the
    # job sent its SMS when the crash was measured); the second as a worker normally does.
    first = start_worker(redis_url, queue, OUTBOX_DELIVERY="inline", **env)
    second = None
    try:
        # when: the dunning job of the 16th runs on the worker, which is killed mid-send
        sender.send_task("propertydesk.run_job", args=("fees.dunning", "2026-11-16T09:00:00+08:00"), queue=queue)
        _wait(lambda: len(gateway.messages()) >= 250, timeout=120, what="the first 250 SMS")
        first.kill()  # SIGKILL: no shutdown, no acknowledgement, no cleanup
        first.wait(timeout=20)
        before = len(gateway.messages())
        notices = DunningNotice.objects.count()
        states = dict(Delivery.objects.filter(channel="sms").values_list("status").annotate(n=Count("id"))
                      .values_list("status", "n"))
        run = JobRun.objects.get(name="fees.dunning")
        figure(f"outbox crash: killed after {before} of {notices} SMS had reached the gateway; outbox: {states}; "
               f"the run is {run.status}")
        # batches of 100: some recorded sent, one caught mid-send, the rest still waiting
        assert notices == OWNERS and states.get("sent", 0) >= 100 and states.get("sending") == 100
        assert states.get("pending", 0) > 0 and run.finished_at is None

        # when: a worker starts again: it closes the runs of workers that are gone (as a
        # worker serving the tick's queue does at start), then the job's slot and the
        # outbox are run as the tick and the sweep would run them
        assert jobs.abandon_gone_runs(now=timezone.now()) == 1
        run.refresh_from_db()
        assert run.status == "abandoned" and run.summary.startswith("abandoned: worker")
        second = start_worker(redis_url, queue, **env)
        sender.send_task("propertydesk.run_job", args=("fees.dunning", "2026-11-16T09:00:00+08:00"), queue=queue)
        sender.send_task("propertydesk.deliver_outbox", queue=queue)
        _wait(lambda: not Delivery.objects.exclude(status="sent").filter(channel="sms").exists(),
              timeout=180, what="every SMS to be sent")
        _wait(lambda: JobRun.objects.filter(name="fees.dunning", finished_at__isnull=False).exists(),
              timeout=60, what="the job's slot to finish")
    finally:
        for proc in (first, second):
            if proc is not None:
                stop_worker(proc)
        sender.close()

    # then: the gateway got every notice exactly once by its key, resends were recognised
    sms = list(Delivery.objects.filter(channel="sms").values_list("idempotency_key", flat=True))
    received = gateway.messages()
    figure(f"outbox crash: the gateway got {len(received)} distinct messages for {len(sms)} SMS notices in {gateway.calls()} calls "
           f"({gateway.calls() - len(received)} resends recognised by key)")
    assert len(sms) == OWNERS and sorted(received) == sorted(sms)
    assert sorted(m["to"] for m in received.values()) == sorted(f"139{i:08d}" for i in range(OWNERS))
    # and nothing is left pending, every notice is sent when its SMS is
    assert not Delivery.objects.exclude(status="sent").exists()
    assert set(DunningNotice.objects.values_list("status", flat=True)) == {"sent"}
    # and the run the kill interrupted is on record as abandoned, its slot run again
    run = JobRun.objects.get(name="fees.dunning")
    figure(f"outbox crash: job run {run.status}, attempts {run.attempts}: {run.summary}")
    assert run.status == "done" and run.attempts == 2
    gateway.reset()
