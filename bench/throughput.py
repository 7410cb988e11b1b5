"""How many desk requests a second does the web process serve on a big estate?

    .venv/bin/python bench/throughput.py [--threads 8] [--seconds 60] [--workers 2]
                                         [--cache-url redis://…] [--json var/throughput.json]
                                         [--keep-users]

Runs against the database in DATABASE_URL as it is (made by ``manage.py seed_scale``,
e.g. 100,000 units). Run it from the checkout that seeded that database, or with its
SECRET_KEY and FIELD_ENCRYPTION_KEY in the environment: the desk finds phones by their
keyed hashes. It changes nothing of the estate's records:

1. Three logins of its own: ``bench-desk`` (front desk), ``bench-supervisor`` and
   ``bench-owner``, the portal login given to an existing owner who owns a unit, has
   complaints and no login. Each gets a fresh random password (made if absent, reused if a
   run with --keep-users left them). At the end they are logged out and deleted with their
   axes log rows, unless --keep-users; the owner is then without a login again. (Logins
   that records name, after ``bench/load.py --in-place``, stay inactive instead.)
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
5. Prints requests, requests/s, p50/p95/p99 per page kind and overall and the errors (a
   status other than 2xx/3xx, or no answer), and writes all of it as JSON.

``bench/load.py`` (a mixed load with writes) runs on the same logins, gunicorn and clients.
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


def add_run_arguments(parser: argparse.ArgumentParser, *, seconds: float, json_name: str) -> None:
    """The options of a run against gunicorn, shared with bench/load.py."""
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--seconds", type=float, default=seconds,
                        help=f"length of the measured run (default {seconds:.0f})")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL", ""),
                        help="a Redis for the sessions (CACHE_URL); default: sessions in the database")
    parser.add_argument("--json", default=str(ROOT / "var" / json_name), help="where to write the figures")
    parser.add_argument("--seed", type=int, default=2026)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_run_arguments(parser, seconds=60, json_name="throughput.json")
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


def owner_logins(owners: int) -> list[str]:
    """The owners' portal logins: bench-owner, then bench-owner-2, -3, …"""
    return [OWNER] + [f"{OWNER}-{n}" for n in range(2, owners + 1)]


def make_users(owners: int = 1) -> dict[str, str]:
    """The desk's and the supervisor's logins and ``owners`` portal logins, each given to an
    existing owner who owns a unit now, has complaints and had no login, with fresh
    passwords: {username: password}."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from complaints.models import Complaint
    from owners.models import Owner
    from propertydesk import roles

    User = get_user_model()
    passwords = {}
    logins = [(DESK, roles.FRONT_DESK), (SUPERVISOR, roles.SUPERVISOR)]
    logins += [(name, None) for name in owner_logins(owners)]
    for username, role in logins:
        user = User.objects.filter(username=username).first() or User(username=username)
        passwords[username] = secrets.token_urlsafe(16)
        user.set_password(passwords[username])
        user.is_active = True
        user.save()
        if role:
            user.groups.set([Group.objects.get(name=role)])
    for owner_user in User.objects.filter(username__in=owner_logins(owners)).order_by("pk"):
        if Owner.objects.filter(user=owner_user).exists():
            continue
        owner_id = (Complaint.objects.filter(owner__isnull=False, owner__user__isnull=True,
                                             owner__ownerships__end_date__isnull=True)
                    .order_by("pk").values_list("owner_id", flat=True).first())
        if owner_id is None:
            raise SystemExit("No owner who owns a unit, has complaints and no portal login to log in as.")
        Owner.objects.filter(pk=owner_id).update(user=owner_user)
    return passwords


def remove_users(owners: int = 1) -> None:
    """Remove the bench's logins, with their axes log rows (an owner's login is set to NULL
    on the owner). Logins that records name (a payment's cashier, after bench/load.py
    wrote in place) stay instead, inactive and without a password."""
    from axes.models import AccessAttempt, AccessLog
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import ProtectedError

    names = [DESK, SUPERVISOR, *owner_logins(owners)]
    try:
        with transaction.atomic():
            get_user_model().objects.filter(username__in=names).delete()
    except ProtectedError:
        get_user_model().objects.filter(username__in=names).update(is_active=False, password="!")
        print(f"  the logins {', '.join(names)} stay, inactive: records in the database name them")
    AccessLog.objects.filter(username__in=names).delete()
    AccessAttempt.objects.filter(username__in=names).delete()


# ---------------------------------------------------------------------------
# gunicorn
# ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_settings(args) -> dict:
    """The settings the web process runs with: gunicorn.conf.py's, the workers from --workers."""
    conf: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), conf)  # noqa: S102 — our own settings file
    found = {"workers": args.workers, "worker_class": conf["worker_class"], "timeout": conf["timeout"],
             "keepalive": conf["keepalive"]}
    found["text"] = (f"{found['workers']} {found['worker_class']} workers, timeout {found['timeout']} s, "
                     f"keepalive {found['keepalive']} s")
    return found


