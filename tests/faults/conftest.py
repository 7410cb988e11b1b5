"""The servers of the fault tests, started once for the run (tests/faults/harness.py):
a PostgreSQL with the estate migrated and built once as a template, each test working
on a copy of it; the broker's and cache's Redis; the gateways' Redis."""

import shutil

import pytest

from tests.conftest import skip_or_fail
from tests.faults.harness import Servers, postgres_bin


@pytest.fixture(scope="session")
def servers():
    if not shutil.which("redis-server") or not (postgres_bin() / "initdb").exists():
        skip_or_fail("the fault tests start servers of their own: redis-server and PostgreSQL's initdb are needed "
                     "(apt-get install redis-server postgresql)")
    started = Servers()
    try:
        yield started
    finally:
        started.close()


@pytest.fixture
def stack(servers):
    """The app against a fresh copy of the estate; its processes are stopped afterwards, and
    a server a failed test left stopped is started again for the next test."""
    servers.redis.client().flushall()  # no task or session of an earlier test's
    stack = servers.stack()
    try:
        yield stack
    finally:
        stack.close()
        if not servers.pg.running():
            servers.pg.start()
        if not servers.redis.ping():
            servers.redis.start()
