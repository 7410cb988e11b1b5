"""A bounded mixed load: desk staff, owners and a supervisor reading and writing at once.

    .venv/bin/python bench/load.py [--copy | --in-place] [--seconds 300] [--threads 8]
                                   [--workers 2] [--warmup 20] [--owners 10]
                                   [--cache-url redis://…] [--json var/load.json]

Runs against the database in DATABASE_URL (made by ``manage.py seed_scale``), with the
logins, gunicorn and the clients of ``bench/throughput.py``; run it from the checkout
that seeded the database (the phone search needs its keys). Unlike that benchmark it
writes, through the real pages and forms with their CSRF tokens, so it must be told where:

- ``--copy``: in a copy of the database made for the run (``CREATE DATABASE … TEMPLATE``,
  which needs no other session on the original while it copies) and dropped at the end.
  The original is not changed at all. The copy's pages start out of PostgreSQL's buffers:
  the warm-up reads them in.
- ``--in-place``: in the database itself, for a throwaway one. What the writes make
  stays, each text starting with ``BENCH-LOAD-<run>-``; the callbacks recorded and the
  bills paid stay so too.

The mix (MIX), each client picking a step by its weight:

- desk staff (``bench-desk``): the throughput benchmark's desk pages (search by room and by
  phone ending, owner and unit pages, the complaint, work-order and callback queues, a
  complaint, a work order, a unit's fee account), and five writes, each its form page
  (GET) then the form sent (POST): a phone complaint from the unit's owner; a repair
  registered and dispatched at once; cash for the oldest bill a unit owes; a callback due,
  recorded as done by phone with a satisfied owner (its complaint closes); a visitor let
  in at the gate;
- owners (``--owners`` portal logins, each given to an owner who owns a unit now): their
  home, my complaints, my repairs, my fees, one of their bills, and three writes: a repair
  request, a complaint, a suggestion;
- a supervisor (``bench-supervisor``): the dashboard, the month and desk report lists and
  one stored report of each (when the database has them), the complaints in progress,
  the bills, the arrears.

Records are picked from the data set (``--seed``); a callback is recorded once, a unit's
bills are paid one at a time and by one client at a time, so no write is refused for
the benchmark's own doing. A read counts as an error unless it answers 200; a write
unless it answers 302 to the page of what it made (a form sent back with errors answers
400, a refusal goes back elsewhere), and, after the run, the record is found in the
database with its text and state (the complaint and the owner's requests exist, the
repair is dispatched, the payment stands, the callback is done). Messages the writes make
are written to the outbox; no worker sends them (OUTBOX_DELIVERY=off).

It prints one table, per kind of request and overall (requests, requests/s, p50/p95/p99
of the time to the last byte, errors), with the gunicorn settings, the clients, the
warm-up and the writes verified, and writes the same as JSON. Prints figures; it is not a
test.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
for where in (ROOT, ROOT / "bench"):
    if str(where) not in sys.path:
        sys.path.insert(0, str(where))

import throughput  # noqa: E402
from throughput import DESK, SUPERVISOR, Hit  # noqa: E402

MARK = "BENCH-LOAD"
OWNERS = "owners"  # a step of an owner: the client takes one of the owners' logins
SAMPLE = 5000  # records a pool of writes may use up: callbacks due, units owing


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--copy", action="store_true", help="run in a copy of the database, dropped at the end")
    where.add_argument("--in-place", action="store_true", help="write into the database itself (a throwaway one)")
    throughput.add_run_arguments(parser, seconds=300, json_name="load.json")
    parser.add_argument("--warmup", type=float, default=20,
                        help="seconds of the same mix before measuring (default 20)")
    parser.add_argument("--owners", type=int, default=10, help="owners' portal logins (default 10)")
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# The database to write into
# ---------------------------------------------------------------------------


def server_statement(url: str, sql: str) -> None:
    """Run ``sql`` on the server of ``url``, from its ``postgres`` database (a database is
    not copied or dropped from inside itself)."""
    import psycopg2

    conn = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def copy_database(url: str, run: str) -> str:
    """Make a copy of the database of ``url`` for this run; its URL."""
    import psycopg2

    source = urlsplit(url).path.lstrip("/")
    copy = f"{source}_load_{run}"
    began = time.monotonic()
    try:
        # FILE_COPY: the files copied at once, not written block by block through the WAL.
        server_statement(url, f'CREATE DATABASE "{copy}" TEMPLATE "{source}" STRATEGY FILE_COPY')
    except psycopg2.errors.ObjectInUse as error:
        raise SystemExit(f"Cannot copy {source} while other sessions use it; close them first.\n{error}") from None
    print(f"Copied {source} to {copy} in {time.monotonic() - began:.0f} s", flush=True)
    return urlunsplit(urlsplit(url)._replace(path=f"/{copy}"))


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    server_statement(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"Dropped {name}", flush=True)


# ---------------------------------------------------------------------------
# What the clients pick from
# ---------------------------------------------------------------------------


@dataclass
class Login:
    name: str
    cookie: str = ""
    units: list[int] = field(default_factory=list)  # an owner's units now
    bills: list[int] = field(default_factory=list)  # and their bills


@dataclass
class Picks:
    """The throughput benchmark's samples, and what the writes and the owners' and the
    supervisor's pages need. The pools are used up: a callback is recorded once; a unit
    owing is taken by one client, which pays its oldest bill and puts it back with the rest."""

    base: throughput.Samples
    owned: list[tuple[int, int, str]]  # units with an owner now: (id, estate id, room number)
    month_reports: list[str]  # stored months, 2026-11
    desk_reports: list[str]  # stored desk reports, daily/2026-12-05
    callbacks: deque  # callbacks due, by id
    owing: deque  # (unit id, [owing of its bills, oldest first])
    workers: dict[int, list[tuple[int, list[str]]]]  # an estate's workers on duty: (id, trades)
    pool_estates: set[int]  # estates whose minor repairs go to the shared pool (no worker chosen)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, pool: deque):
        with self.lock:
            return pool.popleft() if pool else None

    def give_back(self, pool: deque, item) -> None:
        with self.lock:
            pool.append(item)


def pick(seed: int) -> Picks:
    from django.db import connection

    base = throughput.pick_samples(seed)
    with connection.cursor() as cursor:
        owned = throughput.sample_ids(cursor, """
            SELECT DISTINCT u.id FROM owners_unit u JOIN owners_ownership o ON o.unit_id = u.id
            WHERE o.end_date IS NULL""", seed + 10)
        cursor.execute("SELECT id, estate_id, number FROM owners_unit WHERE id = ANY(%s) ORDER BY id", [owned])
        owned = cursor.fetchall()
        cursor.execute("SELECT to_char(month, 'YYYY-MM') FROM pages_dashboardreport ORDER BY month DESC LIMIT 6")
        months = [row[0] for row in cursor.fetchall()]
        cursor.execute("""SELECT period || '/' || to_char(last_day, 'YYYY-MM-DD') FROM pages_deskreport
                          ORDER BY last_day DESC LIMIT 6""")
        desk_reports = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT setseed(%s)", [((seed + 11) % 1000) / 1000])
        cursor.execute(f"SELECT id FROM callbacks_callback WHERE status = 'due' ORDER BY random() LIMIT {SAMPLE}")
        callbacks = deque(row[0] for row in cursor.fetchall())
        cursor.execute(f"""
            SELECT unit_id, array_agg(amount - paid ORDER BY period, id) FROM fees_bill
            WHERE status IN ('open', 'part_paid') AND amount > paid
            GROUP BY unit_id ORDER BY random() LIMIT {SAMPLE}""")
        owing = deque((unit, list(amounts)) for unit, amounts in cursor.fetchall())
        workers: dict[int, list] = {}
        cursor.execute("SELECT estate_id, id, trades FROM repairs_worker WHERE on_duty ORDER BY id")
        for estate, worker, trades in cursor.fetchall():
            workers.setdefault(estate, []).append((worker, trades))
        cursor.execute("SELECT estate_id, mode FROM repairs_dispatchrule WHERE kind = 'minor_repair'")
        pool_estates = {estate for estate, mode in cursor.fetchall() if mode == "pool"}
    return Picks(base, owned, months, desk_reports, callbacks, owing, workers, pool_estates)


def owner_logins(logins: list[Login]) -> None:
    """Each owner login's units now and their bills."""
    from django.contrib.auth import get_user_model

    from fees.models import Bill
    from owners.models import Unit

    for login in logins:
        user = get_user_model().objects.get(username=login.name)
        login.units = list(Unit.objects.filter(ownerships__owner__user=user, ownerships__end_date__isnull=True)
                           .order_by("pk").values_list("pk", flat=True).distinct())
        login.bills = list(Bill.objects.filter(unit_id__in=login.units).order_by("-period")
                           .values_list("pk", flat=True)[:24])


