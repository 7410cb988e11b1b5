"""The registry as the authority on what is due: slots, catch-up windows, double
fires and runs whose worker died. The tick is called with the moment it runs at
(beat's clock is not read); ticks that are not called are the outage."""

import datetime as dt
import importlib
import subprocess
import sys
import threading
from collections import Counter
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils.module_loading import import_string

from complaints import services as complaints
from owners.models import RegistryCheck
from propertydesk import jobs
from propertydesk.celery import _forget_the_old_entries, _tick_at_worker_start
from propertydesk import liveness
from propertydesk.jobs import JOBS, RUN_JOB_TASK, TICK_TASK, abandon_gone_runs, latest_slot, next_slot, tick
from propertydesk.models import JobRun, Notification
from tests.factories import UnitFactory, UserFactory

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def every_minute(start: dt.datetime, end: dt.datetime):
    while start <= end:
        yield start
        start += dt.timedelta(minutes=1)


@pytest.fixture
def calls(monkeypatch):
    """How often each job's function ran (the real function still runs)."""
    counted = Counter()
    for job in JOBS:
        module, name = job.func.rsplit(".", 1)
        real = import_string(job.func)

        def counting(*, as_of, _real=real, _name=job.name):
            counted[_name] += 1
            return _real(as_of=as_of)

        monkeypatch.setattr(importlib.import_module(module), name, counting)
    return counted


def open_complaint(desk):
    complaints.complaint_register(unit=UnitFactory(number="3-1-1203"), owner=None, contact_name="住户",
                                  channel="phone", category="repair", urgency="normal", description="漏水",
                                  actor=desk, now=sh(2026, 11, 2, 9, 0))


@pytest.fixture
def staff(db):
    staff = {"desk": UserFactory(username="desk", role="front_desk"),
             "eng": UserFactory(username="eng", role="engineering")}
    open_complaint(staff["desk"])
    return staff


def digests():
    return sorted(Notification.objects.filter(kind="complaint.digest").values_list("recipient__username", flat=True))


