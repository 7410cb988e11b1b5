"""How many desk requests a second does the web process serve on a big estate?

    .venv/bin/python bench/throughput.py [--threads 8] [--seconds 60] [--workers 2]
                                         [--cache-url redis://…] [--json var/throughput.json]
                                         [--keep-users]

Runs against the database in DATABASE_URL as it is (made by ``manage.py seed_scale``,
e.g. 100,000 units). Run it from the checkout that seeded that database, or with its
SECRET_KEY and FIELD_ENCRYPTION_KEY in the environment: the desk finds phones by their
keyed hashes. It changes nothing of the estate's records:

1. Three logins of its own: ``bench-desk`` (front desk), ``bench-supervisor`` and
   ``bench-owner``, the portal login given to an existing owner who has complaints and
   no login. Each gets a fresh random password (made if absent, reused if a run with
   --keep-users left them). At the end they are logged out and deleted with their axes
   log rows, unless --keep-users; the owner is then without a login again.
2. Picks, with --seed, 200 each of owners, units, complaints and work orders, the room
   numbers of those units and the last four digits of those owners' phones.
3. Starts gunicorn (``gunicorn.conf.py``, --workers sync workers) on a free port of
   127.0.0.1 with the production settings (DEBUG off, kept database connections, the
   cached template loader, sessions in Redis when --cache-url or CACHE_URL is set)
   except what plain http on the loopback needs: no https redirect, cookies without
   Secure, and static file names without their hash (the pages are asked for, not the
   files; no collectstatic needed).
4. Logs each user in through the login form and asks for every page kind once (warm-up,
   not counted), then runs --threads clients for --seconds: each picks a page kind by
   its weight (MIX), asks for it with its role's session cookie on a new connection (sync
   workers close each one) and records the time to the last byte and the status.
5. Prints requests/s, p50/p95/p99 per page kind and overall and the errors (a status
   other than 2xx/3xx, or no answer), and writes all of it as JSON.
6. Stops gunicorn (the process it started) and removes the logins.

Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "propertydesk.settings")

DESK, SUPERVISOR, OWNER = "bench-desk", "bench-supervisor", "bench-owner"
SAMPLE = 200


@dataclass(frozen=True)
class Kind:
    name: str
    user: str  # whose session asks for it
    weight: int
    path: object  # a function of the Samples and a Random, giving the path


# The desk's day: mostly the search box, owners, units and complaints; the queues of work
# orders and callbacks; the fee desk; owners in the portal; a few API lists.
MIX = [
    Kind("desk search: room", DESK, 10, lambda s, r: "/desk/?" + urlencode({"q": r.choice(s.rooms)})),
    Kind("desk search: phone last 4", DESK, 10, lambda s, r: "/desk/?" + urlencode({"q": r.choice(s.last4)})),
    Kind("owner page", DESK, 8, lambda s, r: f"/owners/{r.choice(s.owners)}/"),
    Kind("unit page", DESK, 8, lambda s, r: f"/owners/units/{r.choice(s.units)}/"),
    Kind("complaint queue", DESK, 8, lambda s, r: "/complaints/"),
    Kind("complaint queue: in progress", SUPERVISOR, 4, lambda s, r: "/complaints/?status=in_progress"),
    Kind("complaint detail", DESK, 6, lambda s, r: f"/complaints/{r.choice(s.complaints)}/"),
    Kind("work-order queue", DESK, 5, lambda s, r: "/work-orders/"),
    Kind("work-order detail", DESK, 5, lambda s, r: f"/work-orders/{r.choice(s.work_orders)}/"),
    Kind("callback queue", DESK, 4, lambda s, r: "/callbacks/"),
    Kind("fee desk: a unit", DESK, 5, lambda s, r: f"/fees/units/{r.choice(s.units)}/"),
    Kind("bills", SUPERVISOR, 3, lambda s, r: "/fees/bills/"),
    Kind("arrears", SUPERVISOR, 2, lambda s, r: "/fees/arrears/"),
    Kind("portal home", OWNER, 5, lambda s, r: "/portal/"),
    Kind("portal: my complaints", OWNER, 4, lambda s, r: "/complaints/portal/"),
    Kind("API complaints", DESK, 2, lambda s, r: "/api/v1/complaints/"),
    Kind("API units", DESK, 2, lambda s, r: "/api/v1/units/"),
    Kind("API work orders", DESK, 2, lambda s, r: "/api/v1/work-orders/"),
    Kind("API bills", SUPERVISOR, 2, lambda s, r: "/api/v1/bills/"),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the measured run (default 60)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL", ""),
                        help="a Redis for the sessions (CACHE_URL); default: sessions in the database")
    parser.add_argument("--json", default=str(ROOT / "var" / "throughput.json"), help="where to write the figures")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-users", action="store_true", help="keep the three bench logins")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# Users and samples (in this process, through the ORM)
# ---------------------------------------------------------------------------


@dataclass
class Samples:
    owners: list[int]
    units: list[int]
    complaints: list[int]
    work_orders: list[int]
    rooms: list[str]
    last4: list[str]


def sample_ids(cursor, sql: str, seed: int) -> list:
    cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
    cursor.execute(f"SELECT * FROM ({sql}) AS candidates ORDER BY random() LIMIT {SAMPLE}")
    return [row[0] for row in cursor.fetchall()]


def pick_samples(seed: int) -> Samples:
    from django.db import connection

    from owners.models import OwnerPhone, Unit

    with connection.cursor() as cursor:
        owners = sample_ids(cursor, "SELECT DISTINCT owner_id FROM owners_ownership WHERE end_date IS NULL", seed)
        units = sample_ids(cursor, "SELECT id FROM owners_unit", seed + 1)
        complaints = sample_ids(cursor, "SELECT id FROM complaints_complaint", seed + 2)
        work_orders = sample_ids(cursor, "SELECT id FROM repairs_workorder", seed + 3)
    rooms = sorted(set(Unit.objects.filter(pk__in=units).values_list("number", flat=True)))
    last4 = sorted({re.sub(r"\D", "", phone.number)[-4:]
                    for phone in OwnerPhone.objects.filter(owner_id__in=owners, is_primary=True)})
    samples = Samples(owners, units, complaints, work_orders, rooms, [d for d in last4 if len(d) == 4])
    empty = [name for name, values in vars(samples).items() if not values]
    if empty:
        raise SystemExit(f"The database has no {', '.join(empty)}: seed it first (manage.py seed_scale).")
    return samples


def make_users() -> dict[str, str]:
    """The three logins with fresh passwords: {username: password}."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from complaints.models import Complaint
    from owners.models import Owner
    from propertydesk import roles

    User = get_user_model()
    passwords = {}
    for username, role in ((DESK, roles.FRONT_DESK), (SUPERVISOR, roles.SUPERVISOR), (OWNER, None)):
        user = User.objects.filter(username=username).first() or User(username=username)
        passwords[username] = secrets.token_urlsafe(16)
        user.set_password(passwords[username])
        user.is_active = True
        user.save()
        if role:
            user.groups.set([Group.objects.get(name=role)])
    owner_user = User.objects.get(username=OWNER)
    if not Owner.objects.filter(user=owner_user).exists():
        owner_id = (Complaint.objects.filter(owner__isnull=False, owner__user__isnull=True)
                    .order_by("pk").values_list("owner_id", flat=True).first())
        if owner_id is None:
            raise SystemExit("No owner with complaints and without a portal login to log in as.")
        Owner.objects.filter(pk=owner_id).update(user=owner_user)
    return passwords