# ---------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    name: str
    user: str
    weight: int
    path: object  # (Picks, Random, Login) -> path


@dataclass(frozen=True)
class Write:
    """A write: its form page (GET ``form``, measured as "<name>: form"), then the form
    sent (POST, measured as the write). ``fill(picks, rng, login, token)`` gives
    (form page, post path, fields, where success goes: a pattern of the path, and what
    to give back to a pool once done, or None), or None when its pool is used up."""

    name: str
    user: str
    weight: int
    fill: object
    check: str  # which of verify_queries() finds its records


def _from_base(kind: throughput.Kind) -> Read:
    return Read(kind.name, kind.user, kind.weight, lambda p, r, _me: kind.path(p.base, r))


DESK_READS = [_from_base(kind) for kind in throughput.MIX
              if kind.user == DESK and not kind.name.startswith("API")]
SUPERVISOR_READS = [_from_base(kind) for kind in throughput.MIX
                    if kind.user == SUPERVISOR and not kind.name.startswith("API")] + [
    Read("dashboard", SUPERVISOR, 3, lambda p, r, me: "/dashboard/"),
    Read("month reports", SUPERVISOR, 1, lambda p, r, me: "/dashboard/reports/"),
    Read("a month report", SUPERVISOR, 2, lambda p, r, me: f"/dashboard/reports/{r.choice(p.month_reports)}/"),
    Read("desk reports", SUPERVISOR, 1, lambda p, r, me: "/desk/reports/"),
    Read("a desk report", SUPERVISOR, 1, lambda p, r, me: f"/desk/reports/{r.choice(p.desk_reports)}/"),
]
OWNER_READS = [
    Read("portal home", OWNERS, 5, lambda p, r, me: "/portal/"),
    Read("portal: my complaints", OWNERS, 4, lambda p, r, me: "/complaints/portal/"),
    Read("portal: my repairs", OWNERS, 2, lambda p, r, me: "/work-orders/portal/"),
    Read("portal: my fees", OWNERS, 4, lambda p, r, me: "/fees/portal/"),
    Read("portal: a bill", OWNERS, 3, lambda p, r, me: f"/fees/portal/bills/{r.choice(me.bills)}/"),
]