def start_gunicorn(args, port: int, workdir: Path) -> tuple[subprocess.Popen, Path]:
    """gunicorn on 127.0.0.1:``port`` with ``args.workers`` workers and the production
    settings, on the database this process uses."""
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
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_PROXY_SSL_HEADER": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SMS_ALLOW_LOGGING_BACKEND": "true",
        # A message a write makes is written to the outbox as in production; no worker sends
        # it here, and no task goes to a broker another process may be reading.
        "OUTBOX_DELIVERY": "off",
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


def send(port: int, method: str, path: str, cookie: str = "", body: dict | None = None,
         timeout: float = 60) -> tuple[int, bytes, http.client.HTTPResponse]:
    """One request on a new connection (sync workers close each one): a GET, or a POST of
    ``body`` as a form, with the CSRF token of the session's cookie and a same-origin
    Referer, as a browser sends them."""
    headers = {"Cookie": cookie} if cookie else {}
    data = None
    if body is not None:
        csrf = re.search(r"csrftoken=([^;]+)", cookie)
        data = urlencode({**body, "csrfmiddlewaretoken": csrf.group(1) if csrf else ""}, doseq=True)
        headers.update({"Content-Type": "application/x-www-form-urlencoded",
                        "Referer": f"http://127.0.0.1:{port}{path}"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response
    finally:
        conn.close()


def get(port: int, path: str, cookie: str = "", timeout: float = 60) -> tuple[int, bytes, http.client.HTTPResponse]:
    return send(port, "GET", path, cookie, timeout=timeout)


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
    send(port, "POST", "/accounts/logout/", cookie, body={})  # deletes the session row


@dataclass(frozen=True)
class Hit:
    """One request measured: its kind, what came back (a status, or the exception's name),
    the time to the last byte (None without an answer), whether it counts as an error, and
    for a write the text that finds its record."""

    kind: str
    outcome: str
    seconds: float | None
    error: bool
    token: str = ""


def timed(kind: str, port: int, method: str, path: str, cookie: str, body: dict | None = None,
          ok=lambda status: 200 <= status < 400) -> tuple[Hit, http.client.HTTPResponse | None, bytes]:
    """Send one request and measure it; ``ok(status)`` says whether the answer is the one
    wanted. Returns the hit, the response (None without an answer) and its body."""
    began = time.perf_counter()
    try:
        status, answer, response = send(port, method, path, cookie, body)
    except (OSError, http.client.HTTPException) as error:
        return Hit(kind, type(error).__name__, None, True), None, b""
    return Hit(kind, str(status), time.perf_counter() - began, not ok(status)), response, answer


def run_clients(mix: list, step, threads: int, seconds: float, seed: int) -> tuple[list[Hit], float]:
    """``threads`` clients for ``seconds``, each picking a kind of ``mix`` by its weight
    and calling ``step(kind, rng)``, which makes the requests and returns their Hits.
    Returns every hit and the wall time."""
    hits: list[Hit] = []
    lock = threading.Lock()
    weights = [kind.weight for kind in mix]
    start = time.monotonic()
    deadline = start + seconds

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < deadline:
            made = step(rng.choices(mix, weights)[0], rng)
            with lock:
                hits.extend(made)

    pool = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return hits, time.monotonic() - start


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def figures(times: list[float], requests: int, errors: int, wall: float) -> dict:
    return {"requests": requests, "requests_per_second": requests / wall if wall else 0.0,
            "p50_ms": percentile(times, 0.50) * 1000, "p95_ms": percentile(times, 0.95) * 1000,
            "p99_ms": percentile(times, 0.99) * 1000, "errors": errors}


def summarise(hits: list[Hit], wall: float, rows: dict[str, dict]) -> dict:
    """Per kind (``rows``: {kind: what to show beside it, in the table's order}; a kind
    met that is not there is added at the end) and overall: requests, requests/s,
    p50/p95/p99 of the answered ones, errors and the answers by outcome."""
    by_kind: dict[str, list[Hit]] = {name: [] for name in rows}
    for hit in hits:
        by_kind.setdefault(hit.kind, []).append(hit)
    kinds = {}
    for name, made in by_kind.items():
        outcomes: dict[str, int] = defaultdict(int)
        for hit in made:
            outcomes[hit.outcome] += 1
        kinds[name] = {**rows.get(name, {}), **figures([h.seconds for h in made if h.seconds is not None], len(made),
                                                        sum(h.error for h in made), wall),
                       "outcomes": dict(outcomes)}
    return {"wall_seconds": wall, **figures([h.seconds for h in hits if h.seconds is not None], len(hits),
                                            sum(h.error for h in hits), wall), "kinds": kinds}


def print_table(summary: dict, title: str = "page kind", usual: tuple = ("200",)) -> None:
    """The table of ``summarise``; a kind's answers are listed when some are not ``usual``."""
    print(f"\n  {title:<34} {'user':<17} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6}")

    def line(name, user, row):
        print(f"  {name:<34} {user:<17} {row['requests']:>8} {row['requests_per_second']:>7.2f} {row['p50_ms']:>8.1f} "
              f"{row['p95_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['errors']:>6}")

    for name, row in summary["kinds"].items():
        line(name, row.get("user", ""), row)
        if set(row["outcomes"]) - set(usual):
            print(f"  {'':<34}   answers: {row['outcomes']}")
    line("all", "", summary)
    print(f"\n  {summary['requests_per_second']:.1f} requests/s over {summary['wall_seconds']:.1f} s, "
          f"{summary['errors']} errors")


def save(summary: dict, out: Path, log: Path) -> None:
    """Write the figures as JSON; with errors, show the end of gunicorn's log."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"  figures written to {out}")
    if summary["errors"]:
        print(f"\ngunicorn's log (last lines):\n{log.read_text()[-3000:]}")


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
                gunicorn = gunicorn_settings(args)
                print(f"gunicorn: {gunicorn['text']}, on 127.0.0.1:{port}; sessions "
                      f"{'in Redis (cached_db)' if args.cache_url else 'in the database'}; "
                      f"load average {os.getloadavg()[0]:.2f}", flush=True)
                cookies = {name: log_in(port, name, password) for name, password in passwords.items()}
                rng = random.Random(args.seed)
                for kind in MIX:  # warm-up: every kind once, each worker's templates and connection
                    for _ in range(args.workers):
                        status, _body, _response = get(port, kind.path(samples, rng), cookies[kind.user])
                        if not 200 <= status < 400:
                            print(f"  warm-up: {kind.name} answered {status}", flush=True)
                print(f"Running {args.threads} clients for {args.seconds:.0f} s …", flush=True)

                def step(kind, rng):
                    return [timed(kind.name, port, "GET", kind.path(samples, rng), cookies[kind.user])[0]]

                hits, wall = run_clients(MIX, step, args.threads, args.seconds, args.seed)
                summary = summarise(hits, wall, {kind.name: {"user": kind.user, "weight": kind.weight} for kind in MIX})
                summary.update({"threads": args.threads, "workers": args.workers, "gunicorn": gunicorn,
                                "seconds": args.seconds,
                                "sessions": "cached_db" if args.cache_url else "db", "database": db["NAME"],
                                "load_average_after": os.getloadavg()[0]})
                print_table(summary)
                print("  (an error: a status other than 2xx/3xx, or no answer)")
                save(summary, Path(args.json), log)
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
