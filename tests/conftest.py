import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from celery import Celery
from django.db import connection

from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str):
    """Skip a test whose outside part is missing, with the reason; under CI, fail instead."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may be skipped for a missing service)")
    pytest.skip(reason)


@pytest.fixture
def desk_user(db):
    return UserFactory(username="desk", role="front_desk")


@pytest.fixture
def supervisor_user(db):
    return UserFactory(username="supervisor", role="supervisor")


@pytest.fixture
def engineer_user(db):
    return UserFactory(username="engineer", role="engineering")


@pytest.fixture
def finance_user(db):
    return UserFactory(username="finance", role="finance")


@pytest.fixture
def owner_with_unit(db):
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    return owner, unit


@pytest.fixture
def redis_url():
    """A reachable Redis: CELERY_BROKER_URL if it is redis://, else the local default."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1).close()
    except OSError:
        skip_or_fail(f"no Redis at {parsed.hostname}:{parsed.port or 6379}")
    return url


BASE_DIR = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    s = connection.settings_dict
    host = quote(s["HOST"] or "localhost", safe="")
    return f"postgres://{s['USER']}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def job_worker(redis_url, transactional_db):
    """A real Celery worker process on Redis against the test database: yields
    (sender, queue, process); send propertydesk.run_job to ``queue``."""
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