def _owned(picks: Picks, rng) -> tuple[int, int, str]:
    return rng.choice(picks.owned)


def phone_complaint(picks, rng, me, token):
    from complaints.models import Category, Channel, Urgency

    unit, estate, number = _owned(picks, rng)
    return (f"/complaints/new/?unit={unit}", "/complaints/new/", {
        "estate": estate, "unit_number": number, "from_owner": "on", "channel": Channel.PHONE,
        "category": rng.choice(Category.values), "urgency": Urgency.NORMAL, "location": "卫生间",
        "description": f"{token} 业主来电：楼上漏水，卫生间天花板滴水。", "contact_name": "", "contact_phone": "",
        "promised_at": "", "promise_note": "",
    }, r"/complaints/\d+/", None)


def repair_dispatch(picks, rng, me, token):
    """A minor repair the desk sends at once: to a worker of the estate on duty with the
    trade, as the desk chooses one, or to the shared pool where the estate has one."""
    from repairs.models import Kind, Source, Trade
    from repairs.views.desk import DISPATCH_NOW

    for _attempt in range(20):
        unit, estate, number = _owned(picks, rng)
        trade = rng.choice([Trade.PLUMBING, Trade.ELECTRICAL, Trade.LOCKSMITH])
        able = [worker for worker, trades in picks.workers.get(estate, []) if trade in trades]
        if estate in picks.pool_estates or able:
            break
    else:
        return None
    return (f"/work-orders/new/?unit={unit}", "/work-orders/new/", {
        "estate": estate, "unit_number": number, "from_owner": "on", "requester_name": "", "requester_phone": "",
        "kind": Kind.MINOR_REPAIR, "trade": trade, "description": f"{token} 厨房水龙头漏水，需更换阀芯。",
        "appointment_at": "", "price_item": "", "planned_end_at": "", "source": Source.PHONE,
        "next_step": DISPATCH_NOW, "worker": "" if estate in picks.pool_estates else rng.choice(able),
        "trade_override": "",
    }, r"/work-orders/\d+/", None)


