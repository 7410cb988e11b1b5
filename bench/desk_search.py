"""How fast is the desk's one search box on a big registry?

    .venv/bin/python bench/desk_search.py [--units 100000] [--reps 50] [--keep] [--no-explain]

Creates a scratch database ``pd_bench`` on the same PostgreSQL server as the project
(DATABASE_URL, or the embedded server under var/), migrates it, bulk-loads N units
with their owners, co-owners and phones (encrypted and blind-indexed exactly as the
models' save() would), runs VACUUM ANALYZE, then times owners.selectors.desk_search()
for each kind of query the desk types and prints a table (and, unless --no-explain,
the EXPLAIN ANALYZE plan of each kind's main query). Drops ``pd_bench`` at the end
unless --keep. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "propertydesk.settings"

BENCH_DB = "pd_bench"
BATCH = 5000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=100_000, help="units to load (default 100000)")
    parser.add_argument("--reps", type=int, default=50, help="searches per kind (default 50)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    parser.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN ANALYZE plans")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# The scratch database
# ---------------------------------------------------------------------------


def point_django_at_bench_db():
    """Read the project's settings (this starts the embedded server if there is no
    DATABASE_URL), switch the default database to pd_bench, then set Django up."""
    from urllib.parse import urlsplit, urlunsplit

    import propertydesk.settings as project_settings

    db = project_settings.DATABASES["default"]
    admin = dict(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                 password=db["PASSWORD"] or None, dbname="postgres")
    db["NAME"] = BENCH_DB
    parts = urlsplit(project_settings.DATABASE_URL)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    # No query log: bulk inserts of encrypted rows would otherwise keep hundreds of MB of SQL.
    project_settings.DEBUG = False
    return admin


def recreate_database(admin: dict) -> None:
    import psycopg2

    conn = psycopg2.connect(**admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        cur.execute(f'CREATE DATABASE "{BENCH_DB}"')
    conn.close()


def drop_database(admin: dict) -> None:
    import psycopg2
    from django.db import connections

    connections.close_all()
    conn = psycopg2.connect(**admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    conn.close()


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


@dataclass
class Samples:
    """Inputs for the searches, picked while loading (1 in SAMPLE_EVERY rows)."""

    rooms: list
    names: list
    phones: list


class Timer:
    def __init__(self):
        self.totals: dict[str, float] = {}
        self.rows: dict[str, int] = {}

    def add(self, key: str, seconds: float, rows: int) -> None:
        self.totals[key] = self.totals.get(key, 0.0) + seconds
        self.rows[key] = self.rows.get(key, 0) + rows


def plan_structure(rng: random.Random, n_units: int):
    """Estates of ~2,500 units: buildings of 2 entrances, 11–33 floors, 2–4 doors a floor."""
    estate_names = [
        f"{a}{b}" for b in ("花园", "华庭", "雅苑", "名都", "新城", "御景", "豪庭", "公馆")
        for a in ("翠湖", "锦绣", "碧桂", "金沙", "天河", "珠江", "白云", "荔湾", "海珠", "星河",
                  "逸景", "富力", "保利", "万科", "中海", "越秀")
    ]
    areas = {2: ("118.30", "143.60"), 3: ("89.00", "68.50", "118.30"),
             4: ("89.00", "68.50", "68.50", "89.00")}
    estates = []  # (name, code, [(building number, floors, doors)])
    total = 0
    while total < n_units:
        i = len(estates)
        name = estate_names[i % len(estate_names)]
        if i >= len(estate_names):
            name += f"{i // len(estate_names) + 1}期"
        buildings = []
        size = 0
        number = 0
        while size < 2500 and total + size < n_units:
            number += 1
            if number in (4, 14):
                continue
            floors, doors = rng.choice((11, 18, 18, 26, 32, 33)), rng.choice((2, 2, 3, 4))
            buildings.append((str(number), floors, doors))
            size += 2 * floors * doors
        estates.append((name, f"e{i + 1}", buildings))
        total += size
    units = []  # (estate index, building number, number, floor, area)
    for e, (_name, _code, buildings) in enumerate(estates):
        for b, floors, doors in buildings:
            for entrance in (1, 2):
                for floor in range(1, floors + 1):
                    for door in range(1, doors + 1):
                        units.append((e, b, f"{b}-{entrance}-{floor * 100 + door}", floor,
                                      Decimal(areas[doors][door - 1])))
    return estates, units[:n_units]


def load(n_units: int, rng: random.Random, timer: Timer) -> Samples:
    from demo.people import People
    from owners.models import (
        Building, Estate, IdType, Owner, OwnerPhone, Ownership, Unit,
    )
    from propertydesk.models import ContactChannel

    people = People(rng)
    estates_plan, units_plan = plan_structure(rng, n_units)

    t = time.perf_counter()
    estates = Estate.objects.bulk_create(
        [Estate(name=name, code=code, address=f"广州市{name}") for name, code, _b in estates_plan]
    )
    buildings = {}
    for estate, (_n, _c, specs) in zip(estates, estates_plan):
        for b, floors, _doors in specs:
            buildings[(estate.pk, b)] = Building(estate=estate, number=b, floors=floors)
    Building.objects.bulk_create(list(buildings.values()))
    timer.add("estates+buildings", time.perf_counter() - t, len(estates) + len(buildings))

    samples = Samples(rooms=[], names=[], phones=[])
    channels = list(ContactChannel.values)

    for start in range(0, len(units_plan), BATCH):
        chunk = units_plan[start:start + BATCH]

        t = time.perf_counter()
        units = [
            Unit(estate=estates[e], building=buildings[(estates[e].pk, b)], number=number,
                 floor=floor, area=area)
            for e, b, number, floor, area in chunk
        ]
        gen_units = time.perf_counter() - t
        t = time.perf_counter()
        Unit.objects.bulk_create(units, batch_size=BATCH)
        timer.add("units: insert", time.perf_counter() - t, len(units))
        timer.add("units: generate", gen_units, 0)

        # Owners (14 % of units with a co-owner, 5 % unsold), their phones and ownerships.
        t = time.perf_counter()
        owners, phones, ownerships = [], [], []
        for unit in units:
            if rng.random() < 0.05:
                continue
            for _k in range(2 if rng.random() < 0.14 else 1):
                person = people.person(born=(1940, 1996))
                owner = Owner(
                    name=person.name, id_type=IdType.RESIDENT_ID,
                    id_number=people.resident_id(person), preferred_channel=rng.choice(channels),
                    email="x@example.com" if rng.random() < 0.2 else "",
                )
                owner.normalize()  # the hashes save() would set: bulk_create skips it
                owners.append(owner)
                for i in range(2 if rng.random() < 0.35 else 1):
                    number = people.mobile()
                    phone = OwnerPhone(owner=owner, number=number, label="mobile", is_primary=i == 0)
                    phone.normalize()
                    phones.append(phone)
                    if rng.random() < 0.002:
                        samples.phones.append(number)
                ownerships.append(Ownership(
                    unit=unit, owner=owner,
                    start_date=date(2010, 1, 1) + timedelta(days=rng.randrange(5000)),
                ))
                if rng.random() < 0.002:
                    samples.names.append(person.name)
            if rng.random() < 0.002:
                samples.rooms.append(unit.number)
        timer.add("owners+phones: generate (names, IDs, blind-index hashes)",
                  time.perf_counter() - t, 0)

        t = time.perf_counter()
        Owner.objects.bulk_create(owners, batch_size=BATCH)
        timer.add("owners: encrypt ID + insert", time.perf_counter() - t, len(owners))
        t = time.perf_counter()
        OwnerPhone.objects.bulk_create(phones, batch_size=BATCH)
        timer.add("phones: encrypt + insert", time.perf_counter() - t, len(phones))
        t = time.perf_counter()
        Ownership.objects.bulk_create(ownerships, batch_size=BATCH)
        timer.add("ownerships: insert", time.perf_counter() - t, len(ownerships))
        done = min(start + BATCH, len(units_plan))
        if done % 25_000 == 0 or done == len(units_plan):
            print(f"  … {done:,} units loaded", flush=True)
    return samples


def encryption_cost() -> tuple[float, float]:
    """µs to encrypt one phone number (Fernet, as the field does) and to hash it (blind index)."""
    from owners import crypto
    from owners.models import OwnerPhone

    field = OwnerPhone._meta.get_field("number")
    field.get_prep_value("13800000000")  # derive the key once
    n = 5000
    t = time.perf_counter()
    for i in range(n):
        field.get_prep_value(f"138{i:08d}")
    enc = (time.perf_counter() - t) / n * 1e6
    t = time.perf_counter()
    for i in range(n):
        crypto.phone_index(f"138{i:08d}")
        crypto.phone_tail_index(f"138{i:08d}")
    idx = (time.perf_counter() - t) / n * 1e6
    return enc, idx


# ---------------------------------------------------------------------------
# Searching
# ---------------------------------------------------------------------------


def query_kinds(samples: Samples, rng: random.Random, reps: int) -> dict[str, list[str]]:
    def pick(values, fn=lambda v: v):
        return [fn(rng.choice(values)) for _ in range(reps)]

    return {
        "room, full (3-1-1203)": pick(samples.rooms),
        "room prefix (3-1-12)": pick(samples.rooms, lambda r: r[:-2]),
        "room prefix, short (3-1)": pick(samples.rooms, lambda r: r.rsplit("-", 1)[0]),
        "owner full name": pick(samples.names),
        "surname prefix (王)": pick(samples.names, lambda n: n[:2] if n.startswith("欧阳") else n[:1]),
        "phone, full": pick(samples.phones),
        "phone, last 4 digits": pick(samples.phones, lambda p: p[-4:]),
    }


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


class SqlClock:
    """An execute_wrapper: time spent in the database driver (server + transfer) per call."""

    def __init__(self):
        self.seconds = 0.0
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


def run_searches(kinds: dict[str, list[str]]):
    from django.db import connection

    from owners.selectors import desk_search

    rows = []
    gc.collect()
    for kind, queries in kinds.items():
        for q in queries[:3]:  # warm-up: plans cached, pages in shared buffers
            desk_search(query=q)
        times, sql_times, statements, hits = [], [], [], []
        for q in queries:
            clock = SqlClock()
            with connection.execute_wrapper(clock):
                t = time.perf_counter()
                result = desk_search(query=q)
                times.append((time.perf_counter() - t) * 1000)
            sql_times.append(clock.seconds * 1000)
            statements.append(clock.statements)
            hits.append(len(result))
        rows.append((kind, statistics.median(times), percentile(times, 95), max(times),
                     statistics.median(sql_times), statistics.median(statements),
                     statistics.mean(hits), min(hits), max(hits)))
    return rows


def explain(kinds: dict[str, list[str]]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from owners.selectors import desk_search

    for kind, queries in kinds.items():
        with CaptureQueriesContext(connection) as captured:
            desk_search(query=queries[0])
        # The slowest statement of the call is the one worth looking at.
        main = max(captured.captured_queries, key=lambda q: float(q["time"]))
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + main["sql"])
            plan = [row[0] for row in cur.fetchall()]
        print(f"\n--- {kind}: {queries[0]!r} — {len(captured.captured_queries)} statements; "
              f"the slowest ({float(main['time']) * 1000:.1f} ms):")
        for line in plan:
            if line.strip().startswith("Index Searches"):
                continue
            print("    " + line)


def main(argv=None) -> int:
    args = parse_args(argv)
    admin = point_django_at_bench_db()
    recreate_database(admin)
    kept = False
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        total_started = time.perf_counter()
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"{BENCH_DB}: migrated in {time.perf_counter() - t:.1f} s")
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0]
        enc_us, idx_us = encryption_cost()
        print(f"PostgreSQL {version}; {os.cpu_count()} CPUs; Fernet encrypt {enc_us:.1f} µs/value, "
              f"blind index (full + tail) {idx_us:.1f} µs/phone")

        rng = random.Random(args.seed)
        timer = Timer()
        print(f"loading {args.units:,} units …", flush=True)
        t = time.perf_counter()
        samples = load(args.units, rng, timer)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        vacuum_s = time.perf_counter() - t

        from owners.models import Owner, OwnerPhone, Ownership, Unit

        counts = {m.__name__: m.objects.count() for m in (Unit, Owner, OwnerPhone, Ownership)}
        print(f"\nLoad: {load_s:.1f} s for " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
              + f"; VACUUM ANALYZE {vacuum_s:.1f} s")
        for key, seconds in timer.totals.items():
            rows = timer.rows[key]
            rate = f"{rows / seconds:>9,.0f} rows/s" if rows else ""
            print(f"  {key:<58} {seconds:7.1f} s  {rate}")

        kinds = query_kinds(samples, rng, args.reps)
        load_before = _loadavg()
        rows = run_searches(kinds)
        print(f"\ndesk_search(query=…), {args.reps} varied queries per kind, limit 20, "
              f"wall time per call incl. ORM + decryption:")
        print(f"  load average before: {load_before} (a shared machine: p95/max are noisy)")
        print(f"  {'kind':<28} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'sql ms':>7} "
              f"{'stmts':>5}  hits avg (min–max)")
        for kind, med, p95, mx, sql, stmts, mean_hits, lo, hi in rows:
            print(f"  {kind:<28} {med:>10.1f} {p95:>8.1f} {mx:>8.1f} {sql:>7.1f} {stmts:>5.0f}  "
                  f"{mean_hits:>5.1f} ({lo}–{hi})")
        print(f"  load average after: {_loadavg()}   (sql ms = median time inside the database "
              f"driver; the rest is Python: ORM, prefetch, decryption)")

        if not args.no_explain:
            explain(kinds)
        print(f"\ntotal {time.perf_counter() - total_started:.0f} s")
        kept = args.keep
    finally:
        if kept:
            print(f"kept database {BENCH_DB} ({os.environ['DATABASE_URL']})")
        else:
            drop_database(admin)
            print(f"dropped database {BENCH_DB}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
