"""The scheduled-job path end to end: a real Celery worker process on Redis runs a
registered job against the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection

from owners.models import RegistryCheck
from propertydesk.jobs import RUN_JOB_TASK
from propertydesk.models import JobRun
from tests.factories import UnitFactory

BASE_DIR = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    host = quote(s["HOST"] or "localhost", safe="")
    return f"postgres://{s['USER']}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker(redis_url, transactional_db):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": redis_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "propertydesk", "worker", "--pool", "solo",
         "-Q", queue, "-l", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    sender = Celery(broker=redis_url)
    try:
        yield sender, queue, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        sender.close()


@pytest.mark.celery_worker
def test_beat_entry_runs_the_registry_check_on_a_real_worker(worker):
    # given
    sender, queue, proc = worker
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