def cash_payment(picks, rng, me, token):
    from fees.models import PaymentMethod

    taken = picks.take(picks.owing)
    if taken is None:
        return None
    unit, amounts = taken
    back = (picks.owing, (unit, amounts[1:])) if len(amounts) > 1 else None
    return (f"/fees/units/{unit}/", f"/fees/units/{unit}/", {
        "amount": str(Decimal(amounts[0])), "method": PaymentMethod.CASH, "payer_name": token,
    }, r"/fees/receipts/\d+/print/", back)


def callback_result(picks, rng, me, token):
    from callbacks.models import Method, Satisfaction

    callback = picks.take(picks.callbacks)
    if callback is None:
        return None
    return (f"/callbacks/{callback}/", f"/callbacks/{callback}/perform/", {
        "method": Method.PHONE, "satisfaction": Satisfaction.SATISFIED, "quality": "维修及时，质量满意。",
        "effect": "问题已解决。", "shortcomings": "", "suggestions": "", "owner_words": f"{token} 挺好的，谢谢。",
        "signature": "", "signer_name": "",
    }, rf"/callbacks/{callback}/", None)


def visitor(picks, rng, me, token):
    from gate.models import ConfirmedHow

    unit, estate, number = _owned(picks, rng)
    return (f"/gate/visitors/?unit={unit}", "/gate/visitors/", {
        "code": "", "unit": number, "estate": estate, "visitor_name": "王建国",
        "id_number": f"110101{rng.randint(1960, 2000)}0101{rng.randint(1000, 9999)}", "confirmed": "yes",
        "confirmed_how": ConfirmedHow.INTERCOM, "note": token,
    }, r"/gate/visitors/", None)


def portal_repair(picks, rng, me, token):
    from repairs.models import Trade

    return ("/work-orders/portal/new/", "/work-orders/portal/new/", {
        "kind": "repair", "unit": rng.choice(me.units), "trade": Trade.PLUMBING,
        "description": f"{token} 阳台地漏堵塞，排水很慢。", "appointment_at": "",
    }, r"/work-orders/portal/\d+/", None)


def portal_complaint(picks, rng, me, token):
    from complaints.models import Category, Urgency

    return ("/complaints/portal/new/", "/complaints/portal/new/", {
        "unit": rng.choice(me.units), "category": rng.choice(Category.values), "urgency": Urgency.NORMAL,
        "location": "单元门口", "description": f"{token} 单元门禁坏了，刷卡打不开。",
    }, r"/complaints/portal/\d+/", None)


