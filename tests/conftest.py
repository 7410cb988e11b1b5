import datetime
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
import zoneinfo
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import time_machine
from celery import Celery
from django.db import connection

from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Passwords: a fast hasher for the users the factories and the demo make (PBKDF2 at
# Django's 1.2 M iterations was 80 % of the suite's time). Tests that log in through
# the login form are marked ``real_password_hashing`` and hash as production does.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
REAL_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                "django.contrib.auth.hashers.MD5PasswordHasher"]


# The clock switch: PROPERTYDESK_TEST_CLOCK=2028-02-29T23:59 runs the whole suite as if
# it were started at that moment, Shanghai time (the clock then ticks on). CI runs the
# suite under several such clocks besides the real one; no test may depend on the day.
TEST_CLOCK_VARIABLE = "PROPERTYDESK_TEST_CLOCK"
_clock_traveller = None
_media_root = None


def test_clock() -> datetime.datetime | None:
    value = os.environ.get(TEST_CLOCK_VARIABLE, "").strip()
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(
            f"{TEST_CLOCK_VARIABLE}={value!r}: give a moment as YYYY-MM-DD[THH:MM], Shanghai time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    return moment


def pytest_configure(config):
    global _clock_traveller
    from django.conf import settings

    config.addinivalue_line("markers", "real_password_hashing: hash passwords as production does")
    # pytest-xdist's, named here too so that `-p no:xdist` still knows it.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one worker")
    settings.PASSWORD_HASHERS = FAST_HASHERS
    # Messages leave as soon as their transaction commits, in the test's own process,
    # to the recording gateways (Redis): a test counts what an owner would get.
    settings.OUTBOX_DELIVERY = "inline"
    settings.SMS_BACKEND = "propertydesk.sms.RecordingSmsBackend"
    # Uploads go to a folder of the run's own, never the developer's var/media.
    global _media_root
    _media_root = tempfile.mkdtemp(prefix="propertydesk-test-media-")
    settings.MEDIA_ROOT = _media_root
    moment = test_clock()
    if moment is not None:
        _clock_traveller = time_machine.travel(moment, tick=True)
        _clock_traveller.start()


def pytest_unconfigure(config):
    if _media_root:
        shutil.rmtree(_media_root, ignore_errors=True)
    if _clock_traveller is not None:
        _clock_traveller.stop()


def pytest_report_header(config):
    moment = test_clock()
    if moment is not None:
        return f"clock: {TEST_CLOCK_VARIABLE}={moment.isoformat()} (the suite starts at that moment)"
    return None


@pytest.fixture(autouse=True)
def _password_hashing(request):
    if request.node.get_closest_marker("real_password_hashing") is None:
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = REAL_HASHERS
    yield


@pytest.fixture
def sms_gateway(db):
    """The recording SMS gateway, emptied: ``.messages()`` by idempotency key, ``.calls()``,
    ``.fail_for(phone)``."""
    from propertydesk.sms import RecordingGateway

    gateway = RecordingGateway("sms")
    gateway.reset()
    yield gateway
    gateway.reset()


@pytest.fixture
def figure(record_property):
    """figure("access matrix: …") — a measured figure printed in the run's closing summary
    (pytest's terminal summary, "figures"), whatever pytest captures and whichever
    pytest-xdist worker ran the test: CI's log shows it."""

    def note(line: str) -> None:
        record_property("figure", line)

    return note


def pytest_terminal_summary(terminalreporter):
    lines = [
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == "figure"
    ]
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


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


BASE_DIR = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    s = connection.settings_dict
    host = quote(s["HOST"] or "localhost", safe="")
    return f"postgres://{s['USER']}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(redis_url: str, queue: str, **env: str) -> subprocess.Popen:
    """A real Celery worker process on Redis against the test database, serving ``queue``,
    with ``env`` added to its environment (its settings come from there)."""
    full_env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": redis_url, **env}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "propertydesk", "worker", "--pool", "solo",
         "-Q", queue, "-l", "WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=BASE_DIR, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


@pytest.fixture
def job_worker(redis_url, transactional_db):
    """A real Celery worker process on Redis against the test database: yields
    (sender, queue, process); send propertydesk.run_job to ``queue``."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    proc = start_worker(redis_url, queue)
    sender = Celery(broker=redis_url)
    try:
        yield sender, queue, proc
    finally:
        stop_worker(proc)
        sender.close()


# ---- the browser of the journeys ---------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the journeys (tests/e2e), never downloaded: Debian's. Here,
    not in tests/e2e, so that the demo can start it before it seeds (``demo_seeded``)."""
    path = chromium_path()
    if path is None:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()



# ---- the demo estate, seeded once per session ------------------------------------------------

DEMO = "demo_seeded"


@pytest.fixture(scope="session")
def demo_seeded(request, django_db_setup, django_db_blocker):
    """The demo estate, loaded once for the whole run through ``seed_demo --as-of`` (the
    run's first day) inside a transaction that is rolled back when the last demo test is
    done. Loading it takes half a minute, and the complaints, work-order, callback and fee
    demo tests all read the same estate. Yields (what seed_demo printed, the demo's "now",
    the demo's day).

    The tests that use it run first and together (``pytest_collection_modifyitems``
    below; under pytest-xdist as one group on one worker), and the transaction is rolled
    back right after the last of them (``pytest_runtest_teardown``), so no other test
    ever runs inside it. Each of them must be a ``django_db`` test: its writes go to a
    savepoint rolled back after it. Each runs with the clock at the moment of the
    seeding (``_demo_clock``), so a run that crosses midnight still sees the demo's day
    as today."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from demo.context import as_of

    # Playwright's sync API, once started, gives this thread a new context, and with it
    # new database connections (Django keeps them per context): a demo seeded in the old
    # one would be out of sight of the journeys. So the browser starts first if a journey
    # reads the demo.
    if any(item.get_closest_marker("e2e") and DEMO in item.fixturenames for item in request.session.items):
        request.getfixturevalue("browser")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()

        def close():
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

        try:
            seeded_at = timezone.now()
            today = timezone.localdate(seeded_at)
            out = StringIO()
            call_command("seed_demo", as_of=today, stdout=out)
            # Check the demo's deferred foreign keys now, once, in the outer transaction:
            # left pending, every test's teardown (which checks them inside its savepoint,
            # then rolls that back) would check them all again, a second or two each.
            connection.check_constraints()
        except BaseException:
            close()
            raise
    run = DemoRun(out.getvalue(), as_of(today), today, seeded_at)
    run.close = close
    _open_demo.append(run)
    yield run
    _close_demo()


_open_demo: list = []


def _close_demo() -> None:
    """Roll the demo back, once."""
    while _open_demo:
        _open_demo.pop().close()


class DemoRun(tuple):
    """(output, as_of, today) with the moment of the seeding beside them."""

    def __new__(cls, output, as_of, today, seeded_at):
        run = super().__new__(cls, (output, as_of, today))
        run.seeded_at = seeded_at
        return run


@pytest.fixture(autouse=True)
def _demo_clock(request):
    """A demo test runs on the demo's day: the clock goes back to the moment of the
    seeding (at the latest half an hour before that day ends) and ticks from there."""
    if DEMO not in request.fixturenames:
        yield
        return
    run = request.getfixturevalue(DEMO)
    moment = min(run.seeded_at, run[1] + datetime.timedelta(hours=23, minutes=30))
    with time_machine.travel(moment, tick=True):
        yield


def pytest_itemcollected(item):
    """A demo test is a database test, and one of the group "demo": pytest-xdist
    (--dist loadgroup, as ./dev test runs it) sends them all to one worker, which seeds
    the demo once while the other takes the rest. (Marked as they are collected: xdist
    reads the groups in its own pytest_collection_modifyitems.)"""
    if DEMO in getattr(item, "fixturenames", ()):
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)
        item.add_marker(pytest.mark.xdist_group("demo"))


@pytest.hookimpl(trylast=True)  # after pytest-django's own grouping of database tests
def pytest_collection_modifyitems(config, items):
    """The fault tests (marker ``faults``: real servers stopped and processes killed, minutes
    of wall clock) only when asked for with ``-m faults``; CI runs them as a stage of their
    own. The demo's tests first and together."""
    if "faults" not in (config.option.markexpr or ""):
        faults = [item for item in items if item.get_closest_marker("faults")]
        if faults:
            config.hook.pytest_deselected(items=faults)
            items[:] = [item for item in items if not item.get_closest_marker("faults")]
    items[:] = [item for item in items if DEMO in getattr(item, "fixturenames", ())] + [
        item for item in items if DEMO not in getattr(item, "fixturenames", ())]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last demo test (the next one does not read the demo), roll the demo back,
    so the tests after it see an empty database."""
    yield
    if _open_demo and DEMO in getattr(item, "fixturenames", ()) and (
        nextitem is None or DEMO not in getattr(nextitem, "fixturenames", ())
    ):
        _close_demo()
