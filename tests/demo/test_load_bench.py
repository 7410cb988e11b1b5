"""bench/load.py's writes, each sent once to a live server on a tiny seed_scale load: each
makes its record through the real form, and a write the page refuses counts as an error
even when its answer looks like a success. The load itself is a benchmark, not a test."""

import importlib.util
import random
import sys
from datetime import date, datetime
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

BENCH = Path(__file__).resolve().parents[2] / "bench"
AS_OF = date(2026, 11, 20)
MORNING = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _bench_load():
    spec = importlib.util.spec_from_file_location("bench_load", BENCH / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def clients(transactional_db, live_server):
    """The benchmark's clients on a tiny data set, logged in to the live server."""
    load = _bench_load()
    throughput = load.throughput
    with time_machine.travel(MORNING, tick=True):
        call_command("seed_scale", scale=0.0005, as_of=AS_OF, seed=7, stdout=StringIO())
        passwords = throughput.make_users(owners=2)
        picks = load.pick(seed=1)
        logins = {name: load.Login(name) for name in passwords}
        owners = [logins[name] for name in throughput.owner_logins(2)]
        load.owner_logins(owners)
        port = urlsplit(live_server.url).port
        for login in logins.values():
            login.cookie = throughput.log_in(port, login.name, passwords[login.name])
        yield load, load.Clients(port, logins, [o for o in owners if o.units and o.bills], picks, "test")


def test_each_write_makes_its_record_and_one_refused_is_an_error(clients):
    # given the clients of the load benchmark
    load, made = clients
    rng = random.Random(3)
    callback = next(write for write in load.WRITES if write.name == "write: callback result")
    first_due = made.picks.callbacks[0]

    # when each write is sent once
    hits = [hit for write in load.WRITES for hit in made.step(write, rng)]
    # and the callback just recorded is sent again: refused, it goes back to the callback's
    # page as a success does
    made.picks.callbacks.appendleft(first_due)
    hits += made.step(callback, rng)
    hits, checked = load.verify(hits, "test")

    # then every form page and every first write succeeded, each record is in the
    # database, and the refused write is an error
    assert [(hit.kind, hit.outcome) for hit in hits if hit.error] == [(callback.name, "302, not found")]
    assert len(hits) == 2 * (len(load.WRITES) + 1)
    assert checked == {write.name: {"claimed": 2 if write is callback else 1, "found": 1} for write in load.WRITES}