def portal_suggestion(picks, rng, me, token):
    return ("/complaints/portal/suggestions/new/", "/complaints/portal/suggestions/new/", {
        "subject": token, "content": "建议在小区东门增设非机动车停车棚。",
    }, r"/complaints/portal/suggestions/\d+/", None)


WRITES = [
    Write("write: phone complaint", DESK, 5, phone_complaint, "complaint"),
    Write("write: repair, dispatched", DESK, 4, repair_dispatch, "dispatched order"),
    Write("write: cash payment", DESK, 3, cash_payment, "payment"),
    Write("write: callback result", DESK, 3, callback_result, "callback"),
    Write("write: visitor", DESK, 4, visitor, "visit"),
    Write("write: owner repair request", OWNERS, 2, portal_repair, "portal order"),
    Write("write: owner complaint", OWNERS, 2, portal_complaint, "portal complaint"),
    Write("write: owner suggestion", OWNERS, 1, portal_suggestion, "suggestion"),
]


def verify_queries() -> dict:
    """Per check: the records a write makes, as (queryset, the field holding the token)."""
    from callbacks.models import CallbackResult
    from callbacks.models import Status as CallbackStatus
    from complaints.models import Channel, Complaint, Suggestion
    from fees.models import Payment
    from gate.models import Visit
    from repairs.models import Source, Status, WorkOrder

    return {
        "complaint": (Complaint.objects.filter(channel=Channel.PHONE), "description"),
        "dispatched order": (WorkOrder.objects.filter(status=Status.DISPATCHED), "description"),
        "payment": (Payment.objects.filter(reversed_at__isnull=True, allocations__isnull=False).distinct(),
                    "payer_name"),
        "callback": (CallbackResult.objects.filter(callback__status=CallbackStatus.DONE), "owner_words"),
        "visit": (Visit.objects.filter(confirmed=True), "note"),
        "portal order": (WorkOrder.objects.filter(source=Source.PORTAL), "description"),
        "portal complaint": (Complaint.objects.filter(channel=Channel.PORTAL), "description"),
        "suggestion": (Suggestion.objects.all(), "subject"),
    }


def found_tokens(run: str) -> dict[str, set[str]]:
    """Per check, the tokens of this run found on records in the state a write leaves."""
    prefix = f"{MARK}-{run}-"
    pattern = re.compile(re.escape(prefix) + r"\d+")
    found = {}
    for check, (queryset, column) in verify_queries().items():
        texts = queryset.filter(**{f"{column}__startswith": prefix}).values_list(column, flat=True)
        found[check] = {pattern.match(text).group(0) for text in texts}
    return found


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def location_path(response) -> str:
    return urlsplit(response.getheader("Location") or "").path


class Clients:
    """What a client step needs: the port, the logins, the picks; the writes' tokens and
    the steps a used-up pool skipped."""

    def __init__(self, port: int, logins: dict[str, Login], owners: list[Login], picks: Picks, run: str):
        self.port, self.logins, self.owners, self.picks, self.run = port, logins, owners, picks, run
        self.skipped: dict[str, int] = {}
        self.reasons: dict[str, list[str]] = {}  # kind -> why the page refused some writes
        self.count = 0
        self.lock = threading.Lock()

    def refused(self, kind: str, page: bytes) -> None:
        """Keep the first few reasons a page gave for refusing a write (its alerts)."""
        alerts = re.findall(rb'role="alert"[^>]*>(.*?)</(?:div|li|p)>', page, re.S)
        text = " ".join(re.sub(r"<[^>]+>|\s+", " ", alert.decode(errors="replace")).strip() for alert in alerts)
        with self.lock:
            reasons = self.reasons.setdefault(kind, [])
            if len(reasons) < 3 and text[:300] not in reasons:
                reasons.append(text[:300] or "(no alert on the page)")

    def token(self) -> str:
        with self.lock:
            self.count += 1
            return f"{MARK}-{self.run}-{self.count:06d}"

    def step(self, kind, rng) -> list[Hit]:
        me = rng.choice(self.owners) if kind.user == OWNERS else self.logins[kind.user]
        if isinstance(kind, Read):
            return [throughput.timed(kind.name, self.port, "GET", kind.path(self.picks, rng, me), me.cookie,
                                     ok=lambda status: status == 200)[0]]
        token = self.token()
        filled = kind.fill(self.picks, rng, me, token)
        if filled is None:
            with self.lock:
                self.skipped[kind.name] = self.skipped.get(kind.name, 0) + 1
            return []
        form, post, fields, done, back = filled
        hits = [throughput.timed(f"{kind.name}: form", self.port, "GET", form, me.cookie,
                                 ok=lambda status: status == 200)[0]]
        hit, response, answer = throughput.timed(kind.name, self.port, "POST", post, me.cookie, fields,
                                                 ok=lambda status: status == 302)
        if response is not None and response.status == 302 and not re.fullmatch(done, location_path(response)):
            hit = Hit(hit.kind, f"302 to {location_path(response)}", hit.seconds, True)
        elif hit.error and answer:
            self.refused(kind.name, answer)
        if not hit.error:
            hit = Hit(hit.kind, "302", hit.seconds, False, token=token)  # its record is looked for after the run
            if back is not None:
                self.picks.give_back(*back)
        hits.append(hit)
        return hits