def remove_users() -> None:
    from axes.models import AccessAttempt, AccessLog
    from django.contrib.auth import get_user_model

    names = [DESK, SUPERVISOR, OWNER]
    get_user_model().objects.filter(username__in=names).delete()  # the owner's login is set to NULL
    AccessLog.objects.filter(username__in=names).delete()
    AccessAttempt.objects.filter(username__in=names).delete()


# ---------------------------------------------------------------------------
# gunicorn
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(args, port: int, workdir: Path) -> tuple[subprocess.Popen, Path]:
    from django.conf import settings

    # The production settings, with the static file names of the development server:
    # nothing is collected, no page asks for a file.
    (workdir / "bench_throughput_settings.py").write_text(
        "from propertydesk.settings import *  # noqa: F403\n"
        "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': "  # noqa: F405
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(workdir), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "bench_throughput_settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "DATABASE_URL": settings.DATABASE_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_PROXY_SSL_HEADER": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SMS_ALLOW_LOGGING_BACKEND": "true",
        "CACHE_URL": args.cache_url,
        "WEB_ACCESS_LOG": "",
        "LOG_LEVEL": "WARNING",
    }
    log = workdir / "gunicorn.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "propertydesk.wsgi:application"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start:\n{log.read_text()[-3000:]}")
        try:
            if get(port, "/healthz")[0] == 200:
                return proc, log
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # graceful: workers finish their request
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------
# The clients
# ---------------------------------------------------------------------------