def dead_worker() -> str:
    """The name (propertydesk.liveness) of a process of this host that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "from propertydesk import liveness; print(liveness.identity())"],
                            stdout=subprocess.PIPE, text=True)
    name = proc.communicate()[0].strip()
    assert liveness.is_gone(name)
    return name


# ---- slots ------------------------------------------------------------------------------------


def test_the_latest_slot_is_the_latest_moment_the_crontab_names_in_shanghai_time():
    assert latest_slot(crontab(minute="*/5"), sh(2026, 11, 2, 15, 27, 30)) == sh(2026, 11, 2, 15, 25)
    assert latest_slot(crontab(hour=15, minute=30), sh(2026, 11, 2, 15, 30)) == sh(2026, 11, 2, 15, 30)
    assert latest_slot(crontab(hour=15, minute=30), sh(2026, 11, 2, 15, 29)) == sh(2026, 11, 1, 15, 30)
    monthly = crontab(day_of_month=10, hour=23, minute=30)
    assert latest_slot(monthly, sh(2026, 12, 3, 12, 0)) == sh(2026, 11, 10, 23, 30)
    # 2026-11-09 16:00 UTC is the 10th, 00:00 in Shanghai
    assert latest_slot(crontab(hour=0, minute=0), dt.datetime(2026, 11, 9, 16, 0, tzinfo=dt.UTC)) == sh(2026, 11, 10)
    assert next_slot(monthly, sh(2026, 12, 10, 23, 30)) == sh(2027, 1, 10, 23, 30)
    assert next_slot(crontab(minute=20), sh(2026, 12, 31, 23, 59)) == sh(2027, 1, 1, 0, 20)


# ---- the broker down across 15:30, double fires, the same-day window ---------------------------


def test_the_digest_due_while_the_broker_is_down_is_sent_once_at_the_first_tick_after(staff, calls):
    # given: ticks every minute up to 15:25
    for now in every_minute(sh(2026, 11, 2, 15, 20), sh(2026, 11, 2, 15, 25)):
        tick(now=now)
    assert digests() == []

    # when: the broker is down from 15:26 to 15:40; ticks resume at 15:41
    for now in every_minute(sh(2026, 11, 2, 15, 41), sh(2026, 11, 2, 15, 50)):
        tick(now=now)

    # then: the 15:30 slot ran once, at 15:41
    assert digests() == ["desk", "eng"]
    assert calls["complaints.daily_followup"] == 1
    run = JobRun.objects.get(name="complaints.daily_followup", slot=sh(2026, 11, 2, 15, 30))
    assert (run.as_of, run.status, run.attempts) == (sh(2026, 11, 2, 15, 41), "done", 1)
    # and the 15:30 sweep slots collapsed: 15:15 ran at 15:20, 15:30 and 15:45 at 15:41 and 15:45
    sweeps = JobRun.objects.filter(name="complaints.overdue_sweep").order_by("slot")
    assert [(r.slot.astimezone(SH).strftime("%H:%M"), r.as_of.astimezone(SH).strftime("%H:%M")) for r in sweeps] == [
        ("15:15", "15:20"), ("15:30", "15:41"), ("15:45", "15:45")]


def test_a_double_fire_of_the_same_slot_runs_it_once(staff, calls):
    # when: beat fires the tick twice at 15:30, and once more within the minute
    tick(now=sh(2026, 11, 2, 15, 30))
    tick(now=sh(2026, 11, 2, 15, 30))
    tick(now=sh(2026, 11, 2, 15, 30, 40))

    # then
    assert digests() == ["desk", "eng"]
    assert calls["complaints.daily_followup"] == 1
    assert set(calls.values()) == {1}  # every job ran its slot once
    assert JobRun.objects.count() == len(JOBS)


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_the_same_moment_on_two_connections_run_each_slot_once(calls):
    # given
    desk = UserFactory(username="desk", role="front_desk")
    UserFactory(username="eng", role="engineering")
    open_complaint(desk)
    start = threading.Barrier(2)
    errors = []

    def fire():
        try:
            start.wait()
            tick(now=sh(2026, 11, 2, 15, 31))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=fire) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert digests() == ["desk", "eng"]
    assert calls["complaints.daily_followup"] == 1 and set(calls.values()) == {1}
    assert sorted(JobRun.objects.values_list("name", flat=True)) == sorted(job.name for job in JOBS)


def test_a_digest_missed_yesterday_is_not_sent_today(staff, calls):
    # given: the last tick at 15:00; the broker is down until the next morning
    tick(now=sh(2026, 11, 2, 15, 0))

    # when
    tick(now=sh(2026, 11, 3, 10, 0))

    # then: yesterday's slot is recorded as missed, nothing sent
    assert digests() == []
    missed = JobRun.objects.get(name="complaints.daily_followup", slot=sh(2026, 11, 2, 15, 30))
    assert missed.status == "missed"

    # and: today's 15:30 is sent as usual, once
    tick(now=sh(2026, 11, 3, 15, 30))
    tick(now=sh(2026, 11, 3, 15, 31))
    assert digests() == ["desk", "eng"]
    assert all(key.startswith("complaint-digest:2026-11-03:") for key in Notification.objects.values_list(
        "dedupe_key", flat=True).filter(kind="complaint.digest"))
    assert calls["complaints.daily_followup"] == 1


def test_a_failed_slot_is_retried_after_a_pause_on_the_same_row(db, monkeypatch):
    # given: the registry check fails once
    real = importlib.import_module("owners.jobs").registry_check
    failures = iter([RuntimeError("database went away")])

    def flaky(*, as_of):
        for failure in failures:
            raise failure
        return real(as_of=as_of)

    monkeypatch.setattr(importlib.import_module("owners.jobs"), "registry_check", flaky)

    # when / then: failed at 03:10, left alone at 03:11, run again at 03:16
    tick(now=sh(2026, 11, 22, 3, 10))
    run = JobRun.objects.get(name="owners.registry_check")
    assert (run.status, run.attempts, run.summary) == ("failed", 1, "RuntimeError: database went away")
    tick(now=sh(2026, 11, 22, 3, 11))
    run.refresh_from_db()
    assert run.status == "failed"
    tick(now=sh(2026, 11, 22, 3, 16))
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2)
    assert RegistryCheck.objects.get().check_date == dt.date(2026, 11, 22)


# ---- workers that die ----------------------------------------------------------------------------


def killed_run(*, worker: str, heartbeat: dt.datetime) -> JobRun:
    """The registry check of 2026-11-22 03:10, left running by a worker."""
    slot = sh(2026, 11, 22, 3, 10)
    return JobRun.objects.create(name="owners.registry_check", slot=slot, as_of=slot, status="running", worker=worker,
                                 claimed_at=slot, started_at=slot, heartbeat_at=heartbeat, attempts=1)


def test_a_run_whose_worker_pid_is_dead_is_abandoned_at_worker_start_and_its_slot_run_again(db, calls):
    # given: a run whose worker on this host was killed; its heartbeat is still recent
    UnitFactory(number="9-1-101")
    run = killed_run(worker=dead_worker(), heartbeat=sh(2026, 11, 22, 3, 12))

    # when: a worker starts (it serves the tick's queue, so it ticks as well)
    sent = []
    sender = SimpleNamespace(app=SimpleNamespace(
        conf=SimpleNamespace(task_default_queue="celery"),
        amqp=SimpleNamespace(queues=SimpleNamespace(consume_from={"celery": object()})),
        send_task=lambda name, **options: sent.append((name, options["queue"]))))
    with time_machine.travel(sh(2026, 11, 22, 3, 13), tick=False):
        _tick_at_worker_start(sender)

    # then: the run is closed as abandoned
    run.refresh_from_db()
    assert run.status == "abandoned" and "gone" in run.summary
    assert sent == [(TICK_TASK, "celery")]

    # when: the tick the worker sent runs
    tick(now=sh(2026, 11, 22, 3, 13, 5))

    # then: the slot ran again, on the same row
    run.refresh_from_db()
    assert (run.status, run.attempts, run.as_of) == ("done", 2, sh(2026, 11, 22, 3, 13, 5))
    assert JobRun.objects.filter(name="owners.registry_check").count() == 1
    assert calls["owners.registry_check"] == 1
    assert RegistryCheck.objects.get().units_without_owner == 1


def test_a_tick_closes_a_dead_local_run_itself(db, calls):
    run = killed_run(worker=dead_worker(), heartbeat=sh(2026, 11, 22, 3, 12))
    tick(now=sh(2026, 11, 22, 3, 13))
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 2)


def test_a_run_on_another_host_is_left_while_it_beats_and_run_again_once_its_heartbeat_is_stale(db, calls):
    # given: a run on another machine, last heartbeat at 03:12
    run = killed_run(worker="worker-2:4242:1234", heartbeat=sh(2026, 11, 22, 3, 12))

    # when / then: at 03:15 it may still be working: left alone, and runjob refuses
    tick(now=sh(2026, 11, 22, 3, 15))
    run.refresh_from_db()
    assert run.status == "running" and calls["owners.registry_check"] == 0
    with time_machine.travel(sh(2026, 11, 22, 3, 15), tick=False), \
            pytest.raises(CommandError, match="running by worker-2:4242:1234"):
        call_command("runjob", "owners.registry_check", "--as-of", "2026-11-22T03:10")

    # when / then: at 03:18 its heartbeat is over five minutes old: abandoned and run here
    tick(now=sh(2026, 11, 22, 3, 18))
    run.refresh_from_db()
    assert (run.status, run.attempts, run.worker) == ("done", 2, liveness.identity())
    assert calls["owners.registry_check"] == 1


def test_abandon_leaves_live_runs_and_finished_ones_alone(db):
    live = killed_run(worker="worker-2:4242:1234", heartbeat=sh(2026, 11, 22, 3, 12))
    done = JobRun.objects.create(name="fees.bill_run", slot=sh(2026, 11, 22, 1), as_of=sh(2026, 11, 22, 1),
                                 status="done", worker=dead_worker())
    assert abandon_gone_runs(now=sh(2026, 11, 22, 3, 13)) == 0
    live.refresh_from_db()
    done.refresh_from_db()
    assert (live.status, done.status) == ("running", "done")


def test_beat_forgets_the_entries_of_the_old_one_entry_per_job_schedule(db):
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    every_day = CrontabSchedule.objects.create(minute="0", hour="1")
    PeriodicTask.objects.create(name="fees.bill_run", task=RUN_JOB_TASK, crontab=every_day, args='["fees.bill_run"]')
    PeriodicTask.objects.create(name="propertydesk.tick", task=TICK_TASK, crontab=every_day)
    _forget_the_old_entries(sender=None)
    assert list(PeriodicTask.objects.values_list("name", flat=True)) == ["propertydesk.tick"]


def test_jobs_module_reads_no_clock():
    # The tick and run_job take the moment they run at; only tasks and commands read it.
    source = importlib.util.find_spec("propertydesk.jobs").origin
    text = open(source, encoding="utf-8").read()
    assert "timezone.now(" not in text and "datetime.now(" not in text
    assert jobs.TICK_TASK == TICK_TASK