def verify(hits: list[Hit], run: str) -> tuple[list[Hit], dict[str, dict[str, int]]]:
    """The hits, each write whose record is not found made an error ("302, not found");
    per write kind, how many were claimed and found."""
    check_of = {write.name: write.check for write in WRITES}
    found = found_tokens(run)
    checked: dict[str, dict[str, int]] = {}
    result = []
    for hit in hits:
        token = hit.token
        if token:
            tally = checked.setdefault(hit.kind, {"claimed": 0, "found": 0})
            tally["claimed"] += 1
            if token in found[check_of[hit.kind]]:
                tally["found"] += 1
            else:
                hit = Hit(hit.kind, "302, not found", hit.seconds, True)
        result.append(hit)
    return result, checked


def build_mix(picks: Picks) -> tuple[list, list[str]]:
    """The steps, without those the database gives nothing to (no stored report, no owner
    with bills); the names of those left out."""
    mix, left_out = [], []
    for kind in DESK_READS + SUPERVISOR_READS + OWNER_READS + WRITES:
        empty = (kind.name == "a month report" and not picks.month_reports) or (
            kind.name == "a desk report" and not picks.desk_reports)
        (left_out if empty else mix).append(kind)
    return mix, [kind.name for kind in left_out]


def table_rows(mix: list) -> dict[str, dict]:
    role = {DESK: "desk", SUPERVISOR: "supervisor", OWNERS: "owners"}
    rows = {}
    for kind in mix:
        if isinstance(kind, Write):
            rows[f"{kind.name}: form"] = {"user": role[kind.user], "weight": kind.weight, "write": False}
        rows[kind.name] = {"user": role[kind.user], "weight": kind.weight, "write": isinstance(kind, Write)}
    return rows


def main(argv=None) -> int:
    args = parse_args(argv)
    run = time.strftime("%Y%m%d%H%M%S")
    original = os.environ.get("DATABASE_URL", "")
    if args.copy:
        if not original.startswith("postgres"):
            raise SystemExit("--copy needs a PostgreSQL DATABASE_URL.")
        os.environ["DATABASE_URL"] = copy_database(original, run)
    try:
        return measure(args, run)
    finally:
        if args.copy:
            drop_database(os.environ["DATABASE_URL"])