def get(port: int, path: str, cookie: str = "", timeout: float = 60) -> tuple[int, bytes, http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read()
        return response.status, body, response
    finally:
        conn.close()


def cookies_of(response: http.client.HTTPResponse) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def log_in(port: int, username: str, password: str) -> str:
    """The session's Cookie header after the login form."""
    status, body, response = get(port, "/accounts/login/")
    csrf = cookies_of(response)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/accounts/login/",
                     body=urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}),
                     headers={"Cookie": f"csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded",
                              "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    answered = cookies_of(response)
    session = answered.get("sessionid")
    if response.status != 302 or not session:
        raise SystemExit(f"{username} could not log in: {response.status}")
    # Logging in gives a new CSRF token too.
    return f"sessionid={session}; csrftoken={answered.get('csrftoken', csrf)}"


def log_out(port: int, cookie: str) -> None:
    csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/accounts/logout/", body=urlencode({"csrfmiddlewaretoken": csrf}),
                     headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                              "Referer": f"http://127.0.0.1:{port}/"})
        conn.getresponse().read()
    finally:
        conn.close()


def run_clients(port: int, cookies: dict[str, str], samples: Samples, threads: int, seconds: float,
                seed: int) -> tuple[dict[str, list[float]], dict[str, dict[str, int]], float]:
    """{kind: [seconds]} of the answered requests, {kind: {status or error: count}}, wall time."""
    times: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    weights = [kind.weight for kind in MIX]
    start = time.monotonic()
    deadline = start + seconds

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < deadline:
            kind = rng.choices(MIX, weights)[0]
            path = kind.path(samples, rng)
            began = time.perf_counter()
            try:
                status, _body, _response = get(port, path, cookies[kind.user])
                outcome = str(status)
            except (OSError, http.client.HTTPException) as error:
                status, outcome = None, type(error).__name__
            elapsed = time.perf_counter() - began
            with lock:
                outcomes[kind.name][outcome] += 1
                if status is not None:
                    times[kind.name].append(elapsed)

    pool = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return times, outcomes, time.monotonic() - start


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def is_error(outcome: str) -> bool:
    return not (outcome.isdigit() and 200 <= int(outcome) < 400)


