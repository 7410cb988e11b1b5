"""A large property company's data for measuring speed (issue 14): ``manage.py seed_scale``.

At scale 1.0: 20 estates, 100,000 units, 120,000 owners, 1,000,000 complaints and
1,000,000 work orders with their events, the callbacks their resolutions owe, and
1,200,000 bills (a year of monthly bills for every unit) with payments, receipts and
dunning notices, spread over the three years before ``as_of``; and 2,000 renovations
over the last year with 8,000 workers and their passes. ``scale`` multiplies every count.

How it loads fast and stays real:

- The registry (owners, phones, ownerships) is made up in Python from one
  ``random.Random(seed)`` with ``demo.people`` (names, valid resident IDs, unique
  mobiles). Personal numbers are encrypted by the model fields themselves
  (``get_db_prep_value``) and their search hashes come from each model's
  ``normalize()``, the method ``save()`` calls; the rows go in with ``COPY``.
- Everything else is ``INSERT … SELECT`` over ``generate_series``: the "random" choices
  are ``hashint8extended(row, seed)``, so the same seed gives the same data. Each
  record's timestamps follow its state machine (``*_TRANSITIONS``): a record is
  planned to go as far as a final state and stops at the last step that happened
  before ``as_of``, so every state appears, with one event row per move.
- Document numbers use the services' formats and the same gapless sequences
  (``propertydesk_sequence``), which are advanced so later services calls continue.
- Bills come from the real set-based bill run (``fees.services.bill_run``), one per
  month; payments settle a unit's oldest bills first and each has its receipt and
  allocation; a unit that stops paying gets its dunning notices, delivered on paper.
- Contact phones on complaints and work orders are the owner's primary phone's
  ciphertext, copied (the same key decrypts it).
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from complaints.models import CATEGORY_DEPARTMENT, Category, Channel
from complaints.models import TRANSITIONS as COMPLAINT_TRANSITIONS
from demo.context import as_of as demo_as_of
from demo.people import People
from demo.scale_routine import Routine
from demo.texts import texts
from fees import services as fees_services
from fees.models import FeeStandard, Receipt
from owners.models import Building, Department, Estate, IdType, Owner, OwnerPhone, PhoneLabel, StaffMembership, Unit
from propertydesk import audit, files, roles
from propertydesk.models import ContactChannel
from repairs.models import TRANSITIONS as ORDER_TRANSITIONS
from repairs.models import Kind as OrderKind
from repairs.models import Trade, Worker
from renovation.models import TRANSITIONS as RENOVATION_TRANSITIONS
from renovation.models import REQUIRED_DOCUMENTS, Renovation, RenovationWorker

# The counts at scale 1.0.
FULL = {
    "estates": 20,
    "units": 100_000,
    "owners": 120_000,
    "complaints": 1_000_000,
    "work_orders": 1_000_000,
}
BILL_MONTHS = 12  # a year of monthly bills for every unit: 1,200,000 at scale 1.0
YEARS = 3
ENTRANCES, FLOORS, DOORS = 2, 18, 4  # 144 units a building
AREAS = ("89.50", "118.20", "118.20", "89.50")  # by door
FEE_RATE = Decimal("2.80")  # yuan per m² and month
UNSOLD_RATE = 0.05
CO_OWNER_RATE = 0.14
SECOND_PHONE_RATE = 0.3

# Each complaint is planned to end in one of these states (then stops at the last step
# that happened before as_of): cumulative shares.
COMPLAINT_FATES = (("closed", 0.87), ("resolved", 0.92), ("in_progress", 0.95), ("assigned", 0.975),
                   ("received", 1.0))
ORDER_FATES = (("signed_off", 0.86), ("completed", 0.90), ("on_site", 0.91), ("taken", 0.925),
               ("dispatched", 0.94), ("accepted", 0.95), ("registered", 0.96), ("refused", 0.98),
               ("voided", 1.0))
ORDER_KINDS = (("minor_repair", 0.70), ("routine", 0.80), ("major_works", 0.85), ("special_service", 1.0))
DEFAULTER_RATE = 0.12  # units that stop paying at some month

# Every move the generator writes must be one the state machines allow.
for _a, _b in (("received", "assigned"), ("assigned", "in_progress"), ("in_progress", "resolved"),
               ("resolved", "closed")):
    COMPLAINT_TRANSITIONS.pair(_a, _b)
for _a, _b in (("registered", "accepted"), ("registered", "refused"), ("registered", "voided"),
               ("accepted", "dispatched"), ("dispatched", "taken"), ("taken", "on_site"),
               ("on_site", "completed"), ("completed", "signed_off")):
    ORDER_TRANSITIONS.pair(_a, _b)

# Renovations: about 2 % of the units over the last year. The first rows take each state in
# turn ("passed_wet": passed with the bathroom floor altered, waiting out its months), so a
# small load shows every one; the rest by these cumulative shares.
RENOVATION_RATE = 0.02
RENOVATION_FIRST = ("submitted", "returned", "approved", "fees_paid", "in_progress", "fixing",
                    "acceptance_requested", "passed", "passed_wet", "deposits_due", "refunded", "withdrawn")
RENOVATION_FATES = (("refunded", 0.60), ("withdrawn", 0.65), ("submitted", 0.67), ("returned", 0.685),
                    ("approved", 0.705), ("fees_paid", 0.73), ("in_progress", 0.85), ("fixing", 0.87),
                    ("acceptance_requested", 0.89), ("passed", 0.98), ("deposits_due", 1.0))
WORKERS_PER_RENOVATION = (2, 6)  # 8,000 workers and passes for 2,000 renovations
_RENOVATION_TEXTS = texts("renovation")
RENOVATION_CONTRACTORS = _RENOVATION_TEXTS["contractors"]
RENOVATION_SCOPES = [s["text"] for s in _RENOVATION_TEXTS["scopes"] if not s["floors_altered"]]
RENOVATION_SCOPES_WET = [s["text"] for s in _RENOVATION_TEXTS["scopes"] if s["floors_altered"]]
RENOVATION_DOCUMENTS = tuple((kind, _RENOVATION_TEXTS["file_names"][kind]) for kind in REQUIRED_DOCUMENTS)
# (from, to, the moment's column, the condition): one event per move; "*" is the state a
# withdrawn renovation was in.
RENOVATION_MOVES = (
    ("", "submitted", "applied_at", "true"), ("submitted", "returned", "returned_at", "true"),
    ("returned", "submitted", "resubmitted_at", "true"), ("submitted", "approved", "approved_at", "true"),
    ("approved", "fees_paid", "fees_at", "true"), ("fees_paid", "in_progress", "permit_at", "true"),
    ("in_progress", "acceptance_requested", "req1_at", "true"),
    ("acceptance_requested", "in_progress", "insp1_at", "v.fail"),
    ("acceptance_requested", "passed", "insp1_at", "NOT v.fail"),
    ("in_progress", "acceptance_requested", "req2_at", "true"), ("acceptance_requested", "passed", "insp2_at", "true"),
    ("passed", "deposits_due", "due_at", "true"), ("deposits_due", "refunded", "refund_at", "true"),
    ("*", "withdrawn", "withdrawn_at", "true"),
)
for _a, _b, _m, _c in RENOVATION_MOVES:
    for _from in (("submitted", "approved", "fees_paid") if _a == "*" else (_a,) if _a else ()):
        RENOVATION_TRANSITIONS.pair(_from, _b)


@dataclass
class Report:
    parts: list[tuple[str, dict[str, int], float]] = field(default_factory=list)

    def timed(self, name: str, fn: Callable[[], dict[str, int]], out=None) -> None:
        started = time.monotonic()
        counts = fn()
        elapsed = time.monotonic() - started
        self.parts.append((name, counts, elapsed))
        if out is not None:
            figures = ", ".join(f"{key.replace('_', ' ')} {value:,}" for key, value in counts.items())
            out(f"  {name:<12} {elapsed:7.1f} s  {figures}")

    @property
    def counts(self) -> dict[str, int]:
        return {key: value for _name, counts, _t in self.parts for key, value in counts.items()}


def sizes(scale: float) -> dict[str, int]:
    units = max(1, round(FULL["units"] * scale))
    return {
        "estates": max(1, min(FULL["estates"], units // 25)),
        "units": units,
        "owners": max(1, round(FULL["owners"] * scale)),
        "complaints": round(FULL["complaints"] * scale),
        "work_orders": round(FULL["work_orders"] * scale),
    }


class Generator(Routine):
    def __init__(self, *, scale: float, seed: int, today: date):
        self.scale, self.seed, self.today = scale, seed, today
        self.now = demo_as_of(today)  # midnight at the start of today, local time
        self.start = self.now - timedelta(days=365 * YEARS)
        self.n = sizes(scale)
        self.rng = random.Random(seed)
        self.tz = settings.TIME_ZONE

    # -- helpers ---------------------------------------------------------------

    def r(self, row: str, salt: int) -> str:
        """A deterministic uniform number in [0, 1) for the SQL expression ``row``."""
        return f"(mod(abs(hashint8extended(({row})::bigint, {self.seed * 100 + salt})), 1000000) / 1000000.0)"

    def pick(self, row: str, salt: int, values) -> str:
        array = "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"
        return f"({array})[1 + floor({self.r(row, salt)} * {len(values)})::int]"

    def fate(self, row: str, salt: int, fates) -> str:
        r = self.r(row, salt)
        cases = " ".join(f"WHEN {r} < {share} THEN '{name}'" for name, share in fates[:-1])
        return f"(CASE {cases} ELSE '{fates[-1][0]}' END)"

    def sql(self, statement: str, params: dict | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(statement, {"now": self.now, "start": self.start, "tz": self.tz, **(params or {})})
            return cursor.rowcount

    def scalar(self, statement: str, params: dict | None = None):
        with connection.cursor() as cursor:
            cursor.execute(statement, {"now": self.now, "tz": self.tz, **(params or {})})
            return cursor.fetchone()[0]

    def bump_sequences(self, table: str, prefix: str) -> None:
        """Advance the gapless sequences past the numbers ``table`` (_seq rows: key, n) used."""
        self.sql(f"""
            INSERT INTO propertydesk_sequence (key, value)
            SELECT key, max(seq) FROM {table} GROUP BY key
            ON CONFLICT (key) DO UPDATE SET value = GREATEST(propertydesk_sequence.value, EXCLUDED.value)
        """)

    def number_by_year(self, *, into: str, source: str, prefix: str, at: str) -> None:
        """Number each row of ``source`` (g, estate_id, ``at``) within its estate and year,
        after what the sequence ``prefix:<estate>:<year>`` has given, into the temporary
        table ``into`` (g, key, year, seq); ``bump_sequences`` then advances them."""
        self.sql(f"""
            DROP TABLE IF EXISTS {into};
            CREATE TEMP TABLE {into} AS
            SELECT x.g, '{prefix}:' || x.estate_id || ':' || y.year AS key, y.year,
                   coalesce((SELECT value FROM propertydesk_sequence s
                             WHERE s.key = '{prefix}:' || x.estate_id || ':' || y.year), 0)
                   + row_number() OVER (PARTITION BY x.estate_id, y.year ORDER BY x.{at}, x.g) AS seq
            FROM {source} x, LATERAL (SELECT extract(year FROM x.{at} AT TIME ZONE %(tz)s)::int AS year) y
        """)

    def copy(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_value(v) for v in row) + "\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)

    # -- staff -----------------------------------------------------------------

    def staff(self) -> dict[str, int]:
        """A desk clerk per estate and a worker of every trade per estate (work orders need
        a worker once taken); no usable password: log in as them in tests with force_login."""
        roles.ensure_roles()
        from django.contrib.auth.models import Group

        User = get_user_model()
        desk, engineering = Group.objects.get(name=roles.FRONT_DESK), Group.objects.get(name=roles.ENGINEERING)
        workers = 0
        memberships = []
        for estate in self.estates:
            clerk = User.objects.create_user(username=f"scale-desk-{estate.code}", password=None)
            clerk.groups.add(desk)
            user = User.objects.create_user(username=f"scale-worker-{estate.code}", password=None)
            user.groups.add(engineering)
            Worker.objects.create(user=user, estate=estate, trades=list(Trade.values))
            workers += 1
            # whom a complaint routed to a department may be given to: the clerk takes
            # customer service's, the worker engineering's
            memberships += [StaffMembership(user=clerk, estate=estate, department=Department.CUSTOMER_SERVICE),
                            StaffMembership(user=user, estate=estate, department=Department.ENGINEERING)]
        StaffMembership.objects.bulk_create(memberships)
        return {"staff_users": workers * 2, "workers": workers, "staff_memberships": len(memberships)}

    # -- registry --------------------------------------------------------------

    def registry(self) -> dict[str, int]:
        n = self.n
        per_estate = [n["units"] // n["estates"] + (1 if i < n["units"] % n["estates"] else 0)
                      for i in range(n["estates"])]
        estates = Estate.objects.bulk_create([
            Estate(name=f"规模测试{i + 1:02d}号小区", code=f"s{i + 1:02d}", address=f"广州市测试路{i + 1}号",
                   service_phone=f"020-8{i + 1:03d}0000")
            for i in range(n["estates"])
        ])
        buildings = []
        for estate, count in zip(estates, per_estate):
            for b in range(-(-count // (ENTRANCES * FLOORS * DOORS))):
                buildings.append(Building(estate=estate, number=str(b + 1), floors=FLOORS))
        Building.objects.bulk_create(buildings, batch_size=2000)
        areas = "ARRAY[" + ",".join(AREAS) + "]::numeric[]"
        per = ENTRANCES * FLOORS * DOORS
        for estate, count in zip(estates, per_estate):
            # slot k: building k / per + 1, entrance, floor, door
            self.sql(f"""
                INSERT INTO owners_unit (estate_id, building_id, number, floor, area, notes)
                SELECT %(estate)s, b.id,
                       b.number || '-' || (mod(k, %(per)s) / {FLOORS * DOORS} + 1) || '-'
                       || ((mod(k, {FLOORS * DOORS}) / {DOORS} + 1) * 100 + mod(k, {DOORS}) + 1),
                       mod(k, {FLOORS * DOORS}) / {DOORS} + 1, ({areas})[mod(k, {DOORS}) + 1], ''
                FROM generate_series(0, %(count)s - 1) k
                JOIN owners_building b ON b.estate_id = %(estate)s AND b.number = (k / %(per)s + 1)::text
                ORDER BY k
            """, {"estate": estate.pk, "count": count, "per": per})
        handover = {e.pk: self.today - timedelta(days=365 * self.rng.randint(4, 12)) for e in estates}
        units = list(Unit.objects.filter(estate__in=estates).order_by("id").values_list("id", "estate_id"))

        # Owners: a current owner for each sold unit, co-owners, then former owners.
        rng, people = self.rng, People(self.rng)
        owner_rows, phone_rows, ownership_rows = [], [], []
        next_owner = (Owner.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        next_phone = (OwnerPhone.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        id_field = Owner._meta.get_field("id_number")
        phone_field = OwnerPhone._meta.get_field("number")
        created = timezone.now()

        def new_owner() -> int:
            nonlocal next_owner, next_phone
            person = people.person(born=(1945, 1998))
            if rng.random() < 0.02:
                id_type, id_number = IdType.PASSPORT, people.passport()
            else:
                id_type, id_number = IdType.RESIDENT_ID, people.resident_id(person)
            owner = Owner(name=person.name, id_number=id_number)
            owner.normalize()
            channel = rng.choice(ContactChannel.values)
            owner_rows.append((next_owner, owner.name, id_type, id_field.get_db_prep_value(owner.id_number, connection),
                               owner.id_number_hash, "", "", channel, settings.LANGUAGE_CODE, "{}", "",
                               created, created))
            for i in range(2 if rng.random() < SECOND_PHONE_RATE else 1):
                phone = OwnerPhone(number=people.mobile())
                phone.normalize()
                phone_rows.append((next_phone, next_owner, PhoneLabel.MOBILE if i == 0 else PhoneLabel.WORK,
                                   phone_field.get_db_prep_value(phone.number, connection), phone.number_hash,
                                   phone.tail_hash, i == 0))
                next_phone += 1
            next_owner += 1
            return next_owner - 1

        sold: list[tuple[int, date]] = []  # (unit, current owners' start)
        budget = n["owners"]
        for unit_id, estate_id in units:
            if budget <= 0 or rng.random() < UNSOLD_RATE:
                continue
            start = handover[estate_id] + timedelta(days=rng.randint(0, 90))
            owner = new_owner()
            budget -= 1
            ownership_rows.append((unit_id, owner, start, None, start + timedelta(days=rng.randint(20, 200)), ""))
            sold.append((unit_id, start))
            if budget > 0 and rng.random() < CO_OWNER_RATE:
                ownership_rows.append((unit_id, new_owner(), start, None, None, ""))
                budget -= 1
        # Former owners: they sold the unit to its current owners (whose start moves later).
        resold = rng.sample(range(len(sold)), min(budget, len(sold)))
        moved: dict[int, date] = {}
        for index in resold:
            unit_id, first = sold[index]
            latest = self.today - timedelta(days=60)
            sale = first + timedelta(days=rng.randint(365, max(365, (latest - first).days)))
            ownership_rows.append((unit_id, new_owner(), first, min(sale, latest), None, "sale"))
            moved[unit_id] = min(sale, latest)
        ownership_rows = [
            (u, o, moved[u] if u in moved and end is None else start, end,
             (moved[u] + timedelta(days=30)) if u in moved and end is None and move_in else move_in, reason)
            for u, o, start, end, move_in, reason in ownership_rows
        ]
        self.copy("owners_owner", ["id", "name", "id_type", "id_number", "id_number_hash", "address", "email",
                                   "preferred_channel", "language", "special_needs", "special_needs_note",
                                   "created_at", "updated_at"], owner_rows)
        self.copy("owners_ownerphone", ["id", "owner_id", "label", "number", "number_hash", "tail_hash",
                                        "is_primary"], phone_rows)
        self.copy("owners_ownership", ["unit_id", "owner_id", "start_date", "end_date", "move_in_date",
                                       "end_reason", "note", "created_at"],
                  [(*row, "", created) for row in ownership_rows])
        for table in ("owners_owner", "owners_ownerphone"):
            self.sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        # Who a complaint or an order is about: units with a current owner (the first on the deed).
        self.sql("DROP TABLE IF EXISTS _owned")
        self.sql("""
            CREATE TEMP TABLE _owned AS
            SELECT row_number() OVER (ORDER BY u.id) AS rn, u.id AS unit_id, u.estate_id, o.id AS owner_id,
                   o.name AS owner_name, p.number AS phone
            FROM owners_unit u
            JOIN LATERAL (SELECT own.owner_id FROM owners_ownership own
                          WHERE own.unit_id = u.id AND own.end_date IS NULL ORDER BY own.id LIMIT 1) cur ON true
            JOIN owners_owner o ON o.id = cur.owner_id
            LEFT JOIN owners_ownerphone p ON p.owner_id = o.id AND p.is_primary
            WHERE u.estate_id = ANY(%(estates)s)
        """, {"estates": [e.pk for e in estates]})
        self.sql("CREATE UNIQUE INDEX ON _owned (rn)")
        self.owned = self.scalar("SELECT count(*) FROM _owned")
        self.estates = estates
        return {"estates": len(estates), "buildings": len(buildings), "units": len(units),
                "owners": len(owner_rows), "owner_phones": len(phone_rows), "ownerships": len(ownership_rows)}

    # -- complaints ------------------------------------------------------------

    def complaints(self) -> dict[str, int]:
        count = self.n["complaints"]
        if not count or not self.owned:
            return {"complaints": 0}
        categories = list(Category.values)
        departments = [CATEGORY_DEPARTMENT[c] for c in categories]
        hours = settings.COMPLAINT_POLICY_DEFAULTS
        r = self.r
        span = int((self.now - self.start).total_seconds())
        self.sql("DROP TABLE IF EXISTS _c")
        self.sql(f"""
            CREATE TEMP TABLE _c AS
            SELECT x.*, x.received_at + make_interval(hours => x.promise_hours) AS promised_at,
                   CASE WHEN x.fate <> 'received' THEN x.received_at + make_interval(mins => 10 + (110 * {r('x.g', 3)})::int) END AS ra
            FROM (
                SELECT g, o.unit_id, o.estate_id, o.owner_id, o.owner_name, o.phone,
                       %(start)s + make_interval(secs => ({span} * (g - 1 + {r('g', 1)}) / %(count)s)::bigint) AS received_at,
                       1 + floor({r('g', 2)} * {len(categories)})::int AS cat,
                       CASE WHEN {r('g', 4)} < 0.03 THEN 'emergency' WHEN {r('g', 4)} < 0.2 THEN 'urgent' ELSE 'normal' END AS urgency,
                       CASE WHEN {r('g', 4)} < 0.03 THEN {hours['emergency_hours']}
                            WHEN {r('g', 4)} < 0.2 THEN {hours['urgent_hours']} ELSE {hours['normal_hours']} END AS promise_hours,
                       {self.fate('g', 5, COMPLAINT_FATES)} AS fate,
                       {self.pick('g', 6, Channel.values)} AS channel
                FROM generate_series(1, %(count)s) g
                JOIN _owned o ON o.rn = 1 + mod(abs(hashint8extended(g, {self.seed})), %(owned)s)
            ) x
        """, {"count": count, "owned": self.owned})
        # The later steps, each only if the plan goes that far; then cut at as_of.
        # minutes from assigned to started, started to resolved (mostly within the promise), resolved to closed
        m7 = f"(5 + promise_hours * 12 * {r('g', 7)})::int"
        m8 = f"(10 + promise_hours * 50 * {r('g', 8)})::int"
        m9 = f"(240 + 4000 * {r('g', 9)})::int"
        self.sql(f"""
            ALTER TABLE _c ADD rs timestamptz, ADD rr timestamptz, ADD rc timestamptz;
            UPDATE _c SET
              rs = CASE WHEN fate IN ('in_progress', 'resolved', 'closed') THEN ra + make_interval(mins => {m7}) END,
              rr = CASE WHEN fate IN ('resolved', 'closed') THEN ra + make_interval(mins => {m7} + {m8}) END,
              rc = CASE WHEN fate = 'closed' THEN ra + make_interval(mins => {m7} + {m8} + {m9}) END;
            UPDATE _c SET ra = CASE WHEN ra <= %(now)s THEN ra END, rs = CASE WHEN rs <= %(now)s THEN rs END,
                          rr = CASE WHEN rr <= %(now)s THEN rr END, rc = CASE WHEN rc <= %(now)s THEN rc END;
            UPDATE _c SET received_at = LEAST(received_at, %(now)s - interval '1 minute')
        """)
        self.number_by_year(into="_cseq", source="_c", prefix="complaint", at="received_at")
        before = self.scalar("SELECT coalesce(max(id), 0) FROM complaints_complaint")
        dept = "ARRAY[" + ",".join(f"'{d}'" for d in departments) + "]"
        cats = "ARRAY[" + ",".join(f"'{c}'" for c in categories) + "]"
        inserted = self.sql(f"""
            INSERT INTO complaints_complaint (
                number, estate_id, unit_id, owner_id, contact_name, contact_phone, channel, category, urgency,
                location, description, status, department, received_at, promised_at, promise_note, assigned_at,
                started_at, resolved_at, closed_at, resolution, late_by, reopen_count)
            SELECT upper(e.code) || '-TS' || s.year || '-' || lpad(s.seq::text, 5, '0'), c.estate_id, c.unit_id,
                   c.owner_id, c.owner_name, c.phone, c.channel, ({cats})[c.cat],
                   c.urgency, '', '规模测试投诉：' || c.g,
                   CASE WHEN c.rc IS NOT NULL THEN 'closed' WHEN c.rr IS NOT NULL THEN 'resolved'
                        WHEN c.rs IS NOT NULL THEN 'in_progress' WHEN c.ra IS NOT NULL THEN 'assigned'
                        ELSE 'received' END,
                   CASE WHEN c.ra IS NOT NULL THEN ({dept})[c.cat] ELSE '' END,
                   c.received_at, c.promised_at, '', c.ra, c.rs, c.rr, c.rc,
                   CASE WHEN c.rr IS NOT NULL THEN '已处理完毕。' ELSE '' END,
                   CASE WHEN c.rr > c.promised_at THEN c.rr - c.promised_at END, 0
            FROM _c c JOIN _cseq s ON s.g = c.g JOIN owners_estate e ON e.id = c.estate_id
            ORDER BY c.received_at, c.g
        """)
        self.bump_sequences("_cseq", "complaint")
        new = f"c.id > {before}"
        events = 0
        iso = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
        for kind, frm, to, at, data, note in (
            ("received", "", "received", "c.received_at",
             f"jsonb_build_object('promised_at', {iso.format('c.promised_at')})", "''"),
            ("assigned", "received", "assigned", "c.assigned_at",
             "jsonb_build_object('department', c.department, 'assignee', '')", "''"),
            ("started", "assigned", "in_progress", "c.started_at", "'{}'::jsonb", "''"),
            ("resolved", "in_progress", "resolved", "c.resolved_at", "'{}'::jsonb", "c.resolution"),
            ("closed", "resolved", "closed", "c.closed_at", "'{}'::jsonb", "''"),
        ):
            events += self.sql(f"""
                INSERT INTO complaints_complaintevent (complaint_id, at, kind, from_status, to_status, note, data,
                                                       note_message, public)
                SELECT c.id, {at}, '{kind}', '{frm}', '{to}', {note}, {data}, '{{}}'::jsonb, true
                FROM complaints_complaint c WHERE {new} AND {at} IS NOT NULL
            """)
        self.complaints_after = before
        return {"complaints": inserted, "complaint_events": events}

    # -- work orders -----------------------------------------------------------

    def work_orders(self) -> dict[str, int]:
        count = self.n["work_orders"]
        if not count or not self.owned:
            return {"work_orders": 0}
        r = self.r
        span = int((self.now - self.start).total_seconds())
        minutes = settings.WORK_ORDER_DISPATCH_MINUTES
        self.sql("DROP TABLE IF EXISTS _w")
        self.sql(f"""
            CREATE TEMP TABLE _w AS
            SELECT g, o.unit_id, o.estate_id, o.owner_id, o.owner_name, o.phone, w.id AS worker_id,
                   %(start)s + make_interval(secs => ({span} * (g - 1 + {r('g', 21)}) / %(count)s)::bigint) AS reg,
                   {self.fate('g', 22, ORDER_KINDS)} AS kind,
                   {self.pick('g', 23, Trade.values)} AS trade,
                   {self.fate('g', 24, ORDER_FATES)} AS fate,
                   {self.pick('g', 25, ['desk', 'phone', 'portal'])} AS source,
                   (5 + 40 * {r('g', 26)})::int AS m1, (2 + 30 * {r('g', 27)})::int AS m2,
                   (5 + 30 * {r('g', 28)})::int AS m3, (20 + 120 * {r('g', 29)})::int AS m4,
                   (30 + 300 * {r('g', 30)})::int AS m5, (5 + 60 * {r('g', 31)})::int AS m6,
                   (50 + 50 * floor(10 * {r('g', 32)}))::numeric(12, 2) AS price
            FROM generate_series(1, %(count)s) g
            JOIN _owned o ON o.rn = 1 + mod(abs(hashint8extended(g, {self.seed + 7})), %(owned)s)
            JOIN repairs_worker w ON w.estate_id = o.estate_id
        """, {"count": count, "owned": self.owned})
        steps = ["judged", "dispatched", "taken", "arrived", "completed", "signed"]
        reach = {  # how far each fate goes along the steps
            "registered": 0, "accepted": 1, "dispatched": 2, "taken": 3, "on_site": 4, "completed": 5,
            "signed_off": 6, "refused": 1, "voided": 0,
        }
        cumulative = "reg"
        sets = []
        for i, (step, minutes_col) in enumerate(zip(steps, ["m1", "m2", "m3", "m4", "m5", "m6"])):
            cumulative = f"{cumulative} + make_interval(mins => {minutes_col})"
            fates = [f"'{f}'" for f, n in reach.items() if n > i]
            sets.append(f"{step} = CASE WHEN fate IN ({', '.join(fates)}) AND {cumulative} <= %(now)s "
                        f"THEN {cumulative} END")
        self.sql(f"ALTER TABLE _w {', '.join(f'ADD {s} timestamptz' for s in steps)}, ADD voided timestamptz")
        self.sql(f"UPDATE _w SET {', '.join(sets)}, "
                 f"voided = CASE WHEN fate = 'voided' AND reg + interval '2 hours' <= %(now)s "
                 f"THEN reg + interval '2 hours' END, reg = LEAST(reg, %(now)s - interval '1 minute')")
        self.number_by_year(into="_wseq", source="_w", prefix="workorder", at="reg")
        before = self.scalar("SELECT coalesce(max(id), 0) FROM repairs_workorder")
        status = """CASE WHEN w.voided IS NOT NULL THEN 'voided'
                         WHEN w.fate = 'refused' AND w.judged IS NOT NULL THEN 'refused'
                         WHEN w.signed IS NOT NULL THEN 'signed_off' WHEN w.completed IS NOT NULL THEN 'completed'
                         WHEN w.arrived IS NOT NULL THEN 'on_site' WHEN w.taken IS NOT NULL THEN 'taken'
                         WHEN w.dispatched IS NOT NULL THEN 'dispatched' WHEN w.judged IS NOT NULL THEN 'accepted'
                         ELSE 'registered' END"""
        inserted = self.sql(f"""
            INSERT INTO repairs_workorder (
                number, estate_id, unit_id, owner_id, requester_name, requester_phone, kind, source, trade,
                description, status, registered_at, dispatch_due_at, dispatch_mode, judged_at, refusal_reason,
                dispatched_at, dispatch_late_by, worker_id, trade_override, taken_at, arrived_at,
                price_confirmed_at, agreed_price, completed_at, signed_off_at, rework_count, voided_at,
                void_reason, payment_method)
            SELECT upper(e.code) || '-PG' || s.year || '-' || lpad(s.seq::text, 5, '0'), w.estate_id, w.unit_id,
                   w.owner_id, w.owner_name, w.phone, w.kind, w.source, w.trade, '规模测试工单：' || w.g,
                   {status}, w.reg, w.reg + make_interval(mins => {minutes}), 'desk', w.judged,
                   CASE WHEN w.fate = 'refused' AND w.judged IS NOT NULL THEN '不属于维修范围。' ELSE '' END,
                   w.dispatched,
                   CASE WHEN w.dispatched > w.reg + make_interval(mins => {minutes})
                        THEN w.dispatched - (w.reg + make_interval(mins => {minutes})) END,
                   CASE WHEN w.dispatched IS NOT NULL THEN w.worker_id END, '', w.taken, w.arrived,
                   CASE WHEN w.kind = 'special_service' THEN w.arrived END,
                   CASE WHEN w.kind = 'special_service' THEN w.price END,
                   w.completed, w.signed, 0, w.voided, CASE WHEN w.voided IS NOT NULL THEN '业主取消。' ELSE '' END,
                   CASE WHEN w.kind = 'special_service' AND w.completed IS NOT NULL THEN 'cash' ELSE 'none' END
            FROM _w w JOIN _wseq s ON s.g = w.g JOIN owners_estate e ON e.id = w.estate_id
            ORDER BY w.reg, w.g
        """)
        self.bump_sequences("_wseq", "workorder")
        events = 0
        moves = [("", "registered", "registered_at", "true"),
                 ("registered", "accepted", "judged_at", "status <> 'refused'"),
                 ("registered", "refused", "judged_at", "status = 'refused'"),
                 ("accepted", "dispatched", "dispatched_at", "true"),
                 ("dispatched", "taken", "taken_at", "true"),
                 ("taken", "on_site", "arrived_at", "true"),
                 ("on_site", "completed", "completed_at", "true"),
                 ("completed", "signed_off", "signed_off_at", "true"),
                 ("registered", "voided", "voided_at", "true")]
        for frm, to, at, condition in moves:
            events += self.sql(f"""
                INSERT INTO repairs_workorderevent (work_order_id, at, from_status, to_status, note, data)
                SELECT id, {at}, '{frm}', '{to}', '', '{{}}'::jsonb FROM repairs_workorder
                WHERE id > {before} AND {at} IS NOT NULL AND {condition}
            """)
        self.orders_after = before
        return {"work_orders": inserted, "work_order_events": events}

    # -- callbacks -------------------------------------------------------------

    def callbacks(self) -> dict[str, int]:
        """What the resolutions owe (callbacks.services.callback_for_complaint and
        callback_for_work_order): one per resolved complaint, done when it closed; one per
        completed order, done a day after the sign-off."""
        before = self.scalar("SELECT coalesce(max(id), 0) FROM callbacks_callback")
        tz = "%(tz)s"
        made = self.sql(f"""
            INSERT INTO callbacks_callback (estate_id, kind, source_key, complaint_id, round, unit_id, owner_id,
                contact_name, event_at, due_on, status, created_at, created_by_job, done_at, cancel_reason)
            SELECT c.estate_id, 'complaint', 'complaint:' || c.id || ':1', c.id, 1, c.unit_id, c.owner_id,
                   c.contact_name, c.resolved_at, (c.resolved_at AT TIME ZONE {tz})::date + 3,
                   CASE WHEN c.closed_at IS NOT NULL THEN 'done' ELSE 'due' END, c.resolved_at, false, c.closed_at, ''
            FROM complaints_complaint c
            WHERE c.id > {self.complaints_after} AND c.resolved_at IS NOT NULL
            ORDER BY c.resolved_at
        """)
        done_at = f"w.signed_off_at + make_interval(mins => 60 + (1800 * {self.r('w.id', 41)})::int)"
        made += self.sql(f"""
            INSERT INTO callbacks_callback (estate_id, kind, source_key, work_order_id, round, unit_id, owner_id,
                contact_name, event_at, due_on, status, created_at, created_by_job, done_at, cancel_reason)
            SELECT w.estate_id, k.kind, 'workorder:' || w.id || ':1', w.id, 1, w.unit_id, w.owner_id,
                   w.requester_name, w.completed_at,
                   CASE k.kind WHEN 'major_works' THEN (d.day + interval '1 month')::date
                               WHEN 'other' THEN d.day + 7
                               WHEN 'special_completion' THEN LEAST(d.day + 3, (date_trunc('month', d.day) + interval '1 month')::date + 9)
                               ELSE d.day + 3 END,
                   CASE WHEN w.signed_off_at IS NOT NULL AND {done_at} <= %(now)s THEN 'done' ELSE 'due' END,
                   w.completed_at, false,
                   CASE WHEN w.signed_off_at IS NOT NULL AND {done_at} <= %(now)s THEN {done_at} END, ''
            FROM repairs_workorder w
            CROSS JOIN LATERAL (SELECT CASE w.kind WHEN 'minor_repair' THEN 'minor_repair'
                                    WHEN 'major_works' THEN 'major_works' WHEN 'routine' THEN 'other'
                                    ELSE 'special_completion' END AS kind) k
            CROSS JOIN LATERAL (SELECT (w.completed_at AT TIME ZONE {tz})::date AS day) d
            WHERE w.id > {self.orders_after} AND w.completed_at IS NOT NULL
            ORDER BY w.completed_at
        """)
        new = f"id > {before} AND status = 'done'"
        events = self.sql(f"""
            INSERT INTO callbacks_callbackevent (callback_id, at, from_status, to_status, note)
            SELECT id, done_at, 'due', 'done', '' FROM callbacks_callback WHERE {new}
        """)
        results = self.sql(f"""
            INSERT INTO callbacks_callbackresult (callback_id, method, quality, effect, satisfaction, shortcomings,
                suggestions, owner_words, signer_name, at, correction_reason)
            SELECT id, 'phone', '', '', CASE WHEN {self.r('id', 42)} < 0.6 THEN 'satisfied' ELSE 'very_satisfied' END,
                   '', '', '满意，谢谢。', '', done_at, ''
            FROM callbacks_callback WHERE {new}
        """)
        return {"callbacks": made, "callback_events": events, "callback_results": results}

    # -- fees --------------------------------------------------------------------

    def fees(self) -> dict[str, int]:
        estates = self.estates
        first_month = (self.today.replace(day=1) - timedelta(days=1)).replace(day=1)
        months = [first_month]
        while len(months) < BILL_MONTHS:
            months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
        if self.today.day > settings.FEE_POLICY_DEFAULTS["bill_day"]:
            months = [*months[1:], self.today.replace(day=1)]  # this month's bills are out
        self.bill_months = months
        FeeStandard.objects.bulk_create([
            FeeStandard(estate=e, item="物业服务费", basis="per_m2_month", rate=FEE_RATE,
                        effective_from=months[0], published_at=self.start)
            for e in estates
        ])
        before = self.scalar("SELECT coalesce(max(id), 0) FROM fees_bill")
        bills = lines = 0
        bill_day = settings.FEE_POLICY_DEFAULTS["bill_day"]
        for month in months:
            issued = datetime.combine(month.replace(day=bill_day), datetime.min.time().replace(minute=30),
                                      tzinfo=timezone.get_default_timezone())
            run = fees_services.bill_run(period=month, as_of=issued)
            bills += run.bills
            lines += run.lines
        # Who pays: most units pay each bill a few days after it is issued; a defaulter
        # stops at some month (bills from then on are owed; the first may be part paid).
        # Paying oldest first holds: a unit's paid bills all come before its owed ones.
        r = self.r
        self.sql("DROP TABLE IF EXISTS _pay")
        self.sql(f"""
            CREATE TEMP TABLE _pay AS
            SELECT b.id AS bill_id, b.estate_id, b.unit_id, b.amount, coalesce(o.name, u.number) AS payer,
                   CASE WHEN d.stop IS NULL OR b.period < d.stop THEN b.amount
                        WHEN b.period = d.stop AND {r('b.unit_id', 52)} < 0.3 THEN round(b.amount / 2, 2)
                        ELSE 0 END AS paid,
                   b.issued_at + make_interval(mins => (60 * 24 * 5 * {r('b.id', 53)})::int) AS received_at,
                   {self.pick('b.id', 54, ['cash', 'card', 'bank_collection', 'online'])} AS method
            FROM fees_bill b
            JOIN owners_unit u ON u.id = b.unit_id
            LEFT JOIN owners_owner o ON o.id = b.owner_id
            CROSS JOIN LATERAL (SELECT CASE WHEN {r('b.unit_id', 51)} < {DEFAULTER_RATE}
                THEN (%(first)s::date + make_interval(months => floor({r('b.unit_id', 55)} * {len(months)})::int))::date
                END AS stop) d
            WHERE b.id > {before}
        """, {"first": months[0]})
        self.sql("DELETE FROM _pay WHERE paid = 0 OR received_at > %(now)s")
        self.sql(f"""
            ALTER TABLE _pay ADD receipt_id bigint;
            UPDATE _pay SET receipt_id = nextval(pg_get_serial_sequence('fees_receipt', 'id'));
            DROP TABLE IF EXISTS _rseq;
            CREATE TEMP TABLE _rseq AS
            SELECT p.receipt_id, 'receipt:' || p.estate_id || ':' || y.year AS key, y.year,
                   coalesce((SELECT value FROM propertydesk_sequence s
                             WHERE s.key = 'receipt:' || p.estate_id || ':' || y.year), 0)
                   + row_number() OVER (PARTITION BY p.estate_id, y.year ORDER BY p.received_at, p.receipt_id) AS seq
            FROM _pay p, LATERAL (SELECT extract(year FROM p.received_at AT TIME ZONE %(tz)s)::int AS year) y
        """)
        receipts = self.sql(f"""
            INSERT INTO {Receipt._meta.db_table} (id, number, estate_id, unit_id, payer_name, amount, method, purpose,
                purpose_key, purpose_params, source, issued_at)
            SELECT p.receipt_id, upper(e.code) || '-SJ' || s.year || '-' || lpad(s.seq::text, 6, '0'), p.estate_id,
                   p.unit_id, p.payer, p.paid, p.method, '', 'fees.receipt.fees', jsonb_build_object('unit', u.number),
                   '', p.received_at
            FROM _pay p JOIN _rseq s ON s.receipt_id = p.receipt_id JOIN owners_estate e ON e.id = p.estate_id
            JOIN owners_unit u ON u.id = p.unit_id
        """)
        self.bump_sequences("_rseq", "receipt")
        payments = self.sql("""
            INSERT INTO fees_payment (estate_id, unit_id, payer_name, amount, method, receipt_id, received_at,
                                      reversal_reason)
            SELECT estate_id, unit_id, payer, paid, method, receipt_id, received_at, '' FROM _pay ORDER BY received_at
        """)
        self.sql("""
            INSERT INTO fees_allocation (payment_id, bill_id, amount)
            SELECT pm.id, p.bill_id, p.paid FROM _pay p JOIN fees_payment pm ON pm.receipt_id = p.receipt_id;
            UPDATE fees_bill b SET paid = p.paid, status = CASE WHEN p.paid = b.amount THEN 'paid' ELSE 'part_paid' END
            FROM _pay p WHERE p.bill_id = b.id
        """)
        # Dunning: each bill still owed on the reminder days gets its notices, on paper.
        policy = settings.FEE_POLICY_DEFAULTS
        notices = 0
        notices_before = self.scalar("SELECT coalesce(max(id), 0) FROM fees_dunningnotice")
        for round_, day in ((1, policy["first_dunning_day"]), (2, policy["second_dunning_day"])):
            notices += self.sql(f"""
                INSERT INTO fees_dunningnotice (estate_id, unit_id, owner_id, period, round, amount_owed, channel,
                                                status, created_at, sent_at)
                SELECT b.estate_id, b.unit_id, b.owner_id, b.period, {round_}, b.amount - b.paid, 'printed',
                       CASE WHEN t.at + interval '1 day' <= %(now)s THEN 'delivered' ELSE 'to_print' END, t.at,
                       CASE WHEN t.at + interval '1 day' <= %(now)s THEN t.at + interval '1 day' END
                FROM fees_bill b
                CROSS JOIN LATERAL (SELECT ((b.period + {day - 1}) + time '08:00') AT TIME ZONE %(tz)s AS at) t
                WHERE b.id > {before} AND b.status <> 'paid' AND t.at <= %(now)s
            """)
        notice_events = self.sql("""
            INSERT INTO fees_dunningnoticeevent (notice_id, at, from_status, to_status, note)
            SELECT id, created_at, '', 'to_print', '' FROM fees_dunningnotice WHERE id > %(after)s
            UNION ALL
            SELECT id, sent_at, 'to_print', 'delivered', '' FROM fees_dunningnotice
            WHERE id > %(after)s AND status = 'delivered'
        """, {"after": notices_before})
        return {"bills": bills, "bill_lines": lines, "payments": payments, "receipts": receipts,
                "dunning_notices": notices, "dunning_events": notice_events}

    def paid_services(self) -> dict[str, int]:
        """The cash a paid service took at completion: a receipt naming the order
        (repairs.services.work_order_collect_payment), numbered after the fee receipts
        of its year (the sequence is shared; numbers stay gapless and unique)."""
        self.sql("""
            DROP TABLE IF EXISTS _sr;
            CREATE TEMP TABLE _sr AS
            SELECT w.id, w.estate_id, w.unit_id, w.requester_name, w.agreed_price, w.number, w.completed_at,
                   'receipt:' || w.estate_id || ':' || y.year AS key, y.year,
                   coalesce((SELECT value FROM propertydesk_sequence s
                             WHERE s.key = 'receipt:' || w.estate_id || ':' || y.year), 0)
                   + row_number() OVER (PARTITION BY w.estate_id, y.year ORDER BY w.completed_at, w.id) AS seq
            FROM repairs_workorder w, LATERAL (SELECT extract(year FROM w.completed_at AT TIME ZONE %(tz)s)::int AS year) y
            WHERE w.payment_method = 'cash' AND w.id > %(after)s
        """, {"after": self.orders_after})
        made = self.sql(f"""
            INSERT INTO {Receipt._meta.db_table} (number, estate_id, unit_id, payer_name, amount, method, purpose,
                purpose_key, purpose_params, source, issued_at)
            SELECT upper(e.code) || '-SJ' || s.year || '-' || lpad(s.seq::text, 6, '0'), s.estate_id, s.unit_id,
                   s.requester_name, s.agreed_price, 'cash', '', 'fees.receipt.paid_service',
                   jsonb_build_object('number', s.number, 'item', '{OrderKind.SPECIAL_SERVICE.label}'),
                   'workorder:' || s.id, s.completed_at
            FROM _sr s JOIN owners_estate e ON e.id = s.estate_id
        """)
        self.bump_sequences("_sr", "receipt")
        return {"service_receipts": made}

    # -- renovation ------------------------------------------------------------

    def renovations(self) -> dict[str, int]:
        """About 2 % of the units renovating over the last year (at least two of each state,
        so a small load shows every one), each in the state its dates give it on ``as_of``:
        a state is chosen, then the application's day is put so that ``as_of`` falls inside
        that state's stretch of the renovation's life (days after the application: a return
        and resubmission, approval, the fees, the permit the day before the start, the works,
        the acceptance request, a failed inspection and the re-inspection, passing, the
        refund day, the refunds; or a withdrawal). What happened before ``as_of`` is written,
        with one event per move: the workers (ID numbers encrypted by the model's field, the
        blind index from its ``normalize()``), the papers and documents (one stored picture
        shared by every row), the fees and deposits each with its receipt from the estate's
        receipt sequence, the permit and a pass per worker with their numbers, checks at the
        gate, patrols, the inspections, the passes revoked and handed back, the refunds with
        their vouchers."""
        count = min(self.owned, max(round(self.n["units"] * RENOVATION_RATE), 2 * len(RENOVATION_FIRST)))
        if not count:
            return {"renovations": 0}
        policy = settings.RENOVATION_POLICY_DEFAULTS
        r = self.r
        self._renovation_people(count)
        first = "ARRAY[" + ",".join(f"'{f}'" for f in RENOVATION_FIRST) + "]"
        self.sql(f"""
            DROP TABLE IF EXISTS _rv;
            CREATE TEMP TABLE _rv AS
            SELECT g, nextval(pg_get_serial_sequence('renovation_renovation', 'id')) AS id, o.unit_id, o.estate_id,
                   o.owner_id, o.owner_name, u.number AS room, u.area,
                   CASE WHEN g <= {len(RENOVATION_FIRST)} THEN ({first})[g]
                        ELSE {self.fate('g', 70, RENOVATION_FATES)} END AS fate
            FROM generate_series(1, %(count)s) g
            JOIN _owned o ON o.rn = 1 + ((g - 1)::bigint * %(owned)s / %(count)s)
            JOIN owners_unit u ON u.id = o.unit_id;
            ALTER TABLE _rv ADD floors boolean, ADD ret boolean, ADD fail boolean, ADD stage text,
                ADD declined boolean, ADD source text, ADD d_ret int, ADD d_resub int, ADD d_appr int, ADD d_fees int,
                ADD d_start int, ADD d_end int, ADD d_req1 int, ADD d_insp1 int, ADD d_req2 int, ADD d_insp2 int,
                ADD d_pass int, ADD d_due int, ADD delay int, ADD d_wd int, ADD d_wd_refund int, ADD s int, ADD e int,
                ADD day0 date;
            UPDATE _rv SET
                floors = CASE WHEN fate = 'passed_wet' THEN true
                              WHEN g <= {len(RENOVATION_FIRST)} OR fate = 'deposits_due' THEN false
                              ELSE {r('g', 71)} < 0.2 END,
                ret = fate = 'returned' OR (fate NOT IN ('submitted', 'returned') AND {r('g', 72)} < 0.12),
                fail = fate = 'fixing' OR (fate IN ('passed', 'passed_wet', 'deposits_due', 'refunded')
                                           AND {r('g', 73)} < 0.15),
                stage = CASE WHEN fate = 'withdrawn' THEN CASE WHEN {r('g', 74)} < 0.5 THEN 'submitted'
                             WHEN {r('g', 74)} < 0.75 THEN 'approved' ELSE 'fees_paid' END END,
                declined = {r('g', 75)} < 0.1,
                source = CASE WHEN {r('g', 76)} < 0.3 THEN 'portal' ELSE 'desk' END;
            UPDATE _rv SET d_ret = CASE WHEN ret THEN 1 END,
                           d_resub = CASE WHEN ret THEN 2 + floor(3 * {r('g', 77)}) END;
            UPDATE _rv SET d_appr = coalesce(d_resub, 0) + 1 + floor(2 * {r('g', 78)});
            UPDATE _rv SET d_fees = d_appr + 1 + floor(3 * {r('g', 79)});
            UPDATE _rv SET d_start = d_fees + 2 + floor(4 * {r('g', 80)});
            UPDATE _rv SET d_end = d_start + 30 + floor(46 * {r('g', 81)});
            UPDATE _rv SET d_req1 = d_end - 3 + floor(5 * {r('g', 82)});
            UPDATE _rv SET d_insp1 = d_req1 + 1 + floor(2 * {r('g', 83)});
            UPDATE _rv SET d_req2 = CASE WHEN fail THEN d_insp1 + 4 + floor(4 * {r('g', 84)}) END;
            UPDATE _rv SET d_insp2 = CASE WHEN fail THEN d_req2 + 1 + floor(2 * {r('g', 85)}) END;
            UPDATE _rv SET d_pass = coalesce(d_insp2, d_insp1), delay = 2 + floor(5 * {r('g', 86)});
            -- the refund day: exact for days; months are at least 29 days each (the window stays inside them)
            UPDATE _rv SET d_due = d_pass + CASE WHEN floors THEN {29 * policy['refund_months_floors_altered']}
                                              ELSE {policy['refund_days']} END,
                           d_wd = CASE stage WHEN 'submitted' THEN coalesce(d_resub, 0) + 1 + floor(3 * {r('g', 87)})
                                             WHEN 'approved' THEN d_appr + 1 + floor(2 * {r('g', 87)})
                                             WHEN 'fees_paid' THEN d_fees + 1 + floor(2 * {r('g', 87)}) END;
            UPDATE _rv SET d_wd_refund = CASE WHEN stage = 'fees_paid' THEN d_wd + 1 + floor(3 * {r('g', 88)}) END;
            -- the days of the renovation's life the chosen state lasts: as_of falls inside
            UPDATE _rv SET s = CASE fate WHEN 'submitted' THEN 0 WHEN 'returned' THEN d_ret WHEN 'approved' THEN d_appr
                                   WHEN 'fees_paid' THEN d_fees WHEN 'in_progress' THEN d_start - 1
                                   WHEN 'fixing' THEN d_insp1 WHEN 'acceptance_requested' THEN d_req1
                                   WHEN 'passed' THEN d_pass WHEN 'passed_wet' THEN d_pass WHEN 'deposits_due' THEN d_due
                                   WHEN 'refunded' THEN d_due + delay ELSE coalesce(d_wd_refund, d_wd) END;
            UPDATE _rv SET e = CASE fate WHEN 'submitted' THEN d_appr WHEN 'returned' THEN d_resub
                                   WHEN 'approved' THEN d_fees WHEN 'fees_paid' THEN d_start - 1
                                   WHEN 'in_progress' THEN d_req1 WHEN 'fixing' THEN d_req2
                                   WHEN 'acceptance_requested' THEN d_insp1 WHEN 'passed' THEN d_due
                                   WHEN 'passed_wet' THEN d_due WHEN 'deposits_due' THEN d_due + delay
                                   ELSE greatest(s + 1, 365) END;
            -- an event on day d of the life has happened by as_of when d < k
            UPDATE _rv SET day0 = (%(now)s AT TIME ZONE %(tz)s)::date - (s + 1 + floor({r('g', 89)} * (e - s))::int)
        """, {"count": count, "owned": self.owned})
        at = lambda day, hour, spread, salt: (  # noqa: E731 - a moment of day ``day`` of the life
            f"((day0 + {day}) + time '{hour:02d}:00' + make_interval(mins => ({spread} * {r('g', salt)})::int))"
            f" AT TIME ZONE %(tz)s")
        path = "(fate <> 'withdrawn' OR stage IN ({}))"
        moments = {
            "applied_at": at("0", 9, 480, 90),
            "returned_at": f"CASE WHEN ret THEN {at('d_ret', 10, 360, 91)} END",
            "resubmitted_at": f"CASE WHEN ret THEN {at('d_resub', 9, 480, 92)} END",
            "approved_at": f"CASE WHEN {path.format(repr('approved') + ', ' + repr('fees_paid'))} "
                           f"THEN {at('d_appr', 9, 480, 93)} END",
            "fees_at": f"CASE WHEN {path.format(repr('fees_paid'))} THEN {at('d_fees', 9, 480, 94)} END",
            "permit_at": f"CASE WHEN fate <> 'withdrawn' THEN {at('d_start - 1', 15, 120, 95)} END",
            "req1_at": f"CASE WHEN fate <> 'withdrawn' THEN {at('d_req1', 18, 180, 96)} END",
            "insp1_at": f"CASE WHEN fate <> 'withdrawn' THEN {at('d_insp1', 10, 300, 97)} END",
            "req2_at": f"CASE WHEN fail THEN {at('d_req2', 18, 180, 98)} END",
            "insp2_at": f"CASE WHEN fail THEN {at('d_insp2', 10, 300, 99)} END",
            "withdrawn_at": f"CASE WHEN fate = 'withdrawn' THEN {at('d_wd', 9, 480, 100)} END",
            "wd_refund_at": f"CASE WHEN stage = 'fees_paid' THEN {at('d_wd_refund', 10, 360, 101)} END",
        }
        self.sql(f"""
            ALTER TABLE _rv {', '.join(f'ADD {name} timestamptz' for name in moments)}, ADD pass_at timestamptz,
                ADD due_on date, ADD due_at timestamptz, ADD refund_at timestamptz, ADD planned_start date,
                ADD planned_end date, ADD status text, ADD contractor text, ADD lead text, ADD scope text;
            UPDATE _rv SET {', '.join(f'{name} = {sql}' for name, sql in moments.items())},
                           planned_start = day0 + d_start, planned_end = day0 + d_end;
            UPDATE _rv SET {', '.join(f'{name} = CASE WHEN {name} < %(now)s THEN {name} END' for name in moments)};
            UPDATE _rv SET pass_at = coalesce(insp2_at, CASE WHEN NOT fail THEN insp1_at END);
            UPDATE _rv SET due_on = (pass_at AT TIME ZONE %(tz)s)::date
                + CASE WHEN floors THEN make_interval(months => {policy['refund_months_floors_altered']})
                       ELSE make_interval(days => {policy['refund_days']}) END;
            UPDATE _rv SET due_at = (due_on + time '08:00') AT TIME ZONE %(tz)s,
                           refund_at = ((due_on + delay) + time '10:00'
                                        + make_interval(mins => (360 * {r('g', 102)})::int)) AT TIME ZONE %(tz)s;
            UPDATE _rv SET due_at = CASE WHEN due_at < %(now)s THEN due_at END,
                           refund_at = CASE WHEN refund_at < %(now)s THEN refund_at END;
            UPDATE _rv SET status = CASE WHEN withdrawn_at IS NOT NULL THEN 'withdrawn'
                WHEN refund_at IS NOT NULL THEN 'refunded' WHEN due_at IS NOT NULL THEN 'deposits_due'
                WHEN pass_at IS NOT NULL THEN 'passed' WHEN req2_at IS NOT NULL THEN 'acceptance_requested'
                WHEN insp1_at IS NOT NULL THEN 'in_progress' WHEN req1_at IS NOT NULL THEN 'acceptance_requested'
                WHEN permit_at IS NOT NULL THEN 'in_progress' WHEN fees_at IS NOT NULL THEN 'fees_paid'
                WHEN approved_at IS NOT NULL THEN 'approved' WHEN resubmitted_at IS NOT NULL THEN 'submitted'
                WHEN returned_at IS NOT NULL THEN 'returned' ELSE 'submitted' END,
                contractor = {self.pick('g', 103, RENOVATION_CONTRACTORS)},
                scope = CASE WHEN floors THEN {self.pick('g', 104, RENOVATION_SCOPES_WET)}
                             ELSE {self.pick('g', 104, RENOVATION_SCOPES)} END,
                lead = (SELECT name FROM _rlead l WHERE l.g = _rv.g);
            CREATE UNIQUE INDEX ON _rv (g);
            DROP TABLE IF EXISTS _rstaff;
            CREATE TEMP TABLE _rstaff AS
            SELECT e.id AS estate_id, d.id AS desk_id, w.id AS eng_id FROM owners_estate e
            LEFT JOIN auth_user d ON d.username = 'scale-desk-' || e.code
            LEFT JOIN auth_user w ON w.username = 'scale-worker-' || e.code
        """)
        counts = {"renovations": self._renovation_rows()}
        counts.update(self._renovation_money())
        counts.update(self._renovation_works())
        return counts

    def _renovation_people(self, count: int) -> None:
        """The contractors' leads and the workers, made up in Python: their ID numbers and
        phones encrypted by the model fields, the workers' blind index from ``normalize()``."""
        rng, people = self.rng, People(self.rng)
        lead_id = Renovation._meta.get_field("contractor_lead_id_number")
        lead_phone = Renovation._meta.get_field("contractor_lead_phone")
        worker_id = RenovationWorker._meta.get_field("id_number")
        worker_phone = RenovationWorker._meta.get_field("phone")
        leads, workers = [], []
        for g in range(1, count + 1):
            lead = people.person(born=(1968, 1992), sex="m")
            leads.append((g, lead.name, lead_id.get_db_prep_value(people.resident_id(lead), connection),
                          lead_phone.get_db_prep_value(people.mobile(), connection)))
            for n in range(rng.randint(*WORKERS_PER_RENOVATION)):
                person = people.person(born=(1966, 2001), sex="m" if rng.random() < 0.9 else "f")
                worker = RenovationWorker(name=person.name, id_number=people.resident_id(person),
                                          phone=people.mobile() if rng.random() < 0.7 else None)
                worker.normalize()
                workers.append((g, n, worker.name, worker_id.get_db_prep_value(worker.id_number, connection),
                                worker.id_number_hash,
                                worker_phone.get_db_prep_value(worker.phone, connection) if worker.phone else None))
        self.sql("""
            DROP TABLE IF EXISTS _rlead, _rwk;
            CREATE TEMP TABLE _rlead (g int PRIMARY KEY, name text, id_number text, phone text);
            CREATE TEMP TABLE _rwk (g int, n int, name text, id_number text, id_hash text, phone text)
        """)
        self.copy("_rlead", ["g", "name", "id_number", "phone"], leads)
        self.copy("_rwk", ["g", "n", "name", "id_number", "id_hash", "phone"], workers)

    def _renovation_rows(self) -> int:
        """The renovations with their numbers and permits, their moves, the workers, the
        documents and the signed papers."""
        self.number_by_year(into="_rvseq", source="_rv", prefix="renovation", at="applied_at")
        self.number_by_year(into="_rpseq", source="(SELECT g, estate_id, permit_at FROM _rv WHERE permit_at IS NOT NULL)",
                            prefix="renovation-permit", at="permit_at")
        made = self.sql("""
            INSERT INTO renovation_renovation (
                id, number, estate_id, unit_id, owner_id, source, status, scope, floors_altered, planned_start,
                planned_end, contractor_name, contractor_lead_name, contractor_lead_id_number, contractor_lead_phone,
                applied_at, created_by_id, return_reasons, approved_at, approved_by_id, fees_paid_at,
                rubbish_fee_declined, permit_number, permit_issued_at, permit_issued_by_id, passed_at,
                deposits_due_on, closed_at, withdrawn_at, withdraw_reason)
            SELECT v.id, upper(e.code) || '-ZX' || s.year || '-' || lpad(s.seq::text, 5, '0'), v.estate_id, v.unit_id,
                   v.owner_id, v.source, v.status, v.scope, v.floors, v.planned_start, v.planned_end, v.contractor,
                   l.name, l.id_number, l.phone, v.applied_at, st.desk_id,
                   CASE WHEN v.returned_at IS NOT NULL THEN %(reasons)s ELSE '' END, v.approved_at,
                   CASE WHEN v.approved_at IS NOT NULL THEN st.desk_id END, v.fees_at,
                   v.declined AND v.fees_at IS NOT NULL,
                   CASE WHEN v.permit_at IS NOT NULL THEN upper(e.code) || '-XK' || p.year || '-' || lpad(p.seq::text, 5, '0')
                        ELSE '' END,
                   v.permit_at, CASE WHEN v.permit_at IS NOT NULL THEN st.desk_id END, v.pass_at,
                   CASE WHEN v.pass_at IS NOT NULL THEN v.due_on
                        WHEN v.withdrawn_at IS NOT NULL AND v.fees_at IS NOT NULL
                        THEN (v.withdrawn_at AT TIME ZONE %(tz)s)::date END,
                   v.refund_at, v.withdrawn_at, CASE WHEN v.withdrawn_at IS NOT NULL THEN %(withdrawn)s ELSE '' END
            FROM _rv v JOIN _rvseq s ON s.g = v.g JOIN owners_estate e ON e.id = v.estate_id
            JOIN _rlead l ON l.g = v.g JOIN _rstaff st ON st.estate_id = v.estate_id
            LEFT JOIN _rpseq p ON p.g = v.g
            ORDER BY v.applied_at, v.g
        """, {"reasons": _RENOVATION_TEXTS["returns"][0]["reasons"],
              "withdrawn": _RENOVATION_TEXTS["withdraw_reasons"]["early"]})
        self.bump_sequences("_rvseq", "renovation")
        self.bump_sequences("_rpseq", "renovation-permit")
        withdrawn_from = "CASE WHEN fees_at IS NOT NULL THEN 'fees_paid' WHEN approved_at IS NOT NULL THEN 'approved' " \
                         "ELSE 'submitted' END"
        events = 0
        for frm, to, moment, condition in RENOVATION_MOVES:
            events += self.sql(f"""
                INSERT INTO renovation_renovationevent (renovation_id, at, actor_id, from_status, to_status, note, data)
                SELECT v.id, v.{moment}, CASE WHEN '{to}' <> 'deposits_due' THEN st.desk_id END,
                       {withdrawn_from if frm == '*' else repr(frm)}, '{to}', '',
                       CASE WHEN '{to}' = 'submitted' AND '{frm}' = '' THEN jsonb_build_object('source', v.source)
                            ELSE '{{}}'::jsonb END
                FROM _rv v JOIN _rstaff st ON st.estate_id = v.estate_id
                WHERE v.{moment} IS NOT NULL AND {condition}
            """)
        self.renovation_events = events
        # The team, each added with the application.
        self.sql("""
            DROP TABLE IF EXISTS _rw;
            CREATE TEMP TABLE _rw AS
            SELECT nextval(pg_get_serial_sequence('renovation_renovationworker', 'id')) AS id, w.g, w.n, v.id AS renovation_id,
                   v.estate_id, v.applied_at, v.fees_at, v.permit_at, w.name, w.id_number, w.id_hash, w.phone
            FROM _rwk w JOIN _rv v ON v.g = w.g;
            CREATE UNIQUE INDEX ON _rw (id)
        """)
        self.workers_count = self.sql("""
            INSERT INTO renovation_renovationworker (id, renovation_id, name, id_number, id_number_hash, phone, added_at,
                                                     added_by_id, remove_reason)
            SELECT w.id, w.renovation_id, w.name, w.id_number, w.id_hash, w.phone, w.applied_at, st.desk_id, ''
            FROM _rw w JOIN _rstaff st ON st.estate_id = w.estate_id ORDER BY w.id
        """)
        # The papers: the contractor's, each worker's ID copy and two photos, the three signed
        # papers scanned; every row names one stored picture.
        file_names = _RENOVATION_TEXTS["file_names"]
        names = {"id_copy": file_names["worker_id"], "photo_1": file_names["worker_photo"].replace("{n}", "1"),
                 "photo_2": file_names["worker_photo"].replace("{n}", "2")}
        stored = default_storage.save(files.storage_name("renovation", now=self.now, extension="png"),
                                      ContentFile(_sample_png()))
        size = default_storage.size(stored)
        documents = self.sql(f"""
            INSERT INTO renovation_renovationdocument (file, content_type, original_name, size, kind, uploaded_at,
                                                       renovation_id, uploaded_by_id, worker_id)
            SELECT %(file)s, 'image/png', d.name, %(size)s, d.kind, v.applied_at, v.id, st.desk_id, NULL
            FROM _rv v JOIN _rstaff st ON st.estate_id = v.estate_id
            CROSS JOIN (VALUES {', '.join(f"('{kind}', '{name}')" for kind, name in RENOVATION_DOCUMENTS)}) d (kind, name)
            UNION ALL
            SELECT %(file)s, 'image/png', w.name || d.name, %(size)s, d.kind, w.applied_at, w.renovation_id,
                   st.desk_id, w.id
            FROM _rw w JOIN _rstaff st ON st.estate_id = w.estate_id
            CROSS JOIN (VALUES ('worker_id', %(id_copy)s), ('worker_photo', %(photo_1)s),
                               ('worker_photo', %(photo_2)s)) d (kind, name)
        """, {"file": stored, "size": size, **{key: names[key].replace("{name}", "")
                                               for key in ("id_copy", "photo_1", "photo_2")}})
        papers = self.sql("""
            INSERT INTO renovation_signedpaper (original_name, paper, party, method, signer_name, signed_at, recorded_at,
                                                file, content_type, size, recorded_by_id, renovation_id)
            SELECT p.paper || '.png', p.paper, '', 'scan',
                   CASE p.paper WHEN 'application' THEN v.owner_name WHEN 'fire_safety' THEN v.lead
                        ELSE v.owner_name || '、' || v.lead || '、' || e.name || %(property)s END,
                   v.applied_at, v.applied_at, %(file)s, 'image/png', %(size)s, st.desk_id, v.id
            FROM _rv v JOIN _rstaff st ON st.estate_id = v.estate_id JOIN owners_estate e ON e.id = v.estate_id
            CROSS JOIN (VALUES ('application'), ('fire_safety'), ('agreement')) p (paper)
        """, {"file": stored, "size": size, "property": _RENOVATION_TEXTS["property_signer"]})
        self.renovation_files = {"renovation_documents": documents, "signed_papers": papers}
        return made

    def _renovation_money(self) -> dict[str, int]:
        """The fees and deposits taken (policy amounts), each with its receipt numbered after
        the year's others, and the deposits refunded with their vouchers."""
        policy = settings.RENOVATION_POLICY_DEFAULTS
        pass_fee = policy["pass_fee"]
        self.sql(f"""
            DROP TABLE IF EXISTS _rc;
            CREATE TEMP TABLE _rc AS
            SELECT nextval(pg_get_serial_sequence('renovation_renovationcharge', 'id')) AS id,
                   nextval(pg_get_serial_sequence('fees_receipt', 'id')) AS receipt_id, c.*
            FROM (
                SELECT v.g, v.id AS renovation_id, v.estate_id, v.unit_id, v.room, v.fees_at AS paid_at, k.kind,
                       k.quantity, k.rate, round(k.quantity * k.rate, 2) AS amount,
                       CASE WHEN k.kind IN ('owner_deposit', 'rubbish_fee') THEN v.owner_name ELSE v.contractor END AS payer,
                       {self.pick('v.g', 105, ['cash', 'card', 'online'])} AS method
                FROM _rv v
                CROSS JOIN LATERAL (VALUES
                    ('owner_deposit', 1.00, {policy['owner_deposit']}),
                    ('contractor_deposit', 1.00, {policy['contractor_deposit']}),
                    ('rubbish_fee', CASE WHEN v.declined THEN 0 ELSE v.area END, {policy['rubbish_fee_per_m2']}),
                    ('pass_fee', (SELECT count(*) FROM _rwk w WHERE w.g = v.g), {pass_fee})
                ) k (kind, quantity, rate)
                WHERE v.fees_at IS NOT NULL AND k.quantity * k.rate > 0
            ) c;
            CREATE UNIQUE INDEX ON _rc (id)
        """)
        self.number_by_year(into="_rcseq", source="(SELECT receipt_id AS g, estate_id, paid_at FROM _rc)",
                            prefix="receipt", at="paid_at")
        receipts = self.sql(f"""
            INSERT INTO {Receipt._meta.db_table} (id, number, estate_id, unit_id, payer_name, amount, method, purpose,
                purpose_key, purpose_params, source, issued_at)
            SELECT c.receipt_id, upper(e.code) || '-SJ' || s.year || '-' || lpad(s.seq::text, 6, '0'), c.estate_id,
                   c.unit_id, c.payer, c.amount, c.method, '', 'renovation.receipt',
                   jsonb_build_object('number', r.number, 'unit', c.room,
                                      'item', jsonb_build_object('$label', 'renovation.models.ChargeKind', 'v', c.kind)),
                   'renovation:' || c.renovation_id || ':' || c.kind, c.paid_at
            FROM _rc c JOIN _rcseq s ON s.g = c.receipt_id JOIN owners_estate e ON e.id = c.estate_id
            JOIN renovation_renovation r ON r.id = c.renovation_id
        """)
        self.bump_sequences("_rcseq", "receipt")
        charges = self.sql("""
            INSERT INTO renovation_renovationcharge (id, renovation_id, kind, quantity, rate, amount, receipt_id,
                                                     payer_name, paid_at, taken_by_id)
            SELECT c.id, c.renovation_id, c.kind, c.quantity, c.rate, c.amount, c.receipt_id, c.payer, c.paid_at,
                   st.desk_id
            FROM _rc c JOIN _rstaff st ON st.estate_id = c.estate_id ORDER BY c.id
        """)
        self.sql("""
            UPDATE renovation_renovationworker w SET pass_fee_paid_at = c.paid_at, pass_charge_id = c.id
            FROM _rw x JOIN _rc c ON c.renovation_id = x.renovation_id AND c.kind = 'pass_fee'
            WHERE w.id = x.id
        """)
        # Refunds: after passing and the refund day, or once a paid renovation was withdrawn.
        self.sql("""
            DROP TABLE IF EXISTS _rf;
            CREATE TEMP TABLE _rf AS
            SELECT c.id AS g, c.estate_id, c.amount, c.payer, c.kind,
                   CASE WHEN v.status = 'withdrawn' THEN v.wd_refund_at ELSE v.refund_at END AS paid_at
            FROM _rc c JOIN _rv v ON v.g = c.g
            WHERE c.kind IN ('owner_deposit', 'contractor_deposit')
              AND CASE WHEN v.status = 'withdrawn' THEN v.wd_refund_at ELSE v.refund_at END IS NOT NULL
        """)
        self.number_by_year(into="_rfseq", source="_rf", prefix="renovation-refund", at="paid_at")
        refunds = self.sql("""
            INSERT INTO renovation_depositrefund (voucher_number, deducted, amount, method, payee_name, paid_at,
                                                  deposit_id)
            SELECT upper(e.code) || '-TK' || s.year || '-' || lpad(s.seq::text, 6, '0'), 0, f.amount,
                   CASE f.kind WHEN 'owner_deposit' THEN 'cash' ELSE 'bank_transfer' END, f.payer, f.paid_at, f.g
            FROM _rf f JOIN _rfseq s ON s.g = f.g JOIN owners_estate e ON e.id = f.estate_id
            ORDER BY f.paid_at, f.g
        """)
        self.bump_sequences("_rfseq", "renovation-refund")
        return {"renovation_charges": charges, "renovation_receipts": receipts, "deposit_refunds": refunds}

    def _renovation_works(self) -> dict[str, int]:
        """The passes (revoked when the works passed, the cards back the next day), checks at
        the gate every few days while they were valid, two patrols, the inspections."""
        self.number_by_year(into="_rsseq", source="(SELECT id AS g, estate_id, permit_at FROM _rw "
                                                 "WHERE permit_at IS NOT NULL)",
                            prefix="worker-pass", at="permit_at")
        passes = self.sql("""
            INSERT INTO renovation_workerpass (serial, holder_name, holder_id_number, room, contractor_name,
                permit_number, valid_from, valid_to, issued_at, revoked_at, revoke_reason, returned_at, returned_lost,
                issued_by_id, photo_id, renovation_id, return_recorded_by_id, worker_id)
            SELECT upper(e.code) || '-CR' || s.year || '-' || lpad(s.seq::text, 5, '0'), w.name, w.id_number, v.room,
                   v.contractor, r.permit_number, v.planned_start, v.planned_end, v.permit_at, v.pass_at,
                   CASE WHEN v.pass_at IS NOT NULL THEN 'renovation_ended' ELSE '' END,
                   CASE WHEN v.pass_at + interval '1 day' < %(now)s THEN v.pass_at + interval '1 day' END, false,
                   st.desk_id,
                   (SELECT min(d.id) FROM renovation_renovationdocument d WHERE d.worker_id = w.id
                    AND d.kind = 'worker_photo'),
                   v.id, CASE WHEN v.pass_at + interval '1 day' < %(now)s THEN st.desk_id END, w.id
            FROM _rw w JOIN _rsseq s ON s.g = w.id JOIN _rv v ON v.g = w.g
            JOIN renovation_renovation r ON r.id = v.id JOIN owners_estate e ON e.id = v.estate_id
            JOIN _rstaff st ON st.estate_id = v.estate_id
            ORDER BY v.permit_at, w.id
        """)
        self.bump_sequences("_rsseq", "worker-pass")
        # A worker at the gate every fifth day of the works, early in the morning window.
        checks = self.sql(f"""
            INSERT INTO renovation_gatecheck (checked_at, code, result, checked_by_id, worker_pass_id)
            SELECT t.at, p.serial, 'valid', st.desk_id, p.id
            FROM renovation_workerpass p JOIN _rv v ON v.id = p.renovation_id
            JOIN _rstaff st ON st.estate_id = v.estate_id
            CROSS JOIN LATERAL generate_series(0, p.valid_to - p.valid_from, 5) d
            CROSS JOIN LATERAL (SELECT ((p.valid_from + d) + time '08:05'
                                        + make_interval(mins => (40 * {self.r('p.id + d', 106)})::int))
                                       AT TIME ZONE %(tz)s AS at) t
            WHERE t.at < %(now)s AND t.at < coalesce(v.req1_at, %(now)s)
            ORDER BY t.at
        """)
        patrols = self.sql("""
            INSERT INTO renovation_patrol (at, in_order, findings, by_id, renovation_id)
            SELECT t.at, true, '', st.eng_id, v.id
            FROM _rv v JOIN _rstaff st ON st.estate_id = v.estate_id
            CROSS JOIN LATERAL (SELECT ((v.planned_start + 7 * k) + time '10:30') AT TIME ZONE %(tz)s AS at
                                FROM generate_series(1, 2) k) t
            WHERE v.permit_at IS NOT NULL AND t.at < coalesce(v.req1_at, %(now)s) AND t.at < %(now)s
        """)
        texts_ = _RENOVATION_TEXTS
        inspections = self.sql("""
            INSERT INTO renovation_inspection (requested_at, request_note, inspected_at, passed, items_to_fix, note,
                                               inspector_id, requested_by_id, renovation_id)
            SELECT v.req1_at, %(request)s, v.insp1_at,
                   CASE WHEN v.insp1_at IS NOT NULL THEN NOT v.fail END,
                   CASE WHEN v.insp1_at IS NOT NULL AND v.fail THEN %(items)s ELSE '' END,
                   CASE WHEN v.insp1_at IS NOT NULL AND NOT v.fail THEN %(passed)s ELSE '' END,
                   CASE WHEN v.insp1_at IS NOT NULL THEN st.eng_id END, st.desk_id, v.id
            FROM _rv v JOIN _rstaff st ON st.estate_id = v.estate_id WHERE v.req1_at IS NOT NULL
            UNION ALL
            SELECT v.req2_at, %(again)s, v.insp2_at,
                   CASE WHEN v.insp2_at IS NOT NULL THEN true END, '',
                   CASE WHEN v.insp2_at IS NOT NULL THEN %(passed_again)s ELSE '' END,
                   CASE WHEN v.insp2_at IS NOT NULL THEN st.eng_id END, st.desk_id, v.id
            FROM _rv v JOIN _rstaff st ON st.estate_id = v.estate_id WHERE v.req2_at IS NOT NULL
        """, {"items": texts_["inspection_failures"][0], "request": texts_["acceptance_notes"][0],
              "passed": texts_["inspection_notes"][0], "again": texts_["reinspection_note"],
              "passed_again": texts_["inspection_notes"][-1]})
        return {"renovation_events": self.renovation_events, "renovation_workers": self.workers_count,
                **self.renovation_files, "worker_passes": passes, "gate_checks": checks, "patrols": patrols,
                "inspections": inspections}

    def sweeps(self) -> dict[str, int]:
        """What the sweeps would have flagged by as_of, so their next run has only new
        work (complaints.overdue_sweep, repairs.late_dispatch_sweep, callbacks.hourly; the
        messages they sent are not made): a complaint past its promise a few minutes
        after it, with its event; an order not dispatched in time a minute after its
        deadline; a callback past its day early the next morning."""
        flagged = self.sql("""
            UPDATE complaints_complaint SET overdue_flagged_at = LEAST(promised_at + interval '5 minutes', %(now)s)
            WHERE status IN ('received', 'assigned', 'in_progress') AND paused_since IS NULL
              AND promised_at < %(now)s AND overdue_flagged_at IS NULL
        """)
        iso = "to_char(promised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')"
        self.sql(f"""
            INSERT INTO complaints_complaintevent (complaint_id, at, kind, from_status, to_status, note, data,
                                                   note_message, public)
            SELECT id, overdue_flagged_at, 'overdue', '', '', '', jsonb_build_object('promised_at', {iso}),
                   '{{}}'::jsonb, false
            FROM complaints_complaint WHERE id > {self.complaints_after} AND overdue_flagged_at IS NOT NULL
        """)
        alerted = self.sql("""
            UPDATE repairs_workorder SET dispatch_alerted_at = LEAST(dispatch_due_at + interval '1 minute', %(now)s)
            WHERE status IN ('registered', 'accepted') AND dispatch_due_at < %(now)s AND dispatch_alerted_at IS NULL
        """)
        late = self.sql("""
            UPDATE callbacks_callback
            SET overdue_flagged_at = LEAST(((due_on + 1)::timestamp + interval '5 minutes') AT TIME ZONE %(tz)s, %(now)s)
            WHERE status = 'due' AND due_on < (%(now)s AT TIME ZONE %(tz)s)::date AND overdue_flagged_at IS NULL
        """)
        return {"complaints_overdue": flagged, "orders_dispatch_late": alerted, "callbacks_overdue": late}

    def reports(self) -> dict[str, int]:
        """Each billed month's report, made on the next month's report day as the job makes
        it (fees.services.month_report_generate: a few grouped statements a month); then
        the stored debts of as_of's day, as the job fees.debts leaves them after midnight."""
        day = settings.FEE_POLICY_DEFAULTS["report_day"]
        made = 0
        for month in getattr(self, "bill_months", []):
            at = datetime.combine((month + timedelta(days=32)).replace(day=day), datetime.min.time(),
                                  tzinfo=timezone.get_default_timezone()).replace(hour=2, minute=30)
            if at <= self.now:
                made += len(fees_services.month_report_generate(month=month, as_of=at))
        owing = fees_services.unit_debts_rebuild(as_of=timezone.localdate(self.now))
        return {"month_reports": made, "units_owing": owing}

    def finish(self) -> dict[str, int]:
        self.sql("DROP TABLE IF EXISTS _owned, _c, _cseq, _w, _wseq, _pay, _rseq, _sr, _rv, _rvseq, _rpseq, _rlead, _rwk, "
                 "_rw, _rstaff, _rc, _rcseq, _rf, _rfseq, _rsseq")
        # VACUUM as well where it can run (not inside a test's transaction): it marks the
        # pages all-visible, so the planner trusts index-only scans from the first query.
        self.sql("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        return {}


def _sample_png() -> bytes:
    """The picture every generated document and scanned paper names: a grey page."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 160), (248, 248, 244))
    pen = ImageDraw.Draw(image)
    for y in range(20, 140, 12):
        pen.line([(12, y), (108, y)], fill=(140, 140, 140), width=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def generate(*, scale: float, seed: int, today: date, out=None) -> Report:
    """Load the data set; ``out`` (a callable) hears each part's counts and time."""
    generator = Generator(scale=scale, seed=seed, today=today)
    report = Report()
    # Seeded rows are not changes anybody made: the audit history's triggers
    # (propertydesk/audit.py) are skipped for the load, so it starts empty.
    with transaction.atomic(), audit.history_skipped():
        # Django's foreign keys are deferred to the commit, which would queue a check for
        # each of millions of rows: check each statement's rows as it ends instead.
        generator.sql("SET CONSTRAINTS ALL IMMEDIATE")
        report.timed("registry", generator.registry, out)
        report.timed("staff", generator.staff, out)
        report.timed("complaints", generator.complaints, out)
        report.timed("work orders", generator.work_orders, out)
        report.timed("callbacks", generator.callbacks, out)
        report.timed("fees", generator.fees, out)
        report.timed("services", generator.paid_services, out)
        report.timed("renovation", generator.renovations, out)
        report.timed("routine", generator.routine, out)
        report.timed("sweeps", generator.sweeps, out)
        report.timed("reports", generator.reports, out)
    report.timed("analyze", generator.finish, out)
    return report