def measure(args, run: str) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # no query log in this process
    db = settings.DATABASES["default"]
    with tempfile.TemporaryDirectory(prefix="bench-load-") as workdir:
        passwords = throughput.make_users(owners=args.owners)
        try:
            picks = pick(args.seed)
            logins = {name: Login(name) for name in passwords}
            owners = [logins[name] for name in throughput.owner_logins(args.owners)]
            owner_logins(owners)
            owners = [login for login in owners if login.units and login.bills]
            if not owners:
                raise SystemExit("No owner login with a unit and bills.")
            mix, left_out = build_mix(picks)
            print(f"Database {db['NAME']} on PostgreSQL {connection.pg_version // 10000}: {len(picks.owned)} owned "
                  f"units, {len(picks.callbacks)} callbacks due, {len(picks.owing)} units owing picked; "
                  f"{len(owners)} owners with bills", flush=True)
            if left_out:
                print(f"  left out (nothing stored to show): {', '.join(left_out)}", flush=True)
            connection.close()  # gunicorn's workers get the server to themselves
            port = throughput.free_port()
            proc, log = throughput.start_gunicorn(args, port, Path(workdir))
            try:
                for login in logins.values():
                    login.cookie = throughput.log_in(port, login.name, passwords[login.name])
                gunicorn = throughput.gunicorn_settings(args)
                print(f"gunicorn: {gunicorn['text']}; sessions "
                      f"{'in Redis (cached_db)' if args.cache_url else 'in the database'}; "
                      f"load average {os.getloadavg()[0]:.2f}", flush=True)
                clients = Clients(port, logins, owners, picks, run)
                if args.warmup > 0:
                    print(f"Warm-up: {args.threads} clients, {args.warmup:.0f} s of the same mix (not counted) …",
                          flush=True)
                    warm, _wall = throughput.run_clients(mix, clients.step, args.threads, args.warmup, args.seed + 1)
                    warm_errors = sum(hit.error for hit in warm)
                    if warm_errors:
                        print(f"  warm-up errors: {warm_errors} of {len(warm)}", flush=True)
                    clients.skipped.clear()
                print(f"Running {args.threads} clients for {args.seconds:.0f} s …", flush=True)
                hits, wall = throughput.run_clients(mix, clients.step, args.threads, args.seconds, args.seed)
            finally:
                try:
                    for login in logins.values():
                        if login.cookie:
                            throughput.log_out(port, login.cookie)
                finally:
                    throughput.stop_gunicorn(proc)
            hits, checked = verify(hits, run)
            caches = (f"warm: {args.warmup:.0f} s of the mix first" if args.warmup > 0 else "cold: no warm-up") + (
                " (in a fresh copy of the database)" if args.copy else "")
            connection.close()
            summary = throughput.summarise(hits, wall, table_rows(mix))
            summary.update({
                "run": run, "database": db["NAME"], "copy": args.copy, "threads": args.threads,
                "seconds": args.seconds, "warmup_seconds": args.warmup, "owners": len(owners),
                "gunicorn": gunicorn, "sessions": "cached_db" if args.cache_url else "db",
                "writes_verified": checked, "skipped_pool_used_up": clients.skipped, "refusals": clients.reasons,
                "left_out": left_out, "caches": caches,
                "load_average_after": os.getloadavg()[0],
                "writes": sum(row["requests"] for row in summary["kinds"].values() if row.get("write")),
            })
            throughput.print_table(summary, title="request kind", usual=("200", "302"))
            print("  (an error: a read not answering 200; a write not answering 302 to the page of what it made, or\n"
                  "   whose record is not found afterwards in its state; no answer)")
            print(f"\n  writes: {summary['writes']}, verified in the database: "
                  + ", ".join(f"{name.removeprefix('write: ')} {tally['found']}/{tally['claimed']}"
                              for name, tally in checked.items()))
            if clients.skipped:
                print(f"  skipped, pool used up: {clients.skipped}")
            for name, reasons in clients.reasons.items():
                print(f"  {name} refused: " + " | ".join(reasons))
            print(f"  caches: {caches}; gunicorn {gunicorn['text']}; {args.threads} client threads; "
                  f"load average after {summary['load_average_after']:.2f}")
            throughput.save(summary, Path(args.json), log)
        finally:
            if args.in_place:  # a copy is dropped with them
                throughput.remove_users(owners=args.owners)
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