def summarise(times, outcomes, wall: float) -> dict:
    rows = {}
    for kind in MIX:
        values = times.get(kind.name, [])
        counts = dict(outcomes.get(kind.name, {}))
        rows[kind.name] = {
            "user": kind.user, "weight": kind.weight, "requests": sum(counts.values()),
            "p50_ms": percentile(values, 0.50) * 1000, "p95_ms": percentile(values, 0.95) * 1000,
            "p99_ms": percentile(values, 0.99) * 1000,
            "errors": sum(n for outcome, n in counts.items() if is_error(outcome)), "outcomes": counts,
        }
    everything = [t for values in times.values() for t in values]
    requests = sum(row["requests"] for row in rows.values())
    return {
        "wall_seconds": wall, "requests": requests, "requests_per_second": requests / wall if wall else 0,
        "p50_ms": percentile(everything, 0.50) * 1000, "p95_ms": percentile(everything, 0.95) * 1000,
        "p99_ms": percentile(everything, 0.99) * 1000,
        "errors": sum(row["errors"] for row in rows.values()), "kinds": rows,
    }


def print_table(summary: dict) -> None:
    print(f"\n  {'page kind':<32} {'user':<17} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for name, row in summary["kinds"].items():
        print(f"  {name:<32} {row['user']:<17} {row['requests']:>8} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
              f"{row['p99_ms']:>8.1f} {row['errors']:>6}")
        if set(row["outcomes"]) - {"200"}:
            print(f"  {'':<32}   answers: {row['outcomes']}")
    print(f"  {'all':<32} {'':<17} {summary['requests']:>8} {summary['p50_ms']:>8.1f} {summary['p95_ms']:>8.1f} "
          f"{summary['p99_ms']:>8.1f} {summary['errors']:>6}")
    print(f"\n  {summary['requests_per_second']:.1f} requests/s over {summary['wall_seconds']:.1f} s, "
          f"{summary['errors']} errors (status not 2xx/3xx, or no answer)")


def main(argv=None) -> int:
    args = parse_args(argv)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # no query log in this process
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as workdir:
        passwords = make_users()
        try:
            samples = pick_samples(args.seed)
            db = settings.DATABASES["default"]
            print(f"Database {db['NAME']} on PostgreSQL {connection.pg_version // 10000}: "
                  f"{len(samples.units)} units, {len(samples.owners)} owners, {len(samples.rooms)} rooms, "
                  f"{len(samples.last4)} phone endings sampled", flush=True)
            connection.close()  # gunicorn's workers get the server to themselves
            port = free_port()
            proc, log = start_gunicorn(args, port, Path(workdir))
            cookies = {}
            try:
                print(f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; sessions "
                      f"{'in Redis (cached_db)' if args.cache_url else 'in the database'}; "
                      f"load average {os.getloadavg()[0]:.2f}", flush=True)
                cookies = {name: log_in(port, name, password) for name, password in passwords.items()}
                rng = random.Random(args.seed)
                for kind in MIX:  # warm-up: every kind once, each worker's templates and connection
                    for _ in range(args.workers):
                        status, _body, _response = get(port, kind.path(samples, rng), cookies[kind.user])
                        if is_error(str(status)):
                            print(f"  warm-up: {kind.name} answered {status}", flush=True)
                print(f"Running {args.threads} clients for {args.seconds:.0f} s …", flush=True)
                times, outcomes, wall = run_clients(port, cookies, samples, args.threads, args.seconds, args.seed)
                summary = summarise(times, outcomes, wall)
                summary.update({"threads": args.threads, "workers": args.workers, "seconds": args.seconds,
                                "sessions": "cached_db" if args.cache_url else "db", "database": db["NAME"],
                                "load_average_after": os.getloadavg()[0]})
                print_table(summary)
                out = Path(args.json)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
                print(f"  figures written to {out}")
                if summary["errors"]:
                    print(f"\ngunicorn's log (last lines):\n{log.read_text()[-3000:]}")
            finally:
                try:
                    for cookie in cookies.values():
                        log_out(port, cookie)  # deletes the session rows
                finally:
                    stop_gunicorn(proc)
        finally:
            if not args.keep_users:
                remove_users()
    return 0


if __name__ == "__main__":
    sys.exit(main())
