"""A Celery worker killed (SIGKILL) in the middle of the whole job set, on the bill day and
the first dunning day of a 200-unit estate, and started again: every bill, reminder,
callback and message is there once, none lost, none twice. (tests/core/test_outbox_crash.py
kills the dunning job alone at scale; this is every registered job.)"""

import time

import pytest

from propertydesk.jobs import JOBS, RUN_JOB_TASK
from tests.faults.estate import COMPLAINTS, MOMENTS, NOVEMBER, UNITS
from tests.faults.harness import wait_for
from tests.faults.ledger import duplicates, outbox, records

pytestmark = [pytest.mark.faults, pytest.mark.xdist_group("faults")]

QUEUE = "faults-jobs"  # not the default queue: the worker does not tick on the real clock at start
# Messages leave inside the job right after each commit, to a gateway that takes 10 ms a message.
WORKER_ENV = {"OUTBOX_DELIVERY": "inline", "GATEWAY_RECORD_DELAY_MS": "10"}


def _send_job_set(sender) -> int:
    for moment in MOMENTS:
        for job in JOBS:
            sender.send_task(RUN_JOB_TASK, args=(job.name, moment), queue=QUEUE)
    return len(MOMENTS) * len(JOBS)


def _queue_drained(stack, servers) -> bool:
    return servers.redis.client().llen(QUEUE) == 0 and not stack.busy()


def test_a_worker_killed_mid_job_set_and_restarted_loses_and_repeats_nothing(servers, stack, figure):
    # given: one worker, the whole job set queued for the bill day's 01:00 and the 16th's 09:00
    sender = stack.sender()
    first = stack.worker("worker-1", queues=QUEUE, **WORKER_ENV)
    second = None
    try:
        sent = _send_job_set(sender)
        # when: the worker is killed while the reminders' SMS are going out
        wait_for(lambda: len(stack.gateway_messages("sms")) >= UNITS // 4, timeout=240,
                 what=lambda: f"the first SMS:\n{stack.sql('SELECT name, status, summary FROM propertydesk_jobrun')}\n{stack.logs()}", every=0.1)
        first.kill()
        running = stack.sql("SELECT name FROM propertydesk_jobrun WHERE status IN ('claimed', 'running')")
        at_kill = {"sms at the gateway": len(stack.gateway_messages("sms")),
                   "runs done": stack.scalar("SELECT count(*) FROM propertydesk_jobrun WHERE status = 'done'"),
                   "cut short": [name for (name,) in running],
                   "tasks still queued": servers.redis.client().llen(QUEUE)}
        # and a worker starts again (closing the dead worker's runs as abandoned), the job set is sent
        # again as the next tick would send it, and the outbox is swept
        started = time.monotonic()
        second = stack.worker("worker-2", queues=QUEUE, **WORKER_ENV)
        wait_for(lambda: stack.scalar("SELECT count(*) FROM propertydesk_jobrun WHERE status = 'abandoned'")
                 >= len(running), timeout=60, what="the dead worker's runs to be closed as abandoned")
        sent += _send_job_set(sender)
        sender.send_task("propertydesk.deliver_outbox", queue=QUEUE)
        wait_for(lambda: _queue_drained(stack, servers), timeout=240, what=lambda: f"the job set to finish:\n{stack.logs()}",
                 every=0.5)
        finished_in = time.monotonic() - started
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
        sender.close()

    # then: each record once by its natural key, and as many as the estate calls for
    found = records(stack)
    ledger = outbox(stack)
    runs = dict(stack.sql("SELECT status, count(*) FROM propertydesk_jobrun GROUP BY status"))
    rerun = stack.scalar("SELECT count(*) FROM propertydesk_jobrun WHERE attempts > 1")
    november = {
        "bills": stack.scalar("SELECT count(*) FROM fees_bill WHERE period = %s", (NOVEMBER,)),
        "first reminders": stack.scalar("SELECT count(*) FROM fees_dunningnotice WHERE period = %s AND round = 1",
                                        (NOVEMBER,)),
        "callbacks": found["callbacks"][1],
    }
    expected = {"bills": UNITS, "first reminders": UNITS, "callbacks": COMPLAINTS}
    lost = sum(max(expected[k] - november[k], 0) for k in expected) + ledger["lost"]
    twice = duplicates(found) + ledger["duplicated"]
    figure(f"worker killed mid job set: {sent} run_job tasks for {len(JOBS)} jobs at {len(MOMENTS)} moments; at the "
           f"kill {at_kill}; after the restart all done in {finished_in:.0f} s; runs {runs} ({rerun} run again); "
           f"November {november} (expected {expected}); outbox {ledger['outgoing']} SMS and e-mails, "
           f"{ledger['received']} received, {ledger['resends recognised']} resends recognised by key; "
           f"lost {lost}, duplicated {twice}")
    assert at_kill["cut short"], "the kill must land in the middle of a job"
    assert november == expected and lost == 0 and twice == 0 and ledger["unknown"] == 0
    assert set(runs) == {"done"} and rerun >= 1
    assert ledger["statuses"] == {"sent": ledger["statuses"]["sent"]}
    # every reminder is marked sent once its SMS is
    assert stack.scalar("SELECT count(*) FROM fees_dunningnotice WHERE status <> 'sent'") == 0
