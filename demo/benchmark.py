"""How fast are the pages, the API and the jobs on a large data set? (`manage.py benchmark`)

Each operation is run a few times to warm up, then repeated: a page or an API list is
requested through Django's full stack (middleware, session, permissions, templates) by a
logged-in user of the right role, and a job is run at its busiest moment inside a
transaction that is rolled back, so every repetition starts from the same data. For each
run the wall time, the number of SQL statements and the time spent in them are recorded.

Beside it the *floor*: the minimal SQL that returns what the page shows (or, for a job,
the set-based statements that make the same change), run directly on the same
connection. The ratio says how far the operation is from what the database has to do.

Nothing is cached between runs except what a real user gets too (PostgreSQL's buffers,
Django's compiled templates); the output says so. It prints one table and writes JSON.
Meant for a data set made by ``manage.py seed_scale``; it creates the users it logs in as
(``bench-supervisor``, ``bench-desk``, ``bench-finance`` and a portal login for one owner)
if they are missing, and changes nothing else.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from callbacks.models import Callback, CallbackEvent
from complaints.models import OPEN_STATUSES as COMPLAINT_OPEN
from complaints.models import Complaint, ComplaintAttachment, ComplaintEvent, Suggestion
from complaints.models import Status as ComplaintStatus
from desk import shifts
from desk.models import Handover, HandoverItem, TakingsReceipt
from fees.models import Bill, MonthReport, Payment
from incidents.models import Incident
from notices.models import Notice
from owners.models import Estate, Owner, OwnerPhone, Ownership, Unit
from pages.models import DeskReport, StaffMonthFacts
from owners import crypto
from repairs.models import OPEN_STATUSES as OPEN_ORDER_STATUSES
from repairs.models import Status as OrderStatus
from repairs.models import WorkOrder, WorkOrderEvent, WorkOrderPhoto
from renovation.models import PERMITTED as RENOVATION_PERMITTED
from renovation.models import (
    Breach,
    GateCheck,
    Inspection,
    Renovation,
    RenovationCharge,
    RenovationDocument,
    RenovationEvent,
    RenovationPolicy,
    RenovationWorker,
    SignedPaper,
    WorkerPass,
)
from renovation.selectors import INTERNAL_ACTIONS

PAGE_TARGET_MS = 100.0
FLOOR_RATIO_PAGE = 2.0
FLOOR_RATIO_JOB = 3.0


# ---- measuring -------------------------------------------------------------


class SqlRecorder:
    """Counts the statements run on the connection and the time spent in them."""

    def __init__(self):
        self.statements = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.statements += 1


@dataclass
class Run:
    ms: float
    statements: int
    sql_ms: float


@dataclass
class Result:
    name: str
    kind: str
    runs: list[Run] = field(default_factory=list)
    floor_ms: float | None = None
    floor_statements: int | None = None
    error: str = ""
    rows: int | None = None        # an export's rows written
    # A page's own statements (its reads) replayed back to back as the floor is run: the
    # like-for-like figure its ratio is taken from (see measure_page).
    replay_ms: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(r.ms for r in self.runs) if self.runs else float("nan")

    @property
    def p95(self) -> float:
        values = sorted(r.ms for r in self.runs)
        return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))] if values else float("nan")

    @property
    def statements(self) -> int:
        return statistics.median_high(r.statements for r in self.runs) if self.runs else 0

    @property
    def sql_ms(self) -> float:
        return statistics.median(r.sql_ms for r in self.runs) if self.runs else float("nan")

    @property
    def ratio(self) -> float | None:
        if not self.runs or not self.floor_ms:
            return None
        # Pages: their SQL replayed back to back against the floor, run the same way (the
        # SQL timed inside the request as well, when no replay was made); jobs and exports:
        # their whole time.
        if self.kind in ("job", "export"):
            mine = self.median
        else:
            mine = self.replay_ms if self.replay_ms is not None else self.sql_ms
        return mine / self.floor_ms

    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        limit = FLOOR_RATIO_JOB if self.kind in ("job", "export") else FLOOR_RATIO_PAGE
        misses = []
        if self.kind not in ("job", "export") and self.median > PAGE_TARGET_MS:
            misses.append("time")
        if self.ratio is not None and self.ratio > limit:
            misses.append("floor")
        return "ok" if not misses else "MISS " + "+".join(misses)

    def as_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "runs": len(self.runs),
            "median_ms": round(self.median, 2), "p95_ms": round(self.p95, 2),
            "statements": self.statements, "sql_ms": round(self.sql_ms, 2),
            "floor_ms": None if self.floor_ms is None else round(self.floor_ms, 2),
            "floor_statements": self.floor_statements,
            "replay_ms": None if self.replay_ms is None else round(self.replay_ms, 2),
            "ratio": None if self.ratio is None else round(self.ratio, 2),
            "verdict": self.verdict(), "error": self.error,
            **({"rows": self.rows, "rows_per_s": round(self.rows * 1000 / self.median)} if self.rows else {}),
        }


@contextmanager
def recording():
    recorder = SqlRecorder()
    with connection.execute_wrapper(recorder):
        yield recorder


def timed(call: Callable[[], object]) -> Run:
    with recording() as rec:
        start = time.perf_counter()
        call()
        ms = (time.perf_counter() - start) * 1000
    return Run(ms=ms, statements=rec.statements, sql_ms=rec.seconds * 1000)


def repeat(call, *, warmup: int, runs: int, budget_s: float) -> list[Run]:
    for _ in range(warmup):
        call()
    out, started = [], time.perf_counter()
    for i in range(runs):
        out.append(timed(call))
        if i >= 4 and time.perf_counter() - started > budget_s:
            break
    return out


def run_floor(statements: list[tuple[str, list]], *, runs: int, warm: bool = True,
              after: Callable[[list], None] | None = None) -> tuple[float, int]:
    """Median time of the floor's statements, run directly on the connection; ``after``:
    the floor's work outside SQL, given the last statement's rows (a sweep's files)."""
    def once():
        rows = []
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description is not None:
                    rows = cursor.fetchall()
        if after is not None:
            after(rows)
    if warm:
        once()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(statements)


def sql_of(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


# ---- what is measured -------------------------------------------------------


@dataclass
class Op:
    name: str
    kind: str                                   # page | api | job | export
    who: str = "supervisor"                     # supervisor | desk | finance | owner
    url: str | Callable[[Samples], str] = ""
    floor: Callable[[Samples], list[tuple[str, list]]] | None = None
    job: str = ""                               # registry name
    at: Callable[[Samples], datetime] | None = None
    setup: Callable[[Samples, datetime], None] | None = None   # inside the rolled-back transaction
    deep: bool = False                          # API: a page in the middle of the data
    skip: Callable[[Samples], str] | None = None   # why not to measure it on this data set ("" to measure)
    floor_after: Callable[[list], None] | None = None   # a job's floor outside SQL (run_floor's ``after``)
    run: Callable[[Samples, datetime], object] | None = None   # a job-like service call instead of a registry job


@dataclass
class Samples:
    """The records the operations look at, picked from the data set."""
    now: datetime
    today: date
    unit: Unit
    owner: Owner
    phone: str
    complaint: Complaint
    work_order: WorkOrder
    callback: Callback
    month: date
    reported: date          # the latest month with a stored report (else the latest billed)
    estate_id: int
    renovation: Renovation | None = None   # one under way (else the latest), when the data set has any
    notice: Notice | None = None           # the latest emergency sent, when the data set has any
    activity: object = None                # an activity of 200 households, made by its operations' setup


def pick_samples(now: datetime) -> Samples:
    today = timezone.localdate(now)
    # An owner with a phone, a unit with bills, complaints and work orders.
    complaint = (Complaint.objects.filter(status__in=["received", "assigned", "in_progress"], owner__isnull=False)
                 .order_by("-received_at").first() or Complaint.objects.order_by("-pk").first())
    unit = complaint.unit
    ownership = Ownership.objects.filter(unit=unit, end_date__isnull=True).select_related("owner").first()
    owner = ownership.owner if ownership else complaint.owner
    phone = OwnerPhone.objects.filter(owner=owner).first()
    paid = WorkOrder.objects.filter(agreed_price__isnull=False, status="closed").order_by("-pk").first()
    work_order = paid or WorkOrder.objects.order_by("-pk").first()
    callback = Callback.objects.filter(status="due").order_by("due_on", "pk").first() or Callback.objects.first()
    latest = Bill.objects.order_by("-period").values_list("period", flat=True).first() or today.replace(day=1)
    reported = MonthReport.objects.order_by("-month").values_list("month", flat=True).first() or latest
    renovation = (Renovation.objects.filter(status__in=RENOVATION_PERMITTED).order_by("-pk").first()
                  or Renovation.objects.order_by("-pk").first())
    notice = Notice.objects.filter(emergency=True, status="published").order_by("-id").first()
    return Samples(now=now, today=today, unit=unit, owner=owner, phone=phone.number if phone else "",
                   complaint=complaint, work_order=work_order, callback=callback, month=latest,
                   reported=reported, estate_id=unit.estate_id, renovation=renovation, notice=notice)


def _complaint_rows(qs):
    return qs.values("pk", "number", "status", "urgency", "category", "promised_at", "contact_name",
                     "unit__number", "estate__name")


def _open_complaints():
    return Complaint.objects.filter(status__in=["received", "assigned", "in_progress"])


def _order_rows(qs):
    return qs.values("pk", "number", "status", "kind", "trade", "registered_at", "dispatch_due_at",
                     "requester_name", "unit__number", "estate__name")


def _callback_rows(qs):
    return qs.values("pk", "kind", "status", "due_on", "contact_name", "unit__number", "estate__name")


# ---- floors: the minimal SQL for everything a page shows --------------------------
#
# A page's floor is written out part by part: who asks (the user with their roles and
# permissions, which every page needs for its navigation and buttons, in one statement),
# the inbox badge of an HTML page, then each thing the page shows (the rows with just the
# columns shown, the counts of its tabs, its filters' choices), each the plainest SQL for
# it. A part the page computes already in its plainest form (a capped count, a grouped
# count) is the same statement here.

def _who(user_id) -> tuple[str, list]:
    """The user, their roles and permissions, and the records the navigation shows for them
    (the owner a portal login belongs to, the worker record, the language they chose)."""
    return ("SELECT u.id, u.username, u.first_name, u.last_name, u.is_superuser, u.is_active, "
            "o.id, o.name, k.id, pref.language, "
            "ARRAY(SELECT g.name FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id "
            "WHERE ug.user_id = u.id), "
            "ARRAY(SELECT p.codename FROM auth_user_groups ug JOIN auth_group_permissions gp "
            "ON gp.group_id = ug.group_id JOIN auth_permission p ON p.id = gp.permission_id "
            "WHERE ug.user_id = u.id) FROM auth_user u LEFT JOIN owners_owner o ON o.user_id = u.id "
            "LEFT JOIN repairs_worker k ON k.user_id = u.id LEFT JOIN propertydesk_userpreference pref "
            "ON pref.user_id = u.id WHERE u.id = %s", [user_id])


def _badge(user_id, owner_id=None) -> tuple[str, list]:
    if owner_id is None:
        return ("SELECT count(*) FROM propertydesk_notification WHERE recipient_id = %s AND read_at IS NULL",
                [user_id])
    return ("SELECT count(*) FROM propertydesk_notification WHERE (recipient_id = %s OR owner_id = %s) "
            "AND read_at IS NULL", [user_id, owner_id])


ESTATES = ("SELECT id, name FROM owners_estate ORDER BY name", [])
# The building filter lists a company's buildings only below a limit (else "choose the estate").
BUILDINGS_LISTED = ("SELECT count(*) FROM (SELECT 1 FROM owners_building LIMIT 101) b", [])


def _capped(querysets: list) -> tuple[str, list]:
    """Counts up to the cap, in one statement (as propertydesk.paging.capped_counts)."""
    parts, params = [], []
    for qs in querysets:
        sql, sub = qs.order_by().values("pk")[:1001].query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) c)")
        params += list(sub)
    return "SELECT " + ", ".join(parts), params


def _statuses(model, choices, open_statuses, **filters):
    rows = model.objects.filter(**filters)
    return _capped([rows.filter(status__in=open_statuses)] + [rows.filter(status=v) for v in choices])


def _owners_of_units(units_sql: str) -> str:
    """The units found, each with its owner now and the owner's main phone (shown masked)."""
    return ("SELECT f.id, f.number, e.name, o.name, ph.number FROM (" + units_sql + ") f "
            "JOIN owners_estate e ON e.id = f.estate_id "
            "LEFT JOIN owners_ownership os ON os.unit_id = f.id AND os.end_date IS NULL "
            "LEFT JOIN owners_owner o ON o.id = os.owner_id "
            "LEFT JOIN owners_ownerphone ph ON ph.owner_id = o.id AND ph.is_primary")


def _units_of_owners(owner_ids_sql: str) -> str:
    return _owners_of_units(
        "SELECT u.id, u.number, u.estate_id FROM owners_unit u JOIN owners_ownership o ON o.unit_id = u.id "
        f"AND o.end_date IS NULL WHERE o.owner_id IN ({owner_ids_sql}) ORDER BY u.number LIMIT 20")


def _residents_by(column: str) -> str:
    return ("SELECT r.name, r.phone, u.number FROM owners_resident r JOIN owners_unit u ON u.id = r.unit_id "
            f"WHERE r.{column} = %s LIMIT 20")


def _bills_of_unit(unit_id) -> list[tuple[str, list]]:
    """A unit's bills with their lines, and what paid them."""
    return [("SELECT id, number, period, amount, paid, status, due_on FROM fees_bill WHERE unit_id = %s "
             "ORDER BY period DESC LIMIT 24", [unit_id]),
            ("SELECT l.bill_id, l.description, l.quantity, l.rate, l.amount FROM fees_billline l "
             "WHERE l.bill_id IN (SELECT id FROM fees_bill WHERE unit_id = %s ORDER BY period DESC LIMIT 24)",
             [unit_id]),
            ("SELECT a.bill_id, a.amount, p.received_at, p.method FROM fees_allocation a "
             "JOIN fees_payment p ON p.id = a.payment_id WHERE a.bill_id IN "
             "(SELECT id FROM fees_bill WHERE unit_id = %s ORDER BY period DESC LIMIT 24)", [unit_id])]


def _payments_of_unit(unit_id) -> list[tuple[str, list]]:
    """A unit's payments with their receipts and the bills they paid, and its notices."""
    return [("SELECT p.id, p.amount, p.method, p.received_at, p.reversed_at, r.number FROM fees_payment p "
             "JOIN fees_receipt r ON r.id = p.receipt_id WHERE p.unit_id = %s ORDER BY p.received_at DESC LIMIT 20",
             [unit_id]),
            ("SELECT a.payment_id, a.amount, b.number FROM fees_allocation a JOIN fees_bill b ON b.id = a.bill_id "
             "WHERE a.payment_id IN (SELECT id FROM fees_payment WHERE unit_id = %s "
             "ORDER BY received_at DESC LIMIT 20)", [unit_id]),
            ("SELECT period, round, amount_owed, channel, status FROM fees_dunningnotice WHERE unit_id = %s "
             "ORDER BY period DESC, round DESC LIMIT 20", [unit_id])]


def _complaint_page(s, where: str, params: list, order: str) -> list[tuple[str, list]]:
    return [BUILDINGS_LISTED,
            (f"SELECT count(*) FROM (SELECT 1 FROM complaints_complaint c WHERE {where} LIMIT 1001) n", params),
            ("SELECT c.id, c.number, c.status, c.urgency, c.category, c.received_at, c.promised_at, c.contact_name, "
             f"left(c.description, 60), u.number, e.name, a.username FROM (SELECT * FROM complaints_complaint c WHERE {where} ORDER BY {order} "
             "LIMIT 30) c JOIN owners_unit u ON u.id = c.unit_id JOIN owners_estate e ON e.id = c.estate_id "
             f"LEFT JOIN auth_user a ON a.id = c.assignee_id ORDER BY {order}", params),
            _statuses(Complaint, ComplaintStatus.values, COMPLAINT_OPEN),
            ESTATES]


def _callback_page(s, where: str, params: list) -> list[tuple[str, list]]:
    due = Callback.objects.filter(status="due")
    return [
        # who may be given a callback (the assign menu)
        ("SELECT DISTINCT u.id, u.username, u.first_name, u.last_name FROM auth_user u "
         "JOIN auth_user_groups ug ON ug.user_id = u.id JOIN auth_group_permissions gp ON gp.group_id = ug.group_id "
         "JOIN auth_permission p ON p.id = gp.permission_id WHERE p.codename = 'perform_callback' AND u.is_active", []),
        (f"SELECT count(*) FROM (SELECT 1 FROM callbacks_callback c WHERE {where} LIMIT 1001) n", params),
        ("SELECT c.id, c.kind, c.due_on, c.contact_name, u.number, e.name, ph.number FROM "
         f"(SELECT * FROM callbacks_callback c WHERE {where} ORDER BY c.due_on, c.id LIMIT 30) c "
         "JOIN owners_unit u ON u.id = c.unit_id JOIN owners_estate e ON e.id = c.estate_id "
         "LEFT JOIN owners_ownerphone ph ON ph.owner_id = c.owner_id AND ph.is_primary ORDER BY c.due_on, c.id",
         params),
        _capped([due.filter(due_on=s.today), due.filter(due_on__lt=s.today),
                 due.filter(due_on__lte=s.today + timedelta(days=6)), due]),
        # the side panel: callbacks due per person
        ("SELECT assignee_id, count(*), count(*) FILTER (WHERE due_on < %s) FROM callbacks_callback "
         "WHERE status = 'due' GROUP BY assignee_id", [s.today]),
        ESTATES]


RENOVATION_ACTIVE = ["submitted", "returned", "approved", "fees_paid", "in_progress", "acceptance_requested",
                     "passed", "deposits_due"]


def _renovation_board(s) -> list[tuple[str, list]]:
    """The board: the open renovations counted by state, each state's 50 oldest with the
    columns a card shows (room, owner, estate, scope, dates; back at work after a failed
    inspection), and the estates of the filter."""
    return [
        ("SELECT status, count(*) FROM renovation_renovation WHERE status = ANY(%s) GROUP BY status",
         [RENOVATION_ACTIVE]),
        ("SELECT c.status, r.id, r.number, r.scope, r.planned_start, r.planned_end, u.number, o.name, e.name, "
         "(c.status = 'in_progress' AND EXISTS (SELECT 1 FROM renovation_inspection i WHERE i.renovation_id = r.id "
         "AND i.passed = false)) FROM unnest(%s::text[]) c(status) CROSS JOIN LATERAL (SELECT * FROM "
         "renovation_renovation r WHERE r.status = c.status ORDER BY r.applied_at, r.id LIMIT 50) r "
         "JOIN owners_unit u ON u.id = r.unit_id JOIN owners_owner o ON o.id = r.owner_id "
         "JOIN owners_estate e ON e.id = r.estate_id", [RENOVATION_ACTIVE]),
        ESTATES]


def _renovation_page(s) -> list[tuple[str, list]]:
    """One renovation with everything its page shows: the application with the names it
    links to, the estate's policy, the papers, the team with each one's live pass, the
    signatures (not their pictures), fees with receipts and refunds, deductions and
    penalties pending, the passes, inspections, patrols and breaches with their photos,
    the timeline and the latest gate checks."""
    pk = s.renovation.pk
    of = "WHERE renovation_id = %s"
    return [
        ("SELECT r.*, u.number, u.area, b.number, e.name, e.code, e.service_phone, o.name, c.username, "
         "a.username, p.username FROM renovation_renovation r JOIN owners_unit u ON u.id = r.unit_id "
         "JOIN owners_building b ON b.id = u.building_id JOIN owners_estate e ON e.id = r.estate_id "
         "JOIN owners_owner o ON o.id = r.owner_id LEFT JOIN auth_user c ON c.id = r.created_by_id "
         "LEFT JOIN auth_user a ON a.id = r.approved_by_id LEFT JOIN auth_user p ON p.id = r.permit_issued_by_id "
         "WHERE r.id = %s", [pk]),
        ("SELECT * FROM renovation_renovationpolicy WHERE estate_id = %s", [s.renovation.estate_id]),
        (f"SELECT d.id, d.kind, d.worker_id, d.original_name, d.content_type, d.uploaded_at, a.username "
         f"FROM renovation_renovationdocument d LEFT JOIN auth_user a ON a.id = d.uploaded_by_id {of} "
         "ORDER BY d.uploaded_at, d.id", [pk]),
        ("SELECT w.id, w.name, w.id_number, w.added_at, w.pass_fee_paid_at, w.removed_at, w.remove_reason, p.serial "
         "FROM renovation_renovationworker w LEFT JOIN renovation_workerpass p ON p.worker_id = w.id "
         "AND p.revoked_at IS NULL WHERE w.renovation_id = %s", [pk]),
        (f"SELECT id, paper, party, method, signer_name, signed_at, original_name FROM renovation_signedpaper {of} "
         "ORDER BY signed_at, id", [pk]),
        ("SELECT c.id, c.kind, c.quantity, c.rate, c.amount, c.payer_name, c.paid_at, r.number, f.voucher_number, "
         "f.amount, f.paid_at, (SELECT sum(amount) FROM renovation_deduction d WHERE d.deposit_id = c.id) "
         "FROM renovation_renovationcharge c JOIN fees_receipt r ON r.id = c.receipt_id LEFT JOIN "
         "renovation_depositrefund f ON f.deposit_id = c.id WHERE c.renovation_id = %s ORDER BY c.paid_at, c.id", [pk]),
        (f"SELECT id, serial, holder_name, holder_id_number, valid_from, valid_to, revoked_at, revoke_reason, "
         f"returned_at, returned_lost FROM renovation_workerpass {of} ORDER BY serial", [pk]),
        (f"SELECT i.*, a.username FROM renovation_inspection i LEFT JOIN auth_user a ON a.id = i.inspector_id {of} "
         "ORDER BY i.requested_at, i.id", [pk]),
        ("SELECT p.id, p.at, p.in_order, p.findings, a.username, ph.id FROM renovation_patrol p "
         "LEFT JOIN auth_user a ON a.id = p.by_id LEFT JOIN renovation_evidencephoto ph ON ph.patrol_id = p.id "
         "WHERE p.renovation_id = %s ORDER BY p.at, p.id", [pk]),
        ("SELECT b.id, b.rule, b.evidence, b.deposit_kind, b.penalty, b.status, b.proposed_at, b.decided_at, "
         "b.decision_note, d.amount, ph.id FROM renovation_breach b LEFT JOIN renovation_deduction d "
         "ON d.breach_id = b.id LEFT JOIN renovation_evidencephoto ph ON ph.breach_id = b.id "
         "WHERE b.renovation_id = %s ORDER BY b.proposed_at, b.id", [pk]),
        ("SELECT e.at, e.from_status, e.to_status, e.note, e.data, a.username FROM renovation_renovationevent e "
         "LEFT JOIN auth_user a ON a.id = e.actor_id WHERE e.renovation_id = %s ORDER BY e.at, e.id", [pk]),
        ("SELECT g.checked_at, g.code, g.result, p.serial, p.holder_name, a.username FROM renovation_gatecheck g "
         "JOIN renovation_workerpass p ON p.id = g.worker_pass_id LEFT JOIN auth_user a ON a.id = g.checked_by_id "
         "WHERE p.renovation_id = %s ORDER BY g.checked_at DESC, g.id DESC LIMIT 20", [pk])]


BENCH_DESK = "(SELECT id FROM auth_user WHERE username = 'bench-desk')"


def _portal_home_under_way(s) -> list[tuple[str, list]]:
    """What the owner's home shows under way: their open complaints by promise, their open
    work orders (theirs, or nobody's on a unit they own) newest first, their renovations
    not closed (theirs, or a co-owner's on a unit both own), five of each with the columns shown."""
    owned = "SELECT unit_id FROM owners_ownership WHERE owner_id = %s AND end_date IS NULL"
    return [
        ("SELECT c.id, c.number, c.status, c.category, c.promised_at, c.paused_since, u.number FROM complaints_complaint c "
         "JOIN owners_unit u ON u.id = c.unit_id WHERE c.owner_id = %s AND c.status IN ('received', 'assigned', "
         "'in_progress') ORDER BY c.promised_at, c.id LIMIT 5", [s.owner.pk]),
        ("SELECT w.id, w.number, w.status, w.trade, w.appointment_at, w.arrived_at, u.number FROM repairs_workorder w "
         "JOIN owners_unit u ON u.id = w.unit_id WHERE (w.owner_id = %s OR (w.owner_id IS NULL AND w.unit_id IN ("
         + owned + "))) AND w.status = ANY(%s) ORDER BY w.registered_at DESC, w.id DESC LIMIT 5",
         [s.owner.pk, s.owner.pk, list(OPEN_ORDER_STATUSES)]),
        ("SELECT r.id, r.number, r.status, r.deposits_due_on, u.number FROM renovation_renovation r "
         "JOIN owners_unit u ON u.id = r.unit_id WHERE (r.owner_id = %s OR (r.unit_id IN (" + owned + ") AND "
         "EXISTS (SELECT 1 FROM owners_ownership a WHERE a.unit_id = r.unit_id AND a.owner_id = r.owner_id "
         "AND a.end_date IS NULL))) AND r.status = ANY(%s) ORDER BY r.applied_at DESC, r.id DESC LIMIT 5",
         [s.owner.pk, s.owner.pk, RENOVATION_ACTIVE])]


def _records_of(scope: dict) -> list[tuple[str, list]]:
    """What the unit's and the owner's pages show of every app (pages.selectors.RecordPage):
    per list its first rows with the columns shown, what the owing bills come to, and every
    list's count in one capped statement. ``scope``: each model's filter (a Q)."""
    from django.db.models import F, Q, Sum

    from callbacks.models import Status as CallbackStatus
    from fees.selectors import OWING
    from gate.models import CardApplication, ItemPass, Visit
    from pages.selectors import RECORD_ROWS as n
    from renovation.models import ACTIVE_STATUSES

    complaints = Complaint.objects.filter(scope["complaints"])
    orders = WorkOrder.objects.filter(scope["work_orders"])
    callbacks = Callback.objects.filter(scope["callbacks"])
    bills = Bill.objects.filter(scope["bills"])
    renovations = Renovation.objects.filter(scope["renovations"])
    passes = ItemPass.objects.filter(scope["passes"], status__in=("awaiting_owner", "confirmed"), day__gte=scope["today"])
    visits = Visit.objects.filter(scope["visits"], time_in__gte=scope["midnight"])
    open_c, past_c = complaints.filter(status__in=COMPLAINT_OPEN), complaints.exclude(status__in=COMPLAINT_OPEN)
    open_o, past_o = orders.filter(status__in=OPEN_ORDER_STATUSES), orders.exclude(status__in=OPEN_ORDER_STATUSES)
    due, done = callbacks.filter(status=CallbackStatus.DUE), callbacks.exclude(status=CallbackStatus.DUE)
    owing, paid = bills.filter(status__in=OWING), bills.exclude(status__in=OWING)
    shown_c = ("pk", "number", "status", "description", "category", "promised_at", "received_at", "unit__number",
               "assignee__username")
    shown_o = ("pk", "number", "status", "description", "kind", "appointment_at", "registered_at", "unit__number")
    shown_cb = ("pk", "kind", "status", "due_on", "done_at", "complaint__number", "work_order__number")
    shown_b = ("pk", "number", "period", "amount", "paid", "status", "unit__number")
    return [
        sql_of(open_c.values(*shown_c).order_by("promised_at", "pk")[:n]),
        sql_of(past_c.values(*shown_c).order_by("-received_at", "-pk")[:n]),
        sql_of(open_o.values(*shown_o).order_by("-registered_at", "-pk")[:n]),
        sql_of(past_o.values(*shown_o).order_by("-registered_at", "-pk")[:n]),
        sql_of(due.values(*shown_cb).order_by("due_on", "pk")[:n]),
        sql_of(done.values(*shown_cb).order_by("-event_at", "-pk")[:n]),
        sql_of(owing.values(*shown_b).order_by("period", "pk")[:n]),
        sql_of(paid.values(*shown_b).order_by("-period", "-pk")[:n]),
        sql_of(owing.values("unit").annotate(owed=Sum(F("amount") - F("paid"))).values("owed").order_by()),
        sql_of(renovations.values("pk", "number", "status", "planned_start", "planned_end", "unit__number")
               .order_by("-applied_at", "-pk")[:n]),
        sql_of(passes.values("pk", "number", "day", "status", "applicant_name", "unit__number").order_by("day", "pk")[:n]),
        sql_of(visits.values("pk", "visitor_name", "time_in", "time_out", "confirmed", "unit__number")
               .order_by("-time_in", "-pk")[:n]),
        sql_of(CardApplication.objects.filter(scope["cards"]).values(
            "pk", "number", "kind", "status", "holder_name", "plate_number", "unit__number")
            .order_by("-applied_at", "-pk")[:n]),
        _capped([open_c, past_c, open_o, past_o, due, done, owing, paid, renovations,
                 renovations.filter(status__in=ACTIVE_STATUSES), passes, visits]),
    ]


def _unit_records(s) -> list[tuple[str, list]]:
    from django.db.models import Q

    here = Q(unit_id=s.unit.pk)
    return _records_of({**dict.fromkeys(("complaints", "work_orders", "callbacks", "bills", "renovations", "passes",
                                        "visits", "cards"), here), **_record_day(s)})


def _owner_records(s) -> list[tuple[str, list]]:
    from django.db.models import Q

    theirs = Q(owner_id=s.owner.pk)
    units = Q(unit_id__in=Ownership.objects.filter(owner=s.owner, end_date__isnull=True).values("unit_id"))
    return _records_of({"complaints": theirs, "work_orders": theirs, "callbacks": theirs, "renovations": theirs,
                        "bills": units, "passes": units, "visits": units, "cards": units, **_record_day(s)})


def _record_day(s) -> dict:
    midnight = timezone.make_aware(datetime.combine(s.today, datetime.min.time()))
    return {"today": s.today, "midnight": midnight}


def _desk_day(s) -> list[tuple[str, list]]:
    """The desk's day for a clerk: every block's capped counts in one statement; the first
    five rows of each block with the columns shown (the clerk's own callbacks, then the
    others'; complaints by promise; orders by dispatch deadline and by appointment;
    renovations waiting for the desk); the day's payments summed, and the clerk's latest;
    the undelivered figure and the failed messages with their recipient."""
    from django.db.models import Q

    now, today = s.now, s.today
    near = now + timedelta(hours=settings.COMPLAINT_NEAR_PROMISE_HOURS)
    start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    end = start + timedelta(days=1)
    due = Callback.objects.filter(status="due", due_on__lte=today)
    complaints = Complaint.objects.filter(status__in=COMPLAINT_OPEN, paused_since__isnull=True, promised_at__lt=near)
    appointments = WorkOrder.objects.filter(appointment_at__gte=start, appointment_at__lt=end).exclude(
        status__in=("refused", "voided"))
    counts = _capped([due, due.filter(Q(assignee__username="bench-desk")), due.filter(due_on__lt=today), complaints,
                      complaints.filter(promised_at__lt=now), WorkOrder.objects.filter(status__in=("registered", "accepted")),
                      appointments, Renovation.objects.filter(status__in=("submitted", "fees_paid")),
                      HandoverItem.objects.filter(status="pending"), TakingsReceipt.objects.filter(status="waiting")])
    callbacks = ("SELECT c.id, c.kind, c.due_on, c.contact_name, u.number, coalesce(k.number, w.number, a.title), "
                 "p.username FROM (SELECT * FROM callbacks_callback c WHERE c.status = 'due' AND c.due_on <= %s "
                 "AND {mine} ORDER BY c.due_on, c.id LIMIT 5) c LEFT JOIN owners_unit u ON u.id = c.unit_id "
                 "LEFT JOIN complaints_complaint k ON k.id = c.complaint_id LEFT JOIN repairs_workorder w "
                 "ON w.id = c.work_order_id LEFT JOIN activities_activity a ON a.id = c.activity_id "
                 "LEFT JOIN auth_user p ON p.id = c.assignee_id ORDER BY c.due_on, c.id")
    return [
        counts,
        (callbacks.format(mine=f"c.assignee_id = {BENCH_DESK}"), [today]),
        (callbacks.format(mine=f"c.assignee_id IS DISTINCT FROM {BENCH_DESK}"), [today]),
        ("SELECT c.id, c.number, c.category, c.urgency, c.promised_at, u.number, a.username FROM "
         "(SELECT * FROM complaints_complaint c WHERE c.status IN ('received', 'assigned', 'in_progress') "
         "AND c.paused_since IS NULL AND c.promised_at < %s ORDER BY c.promised_at, c.id LIMIT 5) c "
         "JOIN owners_unit u ON u.id = c.unit_id LEFT JOIN auth_user a ON a.id = c.assignee_id "
         "ORDER BY c.promised_at, c.id", [near]),
        ("SELECT w.id, w.number, w.kind, w.trade, w.status, w.dispatch_due_at, u.number FROM "
         "(SELECT * FROM repairs_workorder w WHERE w.status IN ('registered', 'accepted') "
         "ORDER BY w.dispatch_due_at, w.id LIMIT 5) w JOIN owners_unit u ON u.id = w.unit_id "
         "ORDER BY w.dispatch_due_at, w.id", []),
        ("SELECT w.id, w.number, w.trade, w.status, w.appointment_at, u.number, p.username FROM "
         "(SELECT * FROM repairs_workorder w WHERE w.appointment_at >= %s AND w.appointment_at < %s "
         "AND w.status NOT IN ('refused', 'voided') ORDER BY w.appointment_at, w.id LIMIT 5) w "
         "JOIN owners_unit u ON u.id = w.unit_id LEFT JOIN repairs_worker k ON k.id = w.worker_id "
         "LEFT JOIN auth_user p ON p.id = k.user_id ORDER BY w.appointment_at, w.id", [start, end]),
        ("SELECT r.id, r.number, r.status, u.number, o.name FROM (SELECT * FROM renovation_renovation r "
         "WHERE r.status IN ('submitted', 'fees_paid') ORDER BY r.applied_at, r.id LIMIT 5) r "
         "JOIN owners_unit u ON u.id = r.unit_id JOIN owners_owner o ON o.id = r.owner_id "
         "ORDER BY r.applied_at, r.id", []),
        ("SELECT count(*), sum(amount), count(*) FILTER (WHERE received_by_id = " + BENCH_DESK + "), "
         "sum(amount) FILTER (WHERE received_by_id = " + BENCH_DESK + ") FROM fees_payment "
         "WHERE received_at >= %s AND received_at < %s AND reversed_at IS NULL", [start, end]),
        ("SELECT p.id, p.amount, p.method, p.received_at, r.number, u.number FROM (SELECT * FROM fees_payment p "
         "WHERE p.received_at >= %s AND p.received_at < %s AND p.reversed_at IS NULL AND p.received_by_id = "
         + BENCH_DESK + " ORDER BY p.received_at DESC, p.id DESC LIMIT 5) p JOIN fees_receipt r ON r.id = p.receipt_id "
         "JOIN owners_unit u ON u.id = p.unit_id", [start, end]),
        ("SELECT i.id, l.text, h.shift_key, h.next_key, e.name FROM (SELECT * FROM desk_handoveritem i "
         "WHERE i.status = 'pending' ORDER BY i.handover_id, i.id LIMIT 5) i JOIN desk_handover h "
         "ON h.id = i.handover_id JOIN desk_logentry l ON l.id = i.entry_id JOIN owners_estate e "
         "ON e.id = h.estate_id ORDER BY h.handed_at, i.id", []),
        ("SELECT r.id, h.id, h.takings_total, h.shift_key, h.next_key, e.name FROM (SELECT * FROM desk_takingsreceipt r "
         "WHERE r.status = 'waiting' ORDER BY r.handover_id LIMIT 5) r JOIN desk_handover h ON h.id = r.handover_id "
         "JOIN owners_estate e ON e.id = h.estate_id ORDER BY h.handed_at, r.id", []),
        ("SELECT channel, status, count(*), min(created_at) FROM propertydesk_delivery WHERE status IN "
         "('pending', 'sending', 'failed', 'given_up') AND created_at <= %s AND channel <> 'inbox' "
         "GROUP BY channel, status", [now]),
        ("SELECT d.id, d.channel, d.status, d.last_error, n.kind, n.params, o.name, ph.number FROM "
         "(SELECT * FROM propertydesk_delivery d WHERE d.status IN ('failed', 'given_up') ORDER BY d.id DESC LIMIT 5) d "
         "JOIN propertydesk_notification n ON n.id = d.notification_id LEFT JOIN owners_owner o ON o.id = n.owner_id "
         "LEFT JOIN owners_ownerphone ph ON ph.owner_id = o.id AND ph.is_primary ORDER BY d.id DESC", []),
    ]


def operations() -> list[Op]:
    def month_q(s):
        return f"{s.month:%Y-%m}"

    open_complaints = "c.status IN ('received', 'assigned', 'in_progress')"
    ops = [
        # -- the desk's search and the registry
        Op("desk search: room", "page", "desk", lambda s: f"/desk/?q={s.unit.number}",
           floor=lambda s: [(_owners_of_units(
               "SELECT u.id, u.number, u.estate_id FROM owners_unit u WHERE upper(u.number) LIKE %s "
               "ORDER BY u.number LIMIT 20"), [s.unit.number.upper() + "%"])]),
        Op("desk search: full phone", "page", "desk", lambda s: f"/desk/?q={s.phone}",
           floor=lambda s: [(_units_of_owners("SELECT owner_id FROM owners_ownerphone WHERE number_hash = %s"),
                             [crypto.phone_index(s.phone)]),
                            (_residents_by("phone_hash"), [crypto.phone_index(s.phone)])]),
        # Four digits may be a room number as well as a phone's end: the page looks up both.
        Op("desk search: last 4 digits", "page", "desk", lambda s: f"/desk/?q={s.phone[-4:]}",
           floor=lambda s: [(_owners_of_units(
               "SELECT u.id, u.number, u.estate_id FROM owners_unit u WHERE upper(u.number) LIKE %s "
               "ORDER BY u.number LIMIT 20"), [s.phone[-4:] + "%"]),
                            (_units_of_owners("SELECT owner_id FROM owners_ownerphone WHERE tail_hash = %s"),
                             [crypto.phone_tail_index(s.phone[-4:])]),
                            (_residents_by("phone_tail_hash"), [crypto.phone_tail_index(s.phone[-4:])])]),
        Op("the desk's day (a clerk's start page)", "page", "desk", "/desk/", floor=_desk_day),
        Op("owner detail", "page", "desk", lambda s: f"/owners/{s.owner.pk}/",
           floor=lambda s: [sql_of(Owner.objects.filter(pk=s.owner.pk).values()),
                            sql_of(OwnerPhone.objects.filter(owner=s.owner).values("label", "number", "is_primary")),
                            sql_of(Ownership.objects.filter(owner=s.owner).values("unit__number", "unit__estate__name",
                                                                                  "start_date", "end_date")),
                            *_owner_records(s), ESTATES]),
        Op("unit page", "page", "desk", lambda s: f"/owners/units/{s.unit.pk}/",
           floor=lambda s: [sql_of(Unit.objects.filter(pk=s.unit.pk).values("number", "area", "estate__name",
                                                                             "building__name")),
                            ("SELECT o.name, os.start_date, os.end_date, ph.number FROM owners_ownership os "
                             "JOIN owners_owner o ON o.id = os.owner_id LEFT JOIN owners_ownerphone ph "
                             "ON ph.owner_id = o.id WHERE os.unit_id = %s", [s.unit.pk]),
                            ("SELECT name, relation, phone FROM owners_resident WHERE unit_id = %s", [s.unit.pk]),
                            *_unit_records(s)]),
        # -- complaints
        Op("complaint queue", "page", "desk", "/complaints/",
           floor=lambda s: _complaint_page(s, "TRUE", [], "c.closed_at DESC NULLS FIRST, c.resolved_at DESC "
                                                          "NULLS FIRST, c.promised_at, c.id")),
        Op("complaint queue: open, urgent", "page", "desk", "/complaints/?status=open&urgency=urgent",
           floor=lambda s: _complaint_page(s, f"{open_complaints} AND c.urgency = 'urgent'", [],
                                           "c.promised_at, c.id")),
        Op("complaint queue: overdue", "page", "desk", "/complaints/?overdue=on",
           floor=lambda s: _complaint_page(s, f"{open_complaints} AND c.paused_since IS NULL AND c.promised_at < %s",
                                           [s.now], "c.promised_at, c.id")),
        Op("history: a complaint changed 60 times", "page", "supervisor",
           lambda s: f"/history/complaints.complaint/{s.complaint.pk}/", setup=_complaint_with_history,
           floor=_history_page_floor),
        Op("complaint detail", "page", "desk", lambda s: f"/complaints/{s.complaint.pk}/",
           floor=lambda s: [
               ("SELECT c.*, u.number, b.number, e.name, o.name, a.username FROM complaints_complaint c "
                "JOIN owners_unit u ON u.id = c.unit_id JOIN owners_building b ON b.id = u.building_id "
                "JOIN owners_estate e ON e.id = c.estate_id LEFT JOIN owners_owner o ON o.id = c.owner_id "
                "LEFT JOIN auth_user a ON a.id = c.assignee_id WHERE c.id = %s", [s.complaint.pk]),
               sql_of(ComplaintEvent.objects.filter(complaint_id=s.complaint.pk).order_by("at", "pk").values(
                   "at", "kind", "from_status", "to_status", "note", "actor__username")),
               sql_of(ComplaintAttachment.objects.filter(complaint_id=s.complaint.pk).values(
                   "original_name", "size", "content_type")),
               # the owner's complaints in the repeat window (a repeat complaint is flagged)
               ("SELECT count(*) FROM complaints_complaint WHERE owner_id = %s AND received_at >= %s",
                [s.complaint.owner_id, s.complaint.received_at - timedelta(days=30)]),
               # the staff it can be given to (the estate's, by department), its callbacks and the
               # work orders it led to
               ("SELECT m.department, u.id, u.username, u.first_name, u.last_name FROM owners_staffmembership m "
                "JOIN auth_user u ON u.id = m.user_id WHERE m.estate_id = %s AND u.is_active "
                "ORDER BY m.department, u.last_name, u.first_name, u.username", [s.complaint.estate_id]),
               ("SELECT id, round, status, due_on FROM callbacks_callback WHERE complaint_id = %s",
                [s.complaint.pk]),
               ("SELECT id, number, status FROM repairs_workorder WHERE complaint_id = %s", [s.complaint.pk])]),
        # -- work orders
        Op("work-order queue", "page", "desk", "/work-orders/",
           floor=lambda s: [
               _capped([WorkOrder.objects.filter(status__in=OPEN_ORDER_STATUSES)]),
               ("SELECT w.id, w.number, w.status, w.kind, w.trade, w.registered_at, w.dispatch_due_at, "
                "w.requester_name, left(w.description, 60), u.number, e.name, wu.username "
                "FROM (SELECT * FROM repairs_workorder w "
                "WHERE w.status = ANY(%s) ORDER BY w.registered_at DESC, w.id DESC LIMIT 30) w "
                "JOIN owners_unit u ON u.id = w.unit_id JOIN owners_estate e ON e.id = w.estate_id "
                "LEFT JOIN repairs_worker k ON k.id = w.worker_id LEFT JOIN auth_user wu ON wu.id = k.user_id "
                "ORDER BY w.registered_at DESC, w.id DESC", [list(OPEN_ORDER_STATUSES)]),
               _statuses(WorkOrder, OrderStatus.values, OPEN_ORDER_STATUSES),
               # the dispatch-within-15-minutes figure of the month
               ("SELECT count(*), count(*) FILTER (WHERE dispatch_late_by IS NULL) FROM repairs_workorder "
                "WHERE dispatched_at >= %s AND dispatched_at < %s", [_month_start(s), s.now]),
               ESTATES]),
        Op("work-order detail (paid)", "page", "desk", lambda s: f"/work-orders/{s.work_order.pk}/",
           floor=lambda s: [
               ("SELECT w.*, u.number, b.number, e.name, wu.username FROM repairs_workorder w "
                "JOIN owners_unit u ON u.id = w.unit_id JOIN owners_building b ON b.id = u.building_id "
                "JOIN owners_estate e ON e.id = w.estate_id LEFT JOIN repairs_worker k ON k.id = w.worker_id "
                "LEFT JOIN auth_user wu ON wu.id = k.user_id WHERE w.id = %s", [s.work_order.pk]),
               sql_of(WorkOrderEvent.objects.filter(work_order_id=s.work_order.pk).order_by("at", "pk").values(
                   "at", "from_status", "to_status", "note", "actor__username")),
               sql_of(Callback.objects.filter(work_order_id=s.work_order.pk).values("pk", "kind", "status",
                                                                                    "due_on"))]),
        Op("work-order photo", "page", "desk", lambda s: _photo_url(_a_photo()),
           floor=lambda s: [
               # the photo of an order the reader may see (the desk sees every order)
               ("SELECT p.file, p.content_type, p.original_name FROM repairs_workorderphoto p "
                "WHERE p.id = %s AND p.work_order_id = %s", [_a_photo().pk, _a_photo().work_order_id])],
           skip=lambda s: "" if _a_photo() else "the data set has no work-order photo"),
        # -- callbacks
        Op("callback queue: due today", "page", "desk", "/callbacks/?bucket=today",
           floor=lambda s: _callback_page(s, "c.status = 'due' AND c.due_on = %s", [s.today])),
        Op("callback queue: overdue", "page", "desk", "/callbacks/?bucket=overdue",
           floor=lambda s: _callback_page(s, "c.status = 'due' AND c.due_on < %s", [s.today])),
        Op("callback detail", "page", "desk", lambda s: f"/callbacks/{s.callback.pk}/",
           floor=lambda s: [
               ("SELECT c.*, u.number, b.number, e.name, o.name, a.username FROM callbacks_callback c "
                "JOIN owners_unit u ON u.id = c.unit_id JOIN owners_building b ON b.id = u.building_id "
                "JOIN owners_estate e ON e.id = c.estate_id LEFT JOIN owners_owner o ON o.id = c.owner_id "
                "LEFT JOIN auth_user a ON a.id = c.assignee_id WHERE c.id = %s", [s.callback.pk]),
               # its source and the chain of callbacks of that source, with their results
               ("SELECT number, status, category FROM complaints_complaint WHERE id = %s",
                [s.callback.complaint_id]),
               ("SELECT c.id, c.round, c.status, c.due_on, r.method, r.satisfaction, r.at FROM callbacks_callback c "
                "LEFT JOIN callbacks_callbackresult r ON r.callback_id = c.id "
                "WHERE c.complaint_id = %s ORDER BY c.round", [s.callback.complaint_id]),
               ("SELECT DISTINCT u.id, u.username FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id "
                "JOIN auth_group_permissions gp ON gp.group_id = ug.group_id JOIN auth_permission p "
                "ON p.id = gp.permission_id WHERE p.codename = 'perform_callback' AND u.is_active", [])]),
        # -- renovation
        Op("renovation board", "page", "desk", "/renovation/", floor=_renovation_board),
        Op("renovation detail", "page", "desk", lambda s: f"/renovation/{s.renovation.pk}/",
           floor=_renovation_page, skip=_no_renovation),
        # -- fees
        Op("fee desk of a unit", "page", "finance", lambda s: f"/fees/units/{s.unit.pk}/",
           floor=lambda s: [("SELECT u.number, u.area, e.name, o.name FROM owners_unit u "
                             "JOIN owners_estate e ON e.id = u.estate_id LEFT JOIN owners_ownership os "
                             "ON os.unit_id = u.id AND os.end_date IS NULL LEFT JOIN owners_owner o "
                             "ON o.id = os.owner_id WHERE u.id = %s", [s.unit.pk]),
                            # the bills with their lines (what paid each is on the bill's page)
                            *_bills_of_unit(s.unit.pk)[:2],
                            # the payments with their receipts and the months each paid, the notices
                            *_payments_of_unit(s.unit.pk)]),
        Op("bills of a month", "page", "finance", lambda s: f"/fees/bills/?period={month_q(s)}",
           floor=lambda s: [BUILDINGS_LISTED,
                            ("SELECT count(*), sum(amount), sum(paid) FROM fees_bill WHERE period = %s", [s.month]),
                            ("SELECT b.number, u.number, o.name, b.amount, b.paid, b.status FROM (SELECT * FROM "
                             "fees_bill WHERE period = %s ORDER BY number LIMIT 50) b JOIN owners_unit u "
                             "ON u.id = b.unit_id LEFT JOIN owners_owner o ON o.id = b.owner_id ORDER BY b.number",
                             [s.month]),
                            ESTATES]),
        Op("dunning page", "page", "finance", lambda s: f"/fees/dunning/?period={month_q(s)}",
           floor=lambda s: [
               ("SELECT round, count(*) FROM fees_dunningnotice WHERE period = %s GROUP BY round", [s.month]),
               ("SELECT channel, status, count(*) FROM fees_dunningnotice WHERE period = %s AND round = 2 "
                "GROUP BY channel, status", [s.month]),
               ("SELECT n.id, n.amount_owed, n.channel, n.status, u.number, b.number, o.name FROM "
                "(SELECT n.id FROM fees_dunningnotice n JOIN owners_unit u ON u.id = n.unit_id "
                "JOIN owners_building b ON b.id = u.building_id WHERE n.period = %s AND n.round = 2 "
                "ORDER BY b.number, u.number LIMIT 50) p JOIN fees_dunningnotice n ON n.id = p.id "
                "JOIN owners_unit u ON u.id = n.unit_id JOIN owners_building b ON b.id = u.building_id "
                "LEFT JOIN owners_owner o ON o.id = n.owner_id ORDER BY b.number, u.number", [s.month]),
               ESTATES]),
        # What each unit owes past its pay-by day is stored (fees.debts): the age buckets'
        # totals, the page's 50 units, oldest debt first, with their owners and cases.
        Op("arrears", "page", "finance", "/fees/arrears/",
           floor=lambda s: [("SELECT estate_id, oldest, count(*), sum(owed) FROM fees_unitdebt "
                             "GROUP BY estate_id, oldest", []),
                            ("SELECT d.unit_id, u.number, d.owed, d.oldest, d.bills, o.name FROM "
                             "(SELECT d.*, u.number FROM fees_unitdebt d JOIN owners_unit u ON u.id = d.unit_id "
                             "ORDER BY d.oldest, u.number LIMIT 50) d JOIN owners_unit u ON u.id = d.unit_id "
                             "LEFT JOIN owners_ownership os ON os.unit_id = d.unit_id AND os.end_date IS NULL "
                             "LEFT JOIN owners_owner o ON o.id = os.owner_id", []),
                            ("SELECT unit_id, reason FROM fees_arrearscase", []),
                            ESTATES]),
        Op("month report (last month, stored)", "page", "finance",
           lambda s: f"/fees/reports/?month={s.reported:%Y-%m}",
           floor=lambda s: [sql_of(MonthReport.objects.filter(month=s.reported).values("estate_id", "data")),
                            ESTATES]),
        Op("month report (this month, live)", "page", "finance", lambda s: f"/fees/reports/?month={s.today:%Y-%m}",
           floor=lambda s: [("SELECT estate_id, count(*), sum(amount), sum(paid) FROM fees_bill "
                             "WHERE period = %s GROUP BY estate_id", [s.today.replace(day=1)]),
                            ("SELECT estate_id, method, reversed_at IS NULL, count(*), sum(amount) FROM fees_payment "
                             "WHERE received_at >= %s GROUP BY 1, 2, 3", [_month_start(s)]),
                            # arrears by age, as of today: the stored debts
                            ("SELECT estate_id, oldest, count(*), sum(owed) FROM fees_unitdebt "
                             "GROUP BY estate_id, oldest", []),
                            ("SELECT estate_id, round, channel, count(*) FROM fees_dunningnotice WHERE period = %s "
                             "GROUP BY 1, 2, 3", [s.today.replace(day=1)]),
                            ESTATES]),
        # -- the staff view: every figure one grouped statement over the period's index range
        Op("staff view: all estates, this month", "page", "supervisor", "/staff/",
           floor=lambda s: _staff_floor(s, _month_start(s), s.now)),
        # A year: its closed months' counts per person from the month facts (StaffMonthFacts,
        # kept by the pages.month_facts job), this month live.
        Op("staff view: all estates, this year", "page", "supervisor", "/staff/?period=this_year",
           floor=lambda s: [*_staff_floor(s, _month_start(s), s.now),
                            *_staff_facts_floor(date(s.today.year, 1, 1), s.today.replace(day=1))]),
        Op("staff view: all estates, last year", "page", "supervisor", "/staff/?period=last_year",
           floor=lambda s: [*_staff_facts_floor(date(s.today.year - 1, 1, 1), date(s.today.year, 1, 1)),
                            *_staff_floor(s, _month_start(s), _month_start(s))[-2:]]),
        # -- the supervisor's dashboard: months that are over from the stored facts, the
        # running month live (pages/dashboard.py)
        Op("dashboard: all estates, this month", "page", "supervisor", "/dashboard/",
           floor=lambda s: _dashboard_floor(s, months=[s.today.replace(day=1)])),
        Op("dashboard: one estate, this year", "page", "supervisor",
           lambda s: f"/dashboard/?period=year&estate={s.estate_id}",
           floor=lambda s: _dashboard_floor(s, months=[s.today.replace(month=m, day=1)
                                                       for m in range(1, s.today.month + 1)],
                                            estate_id=s.estate_id)),
        Op("dashboard: all estates, last year", "page", "supervisor", "/dashboard/?period=last_year",
           floor=lambda s: _dashboard_floor(s, months=[date(s.today.year - 1, m, 1) for m in range(1, 13)])),
        # A custom period of days: whole months from the stored facts, as a preset's; the
        # events of the parts of months at its ends (here the 16th of one month to the 15th
        # of the next) computed live over those days, then kept in the cache for ten minutes
        # (pages/dashboard.py): after the first reading, the page reads them from there.
        Op("dashboard: all estates, custom whole months", "page", "supervisor",
           lambda s: f"/dashboard/?period=custom&from={_month_start(s).date() - relativedelta(months=3)}"
                     f"&to={_month_start(s).date() - timedelta(days=1)}",
           floor=lambda s: _dashboard_floor(s, months=[_month_start(s).date() - relativedelta(months=i)
                                                       for i in (3, 2, 1)])),
        Op("dashboard: all estates, custom days over a month's end", "page", "supervisor",
           lambda s: "/dashboard/?period=custom&from={}&to={}".format(*_half_months(s)),
           floor=lambda s: _dashboard_floor(s, months=[], days=[
               (_half_months(s)[0], _half_months(s)[0].replace(day=1) + relativedelta(months=1, days=-1)),
               (_half_months(s)[1].replace(day=1), _half_months(s)[1])])),
        Op("dashboard: one estate, custom days over a month's end", "page", "supervisor",
           lambda s: "/dashboard/?period=custom&from={}&to={}&estate={}".format(*_half_months(s), s.estate_id),
           floor=lambda s: _dashboard_floor(s, months=[], estate_id=s.estate_id, days=[
               (_half_months(s)[0], _half_months(s)[0].replace(day=1) + relativedelta(months=1, days=-1)),
               (_half_months(s)[1].replace(day=1), _half_months(s)[1])])),
        # -- the supervisors' month reports (pages/report_views.py): one stored row a month,
        # the .xlsx made from it on request
        Op("month reports: the list", "page", "supervisor", "/dashboard/reports/",
           floor=lambda s: [("SELECT month, as_of, generated_at, missed FROM pages_dashboardreport "
                             "ORDER BY month DESC", [])], skip=_no_month_report),
        Op("month report: the latest, every estate", "page", "supervisor",
           lambda s: f"/dashboard/reports/{_report_month():%Y-%m}/", floor=lambda s: _month_report_floor(),
           skip=_no_month_report),
        # A download, not a page: no inbox badge (kind "api" measures it without one).
        Op("month report: the latest as .xlsx", "api", "supervisor",
           lambda s: f"/dashboard/reports/{_report_month():%Y-%m}.xlsx", floor=lambda s: _month_report_floor()[:1],
           skip=_no_month_report),
        # -- the desk's daily and weekly reports (pages/desk_report_views.py): one stored row a
        # report, the .xlsx made from it on request
        Op("desk reports: the days", "page", "desk", "/desk/reports/",
           floor=lambda s: [("SELECT id, period, last_day, data FROM pages_deskreport WHERE period = 'day' "
                             "ORDER BY last_day DESC LIMIT 31", []),
                            # "page 1 / 36", and the estate whose figures to show
                            ("SELECT count(*) FROM pages_deskreport WHERE period = 'day'", []), ESTATES],
           skip=_no_desk_report),
        Op("desk report: the latest day, every estate", "page", "desk",
           lambda s: f"/desk/reports/day/{_desk_report_day():%Y-%m-%d}/", floor=lambda s: _desk_report_floor(),
           skip=_no_desk_report),
        Op("desk report: the latest day as .xlsx", "api", "desk",
           lambda s: f"/desk/reports/day/{_desk_report_day():%Y-%m-%d}.xlsx",
           floor=lambda s: _desk_report_floor()[:1], skip=_no_desk_report),
        # -- the owner's portal
        Op("portal home", "page", "owner", "/portal/",
           floor=lambda s: [*_portal_home_under_way(s), ("SELECT u.id, u.number, e.name, e.service_phone, "
                             "(SELECT sum(amount - paid) FROM fees_bill b WHERE b.unit_id = u.id "
                             "AND b.status IN ('open', 'part_paid')) FROM owners_ownership os "
                             "JOIN owners_unit u ON u.id = os.unit_id JOIN owners_estate e ON e.id = u.estate_id "
                             "WHERE os.owner_id = %s AND os.end_date IS NULL", [s.owner.pk]),
                            ("SELECT count(*) FROM callbacks_callback WHERE owner_id = %s AND status = 'due' "
                             "AND offered_online_at IS NOT NULL", [s.owner.pk]),
                            ("SELECT r.name, r.relation FROM owners_resident r JOIN owners_ownership os "
                             "ON os.unit_id = r.unit_id AND os.end_date IS NULL WHERE os.owner_id = %s",
                             [s.owner.pk]), *_portal_notices(s, summary=True)]),
        Op("portal: my complaints", "page", "owner", "/complaints/portal/",
           floor=lambda s: [sql_of(_complaint_rows(Complaint.objects.filter(owner=s.owner)).order_by(
               "-received_at")[:30]),
               sql_of(Suggestion.objects.filter(owner=s.owner).order_by("-received_at").values(
                   "number", "subject", "status", "received_at")[:30])]),
        Op("portal: my fees", "page", "owner", "/fees/portal/",
           floor=lambda s: [("SELECT u.id, u.number, e.name FROM owners_ownership os JOIN owners_unit u "
                             "ON u.id = os.unit_id JOIN owners_estate e ON e.id = u.estate_id "
                             "WHERE os.owner_id = %s AND os.end_date IS NULL", [s.owner.pk]),
                            # the bills and payments as listed (each links to its page for its lines
                            # and what paid what), the reminders
                            *_bills_of_unit(s.unit.pk)[:1], *_payments_of_unit(s.unit.pk)[::2]]),
        Op("portal: a renovation", "page", "renovation_owner", lambda s: f"/renovation/portal/{s.renovation.pk}/",
           floor=lambda s: _portal_renovation_floor(s.renovation), skip=_no_renovation),
        # -- notices (公告): the desk's list, an emergency's households still to reach, the owner's list
        Op("notices: the desk's list", "page", "desk", "/notices/",
           floor=lambda s: [("SELECT n.*, e.name, cu.username, pu.username FROM (SELECT * FROM notices_notice "
                             "ORDER BY id DESC LIMIT 100) n JOIN owners_estate e ON e.id = n.estate_id "
                             "LEFT JOIN auth_user cu ON cu.id = n.created_by_id LEFT JOIN auth_user pu "
                             "ON pu.id = n.published_by_id ORDER BY n.id DESC", []),
                            ("SELECT id, name FROM owners_estate ORDER BY name", [])]),
        Op("notices: an emergency's unread households", "page", "desk", lambda s: f"/notices/{s.notice.pk}/",
           floor=_notice_unread_floor, skip=_no_notice),
        Op("portal: notices", "page", "owner", "/notices/portal/", floor=lambda s: _portal_notices(s)),
        # -- incidents (突发事件): the desk's list (open first), an incident, the form, the intake's notes
        Op("incidents: the desk's list", "page", "desk", "/incidents/",
           floor=lambda s: [("SELECT i.*, e.name, a.username FROM (SELECT * FROM incidents_incident "
                             "ORDER BY status <> 'open', started_at DESC, id DESC LIMIT 100) i "
                             "JOIN owners_estate e ON e.id = i.estate_id LEFT JOIN auth_user a ON a.id = i.opened_by_id",
                             []),
                            ("SELECT ib.incident_id, b.number FROM incidents_incident_buildings ib "
                             "JOIN owners_building b ON b.id = ib.building_id", []),
                            ("SELECT id, name FROM owners_estate ORDER BY name", [])]),
        Op("incidents: an incident", "page", "desk", lambda s: f"/incidents/{_an_incident()}/",
           floor=lambda s: _incident_floor(_an_incident()), skip=_no_incident),
        Op("incidents: open one", "page", "desk", "/incidents/new/",
           floor=lambda s: [("SELECT id, name, language FROM owners_estate ORDER BY name", []),
                            ("SELECT estate_id, kind, script FROM incidents_emergencyplan", [])]),
        Op("complaints: the intake's notes (an open incident)", "page", "desk",
           lambda s: f"/complaints/units/notes/?unit={_unit_in_incident()}",
           floor=lambda s: [("SELECT u.*, e.*, b.* FROM owners_unit u JOIN owners_estate e ON e.id = u.estate_id "
                             "JOIN owners_building b ON b.id = u.building_id WHERE u.id = %s", [_unit_in_incident()]),
                            ("SELECT DISTINCT i.* FROM incidents_incident i LEFT JOIN incidents_incident_buildings ib "
                             "ON ib.incident_id = i.id WHERE i.status = 'open' AND i.estate_id = "
                             "(SELECT estate_id FROM owners_unit WHERE id = %s) AND (i.whole_estate OR ib.building_id = "
                             "(SELECT building_id FROM owners_unit WHERE id = %s))",
                             [_unit_in_incident(), _unit_in_incident()])],
           skip=_no_incident),
        # -- the gate (门岗): the desk's visitors of the day, item passes, cards; the owner's passes
        Op("gate: the day's visitors", "page", "desk", "/gate/visitors/", floor=lambda s: [
            ("SELECT v.*, u.number, a.username FROM gate_visit v JOIN owners_unit u ON u.id = v.unit_id "
             "LEFT JOIN auth_user a ON a.id = v.registered_by_id WHERE v.time_in >= %s AND v.time_in < %s "
             "ORDER BY v.time_in DESC, v.id DESC LIMIT 200", list(_day_bounds(s.today))), ESTATES]),
        Op("gate: item passes", "page", "desk", "/gate/passes/", floor=lambda s: [
            *_gate_passes_floor("TRUE", []), ESTATES]),
        Op("gate: cards", "page", "desk", "/gate/cards/", floor=lambda s: [
            ("SELECT c.*, u.number, o.name, r.number FROM gate_cardapplication c JOIN owners_unit u ON u.id = c.unit_id "
             "JOIN owners_owner o ON o.id = c.applicant_id LEFT JOIN fees_receipt r ON r.id = c.receipt_id "
             "ORDER BY c.applied_at DESC, c.id DESC LIMIT 100", []), ESTATES]),
        # The desk's tenant page of a unit (from the unit page): its tenants with their logins
        # and the owner of record.
        Op("gate: a unit's tenants", "page", "desk", lambda s: f"/gate/residents/?unit={s.unit.number}",
           floor=lambda s: [
               ("SELECT u.*, e.* FROM owners_unit u JOIN owners_estate e ON e.id = u.estate_id "
                "WHERE upper(u.number) = upper(%s) LIMIT 2", [s.unit.number]),
               ("SELECT r.*, l.*, a.username FROM owners_resident r LEFT JOIN gate_residentlogin l "
                "ON l.resident_id = r.id LEFT JOIN auth_user a ON a.id = l.user_id "
                "WHERE r.unit_id = %s AND r.relation = 'tenant' ORDER BY r.move_in_date DESC, r.id DESC",
                [s.unit.pk]),
               ("SELECT o.name FROM owners_ownership os JOIN owners_owner o ON o.id = os.owner_id "
                "WHERE os.unit_id = %s AND os.end_date IS NULL ORDER BY os.start_date, os.id LIMIT 1",
                [s.unit.pk])]),
        Op("portal: item passes", "page", "owner", "/gate/portal/passes/", floor=lambda s: [
            ("SELECT u.id, u.number FROM owners_ownership os JOIN owners_unit u ON u.id = os.unit_id "
             "WHERE os.owner_id = %s AND os.end_date IS NULL", [s.owner.pk]),
            *_gate_passes_floor("p.unit_id IN (SELECT unit_id FROM owners_ownership WHERE owner_id = %s "
                                "AND end_date IS NULL)", [s.owner.pk], limit=50)]),
        # -- personal data: the owner's own file (every kind of record about them, one sheet each)
        Op("portal: my data", "page", "owner", "/portal/my-data/", floor=lambda s: []),
        Op("portal: my data (.xlsx, every record of the owner)", "page", "owner", "/portal/my-data/file/",
           floor=_my_data_floor),

        # -- community activities (社区活动): the desk's list, an activity of 200 households, the owner's list
        Op("activities: the desk's list", "page", "desk", "/activities/", floor=_activities_list_floor),
        Op("activities: an activity's 200 households", "page", "desk", lambda s: f"/activities/{s.activity.pk}/",
           setup=_activity_with_households, floor=_activity_page_floor),
        Op("portal: activities", "page", "owner", "/activities/portal/", floor=_portal_activities_floor),
        # -- the shift log and the handover (客服日志, 交接班)
        Op("shift log: the current shift", "page", "desk", "/shift-log/", floor=_shift_log_floor),
        Op("handovers: the supervisors' history", "page", "supervisor", "/shift-log/handovers/",
           floor=lambda s: [("SELECT h.*, e.name, u.username, (SELECT count(*) FROM desk_handoveritem i "
                             "WHERE i.handover_id = h.id), (SELECT count(*) FILTER (WHERE i.status = 'pending') "
                             "FROM desk_handoveritem i WHERE i.handover_id = h.id), (SELECT count(*) FILTER "
                             "(WHERE i.status = 'refused') FROM desk_handoveritem i WHERE i.handover_id = h.id) "
                             "FROM (SELECT * FROM desk_handover ORDER BY shift_start DESC, id DESC LIMIT 200) h "
                             "JOIN owners_estate e ON e.id = h.estate_id JOIN auth_user u ON u.id = h.handed_by_id "
                             "ORDER BY h.shift_start DESC, h.id DESC", []),
                            ("SELECT id, name FROM owners_estate ORDER BY name", [])]),
        Op("handover: its items to sign for", "page", "desk",
           lambda s: f"/shift-log/handovers/{_latest_handover().pk}/", floor=lambda s: _handover_floor(),
           skip=lambda s: "" if _latest_handover() else "no handover in the data set"),
        # The gate's page before a check (the check is a POST, logged): the guard's latest checks.
        Op("gate check page", "page", "desk", "/renovation/gate/",
           floor=lambda s: [(f"SELECT c.checked_at, c.code, c.result, p.holder_name, u.number FROM "
                             f"{GateCheck._meta.db_table} c LEFT JOIN {WorkerPass._meta.db_table} p "
                             f"ON p.id = c.worker_pass_id LEFT JOIN {Renovation._meta.db_table} r "
                             "ON r.id = p.renovation_id LEFT JOIN owners_unit u ON u.id = r.unit_id "
                             "WHERE c.checked_by_id = (SELECT id FROM auth_user WHERE username = 'bench-desk') "
                             "ORDER BY c.checked_at DESC, c.id DESC LIMIT 10", [])]),
    ]
    # An API list returns each record whole with the names it links to, and its nested rows.
    estate_unit = ("e.name, u.number", "JOIN owners_estate e ON e.id = t.estate_id "
                   "LEFT JOIN owners_unit u ON u.id = t.unit_id")
    api = [
        ("complaints", Complaint, (estate_unit[0] + ", u.building_id, o.name, a.username", estate_unit[1] +
                                   " LEFT JOIN owners_owner o ON o.id = t.owner_id "
                                   "LEFT JOIN auth_user a ON a.id = t.assignee_id"), []),
        ("work-orders", WorkOrder, (estate_unit[0] + ", wu.username, pi.name", estate_unit[1] +
                                    " LEFT JOIN repairs_worker k ON k.id = t.worker_id "
                                    "LEFT JOIN auth_user wu ON wu.id = k.user_id "
                                    "LEFT JOIN repairs_priceitem pi ON pi.id = t.price_item_id"), []),
        ("callbacks", Callback, estate_unit, [
            "SELECT id, number FROM repairs_workorder WHERE id IN (SELECT work_order_id FROM callbacks_callback "
            "WHERE id IN (SELECT id FROM page))",
            "SELECT callback_id, method, satisfaction, at FROM callbacks_callbackresult "
            "WHERE callback_id IN (SELECT id FROM page)",
            "SELECT callback_id, at, agrees FROM callbacks_spotcheck WHERE callback_id IN (SELECT id FROM page)"]),
        ("bills", Bill, estate_unit, [
            "SELECT bill_id, description, quantity, rate, amount FROM fees_billline "
            "WHERE bill_id IN (SELECT id FROM page)",
            "SELECT a.bill_id, a.amount, r.number, p.received_at FROM fees_allocation a JOIN fees_payment p "
            "ON p.id = a.payment_id JOIN fees_receipt r ON r.id = p.receipt_id WHERE a.bill_id IN (SELECT id FROM page)"]),
        ("owners", Owner, ("", ""), [
            "SELECT owner_id, label, number FROM owners_ownerphone WHERE owner_id IN (SELECT id FROM page)",
            "SELECT os.owner_id, u.id, u.number, e.name, os.start_date FROM owners_ownership os "
            "JOIN owners_unit u ON u.id = os.unit_id JOIN owners_estate e ON e.id = u.estate_id "
            "WHERE os.owner_id IN (SELECT id FROM page) AND os.end_date IS NULL"]),
        ("units", Unit, ("", ""), [
            "SELECT os.unit_id, o.id, o.name, os.start_date FROM owners_ownership os JOIN owners_owner o "
            "ON o.id = os.owner_id WHERE os.unit_id IN (SELECT id FROM page) AND os.end_date IS NULL"]),
        ("payments", Payment, (estate_unit[0] + ", r.number, ru.username", estate_unit[1] +
                               " JOIN fees_receipt r ON r.id = t.receipt_id "
                               "LEFT JOIN auth_user ru ON ru.id = t.received_by_id"), [
            "SELECT a.payment_id, a.amount, b.number, b.period FROM fees_allocation a JOIN fees_bill b "
            "ON b.id = a.bill_id WHERE a.payment_id IN (SELECT id FROM page)"]),
        ("incidents", Incident, ("e.name", "JOIN owners_estate e ON e.id = t.estate_id"), [
            "SELECT ib.incident_id, b.number FROM incidents_incident_buildings ib JOIN owners_building b "
            "ON b.id = ib.building_id WHERE ib.incident_id IN (SELECT id FROM page)",
            "SELECT st.*, a.username FROM incidents_incidentstep st LEFT JOIN auth_user a ON a.id = st.done_by_id "
            "WHERE st.incident_id IN (SELECT id FROM page)"]),
        ("renovations", Renovation, ("e.name, u.number, o.name", "JOIN owners_estate e ON e.id = t.estate_id "
                                     "JOIN owners_unit u ON u.id = t.unit_id JOIN owners_owner o ON o.id = t.owner_id"), [
            "SELECT renovation_id, id, name, id_number, phone, added_at, pass_fee_paid_at, removed_at, remove_reason "
            "FROM renovation_renovationworker WHERE renovation_id IN (SELECT id FROM page)",
            "SELECT renovation_id, id, kind, worker_id, file, original_name, content_type, size, uploaded_at "
            "FROM renovation_renovationdocument WHERE renovation_id IN (SELECT id FROM page)",
            "SELECT renovation_id, id, paper, party, method, signer_name, signed_at, recorded_at "
            "FROM renovation_signedpaper WHERE renovation_id IN (SELECT id FROM page)",
            # each fee and deposit with its receipt, its refund and the penalties deducted from it
            "SELECT c.renovation_id, c.id, c.kind, c.quantity, c.rate, c.amount, c.payer_name, c.paid_at, r.number, "
            "r.method, d.voucher_number, d.deducted, d.amount, d.method, d.payee_name, d.paid_at, "
            "(SELECT sum(x.amount) FROM renovation_deduction x WHERE x.deposit_id = c.id) "
            "FROM renovation_renovationcharge c JOIN fees_receipt r ON r.id = c.receipt_id "
            "LEFT JOIN renovation_depositrefund d ON d.deposit_id = c.id WHERE c.renovation_id IN (SELECT id FROM page)",
            "SELECT renovation_id, id, serial, worker_id, holder_name, holder_id_number, room, contractor_name, "
            "permit_number, valid_from, valid_to, issued_at, revoked_at, revoke_reason, returned_at, returned_lost, "
            "photo_id FROM renovation_workerpass WHERE renovation_id IN (SELECT id FROM page)",
            "SELECT renovation_id, id, requested_at, request_note, inspected_at, passed, items_to_fix, note "
            "FROM renovation_inspection WHERE renovation_id IN (SELECT id FROM page)",
            "SELECT renovation_id, deposit_kind, penalty FROM renovation_breach WHERE status = 'proposed' "
            "AND renovation_id IN (SELECT id FROM page)"]),
    ]

    def api_floor(model, names, nested, deep):
        def floor(s):
            table = model._meta.db_table
            below = f"WHERE id < {middle_pk(model)} " if deep else ""
            page = f"SELECT * FROM {table} {below}ORDER BY id DESC LIMIT 50"
            columns, joins = names
            rows = f"SELECT t.*{', ' + columns if columns else ''} FROM ({page}) t {joins} ORDER BY t.id DESC"
            return [(rows, [])] + [(f"WITH page AS ({page}) {n}", []) for n in nested]
        return floor

    for path, model, names, nested in api:
        ops.append(Op(f"API {path}: first page", "api", "supervisor", f"/api/v1/{path}/",
                      floor=api_floor(model, names, nested, False)))
        ops.append(Op(f"API {path}: deep page", "api", "supervisor", f"/api/v1/{path}/", deep=True,
                      floor=api_floor(model, names, nested, True)))
    # The reports' API (pages/api.py, fees/api.py): a list reads the stored rows without their
    # figures (a report's JSON is its detail's), newest first by id, a cursor page at its key.
    def report_page(table: str, columns: str, joins: str = "", *, deep_of=None):
        def floor(s):
            below = f"WHERE t.id < {middle_pk(deep_of)} " if deep_of is not None else ""
            return [(f"SELECT {columns} FROM {table} t {joins} {below}ORDER BY t.id DESC LIMIT 51", [])]
        return floor

    desk_report_columns = ("t.id, t.period, t.first_day, t.last_day, t.starts_at, t.ends_at, t.as_of, "
                           "t.generated_at, t.standing")
    month_report_columns = "t.id, t.estate_id, e.name, t.month, t.generated_at"
    month_report_joins = "LEFT JOIN owners_estate e ON e.id = t.estate_id"
    ops += [
        Op("API desk-reports: first page", "api", "desk", "/api/v1/desk-reports/",
           floor=report_page("pages_deskreport", desk_report_columns)),
        Op("API desk-reports: deep page", "api", "desk", "/api/v1/desk-reports/", deep=True,
           floor=report_page("pages_deskreport", desk_report_columns, deep_of=DeskReport)),
        Op("API month-reports: first page", "api", "finance", "/api/v1/month-reports/",
           floor=report_page("fees_monthreport", month_report_columns, month_report_joins)),
        Op("API month-reports: deep page", "api", "finance", "/api/v1/month-reports/", deep=True,
           floor=report_page("fees_monthreport", month_report_columns, month_report_joins, deep_of=MonthReport)),
    ]
    ops += job_operations()
    ops += export_operations()
    return ops


# ---- the lists' .xlsx ----------------------------------------------------------


# The floor of a large export: the one statement that reads the file's cells, a column of
# SQL for each column of the file (codes for labels, moments as Shanghai wall-clock time,
# the person's name joined, NULL where the file has no cell), read through a server-side
# cursor, and openpyxl's write-only mode writing each row as it comes, plain cells (money
# as a plain number, no style); both to a file.
COMPLAINT_EXPORT_FLOOR = """
    SELECT c.number, c.received_at AT TIME ZONE 'Asia/Shanghai', e.name, u.number, c.channel, c.category, c.urgency,
           c.status, NULLIF(c.department, ''), a.last_name || a.first_name, c.promised_at AT TIME ZONE 'Asia/Shanghai',
           CASE WHEN c.status IN ('received', 'assigned', 'in_progress') AND c.paused_since IS NULL
                AND c.promised_at < %s THEN 'yes' END,
           CASE WHEN c.paused_since IS NOT NULL THEN 'paused' END, NULLIF(c.reopen_count, 0),
           NULLIF(c.contact_name, ''), NULLIF(c.location, ''), c.description,
           c.resolved_at AT TIME ZONE 'Asia/Shanghai', c.closed_at AT TIME ZONE 'Asia/Shanghai'
    FROM complaints_complaint c JOIN owners_unit u ON u.id = c.unit_id JOIN owners_estate e ON e.id = c.estate_id
    LEFT JOIN auth_user a ON a.id = c.assignee_id
    WHERE c.estate_id = %s
    ORDER BY c.closed_at DESC NULLS FIRST, c.resolved_at DESC NULLS FIRST, c.promised_at, c.id"""

ORDER_EXPORT_FLOOR = """
    SELECT o.number, o.registered_at AT TIME ZONE 'Asia/Shanghai', e.name, u.number, o.kind, o.trade, p.name,
           NULLIF(o.requester_name, ''), o.status, o.dispatch_due_at AT TIME ZONE 'Asia/Shanghai',
           o.dispatched_at AT TIME ZONE 'Asia/Shanghai',
           CASE WHEN o.status IN ('registered', 'accepted') AND o.dispatch_due_at < %s THEN 'not dispatched'
                WHEN o.dispatch_late_by IS NOT NULL THEN 'late' END,
           a.last_name || a.first_name, o.appointment_at AT TIME ZONE 'Asia/Shanghai',
           o.completed_at AT TIME ZONE 'Asia/Shanghai', o.agreed_price, NULLIF(o.rework_count, 0), o.description
    FROM repairs_workorder o JOIN owners_unit u ON u.id = o.unit_id JOIN owners_estate e ON e.id = o.estate_id
    LEFT JOIN repairs_priceitem p ON p.id = o.price_item_id LEFT JOIN repairs_worker w ON w.id = o.worker_id
    LEFT JOIN auth_user a ON a.id = w.user_id
    WHERE o.estate_id = %s
    ORDER BY o.registered_at DESC, o.id DESC"""


def export_operations() -> list[Op]:
    """A large list written as .xlsx the way the background task writes it (the rows read
    2,000 at a time through one cursor, streamed to a file), against its floor (above):
    the ratio is the whole time over the floor's, as for a job. "SQL ms" is the reading
    of the rows alone (the statement, and the rows made of its values). Then the page
    that follows the downloads and the job that deletes them, at their busiest."""
    return [
        Op("export: every complaint of one estate (.xlsx)", "export", "supervisor",
           lambda s: f"complaints?estate={s.estate_id}",
           floor=lambda s: [(COMPLAINT_EXPORT_FLOOR, [s.now, s.estate_id])]),
        Op("export: every work order of one estate (.xlsx)", "export", "supervisor",
           lambda s: f"work-orders?status=all&estate={s.estate_id}",
           floor=lambda s: [(ORDER_EXPORT_FLOOR, [s.now, s.estate_id])]),
        Op("My downloads (50 listed, some being written)", "page", "supervisor", "/downloads/",
           setup=_my_downloads, floor=_my_downloads_floor),
        Op("job propertydesk.downloads_sweep (1,000 expired)", "job", job="propertydesk.downloads_sweep",
           at=lambda s: s.now, setup=_expired_downloads,
           floor=lambda s: [("UPDATE propertydesk_download SET status = 'failed', finished_at = %(now)s, "
                             "error = 'abandoned' WHERE (status = 'running' AND heartbeat_at < %(stale)s) OR "
                             "(status = 'queued' AND requested_at < %(stale)s)",
                             {"now": s.now, "stale": s.now - timedelta(minutes=15)}),
                            ("DELETE FROM propertydesk_download WHERE expires_at < %s RETURNING file", [s.now])],
           floor_after=_delete_files),
    ]


SWEEP_FILES = "exports/benchmark"   # the sweep's files, removed after the benchmark


def _downloads(s: Samples, *, user, count: int, expired: bool, files: bool):
    from django.core.files.base import ContentFile

    from propertydesk.models import Download

    storage = Download._meta.get_field("file").storage
    statuses = [Download.Status.READY] * 6 + [Download.Status.RUNNING, Download.Status.QUEUED, Download.Status.FAILED]
    rows = []
    for i in range(count):
        asked = s.now - timedelta(hours=(80 if expired else 1), minutes=i)
        status = Download.Status.READY if expired else statuses[i % len(statuses)]
        rows.append(Download(
            user=user, export="complaints", query=f"status=open&estate={s.estate_id}",
            filters=[["状态", "未办结"], ["小区", str(s.estate_id)]], language="zh-hans", status=status,
            rows_total=50_000, rows_done=50_000 if status == Download.Status.READY else 12_000,
            size=2_400_000 if status == Download.Status.READY else None, filename=f"complaints-{i}.xlsx",
            file=storage.save(f"{SWEEP_FILES}/{i}.xlsx", ContentFile(b"x" * 1024)) if files else "",
            requested_at=asked, started_at=asked, heartbeat_at=s.now - timedelta(seconds=5), finished_at=asked,
            expires_at=asked + timedelta(hours=72)))
    Download.objects.bulk_create(rows)


def _my_downloads(s: Samples, at: datetime):
    """The supervisor's page at its fullest: the 50 it lists, three in nine being written."""
    _downloads(s, user=get_user_model().objects.get(username="bench-supervisor"), count=50, expired=False,
               files=False)


def _my_downloads_floor(s: Samples) -> list[tuple[str, list]]:
    return [("SELECT d.id, d.export, d.query, d.filters, d.status, d.rows_total, d.rows_done, d.size, "
             "d.requested_at, d.expires_at FROM propertydesk_download d JOIN auth_user u ON u.id = d.user_id "
             "WHERE u.username = 'bench-supervisor' ORDER BY d.requested_at DESC, d.id DESC LIMIT 50", [])]


def _expired_downloads(s: Samples, at: datetime):
    """1,000 downloads past their retention, each with its file (those the last run deleted
    are back with the rolled-back rows, their files are not: written anew)."""
    _remove_sweep_files()
    _downloads(s, user=get_user_model().objects.get(username="bench-supervisor"), count=1000, expired=True,
               files=True)


def _delete_files(rows):
    """The sweep's floor outside SQL: each deleted download's file removed."""
    from propertydesk.models import Download

    storage = Download._meta.get_field("file").storage
    for (name,) in rows:
        storage.delete(name)


def _remove_sweep_files():
    from propertydesk.models import Download

    storage = Download._meta.get_field("file").storage
    if storage.exists(SWEEP_FILES):
        for name in storage.listdir(SWEEP_FILES)[1]:
            storage.delete(f"{SWEEP_FILES}/{name}")


def measure_export(op: Op, s: Samples, user, result: Result, *, runs: int):
    import tempfile

    from django.http import QueryDict

    from propertydesk import exports

    name, _sep, query = (op.url(s) if callable(op.url) else op.url).partition("?")
    export = exports.get_export(name)

    def write():
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
            result.rows = exports.write_list(target.name, export, export.rows(QueryDict(query), user=user, now=s.now),
                                             now=s.now)

    def read():
        for _chunk in export.rows(QueryDict(query), user=user, now=s.now).chunks():
            pass

    floors = []
    for i in range(runs + 1):        # the first round warms the buffers and is not counted
        written, reading = timed(write), timed(read)
        floor = _export_floor(op.floor(s)) if op.floor else None
        if i:
            result.runs.append(Run(ms=written.ms, statements=written.statements, sql_ms=reading.ms))
            if floor is not None:
                floors.append(floor)
    if floors:
        result.floor_ms, result.floor_statements = statistics.median(floors), len(op.floor(s))


def _export_floor(statements: list[tuple[str, list]]) -> float:
    """The floor's statement read through a server-side cursor and each row written as it
    comes by openpyxl's write-only mode, to a file: ms."""
    import tempfile

    from openpyxl import Workbook

    start = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("floor")
    with transaction.atomic():
        for sql, params in statements:
            with connection.connection.cursor(name="export_floor") as cursor:
                cursor.itersize = 2000
                cursor.execute(sql, params)
                for row in cursor:
                    sheet.append(row)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
        book.save(target.name)
    return (time.perf_counter() - start) * 1000


def middle_pk(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (min(id) + max(id)) / 2 FROM {model._meta.db_table}")
        return cursor.fetchone()[0] or 0


# ---- jobs at their busiest moment -------------------------------------------


def _staff_floor(s: Samples, start: datetime, end: datetime) -> list[tuple[str, list]]:
    """The staff view's figures per person over [start, end), the people named, the estates."""
    worker_of_order = "JOIN repairs_workorder w ON w.id = e.work_order_id JOIN repairs_worker k ON k.id = w.worker_id"
    return [
        ("SELECT assignee_id, count(*), count(*) FILTER (WHERE late_by IS NULL) FROM complaints_complaint "
         "WHERE resolved_at >= %s AND resolved_at < %s AND assignee_id IS NOT NULL GROUP BY 1", [start, end]),
        ("SELECT r.recorded_by_id, count(*), count(*) FILTER (WHERE (r.at AT TIME ZONE 'Asia/Shanghai')::date "
         "<= c.due_on) FROM callbacks_callbackresult r JOIN callbacks_callback c ON c.id = r.callback_id "
         "WHERE r.corrects_id IS NULL AND r.recorded_by_id IS NOT NULL AND r.at >= %s AND r.at < %s GROUP BY 1",
         [start, end]),
        ("SELECT worker_id, count(*) FROM repairs_workorder WHERE worker_id IS NOT NULL "
         "AND taken_at >= %s AND taken_at < %s GROUP BY 1", [start, end]),
        ("SELECT worker_id, count(*) FROM repairs_workorder WHERE worker_id IS NOT NULL "
         "AND completed_at >= %s AND completed_at < %s GROUP BY 1", [start, end]),
        ("SELECT id, user_id FROM repairs_worker", []),
        ("SELECT k.user_id, count(DISTINCT e.work_order_id) FROM repairs_workorderevent e " + worker_of_order
         + " WHERE e.to_status = 'rework' AND e.at >= %s AND e.at < %s GROUP BY 1", [start, end]),
        ("SELECT k.user_id, sum(a.rating), count(*) FROM repairs_acceptance a JOIN repairs_workorder w "
         "ON w.id = a.work_order_id JOIN repairs_worker k ON k.id = w.worker_id "
         "WHERE a.at >= %s AND a.at < %s GROUP BY 1", [start, end]),
        ("SELECT e.actor_id, count(DISTINCT e.work_order_id) FROM repairs_workorderevent e JOIN repairs_workorder w "
         "ON w.id = e.work_order_id WHERE e.from_status = 'accepted' AND e.to_status = 'dispatched' "
         "AND e.actor_id IS NOT NULL AND w.dispatch_late_by IS NOT NULL AND e.at >= %s AND e.at < %s GROUP BY 1",
         [start, end]),
        # the people shown (at most the staff), with their roles
        ("SELECT u.id, u.username, u.first_name, u.last_name, u.is_superuser, ARRAY(SELECT g.name FROM "
         "auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id WHERE ug.user_id = u.id) FROM auth_user u "
         "WHERE u.id IN (SELECT user_id FROM auth_user_groups)", []),
        ESTATES,
    ]


def _staff_facts_floor(first: date, before: date) -> list[tuple[str, list]]:
    """The kept months' counts per person in [first, before), summed over the estates."""
    counts = ", ".join(f"sum({name})" for name in StaffMonthFacts.COUNTS)
    return [("SELECT month, count(*) FROM pages_monthfacts WHERE month >= %s AND month < %s GROUP BY 1",
             [first, before]),
            (f"SELECT person_id, {counts} FROM pages_staffmonthfacts WHERE month >= %s AND month < %s "
             "GROUP BY 1", [first, before])]


def _month_start(s: Samples) -> datetime:
    return timezone.make_aware(datetime(s.today.year, s.today.month, 1))


def _leases_over(s: Samples, at: datetime):
    """1,000 tenants with a portal login whose lease ended yesterday, one a unit."""
    from gate.models import ResidentLogin, TenantStatus
    from owners.models import Resident

    units = list(Unit.objects.order_by("pk").values_list("pk", flat=True)[:1000])
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-tenant-{pk}", password="!") for pk in units)
    residents = Resident.objects.bulk_create(
        Resident(unit_id=pk, name=f"租户{pk}", relation="tenant", move_in_date=s.today - timedelta(days=400))
        for pk in units)
    ResidentLogin.objects.bulk_create(
        ResidentLogin(resident=resident, user=user, status=TenantStatus.ACTIVE, language="zh-hans",
                      lease_ends_on=s.today - timedelta(days=1), created_at=at - timedelta(days=400))
        for resident, user in zip(residents, users))


def _leases_over_floor(s: Samples) -> list[tuple[str, list]]:
    """The logins ended with their events, their users made inactive and their tokens
    revoked, their residents moved out: five set-based statements."""
    at = _local(s.today, 0, 10)
    ended = "SELECT id FROM gate_residentlogin WHERE ended_at = %(at)s AND end_reason = 'lease_end_date'"
    return [
        ("UPDATE gate_residentlogin SET status = 'ended', ended_at = %(at)s, end_reason = 'lease_end_date', "
         "activation_code_hash = '', activation_expires_at = NULL WHERE lease_ends_on < %(today)s "
         "AND status <> 'ended'", {"at": at, "today": s.today}),
        ("INSERT INTO gate_tenantevent (login_id, at, note, from_status, to_status, actor_id) "
         f"SELECT id, %(at)s, '', 'active', 'ended', NULL FROM gate_residentlogin WHERE id IN ({ended})", {"at": at}),
        (f"UPDATE auth_user SET is_active = false WHERE id IN (SELECT user_id FROM gate_residentlogin "
         f"WHERE id IN ({ended}))", {"at": at}),
        (f"DELETE FROM authtoken_token WHERE user_id IN (SELECT user_id FROM gate_residentlogin "
         f"WHERE id IN ({ended}))", {"at": at}),
        ("UPDATE owners_resident r SET move_out_date = LEAST(%(today)s, GREATEST(l.lease_ends_on, r.move_in_date)) "
         "FROM gate_residentlogin l WHERE l.resident_id = r.id AND l.ended_at = %(at)s "
         "AND l.end_reason = 'lease_end_date' AND r.move_out_date IS NULL", {"at": at, "today": s.today}),
    ]


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def _next_day_of_month(today: date, day: int) -> date:
    candidate = today.replace(day=day)
    return candidate if candidate >= today else (today + relativedelta(months=1)).replace(day=day)


def _make_callbacks_fall_due(s: Samples, at: datetime, n: int = 1000):
    """Many callbacks fall overdue in the same hour: the latest n still due get a due date of yesterday."""
    ids = list(Callback.objects.filter(status="due", overdue_flagged_at__isnull=True)
               .order_by("-due_on", "-pk").values_list("pk", flat=True)[:n])
    Callback.objects.filter(pk__in=ids).update(due_on=timezone.localdate(at) - timedelta(days=1))


def _make_complaints_overdue(s: Samples, at: datetime, n: int = 1000):
    ids = list(_open_complaints().filter(overdue_flagged_at__isnull=True, paused_since__isnull=True)
               .order_by("-pk").values_list("pk", flat=True)[:n])
    Complaint.objects.filter(pk__in=ids).update(promised_at=at - timedelta(minutes=30))


def _hourly_an_hour_before(s: Samples, at: datetime):
    from propertydesk.jobs import get_job
    get_job("callbacks.hourly").function()(as_of=at - timedelta(hours=1))


def _bill_run_first(s: Samples, at: datetime):
    from propertydesk.jobs import get_job
    get_job("fees.bill_run").function()(as_of=_local(at.date().replace(day=10), 1))


def job_operations() -> list[Op]:
    def bill_day(s):
        return _local(_next_day_of_month(s.today, 10), 1)

    def dunning(day):
        return lambda s: _local(_next_day_of_month(s.today + timedelta(days=1), day), 9)

    def next_bill_period(s):
        return _next_day_of_month(s.today, 10).replace(day=1)

    return [
        Op("job fees.bill_run (every unit billed)", "job", job="fees.bill_run", at=bill_day,
           floor=lambda s: [(BILL_RUN_FLOOR, {"start": next_bill_period(s), "as_of": bill_day(s),
                                              "end": next_bill_period(s) + relativedelta(months=1, days=-1)})]),
        Op("job fees.dunning (16th)", "job", job="fees.dunning", at=dunning(16), setup=_bill_run_first,
           floor=lambda s: [(DUNNING_FLOOR, {"start": next_bill_period(s), "round": 1, "as_of": dunning(16)(s)})]),
        Op("job fees.dunning (21st)", "job", job="fees.dunning", at=dunning(21), setup=_bill_run_first,
           floor=lambda s: [(DUNNING_FLOOR, {"start": next_bill_period(s), "round": 2, "as_of": dunning(21)(s)})]),
        Op("job fees.debts (the day after the pay-by day)", "job", job="fees.debts",
           at=lambda s: _local(_next_day_of_month(s.today + timedelta(days=1), 16), 0, 5), setup=_bill_run_first,
           floor=lambda s: [("DELETE FROM fees_unitdebt", []),
                            ("INSERT INTO fees_unitdebt (unit_id, estate_id, owed, oldest, bills) "
                             "SELECT unit_id, estate_id, sum(amount - paid), min(period), count(*) FROM fees_bill "
                             "WHERE status IN ('open', 'part_paid') AND due_on < %s GROUP BY unit_id, estate_id",
                             [_next_day_of_month(s.today + timedelta(days=1), 16)])]),
        Op("job fees.month_report", "job", job="fees.month_report",
           at=lambda s: _local(_next_day_of_month(s.today, 5) if s.today.day <= 5 else
                               (s.today + relativedelta(months=1)).replace(day=5), 6),
           floor=lambda s: [("SELECT estate_id, count(*), sum(amount), sum(paid) FROM fees_bill "
                             "WHERE period = %s GROUP BY estate_id", [s.month])]),
        Op("job callbacks.hourly (1,000 fall overdue)", "job", job="callbacks.hourly",
           at=lambda s: _local(s.today, 10), setup=_make_callbacks_fall_due,
           floor=lambda s: [*_missing_sources(_local(s.today, 10)), (OVERDUE_FLOOR.format(
               table="callbacks_callback", kind="callback.overdue", column="overdue_flagged_at",
               flag="status = 'due' AND due_on < %(today)s AND overdue_flagged_at IS NULL",
               roles="'supervisor', 'front_desk'"), {"now": _local(s.today, 10), "today": s.today})]),
        # Idle: a run an hour after one that flagged what had fallen due (the setup).
        Op("job callbacks.hourly (idle)", "job", job="callbacks.hourly", at=lambda s: _local(s.today, 11),
           setup=_hourly_an_hour_before,
           floor=lambda s: [*_missing_sources(_local(s.today, 11)),
                            ("SELECT id FROM callbacks_callback WHERE status = 'due' AND due_on < %s "
                             "AND overdue_flagged_at IS NULL", [s.today])]),
        Op("job complaints.overdue_sweep (1,000 fall overdue)", "job", job="complaints.overdue_sweep",
           at=lambda s: _local(s.today, 10, 5), setup=_make_complaints_overdue,
           floor=lambda s: [(OVERDUE_FLOOR.format(
               table="complaints_complaint", kind="complaint.overdue", column="overdue_flagged_at",
               flag="status IN ('received', 'assigned', 'in_progress') AND paused_since IS NULL "
                    "AND promised_at < %(now)s AND overdue_flagged_at IS NULL",
               roles="'supervisor'"), {"now": _local(s.today, 10, 5)})]),
        Op("job complaints.daily_followup (15:30 digest)", "job", job="complaints.daily_followup",
           at=lambda s: _local(s.today, 15, 30),
           # Two digests: every open complaint to the desk, engineering's to engineering.
           floor=lambda s: [part for department, role in (("", "front_desk"), ("engineering", "engineering"))
                            for part in _digest_floor(_local(s.today, 15, 30), department, role)]),
        Op("job repairs.late_dispatch_sweep", "job", job="repairs.late_dispatch_sweep",
           at=lambda s: _local(s.today, 10, 7),
           floor=lambda s: [(OVERDUE_FLOOR.format(
               table="repairs_workorder", kind="workorder.dispatch_late", column="dispatch_alerted_at",
               flag="status IN ('registered', 'accepted') AND dispatch_due_at < %(now)s "
                    "AND dispatch_alerted_at IS NULL",
               roles="'front_desk', 'supervisor'"), {"now": _local(s.today, 10, 7)})]),
        Op("job callbacks.monthly_rates", "job", job="callbacks.monthly_rates",
           at=lambda s: _local(_next_day_of_month(s.today, 10), 23, 30),
           floor=lambda s: [("SELECT estate_id, kind, count(*), count(done_at) FROM callbacks_callback "
                             "WHERE event_at >= %s AND event_at < %s GROUP BY estate_id, kind",
                             [s.month - relativedelta(months=1), s.month])]),
        Op("job owners.registry_check", "job", job="owners.registry_check", at=lambda s: _local(s.today, 3)),
        # At its busiest: 1,000 tenants' leases over on the same night.
        Op("job gate.tenant_leases (1,000 leases over)", "job", job="gate.tenant_leases",
           at=lambda s: _local(s.today, 0, 10), setup=_leases_over, floor=_leases_over_floor),
        # At its busiest in a steady state: on the 1st, the month just over and the running
        # one computed (the month before that settles at the same run).
        Op("job pages.month_facts (the 1st: three months computed)", "job", job="pages.month_facts",
           at=lambda s: _local((s.today + relativedelta(months=1)).replace(day=1), 0, 40),
           setup=_facts_before_the_1st,
           floor=lambda s: [part for month in _facts_months(s) for part in _month_facts_floor(month)]),
        # At its busiest: on the 2nd, the month just over not settled yet: its facts computed
        # again, what stands open read, the report written (none stored before: one month).
        Op("job pages.month_report (the 2nd: last month's facts and report)", "job", job="pages.month_report",
           at=_last_2nd, setup=_no_month_reports,
           floor=lambda s: [*_month_facts_floor(_last_2nd(s).date().replace(day=1) - relativedelta(months=1)),
                            *_dashboard_floor(s, months=[])[-4:],
                            ("INSERT INTO pages_dashboardreport (month, as_of, generated_at, data, missed) "
                             "VALUES (%s, now(), now(), '{}', 0) ON CONFLICT DO NOTHING", [date(1900, 1, 1)])]),
        # At their busiest: after downtime, every day (week) within the catch-up limit made
        # at one run, each a dozen grouped statements over its window.
        Op("job pages.daily_report (catching up DESK_REPORT_CATCH_UP_DAYS days)", "job", job="pages.daily_report",
           at=lambda s: _local(s.today, 16, 30), setup=_no_desk_reports("day")),
        Op("job pages.weekly_report (catching up DESK_REPORT_CATCH_UP_WEEKS weeks)", "job", job="pages.weekly_report",
           at=lambda s: _local(s.today - timedelta(days=(s.today.isoweekday() - 5) % 7), 16, 30),
           setup=_no_desk_reports("week")),
        Op("job renovation.daily", "job", job="renovation.daily", at=lambda s: _local(s.today, 8),
           floor=lambda s: _renovation_daily_floor(s.today)),
        Op("job propertydesk.outbox_sweep", "job", job="propertydesk.outbox_sweep",
           at=lambda s: _local(s.today, 10, 9)),
        # At its busiest: 1,000 visits and every closed renovation past their retention on one night.
        Op("job pages.personal_data_purge (1,000 visits, every closed renovation)", "job",
           job="pages.personal_data_purge", at=lambda s: _local(s.today, 4, 30), setup=_personal_data_expired,
           floor=_personal_data_purge_floor),
        # Not a scheduled job: a supervisor anonymises the sample owner once they sold their units.
        Op("owners: anonymising a departed owner", "job", run=_anonymise_owner, at=lambda s: _local(s.today, 11),
           setup=_owner_departed, floor=_anonymise_floor),
        # Not a scheduled job either: an activity of 200 households marked held (their callbacks made).
        Op("activities: marking one of 200 households held", "job", run=_hold_activity,
           at=lambda s: _local(s.today, 21), setup=_activity_with_households, floor=_hold_activity_floor),
        # Not a scheduled job but a job's size: the desk publishes an emergency to a whole estate.
        Op("notices: publishing to a whole estate", "job", run=_publish_to_estate, at=lambda s: _local(s.today, 22),
           floor=lambda s: [(PUBLISH_FLOOR, {"estate": s.estate_id, "at": _local(s.today, 22),
                                             "day": s.today})]),
    ]


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = _local(day, 0)
    return start, start + timedelta(days=1)


def _gate_passes_floor(where: str, params: list, *, limit: int = 100) -> list[tuple[str, list]]:
    """Item passes with their unit, estate and confirming owner, then their lines."""
    return [(f"SELECT p.*, u.number, e.name, o.name FROM gate_itempass p JOIN owners_unit u ON u.id = p.unit_id "
             f"JOIN owners_estate e ON e.id = p.estate_id LEFT JOIN owners_owner o ON o.id = p.confirmed_by_id "
             f"WHERE {where} ORDER BY p.day DESC, p.id DESC LIMIT {limit}", params),
            (f"SELECT l.* FROM gate_itempassline l WHERE l.item_pass_id IN (SELECT p.id FROM gate_itempass p "
             f"WHERE {where} ORDER BY p.day DESC, p.id DESC LIMIT {limit}) ORDER BY l.id", params)]
ACTIVITY_HOUSEHOLDS = 200


HISTORY_CHANGES = 60


def _complaint_with_history(s: Samples, at: datetime) -> None:
    """The sample complaint changed HISTORY_CHANGES times, each by a request of its own
    (seeded data has no history: seed_scale loads with the triggers skipped)."""
    import pghistory

    desk = get_user_model().objects.filter(username="bench-desk").values_list("pk", flat=True).first()
    for i in range(HISTORY_CHANGES):
        with pghistory.context(user=desk, method="POST", path=f"/complaints/{s.complaint.pk}/", request_id=f"bench{i}"):
            Complaint.objects.filter(pk=s.complaint.pk).update(
                location=f"{i + 1} 号楼道", urgency=("urgent", "normal")[i % 2])


def _history_page_floor(s: Samples) -> list[tuple[str, list]]:
    """A page of 25 changes with the one before them and their contexts, the people named,
    the record, and the names of what its foreign keys point at."""
    return [
        ("SELECT h.*, c.metadata FROM complaints_complainthistory h LEFT JOIN pghistory_context c "
         "ON c.id = h.pgh_context_id WHERE h.pgh_obj_id = %s ORDER BY h.pgh_id DESC LIMIT 26", [s.complaint.pk]),
        ("SELECT id, username, first_name, last_name FROM auth_user WHERE id IN "
         "(SELECT (c.metadata ->> 'user')::int FROM complaints_complainthistory h JOIN pghistory_context c "
         "ON c.id = h.pgh_context_id WHERE h.pgh_obj_id = %s)", [s.complaint.pk]),
        ("SELECT c.*, u.number, e.name, o.name FROM complaints_complaint c JOIN owners_unit u ON u.id = c.unit_id "
         "JOIN owners_estate e ON e.id = c.estate_id LEFT JOIN owners_owner o ON o.id = c.owner_id "
         "WHERE c.id = %s", [s.complaint.pk]),
    ]


def _activity_with_households(s: Samples, at: datetime) -> None:
    """A planned activity of the sample's estate that started two hours before ``at``, with
    ACTIVITY_HOUSEHOLDS households that came (written directly: this is the busy moment)."""
    from activities.models import Activity, Participation

    start = at - timedelta(hours=2)
    s.activity = Activity.objects.create(estate_id=s.estate_id, title="中秋游园会", kind="cultural", place="中心花园",
                                         starts_at=start, held_on=timezone.localdate(start), created_at=start)
    units = (Ownership.objects.filter(unit__estate_id=s.estate_id, end_date__isnull=True)
             .order_by("unit_id", "start_date", "pk").distinct("unit_id").values_list("unit_id", "owner_id"))
    Participation.objects.bulk_create([
        Participation(activity=s.activity, unit_id=unit_id, owner_id=owner_id, people=2, attended=True,
                      recorded_at=start) for unit_id, owner_id in units[:ACTIVITY_HOUSEHOLDS]])


def _hold_activity(s: Samples, at: datetime):
    from activities import services

    return services.activity_hold(activity=s.activity, now=at)


def _hold_activity_floor(s: Samples) -> list[tuple[str, list]]:
    """Marking it held in one statement: the activity moved, its event, a callback per household."""
    at = _local(s.today, 21)
    return [("""
        WITH a AS (UPDATE activities_activity SET status = 'held', finished_at = %(at)s WHERE id = %(pk)s
                   AND status = 'planned' RETURNING id, estate_id),
        ev AS (INSERT INTO activities_activityevent (activity_id, at, from_status, to_status, note)
               SELECT id, %(at)s, 'planned', 'held', '' FROM a)
        INSERT INTO callbacks_callback (estate_id, kind, source_key, activity_id, round, unit_id, owner_id,
                                        contact_name, event_at, due_on, status, created_at, created_by_job, cancel_reason)
        SELECT a.estate_id, 'activity', 'activity:' || a.id || ':unit:' || p.unit_id, a.id, 1, p.unit_id, p.owner_id,
               o.name, %(at)s, %(due)s, 'due', %(at)s, false, ''
        FROM a JOIN activities_participation p ON p.activity_id = a.id AND p.attended
        LEFT JOIN owners_owner o ON o.id = p.owner_id
        ON CONFLICT (source_key) DO NOTHING""",
             {"at": at, "pk": s.activity.pk, "due": s.today + relativedelta(months=1)})]


def _activities_list_floor(s: Samples) -> list[tuple[str, list]]:
    return [("SELECT a.*, e.name, (SELECT count(*) FROM activities_participation p WHERE p.activity_id = a.id), "
             "(SELECT count(*) FROM activities_participation p WHERE p.activity_id = a.id AND p.attended) "
             "FROM activities_activity a JOIN owners_estate e ON e.id = a.estate_id "
             "ORDER BY a.status <> 'planned', CASE WHEN a.status = 'planned' THEN a.starts_at END, "
             "a.starts_at DESC, a.id DESC LIMIT 200", []),
            ("SELECT id, name FROM owners_estate ORDER BY name", [])]


def _activity_page_floor(s: Samples) -> list[tuple[str, list]]:
    pk = s.activity.pk
    return [("SELECT a.*, e.name FROM activities_activity a JOIN owners_estate e ON e.id = a.estate_id "
             "WHERE a.id = %s", [pk]),
            ("SELECT ev.*, u.username FROM activities_activityevent ev LEFT JOIN auth_user u ON u.id = ev.actor_id "
             "WHERE ev.activity_id = %s ORDER BY ev.at, ev.id", [pk]),
            ("SELECT p.*, u.number, o.name, r.name FROM activities_participation p JOIN owners_unit u "
             "ON u.id = p.unit_id LEFT JOIN owners_owner o ON o.id = p.owner_id LEFT JOIN owners_resident r "
             "ON r.id = p.resident_id WHERE p.activity_id = %s ORDER BY u.number, p.unit_id", [pk])]


def _portal_activities_floor(s: Samples) -> list[tuple[str, list]]:
    return [("SELECT a.*, e.name, EXISTS (SELECT 1 FROM activities_participation p JOIN owners_ownership os "
             "ON os.unit_id = p.unit_id AND os.end_date IS NULL AND os.owner_id = %s WHERE p.activity_id = a.id) "
             "FROM activities_activity a JOIN owners_estate e ON e.id = a.estate_id WHERE a.status = 'planned' "
             "AND a.starts_at >= %s AND a.estate_id IN (SELECT u.estate_id FROM owners_ownership os JOIN owners_unit u "
             "ON u.id = os.unit_id WHERE os.owner_id = %s AND os.end_date IS NULL) ORDER BY a.starts_at, a.id "
             "LIMIT 50", [s.owner.pk, s.now, s.owner.pk])]


def _no_notice(s: Samples) -> str:
    return "" if s.notice else "no emergency notice in the data set"


def _portal_notices(s: Samples, *, summary: bool = False) -> list[tuple[str, list]]:
    """The owner's notices (those sent to the units they own now, each read or not); for
    the home, the count of current unread ones and the latest current one."""
    mine = ("SELECT 1 FROM notices_noticehousehold h WHERE h.notice_id = n.id AND h.unit_id IN "
            "(SELECT unit_id FROM owners_ownership WHERE owner_id = %s AND end_date IS NULL)")
    sent = f"n.status IN ('published', 'ended', 'withdrawn') AND EXISTS ({mine})"
    if not summary:
        return [(f"SELECT n.*, e.name, EXISTS ({mine} AND h.read_at IS NOT NULL) FROM notices_notice n "
                 f"JOIN owners_estate e ON e.id = n.estate_id WHERE {sent} "
                 "ORDER BY n.published_at DESC, n.id DESC LIMIT 100", [s.owner.pk, s.owner.pk])]
    current = f"{sent} AND n.status = 'published' AND (n.ends_at IS NULL OR n.ends_at > %s)"
    return [(f"SELECT n.*, count(*) FILTER (WHERE NOT EXISTS ({mine} AND h.read_at IS NOT NULL)) OVER () "
             f"FROM notices_notice n WHERE {current} ORDER BY n.emergency DESC, n.published_at DESC, "
             "n.id DESC LIMIT 1", [s.owner.pk, s.owner.pk, s.now])]


def _notice_unread_floor(s: Samples) -> list[tuple[str, list]]:
    """The notice with its estate, buildings, units and events; its first households not
    read by room number with their building, their owners of record and primary phones."""
    pk = s.notice.pk
    page = ("SELECT h.unit_id, u.number, b.number AS building FROM notices_noticehousehold h "
            "JOIN owners_unit u ON u.id = h.unit_id JOIN owners_building b ON b.id = u.building_id "
            "WHERE h.notice_id = %s AND h.read_at IS NULL ORDER BY u.number, h.unit_id LIMIT 300")
    return [("SELECT n.*, e.* FROM notices_notice n JOIN owners_estate e ON e.id = n.estate_id WHERE n.id = %s", [pk]),
            ("SELECT b.number FROM notices_notice_buildings nb JOIN owners_building b ON b.id = nb.building_id "
             "WHERE nb.notice_id = %s", [pk]),
            ("SELECT u.number FROM notices_notice_units nu JOIN owners_unit u ON u.id = nu.unit_id "
             "WHERE nu.notice_id = %s", [pk]),
            ("SELECT ev.*, a.username FROM notices_noticeevent ev LEFT JOIN auth_user a ON a.id = ev.actor_id "
             "WHERE ev.notice_id = %s ORDER BY ev.at, ev.id", [pk]),
            (f"WITH page AS ({page}) SELECT p.*, o.id, o.name, ph.number FROM page p "
             "LEFT JOIN LATERAL (SELECT own.owner_id FROM owners_ownership own WHERE own.unit_id = p.unit_id "
             "AND own.end_date IS NULL ORDER BY own.start_date, own.id LIMIT 1) own ON true "
             "LEFT JOIN owners_owner o ON o.id = own.owner_id "
             "LEFT JOIN owners_ownerphone ph ON ph.owner_id = o.id AND ph.is_primary", [pk])]


def _an_incident() -> int | None:
    """The latest open incident, else the latest one: the desk's page of it."""
    from incidents.models import Incident

    return (Incident.objects.filter(status="open").order_by("-id").values_list("pk", flat=True).first()
            or Incident.objects.order_by("-id").values_list("pk", flat=True).first())


def _unit_in_incident() -> int | None:
    """A unit of the building of an open incident (or of its estate, for a whole-estate one)."""
    from incidents.models import Incident
    from owners.models import Unit

    incident = Incident.objects.filter(status="open").order_by("-id").first()
    if incident is None:
        return None
    units = Unit.objects.filter(estate_id=incident.estate_id)
    if not incident.whole_estate:
        units = units.filter(building__in=incident.buildings.all())
    return units.order_by("id").values_list("pk", flat=True).first()


def _no_incident(s: Samples) -> str:
    return "" if _unit_in_incident() else "no open incident in the data set"


def _incident_floor(pk) -> list[tuple[str, list]]:
    """The incident with its estate, opener and notice; its buildings, steps with who ticked
    them, events with who moved it."""
    return [("SELECT i.*, e.*, a.*, n.* FROM incidents_incident i JOIN owners_estate e ON e.id = i.estate_id "
             "LEFT JOIN auth_user a ON a.id = i.opened_by_id LEFT JOIN notices_notice n ON n.id = i.notice_id "
             "WHERE i.id = %s", [pk]),
            ("SELECT b.number FROM incidents_incident_buildings ib JOIN owners_building b ON b.id = ib.building_id "
             "WHERE ib.incident_id = %s", [pk]),
            ("SELECT st.*, a.username FROM incidents_incidentstep st LEFT JOIN auth_user a ON a.id = st.done_by_id "
             "WHERE st.incident_id = %s ORDER BY st.position, st.id", [pk]),
            ("SELECT ev.*, a.username FROM incidents_incidentevent ev LEFT JOIN auth_user a ON a.id = ev.actor_id "
             "WHERE ev.incident_id = %s ORDER BY ev.at, ev.id", [pk])]


def _publish_to_estate(s: Samples, at: datetime):
    """The desk's two clicks: an emergency outage drafted for the sample's estate, then published."""
    from notices import services
    from owners.models import Estate

    notice = services.notice_create(
        estate=Estate.objects.get(pk=s.estate_id), kind="outage", emergency=True, title="紧急停水通知",
        body="{place}自{start}起停水，预计{end}前恢复。", place="全小区", starts_at=at, ends_at=at + timedelta(hours=6),
        now=at)
    return services.notice_publish(notice=notice, now=at)


# What publishing to a whole estate has to write, in one statement: the notice, its
# households (every unit with a current owner), one message to each current owner and
# its deliveries (the inbox and the owner's channel).
PUBLISH_FLOOR = """
    WITH n AS (
        INSERT INTO notices_notice (estate_id, kind, emergency, audience, title, body, place, starts_at, ends_at,
                                    status, created_at, published_at, households, read_households, messages_sent)
        VALUES (%(estate)s, 'outage', true, 'estate', '紧急停水通知', '停水', '全小区', %(at)s, %(at)s + interval '6 hours',
                'published', %(at)s, %(at)s, 0, 0, 0) RETURNING id
    ), ev AS (
        INSERT INTO notices_noticeevent (notice_id, at, from_status, to_status, note)
        SELECT id, %(at)s, 'draft', 'published', '' FROM n
    ), h AS (
        INSERT INTO notices_noticehousehold (notice_id, unit_id)
        SELECT n.id, u.id FROM n, owners_unit u WHERE u.estate_id = %(estate)s AND EXISTS (
            SELECT 1 FROM owners_ownership own WHERE own.unit_id = u.id AND own.start_date <= %(day)s
            AND (own.end_date IS NULL OR own.end_date > %(day)s))
        RETURNING notice_id, unit_id
    ), told AS (
        SELECT DISTINCT h.notice_id, own.owner_id FROM h JOIN owners_ownership own ON own.unit_id = h.unit_id
        AND own.start_date <= %(day)s AND (own.end_date IS NULL OR own.end_date > %(day)s)
    ), w AS (
        INSERT INTO propertydesk_notification (recipient_id, owner_id, kind, params, url, created_at, dedupe_key)
        SELECT o.user_id, o.id, 'notices.emergency', '{}'::jsonb, '', %(at)s, 'notice:' || t.notice_id || ':owner:' || o.id
        FROM told t JOIN owners_owner o ON o.id = t.owner_id RETURNING id, owner_id
    )
    INSERT INTO propertydesk_delivery (notification_id, channel, status, attempts, last_error, provider_id,
                                       idempotency_key, created_at, sent_at, claimed_by)
    SELECT w.id, ch.channel, CASE WHEN ch.channel = 'inbox' THEN 'sent' ELSE 'pending' END, 0, '', '',
           'floor-' || w.id || '-' || ch.channel, %(at)s, CASE WHEN ch.channel = 'inbox' THEN %(at)s::timestamptz END, ''
    FROM w JOIN owners_owner o ON o.id = w.owner_id
    CROSS JOIN LATERAL (VALUES ('inbox'), (CASE WHEN o.preferred_channel = 'email' AND o.email <> '' THEN 'email'
        WHEN o.preferred_channel IN ('sms', 'phone', 'wechat') AND EXISTS (SELECT 1 FROM owners_ownerphone ph
        WHERE ph.owner_id = o.id AND ph.is_primary) THEN 'sms' ELSE '' END)) ch(channel)
    WHERE ch.channel <> ''"""


def _dashboard_floor(s: Samples, *, months: list[date], estate_id: int | None = None,
                     days: list[tuple[date, date]] | None = None) -> list[tuple[str, list]]:
    """What the supervisor's dashboard shows, statement by statement: the stored month facts
    of the months that are over (the period's and the twelve of the trends), the running
    month's figures grouped by estate from each table (or, for a custom period of days,
    each part of a month's at its ends: ``days``, each a first and last day), and what
    stands open now."""
    running = s.today.replace(day=1)
    closed = sorted({m for m in months if m < running}
                    | {running - relativedelta(months=i) for i in range(1, 12)})
    where = "" if estate_id is None else f" AND estate_id = {int(estate_id)}"
    now, today = s.now, s.today
    parts = [(_month_start(s), _month_start(s) + relativedelta(months=1), running, today)]
    if days is not None:
        parts = [(timezone.make_aware(datetime.combine(first, datetime.min.time())),
                  timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time())),
                  first.replace(day=1), min(today, last + timedelta(days=1))) for first, last in days]
    return [ESTATES, (f"SELECT estate_id, month, figures FROM pages_monthfacts WHERE month = ANY(%s){where}",
                      [closed])] + [statement for start, end, month, day in parts
                                    for statement in _dashboard_live(start, end, month, day)[
                                        :None if days is None else _DASHBOARD_EVENT_STATEMENTS]] + [
        # standing now
        ("SELECT estate_id, width_bucket(extract(epoch FROM %s - received_at) / 86400, ARRAY[1, 3, 7, 30]), "
         "count(*) FROM complaints_complaint WHERE status IN ('received', 'assigned', 'in_progress') GROUP BY 1, 2",
         [now]),
        ("SELECT estate_id, count(*) FROM callbacks_callback WHERE status = 'due' AND due_on < %s GROUP BY 1",
         [today]),
        ("SELECT r.estate_id, sum(c.amount), count(*), sum(c.amount) FILTER (WHERE r.deposits_due_on <= %s), "
         "count(*) FILTER (WHERE r.deposits_due_on <= %s) FROM renovation_renovationcharge c JOIN "
         "renovation_renovation r ON r.id = c.renovation_id WHERE c.kind IN ('owner_deposit', 'contractor_deposit') "
         "AND NOT EXISTS (SELECT 1 FROM renovation_depositrefund f WHERE f.deposit_id = c.id) GROUP BY 1",
         [today, today]),
        ("SELECT channel, status, count(*), min(created_at) FROM propertydesk_delivery WHERE status IN "
         "('pending', 'sending', 'failed', 'given_up') AND channel <> 'inbox' AND created_at <= %s GROUP BY 1, 2",
         [now]),
    ]


def _half_months(s: Samples) -> tuple[date, date]:
    """The 16th of the month before last to the 15th of last month: two parts of months."""
    last_month = _month_start(s).date() - relativedelta(months=1)
    return (last_month - relativedelta(months=1)).replace(day=16), last_month.replace(day=15)


# The first statements of _dashboard_live are the events'; a part of a month in a custom
# period reads only those (its fees and callback rates are its month's, stored).
_DASHBOARD_EVENT_STATEMENTS = 6


def _dashboard_live(start: datetime, end: datetime, month: date, day: date) -> list[tuple[str, list]]:
    """A month's (or a part of a month's) figures on the dashboard, grouped by estate from
    each table: the moments [start, end), the bills of ``month``, callbacks due by ``day``."""
    return [
        ("SELECT estate_id, count(*) FILTER (WHERE resolved_at >= %s), count(*) FILTER (WHERE resolved_at >= %s "
         "AND late_by IS NULL), sum(extract(epoch FROM resolved_at - received_at)) FILTER (WHERE resolved_at >= %s), "
         "count(*) FILTER (WHERE assigned_at >= %s), sum(extract(epoch FROM assigned_at - received_at)) "
         "FILTER (WHERE assigned_at >= %s) FROM complaints_complaint WHERE (resolved_at >= %s AND resolved_at < %s) "
         "OR (assigned_at >= %s AND assigned_at < %s) GROUP BY estate_id",
         [start, start, start, start, start, start, end, start, end]),
        ("SELECT estate_id, count(*), count(*) FILTER (WHERE status = 'adopted') FROM complaints_suggestion "
         "WHERE decided_at >= %s AND decided_at < %s GROUP BY estate_id", [start, end]),
        ("SELECT estate_id, count(*) FILTER (WHERE dispatched_at >= %s), count(*) FILTER (WHERE dispatched_at >= %s "
         "AND dispatch_late_by IS NULL), count(*) FILTER (WHERE completed_at >= %s), count(*) FILTER (WHERE "
         "completed_at >= %s AND completed_at <= coalesce(planned_end_at, appointment_at + interval '4 hours', "
         "registered_at + interval '72 hours')) FROM repairs_workorder WHERE (dispatched_at >= %s AND dispatched_at "
         "< %s) OR (completed_at >= %s AND completed_at < %s) GROUP BY estate_id",
         [start, start, start, start, start, end, start, end]),
        ("SELECT w.estate_id, count(*), sum(a.rating) FROM repairs_acceptance a JOIN repairs_workorder w "
         "ON w.id = a.work_order_id WHERE a.at >= %s AND a.at < %s GROUP BY w.estate_id", [start, end]),
        ("SELECT c.estate_id, count(*), count(*) FILTER (WHERE r.satisfaction IN ('very_satisfied', 'satisfied')) "
         "FROM callbacks_callbackresult r JOIN callbacks_callback c ON c.id = r.callback_id WHERE r.at >= %s "
         "AND r.at < %s AND NOT EXISTS (SELECT 1 FROM callbacks_callbackresult n WHERE n.corrects_id = r.id) "
         "GROUP BY c.estate_id", [start, end]),
        ("SELECT c.estate_id, count(*) FROM callbacks_spotcheck k JOIN callbacks_callback c ON c.id = k.callback_id "
         "WHERE k.at >= %s AND k.at < %s GROUP BY c.estate_id", [start, end]),
        ("SELECT estate_id, kind, count(*), count(*) FILTER (WHERE status = 'done') FROM callbacks_callback "
         "WHERE event_at >= %s AND event_at < %s AND due_on <= %s AND status <> 'cancelled' GROUP BY 1, 2",
         [start, end, day]),
        ("SELECT estate_id, sum(amount), sum(paid), count(*), count(*) FILTER (WHERE status = 'paid') FROM fees_bill "
         "WHERE period = %s GROUP BY estate_id", [month]),
        ("SELECT b.estate_id, sum(a.amount) FROM fees_allocation a JOIN fees_payment p ON p.id = a.payment_id "
         "JOIN fees_bill b ON b.id = a.bill_id WHERE p.reversed_at IS NULL AND b.period < %s AND p.received_at >= %s "
         "GROUP BY b.estate_id", [month, start]),
        ("SELECT estate_id, sum(amount - paid) FROM fees_bill WHERE status IN ('open', 'part_paid') AND period < %s "
         "GROUP BY estate_id", [month]),
    ]


def _facts_months(s: Samples) -> list[date]:
    first = (s.today + relativedelta(months=1)).replace(day=1)
    return [first - relativedelta(months=2), first - relativedelta(months=1), first]


def _facts_before_the_1st(s: Samples, at: datetime):
    """The month facts as the hourly runs of the month before left them: every month
    stored, the last two not settled."""
    from pages.models import MonthFacts
    from pages.services import month_facts_store

    months = _facts_months(s)
    MonthFacts.objects.filter(month__in=months).delete()
    for month in months[:2]:
        month_facts_store(month=month, as_of=at - timedelta(hours=1), now=at - timedelta(hours=1))


def _month_facts_floor(month: date) -> list[tuple[str, list]]:
    """A month's figures from each table, grouped by estate, and its rows written."""
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    end = start + relativedelta(months=1)
    return [
        ("SELECT estate_id, count(*), sum(extract(epoch FROM resolved_at - received_at)) FROM complaints_complaint "
         "WHERE resolved_at >= %s AND resolved_at < %s GROUP BY 1", [start, end]),
        ("SELECT estate_id, count(*) FROM complaints_suggestion WHERE decided_at >= %s AND decided_at < %s "
         "GROUP BY 1", [start, end]),
        ("SELECT estate_id, count(*), count(dispatch_late_by) FROM repairs_workorder WHERE dispatched_at >= %s "
         "AND dispatched_at < %s GROUP BY 1", [start, end]),
        ("SELECT c.estate_id, count(*) FROM callbacks_callbackresult r JOIN callbacks_callback c "
         "ON c.id = r.callback_id WHERE r.at >= %s AND r.at < %s GROUP BY 1", [start, end]),
        ("SELECT estate_id, kind, count(*), count(done_at) FROM callbacks_callback WHERE event_at >= %s "
         "AND event_at < %s GROUP BY 1, 2", [start, end]),
        ("SELECT estate_id, sum(amount), sum(paid), count(*) FROM fees_bill WHERE period = %s GROUP BY 1", [month]),
        ("SELECT b.estate_id, sum(a.amount) FROM fees_allocation a JOIN fees_payment p ON p.id = a.payment_id "
         "JOIN fees_bill b ON b.id = a.bill_id WHERE b.period < %s AND p.received_at >= %s GROUP BY 1",
         [month, start]),
        ("SELECT estate_id, sum(amount - paid) FROM fees_bill WHERE status IN ('open', 'part_paid') AND period < %s "
         "GROUP BY 1", [month]),
    ]


def _report_month() -> date | None:
    from pages.models import DashboardReport

    return DashboardReport.objects.order_by("-month").values_list("month", flat=True).first()


def _no_month_report(s: Samples) -> str:
    return "" if _report_month() else "no month report stored: run manage.py runjob pages.month_report"


def _month_report_floor() -> list[tuple[str, list]]:
    """The stored report, and the months before and after it for the page's arrows."""
    month = _report_month()
    return [("SELECT id, month, as_of, generated_at, data FROM pages_dashboardreport WHERE month = %s", [month]),
            ("SELECT month FROM pages_dashboardreport WHERE month < %s ORDER BY month DESC LIMIT 1", [month]),
            ("SELECT month FROM pages_dashboardreport WHERE month > %s ORDER BY month LIMIT 1", [month])]


def _desk_report_day() -> date | None:
    from pages.models import DeskReport

    return DeskReport.objects.filter(period="day").order_by("-last_day").values_list("last_day", flat=True).first()


def _no_desk_report(s: Samples) -> str:
    return "" if _desk_report_day() else "no daily report stored: run manage.py runjob pages.daily_report"


def _desk_report_floor() -> list[tuple[str, list]]:
    """The stored report, and the days before and after it for the page's arrows."""
    day = _desk_report_day()
    return [("SELECT id, period, last_day, data FROM pages_deskreport WHERE period = 'day' AND last_day = %s", [day]),
            ("SELECT last_day FROM pages_deskreport WHERE period = 'day' AND last_day < %s "
             "ORDER BY last_day DESC LIMIT 1", [day]),
            ("SELECT last_day FROM pages_deskreport WHERE period = 'day' AND last_day > %s "
             "ORDER BY last_day LIMIT 1", [day])]


def _no_desk_reports(period: str):
    """The jobs down for longer than the catch-up limit: the latest report stored is two
    months old (a stand-in row), so the run makes every day (week) within the limit."""
    def setup(s: Samples, at: datetime):
        from pages.models import DeskReport

        DeskReport.objects.filter(period=period).delete()
        old = at - timedelta(days=7 * 9)
        DeskReport.objects.create(period=period, first_day=old.date(), last_day=old.date(), starts_at=old, ends_at=old,
                                  as_of=old, generated_at=old, data={})
    return setup


def _last_2nd(s: Samples) -> datetime:
    """The latest 2nd at 06:00 before the data's end: the month just over then is a full one."""
    second = s.today.replace(day=2)
    return _local(second if second < s.today else second - relativedelta(months=1), 6)


def _no_month_reports(s: Samples, at: datetime):
    """No report stored yet: the job makes the month just over alone."""
    from pages.models import DashboardReport

    DashboardReport.objects.all().delete()


def _a_photo() -> WorkOrderPhoto | None:
    return WorkOrderPhoto.objects.order_by("-pk").first()


def _photo_url(photo: WorkOrderPhoto) -> str:
    return f"/work-orders/{photo.work_order_id}/photos/{photo.pk}/"


def _no_renovation(s: Samples) -> str:
    return "" if s.renovation is not None else "the data set has no renovation"


def _portal_renovation_floor(renovation: Renovation) -> list[tuple[str, list]]:
    """Everything the owner's renovation page shows, part by part: the renovation with its
    unit and estate (the owner's own), the estate's policy (hours, fees), the papers on
    file, the team with their passes, the signatures, what was paid with its receipts,
    refunds and deductions, the inspections, the penalties approved, the owner's timeline."""
    pk = renovation.pk
    t = {model.__name__: model._meta.db_table for model in (
        Renovation, RenovationPolicy, RenovationDocument, RenovationWorker, WorkerPass, SignedPaper,
        RenovationCharge, Inspection, Breach, RenovationEvent)}
    internal = ", ".join(f"'{action}'" for action in INTERNAL_ACTIONS)
    return [
        (f"SELECT r.*, u.number, u.area, e.name, e.code FROM {t['Renovation']} r JOIN owners_unit u "
         "ON u.id = r.unit_id JOIN owners_estate e ON e.id = r.estate_id WHERE r.id = %s AND r.owner_id = %s",
         [pk, renovation.owner_id]),
        (f"SELECT * FROM {t['RenovationPolicy']} WHERE estate_id = %s", [renovation.estate_id]),
        (f"SELECT id, kind, worker_id, content_type, original_name FROM {t['RenovationDocument']} "
         "WHERE renovation_id = %s ORDER BY uploaded_at, id", [pk]),
        (f"SELECT w.id, w.name, w.id_number, w.added_at, w.removed_at, w.pass_fee_paid_at, p.serial, "
         "p.holder_name, p.valid_from, p.valid_to, p.revoked_at, p.returned_at, p.returned_lost "
         f"FROM {t['RenovationWorker']} w LEFT JOIN {t['WorkerPass']} p ON p.worker_id = w.id "
         "WHERE w.renovation_id = %s ORDER BY w.added_at, w.id", [pk]),
        (f"SELECT id, paper, party, method, signer_name, signed_at FROM {t['SignedPaper']} "
         "WHERE renovation_id = %s ORDER BY signed_at, id", [pk]),
        ("SELECT c.id, c.kind, c.amount, c.paid_at, rc.number, rf.voucher_number, rf.amount, rf.paid_at, "
         "(SELECT sum(d.amount) FROM renovation_deduction d WHERE d.deposit_id = c.id) "
         f"FROM {t['RenovationCharge']} c JOIN fees_receipt rc ON rc.id = c.receipt_id "
         "LEFT JOIN renovation_depositrefund rf ON rf.deposit_id = c.id WHERE c.renovation_id = %s "
         "ORDER BY c.paid_at, c.id", [pk]),
        (f"SELECT requested_at, inspected_at, passed, items_to_fix, note FROM {t['Inspection']} "
         "WHERE renovation_id = %s ORDER BY requested_at, id", [pk]),
        (f"SELECT rule, evidence, penalty, deposit_kind, decided_at FROM {t['Breach']} "
         "WHERE renovation_id = %s AND status = 'approved' ORDER BY proposed_at, id", [pk]),
        (f"SELECT at, from_status, to_status, note, data FROM {t['RenovationEvent']} WHERE renovation_id = %s "
         f"AND coalesce(data->>'action', '') NOT IN ({internal}) ORDER BY at, id", [pk]),
    ]


def _renovation_daily_floor(today: date) -> list[tuple[str, list]]:
    """What renovation.daily must read, each in one statement: live passes ending within
    the warning days or past their end while the work goes on, renovations whose refund day
    has come, deposits due and held, works past their planned end, inspections not done."""
    working = ("fees_paid", "in_progress", "acceptance_requested")
    live = WorkerPass.objects.filter(revoked_at__isnull=True, renovation__status__in=working)
    return [
        sql_of(live.filter(valid_to__gte=today, valid_to__lte=today + timedelta(days=3))
               .values("pk", "renovation_id", "valid_to", "holder_name", "renovation__unit__number")),
        sql_of(live.filter(valid_to__lt=today).values("pk", "renovation_id", "valid_to", "holder_name")),
        sql_of(Renovation.objects.filter(status="passed", deposits_due_on__lte=today).values("pk")),
        sql_of(Renovation.objects.filter(status__in=("deposits_due", "withdrawn"), deposits_due_on__lte=today,
                                         charges__kind__in=("owner_deposit", "contractor_deposit"),
                                         charges__refund__isnull=True).values("pk", "unit__number").distinct()),
        sql_of(Renovation.objects.filter(status__in=("fees_paid", "in_progress"), planned_end__lt=today)
               .values("pk", "unit__number", "planned_end")),
        sql_of(Inspection.objects.filter(inspected_at__isnull=True).values("pk", "requested_at",
                                                                           "renovation__estate_id")),
        (RENOVATION_DAILY_WRITES, {"today": today, "now": _local(today, 8)}),
    ]


# What renovation.daily writes, in one statement: the renovations whose refund day has come
# moved (an event each), and each event's message to every person of its role and to the
# owner (an inspection late: engineering and the supervisors only), with its inbox delivery.
RENOVATION_DAILY_WRITES = """
    WITH moved AS (UPDATE renovation_renovation SET status = 'deposits_due'
                   WHERE status = 'passed' AND deposits_due_on <= %(today)s RETURNING id),
    ev AS (INSERT INTO pg_temp.bench_events SELECT id, %(now)s FROM moved),
    live AS (SELECT p.renovation_id, p.valid_to FROM renovation_workerpass p
             JOIN renovation_renovation r ON r.id = p.renovation_id
             WHERE p.revoked_at IS NULL AND r.status IN ('fees_paid', 'in_progress', 'acceptance_requested')
             GROUP BY 1, 2),
    events AS (
        SELECT 'desk' AS role, renovation_id AS rid, 'passes_expiring' AS kind, renovation_id || ':' || valid_to AS key
        FROM live WHERE valid_to BETWEEN %(today)s AND %(today)s + 3
        UNION ALL SELECT 'desk', renovation_id, 'passes_expired', renovation_id || ':' || valid_to
        FROM live WHERE valid_to < %(today)s
        UNION ALL SELECT DISTINCT 'finance', r.id, 'deposits_due', r.id::text FROM renovation_renovation r
        JOIN renovation_renovationcharge c ON c.renovation_id = r.id
        WHERE (r.status IN ('deposits_due', 'withdrawn') OR r.id IN (SELECT id FROM moved))
          AND r.deposits_due_on <= %(today)s AND c.kind IN ('owner_deposit', 'contractor_deposit')
          AND NOT EXISTS (SELECT 1 FROM renovation_depositrefund f WHERE f.deposit_id = c.id)
        UNION ALL SELECT 'desk', id, 'overrun', id || ':' || planned_end FROM renovation_renovation
        WHERE status IN ('fees_paid', 'in_progress') AND planned_end < %(today)s
        UNION ALL SELECT 'engineering', renovation_id, 'inspection_late', id::text FROM renovation_inspection
        WHERE inspected_at IS NULL AND requested_at < %(now)s - interval '5 days'),
    staff AS (SELECT DISTINCT u.id, m.role FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id
              JOIN auth_group g ON g.id = ug.group_id
              JOIN (VALUES ('desk', 'front_desk'), ('finance', 'finance'), ('engineering', 'engineering'),
                           ('engineering', 'supervisor')) m(role, name) ON m.name = g.name
              WHERE u.is_active),
    notes AS (
        INSERT INTO propertydesk_notification (recipient_id, owner_id, kind, params, url, created_at, dedupe_key)
        SELECT s.id, NULL, e.kind, jsonb_build_object('unit', un.number, 'number', r.number), '', %(now)s,
               'bench:' || e.kind || ':' || e.key || ':user:' || s.id
        FROM events e JOIN staff s ON s.role = e.role JOIN renovation_renovation r ON r.id = e.rid
        JOIN owners_unit un ON un.id = r.unit_id
        UNION ALL
        SELECT o.user_id, r.owner_id, e.kind, jsonb_build_object('unit', un.number, 'number', r.number), '',
               %(now)s, 'bench:' || e.kind || ':' || e.key || ':owner:' || r.owner_id
        FROM events e JOIN renovation_renovation r ON r.id = e.rid JOIN owners_owner o ON o.id = r.owner_id
        JOIN owners_unit un ON un.id = r.unit_id WHERE e.role <> 'engineering'
        RETURNING id)
    INSERT INTO propertydesk_delivery (notification_id, channel, status, attempts, last_error, provider_id,
                                       idempotency_key, created_at, sent_at, claimed_by)
    SELECT id, 'inbox', 'sent', 0, '', '', 'bench-' || id, %(now)s, %(now)s, '' FROM notes
"""


# The bill run's floor: every unit's lines from the standards in force, its bill with their
# sum and the owner of record, both inserted into the real tables (numbers simplified).
BILL_RUN_FLOOR = """
    WITH lines AS (
        SELECT u.id AS unit_id, u.estate_id, s.id AS standard_id, s.item, s.rate,
               CASE s.basis WHEN 'per_m2_month' THEN u.area ELSE 1 END AS quantity,
               round(CASE s.basis WHEN 'per_m2_month' THEN u.area * s.rate ELSE s.rate END, 2) AS amount
        FROM owners_unit u JOIN fees_feestandard s ON s.estate_id = u.estate_id
         AND (s.building_id IS NULL OR s.building_id = u.building_id) AND s.basis <> 'one_off'
         AND s.effective_from <= %(end)s AND (s.effective_to IS NULL OR s.effective_to >= %(start)s)
        WHERE NOT EXISTS (SELECT 1 FROM fees_bill b WHERE b.unit_id = u.id AND b.period = %(start)s)),
    bills AS (
        INSERT INTO fees_bill (number, estate_id, unit_id, owner_id, period, amount, paid, status, issued_at, due_on)
        SELECT 'B' || l.unit_id || '-' || to_char(%(start)s::date, 'YYYYMM'), l.estate_id, l.unit_id,
               (SELECT o.owner_id FROM owners_ownership o WHERE o.unit_id = l.unit_id AND o.end_date IS NULL
                ORDER BY o.start_date LIMIT 1),
               %(start)s, sum(l.amount), 0, 'open', %(as_of)s, %(start)s::date + 19
        FROM lines l GROUP BY l.unit_id, l.estate_id RETURNING id, unit_id)
    INSERT INTO fees_billline (bill_id, kind, standard_id, description, description_key, description_params,
                               quantity, rate, amount)
    SELECT b.id, 'fee', l.standard_id, l.item, '', '{}'::jsonb, l.quantity, l.rate, l.amount
    FROM lines l JOIN bills b ON b.unit_id = l.unit_id
"""

# The dunning round's floor: a notice for every unit whose bill of the month still owes,
# its message in the owner's inbox and its outbox row, linked back to the notice; all
# into the real tables, one statement.
DUNNING_FLOOR = """
    WITH made AS (
        INSERT INTO fees_dunningnotice (estate_id, unit_id, owner_id, period, round, amount_owed, channel,
                                        status, created_at)
        SELECT b.estate_id, b.unit_id, b.owner_id, b.period, %(round)s, b.amount - b.paid,
               CASE WHEN b.owner_id IS NULL THEN 'printed' ELSE 'sms' END, 'pending', %(as_of)s
        FROM fees_bill b
        WHERE b.period = %(start)s AND b.status IN ('open', 'part_paid') AND b.amount > b.paid
        ON CONFLICT (unit_id, period, round) DO NOTHING RETURNING id, owner_id, unit_id, amount_owed),
    notes AS (
        INSERT INTO propertydesk_notification (recipient_id, owner_id, kind, params, url, created_at, dedupe_key)
        SELECT o.user_id, m.owner_id, 'fees.dunning.' || %(round)s,
               jsonb_build_object('owed', m.amount_owed::text, 'unit', m.unit_id), '', %(as_of)s,
               'bench-dunning:' || m.id
        FROM made m JOIN owners_owner o ON o.id = m.owner_id RETURNING id, dedupe_key),
    sent AS (
        INSERT INTO propertydesk_delivery (notification_id, channel, status, attempts, last_error, provider_id,
                                           idempotency_key, created_at, claimed_by)
        SELECT id, 'sms', 'pending', 0, '', '', 'bench:' || id, %(as_of)s, '' FROM notes RETURNING notification_id)
    UPDATE fees_dunningnotice n SET notification_id = t.id
    FROM notes t WHERE n.id = substr(t.dedupe_key, 15)::bigint
"""

# Flagging what fell overdue and telling the staff: one UPDATE, an event row each (a
# temporary table), a message per recipient and its inbox delivery, one statement.
OVERDUE_FLOOR = """
    WITH f AS (UPDATE {table} SET {column} = %(now)s WHERE {flag} RETURNING id),
    ev AS (INSERT INTO pg_temp.bench_events SELECT id, %(now)s FROM f),
    r AS (SELECT DISTINCT u.id FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id
          JOIN auth_group g ON g.id = ug.group_id WHERE g.name IN ({roles}) AND u.is_active),
    n AS (INSERT INTO propertydesk_notification (recipient_id, kind, params, url, created_at, dedupe_key)
          SELECT r.id, '{kind}', jsonb_build_object('id', f.id), '', %(now)s, 'bench:' || f.id || ':' || r.id
          FROM f CROSS JOIN r RETURNING id)
    INSERT INTO propertydesk_delivery (notification_id, channel, status, attempts, last_error, provider_id,
                                       idempotency_key, created_at, sent_at, claimed_by)
    SELECT id, 'inbox', 'sent', 0, '', '', 'bench-' || id, %(now)s, %(now)s, '' FROM n
"""


def _digest_floor(at: datetime, department: str, role: str) -> list[tuple[str, dict]]:
    """One 15:30 digest: the open complaints counted, the first 100 by promise, and the
    message with them to everyone of the role, with its inbox delivery."""
    where = "c.status IN ('received', 'assigned', 'in_progress')" + (" AND c.department = %(dept)s"
                                                                    if department else "")
    params = {"now": at, "dept": department, "role": role}
    return [
        (f"SELECT count(*), count(*) FILTER (WHERE c.paused_since IS NULL AND c.promised_at < %(now)s) "
         f"FROM complaints_complaint c WHERE {where}", params),
        (f"""WITH o AS (SELECT c.number, u.number AS unit, c.category, c.status, c.promised_at, c.department
                        FROM complaints_complaint c JOIN owners_unit u ON u.id = c.unit_id WHERE {where}
                        ORDER BY c.promised_at, c.id LIMIT 100),
             p AS (SELECT jsonb_build_object('items', jsonb_agg(to_jsonb(o))) AS params FROM o),
             r AS (SELECT DISTINCT u.id FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id
                   JOIN auth_group g ON g.id = ug.group_id WHERE g.name = %(role)s AND u.is_active),
             n AS (INSERT INTO propertydesk_notification (recipient_id, kind, params, url, created_at, dedupe_key)
                   SELECT r.id, 'complaint.digest', p.params, '', %(now)s, 'bench-digest:' || %(role)s || ':' || r.id
                   FROM r, p RETURNING id)
             INSERT INTO propertydesk_delivery (notification_id, channel, status, attempts, last_error, provider_id,
                                                idempotency_key, created_at, sent_at, claimed_by)
             SELECT id, 'inbox', 'sent', 0, '', '', 'bench-' || id, %(now)s, %(now)s, '' FROM n""", params),
    ]


def _missing_sources(at: datetime) -> list[tuple[str, list]]:
    """The hourly job's repair scans: resolved complaints and finished jobs of the lookback
    window with no callback."""
    since = at - timedelta(days=settings.CALLBACK_REPAIR_LOOKBACK_DAYS)
    return [
        ("SELECT c.id FROM complaints_complaint c WHERE c.status = 'resolved' AND c.resolved_at >= %s "
         "AND c.resolved_at <= %s AND NOT EXISTS (SELECT 1 FROM callbacks_callback b WHERE b.complaint_id = c.id)",
         [since, at]),
        ("SELECT w.id FROM repairs_workorder w WHERE w.status IN ('completed', 'signed_off') "
         "AND w.completed_at >= %s AND w.completed_at <= %s "
         "AND NOT EXISTS (SELECT 1 FROM callbacks_callback b WHERE b.work_order_id = w.id)", [since, at]),
    ]


_TEMP_TABLES = [
    "CREATE TEMP TABLE IF NOT EXISTS bench_bills (unit_id bigint, estate_id bigint, amount numeric)",
    "CREATE TEMP TABLE IF NOT EXISTS bench_notices (bill_id bigint, unit_id bigint, amount numeric)",
    "CREATE TEMP TABLE IF NOT EXISTS bench_events (id bigint, at timestamptz)",
]


# ---- users -------------------------------------------------------------------


def bench_users(owner: Owner, renovation_owner: Owner | None = None) -> dict[str, object]:
    from propertydesk.roles import ensure_roles

    ensure_roles()
    User = get_user_model()
    users = {}
    for who, group in (("supervisor", "supervisor"), ("desk", "front_desk"), ("finance", "finance")):
        user, _ = User.objects.get_or_create(username=f"bench-{who}", defaults={"is_staff": False})
        user.groups.add(Group.objects.get(name=group))
        users[who] = user
    for who, person in (("owner", owner), ("renovation_owner", renovation_owner)):
        if person is None:
            continue
        if person.user_id is None:
            person.user, _ = User.objects.get_or_create(username=f"bench-owner-{person.pk}")
            Owner.objects.filter(pk=person.pk).update(user=person.user)
        users[who] = person.user
    return users


# ---- the run -------------------------------------------------------------------


def _deep_url(client: Client, url: str) -> str:
    """The API page in the middle of the data: with cursor paging, the first page's
    `next` cursor moved to the middle id; with page numbers, the middle page."""
    first = client.get(url, secure=True)
    body = first.json()
    nxt = body.get("next")
    if not nxt:
        return url
    query = parse_qs(urlsplit(nxt).query)
    if "cursor" in query:
        tokens = parse_qs(base64.b64decode(query["cursor"][0]).decode())
        position = tokens.get("p", [""])[0]
        if position.lstrip("-").isdigit():
            tokens["p"] = [str(int(position) // 2)]
            cursor = base64.b64encode(urlencode(tokens, doseq=True).encode()).decode()
            return f"{url}?{urlencode({**{k: v[0] for k, v in query.items()}, 'cursor': cursor})}"
        for _ in range(20):    # a position that is not an id: twenty pages in
            nxt = client.get(nxt, secure=True).json().get("next") or nxt
        return nxt
    if "page" in query and "count" in body:
        pages = max(1, body["count"] // max(1, len(body.get("results", [])) or 1))
        return f"{url}?page={max(1, pages // 2)}"
    return nxt


def run(*, only: list[str] | None = None, skip_jobs: bool = False, runs: int = 20, budget_s: float = 15.0,
        job_runs: int = 3, out=None, log=print) -> tuple[list[Result], dict]:
    now = timezone.now()
    samples = pick_samples(now)
    users = bench_users(samples.owner, samples.renovation.owner if samples.renovation else None)
    clients = {}
    for who, user in users.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        clients[who] = client

    with connection.cursor() as cursor:
        for ddl in _TEMP_TABLES:
            cursor.execute(ddl)

    vacuum(log)
    results = []
    for op in operations():
        if only and not any(word.lower() in op.name.lower() for word in only):
            continue
        if skip_jobs and op.kind in ("job", "export"):
            continue
        reason = op.skip(samples) if op.skip else ""
        if reason:
            log(f"{op.name}: skipped ({reason})")
            continue
        result = Result(op.name, op.kind)
        try:
            if op.kind == "job":
                measure_job(op, samples, result, runs=job_runs)
            elif op.kind == "export":
                measure_export(op, samples, users[op.who], result, runs=job_runs)
            else:
                measure_page(op, samples, clients[op.who], result, runs=runs, budget_s=budget_s)
        except Exception as exc:   # one broken operation does not hide the others' figures
            result.error = f"{type(exc).__name__}: {exc}"[:200]
        results.append(result)
        log(format_row(result))
        if result.rows and result.runs:
            log(f"{'':<46} {result.rows:,} rows written, {result.rows * 1000 / result.median:,.0f} rows/s; "
                f"'SQL ms' is the reading of the rows alone; the floor reads and writes the same cells")
    _remove_sweep_files()
    if any(r.kind == "job" for r in results):
        vacuum(log, reindex=True)   # the jobs' rolled-back writes: clear them for the next run
    meta = {
        "measured_at": timezone.now().isoformat(), "data_as_of": now.isoformat(),
        "database": connection.settings_dict["NAME"], "debug": settings.DEBUG,
        "load_average": os.getloadavg(), "caches": "warm: PostgreSQL buffers and compiled templates; "
        "no result caching", "rows": table_sizes(),
    }
    return results, meta


# The tables the jobs write (and roll back): their dead rows would slow the pages after.
JOB_TABLES = ["notices_notice", "notices_noticehousehold", "notices_noticeevent", "fees_bill", "fees_billline", "fees_unitdebt", "fees_dunningnotice", "fees_dunningnoticeevent",
              "fees_monthreport", "fees_bankcollectioncharge", "propertydesk_notification", "propertydesk_delivery",
              "propertydesk_sequence", "callbacks_callback", "callbacks_ratecheck", "complaints_complaint",
              "complaints_complaintevent", "repairs_workorder", "pages_monthfacts", "pages_dashboardreport"]


# Tables whose indexes only ever grow under rolled-back inserts: a round of dunning rolled
# back leaves 100,000 dead entries in the outbox's indexes, which VACUUM marks free but does
# not shrink (347 MB for an empty table after a day of benchmarking; the desk's undelivered
# figure then read it in 100 ms).
REINDEXED_AFTER_JOBS = ["propertydesk_delivery", "propertydesk_notification"]


def vacuum(log, *, reindex: bool = False) -> None:
    """VACUUM ANALYZE what the jobs touch, as autovacuum would in time, and after the jobs
    rebuild the outbox's indexes; not inside a transaction (a test's), where it cannot run."""
    if connection.in_atomic_block:
        return
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for table in REINDEXED_AFTER_JOBS if reindex else []:
            cursor.execute(f"REINDEX TABLE {table}")
        for table in JOB_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    log(f"(vacuumed the jobs' tables in {time.perf_counter() - start:.1f} s)")


def measure_page(op: Op, s: Samples, client: Client, result: Result, *, runs: int, budget_s: float):
    if op.setup:   # a page at its busiest: the rows it shows made in a transaction rolled back after
        try:
            with transaction.atomic():
                op.setup(s, s.now)
                _measure_page(op, s, client, result, runs=runs, budget_s=budget_s)
                raise _Rollback
        except _Rollback:
            return
    _measure_page(op, s, client, result, runs=runs, budget_s=budget_s)


def _measure_page(op: Op, s: Samples, client: Client, result: Result, *, runs: int, budget_s: float):
    url = op.url(s) if callable(op.url) else op.url
    if op.deep:
        url = _deep_url(client, url)

    def call():
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    result.runs = repeat(call, warmup=2, runs=runs, budget_s=budget_s)
    if op.floor:
        # Knowing who asks is part of every page: the user with their roles and permissions,
        # an HTML page's inbox badge, then what the page shows.
        user_id = client.session["_auth_user_id"]
        who = [_who(user_id)]
        if op.kind == "page":
            owners = {"owner": s.owner.pk, "renovation_owner": s.renovation.owner_id if s.renovation else None}
            who.append(_badge(user_id, owners.get(op.who)))
        floor = who + op.floor(s)
        result.floor_ms, result.replay_ms = replay_beside(call, floor, runs=max(5, len(result.runs)))
        result.floor_statements = len(floor)


class _Rollback(Exception):
    pass


def replay_beside(call: Callable[[], object], floor: list[tuple[str, list]], *, runs: int
                  ) -> tuple[float, float]:
    """The floor's time and, beside it, the SQL of one request replayed as the floor is run:
    the request's reads captured with their parameters, then run back to back on the
    connection (in a transaction rolled back). Timed inside the request, each statement
    also waits for the Python between them (templates, forms) to send it: 1.4-1.7x the
    same statements run back to back on a small page, so a page running the very
    statements of its floor came out at 2x. The two are run in turn, round by round, so a
    busy moment of the machine falls on both; the medians are returned (floor, replay)."""
    captured = []

    def capture(execute, sql, params, many, context):
        if not many and sql.lstrip()[:6].upper() in ("SELECT", "WITH "):
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        call()
    floors, replays = [], []
    try:
        with transaction.atomic():
            run_floor(floor, runs=1)
            run_floor(captured, runs=1)
            for _ in range(runs):
                floors.append(run_floor(floor, runs=1, warm=False)[0])
                replays.append(run_floor(captured, runs=1, warm=False)[0])
            raise _Rollback
    except _Rollback:
        return statistics.median(floors), statistics.median(replays)


def measure_job(op: Op, s: Samples, result: Result, *, runs: int):
    """The job, and apart from it its floor, each on the same starting data (the setup
    that makes the busy moment, then the work), each rolled back."""
    from propertydesk.jobs import get_job

    func = (lambda as_of: op.run(s, as_of)) if op.run else get_job(op.job).function()
    at = op.at(s)

    def in_rollback(work):
        try:
            with transaction.atomic():
                if op.setup:
                    op.setup(s, at)
                outcome = work()
                raise _Rollback
        except _Rollback:
            return outcome

    floors = []
    for i in range(runs + 1):        # the first round warms the buffers and is not counted
        measured = in_rollback(lambda: timed(lambda: func(as_of=at)))
        if op.floor:
            floor = in_rollback(lambda: run_floor(op.floor(s), runs=1, warm=False, after=op.floor_after))
        if i:
            result.runs.append(measured)
            if op.floor:
                floors.append(floor)
    if floors:
        result.floor_ms = statistics.median(f[0] for f in floors)
        result.floor_statements = floors[0][1]


def table_sizes() -> dict[str, int]:
    names = ["owners_unit", "owners_owner", "complaints_complaint", "complaints_complaintevent",
             "repairs_workorder", "repairs_workorderevent", "callbacks_callback", "fees_bill", "fees_payment"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [names])
        return dict(cursor.fetchall())


HEADER = (f"{'operation':<46} {'median':>9} {'p95':>9} {'SQL':>5} {'SQL ms':>8} {'replay':>7} "
          f"{'floor ms':>9} {'ratio':>6}  verdict")


def format_row(r: Result) -> str:
    if r.error:
        return f"{r.name:<46} {'':>9} {'':>9} {'':>5} {'':>8} {'':>7} {'':>9} {'':>6}  ERROR {r.error}"
    ratio = f"{r.ratio:.1f}" if r.ratio is not None else "—"
    floor = f"{r.floor_ms:.1f}" if r.floor_ms is not None else "—"
    replayed = f"{r.replay_ms:.1f}" if r.replay_ms is not None else "—"
    return (f"{r.name:<46} {r.median:>7.1f}ms {r.p95:>7.1f}ms {r.statements:>5} {r.sql_ms:>8.1f} "
            f"{replayed:>7} {floor:>9} {ratio:>6}  {r.verdict()}")


def write_json(path: str, results: list[Result], meta: dict) -> None:
    with open(path, "w") as fh:
        json.dump({"meta": meta, "results": [r.as_dict() for r in results]}, fh, indent=2, default=str)


def _entry_columns(alias: str = "l") -> str:
    return (f"SELECT {alias}.*, a.username, a.first_name, a.last_name, u.number, c.number, w.number "
            f"FROM {{rows}} {alias} JOIN auth_user a ON a.id = {alias}.author_id LEFT JOIN owners_unit u "
            f"ON u.id = {alias}.unit_id LEFT JOIN complaints_complaint c ON c.id = {alias}.complaint_id "
            f"LEFT JOIN repairs_workorder w ON w.id = {alias}.work_order_id")


def _shift_log_floor(s: Samples) -> list[tuple[str, list]]:
    """The first estate's current shift: its open entries (held by it or before, not
    waiting in a handover), what was written in it, the items waiting, its handover."""
    estate = Estate.objects.order_by("name").first()
    shift = shifts.shift_at(estate, s.now)
    pending = "SELECT entry_id FROM desk_handoveritem WHERE status = 'pending'"
    return [
        ("SELECT id, name, code FROM owners_estate ORDER BY name", []),
        (_entry_columns().format(rows=f"(SELECT * FROM desk_logentry WHERE estate_id = %s AND status = 'open' "
                                      f"AND held_start <= %s AND id NOT IN ({pending}))"), [estate.pk, shift.start]),
        (_entry_columns().format(rows="(SELECT * FROM desk_logentry WHERE estate_id = %s AND shift_start = %s "
                                      "ORDER BY written_at DESC, id DESC LIMIT 100)"), [estate.pk, shift.start]),
        ("SELECT i.*, l.text, h.shift_key, h.next_key, hu.username FROM desk_handoveritem i JOIN desk_handover h "
         "ON h.id = i.handover_id JOIN desk_logentry l ON l.id = i.entry_id JOIN auth_user hu "
         "ON hu.id = h.handed_by_id WHERE i.status = 'pending' AND h.estate_id = %s ORDER BY h.handed_at, i.id",
         [estate.pk]),
        ("SELECT * FROM desk_handover WHERE estate_id = %s AND shift_start = %s", [estate.pk, shift.start]),
    ]


def _latest_handover() -> Handover | None:
    return Handover.objects.order_by("-shift_start").first()


def _handover_floor() -> list[tuple[str, list]]:
    """The handover with its estate, who handed it over and who received its takings, its
    takings (as counted) and events; its items with their entries, who signed, whom a
    supervisor reassigned them to, and each item's events."""
    pk = _latest_handover().pk
    return [
        ("SELECT h.*, e.name, u.username, r.status, r.received_at, ru.username FROM desk_handover h "
         "JOIN owners_estate e ON e.id = h.estate_id JOIN auth_user u ON u.id = h.handed_by_id "
         "LEFT JOIN desk_takingsreceipt r ON r.handover_id = h.id LEFT JOIN auth_user ru ON ru.id = r.received_by_id "
         "WHERE h.id = %s", [pk]),
        ("SELECT method, count, total, counted, difference_reason FROM desk_handovertakings WHERE handover_id = %s "
         "ORDER BY method", [pk]),
        ("SELECT ev.*, a.username FROM desk_handoveritemevent ev LEFT JOIN auth_user a ON a.id = ev.actor_id "
         "WHERE ev.item_id IN (SELECT id FROM desk_handoveritem WHERE handover_id = %s) ORDER BY ev.at, ev.id", [pk]),
        ("SELECT ev.*, a.username FROM desk_handoverevent ev LEFT JOIN auth_user a ON a.id = ev.actor_id "
         "WHERE ev.handover_id = %s ORDER BY ev.at, ev.id", [pk]),
        (_entry_columns().format(rows="(SELECT l.*, i.status AS item_status, i.reason, i.decided_by_id, "
                                      "i.decided_at, i.assigned_to_id FROM desk_handoveritem i JOIN desk_logentry l "
                                      "ON l.id = i.entry_id WHERE i.handover_id = %s)")
         + " LEFT JOIN auth_user d ON d.id = l.decided_by_id LEFT JOIN auth_user g ON g.id = l.assigned_to_id",
         [pk]),
    ]


# ---- personal data --------------------------------------------------------------------------------


def _my_data_floor(s: Samples) -> list[tuple[str, list]]:
    """The owner's file: each kind of record about them read once, by owner or by their units
    in their time (the ownerships joined)."""
    held = ("JOIN owners_ownership os ON os.unit_id = t.unit_id AND os.owner_id = %s AND t.{day} >= os.start_date "
            "AND (os.end_date IS NULL OR t.{day} < os.end_date)")
    by_owner = [("owners_ownership", "owner_id"), ("complaints_complaint", "owner_id"),
                ("complaints_suggestion", "owner_id"), ("repairs_workorder", "owner_id"),
                ("callbacks_callback", "owner_id"), ("fees_bill", "owner_id"), ("renovation_renovation", "owner_id"),
                ("gate_preregistration", "owner_id"), ("gate_cardapplication", "applicant_id"),
                ("activities_participation", "owner_id")]
    return [
        ("SELECT o.*, p.number FROM owners_owner o LEFT JOIN owners_ownerphone p ON p.owner_id = o.id "
         "WHERE o.id = %s", [s.owner.pk]),
        *[(f"SELECT t.*, u.number FROM {table} t LEFT JOIN owners_unit u ON u.id = t.unit_id WHERE t.{column} = %s",
           [s.owner.pk]) for table, column in by_owner],
        ("SELECT e.* FROM complaints_complaintevent e JOIN complaints_complaint c ON c.id = e.complaint_id "
         "WHERE c.owner_id = %s AND e.public", [s.owner.pk]),
        ("SELECT e.* FROM complaints_suggestionevent e JOIN complaints_suggestion c ON c.id = e.suggestion_id "
         "WHERE c.owner_id = %s", [s.owner.pk]),
        *[(f"SELECT t.* FROM {table} t " + held.format(day=day), [s.owner.pk])
          for table, day in (("fees_payment", "received_at::date"), ("fees_receipt", "issued_at::date"),
                             ("gate_visit", "time_in::date"), ("gate_itempass", "day"))],
        ("SELECT r.* FROM owners_resident r JOIN owners_ownership os ON os.unit_id = r.unit_id AND os.owner_id = %s",
         [s.owner.pk]),
        ("SELECT n.*, d.channel, d.status, d.sent_at FROM propertydesk_notification n "
         "LEFT JOIN propertydesk_delivery d ON d.notification_id = n.id WHERE n.owner_id = %s", [s.owner.pk]),
    ]


def _personal_data_expired(s: Samples, at: datetime):
    """1,000 visits that ended 400 days ago, and every closed renovation closed two years ago."""
    from gate.models import Visit

    units = list(Unit.objects.order_by("pk").values_list("pk", "estate_id")[:1000])
    left = at - timedelta(days=400)
    Visit.objects.bulk_create(
        Visit(estate_id=estate, unit_id=pk, visitor_name=f"访客{pk}", id_number=f"11010119900101{pk % 10000:04d}",
              time_in=left - timedelta(hours=1), time_out=left, note="送货") for pk, estate in units)
    Renovation.objects.filter(closed_at__isnull=False).update(closed_at=at - timedelta(days=730))


def _personal_data_purge_floor(s: Samples) -> list[tuple[str, list]]:
    """The same changes as set-based statements: one per kind of record."""
    at = _local(s.today, 4, 30)
    visits = at - timedelta(days=settings.VISITOR_DATA_RETENTION_DAYS)
    closed = ("SELECT id FROM renovation_renovation WHERE closed_at < %(cut)s OR withdrawn_at < %(cut)s")
    cut = {"cut": at - timedelta(days=settings.WORKER_DATA_RETENTION_DAYS)}
    return [
        ("UPDATE gate_visit SET visitor_name = 'x', id_number = NULL, id_number_hash = '', note = '' "
         "WHERE (time_out < %s OR (time_out IS NULL AND time_in < %s)) AND (visitor_name <> 'x' "
         "OR id_number IS NOT NULL OR note <> '')", [visits, visits]),
        ("UPDATE gate_preregistration SET visitor_name = 'x' WHERE day < %s AND visitor_name <> 'x'", [visits.date()]),
        ("UPDATE gate_itempass SET carrier_name = 'x', carrier_id_number = NULL WHERE (released_at < %s OR "
         "(released_at IS NULL AND day < %s)) AND ((carrier_name <> '' AND carrier_name <> 'x') "
         "OR carrier_id_number IS NOT NULL)", [visits, visits.date()]),
        (f"UPDATE renovation_renovation SET contractor_lead_name = 'x', contractor_lead_id_number = NULL, "
         f"contractor_lead_phone = NULL WHERE id IN ({closed}) AND contractor_lead_name <> 'x'", cut),
        (f"UPDATE renovation_renovationworker SET name = 'x', id_number = '*', phone = NULL, "
         f"id_number_hash = 'purged:' || id WHERE renovation_id IN ({closed}) AND id_number_hash NOT LIKE 'purged:%%'",
         cut),
        (f"UPDATE renovation_workerpass SET holder_name = 'x', holder_id_number = '*', photo_id = NULL "
         f"WHERE renovation_id IN ({closed}) AND (holder_name <> 'x' OR photo_id IS NOT NULL)", cut),
        (f"UPDATE renovation_signedpaper SET signer_name = 'x' WHERE renovation_id IN ({closed}) "
         f"AND party = 'contractor' AND signer_name <> 'x'", cut),
        (f"DELETE FROM renovation_renovationdocument WHERE renovation_id IN ({closed}) "
         f"AND kind IN ('worker_id', 'worker_photo')", cut),
    ]


def _owner_departed(s: Samples, at: datetime):
    """The sample owner (the one of the sample unit, with its complaints, orders and bills)
    sells every unit they hold the day before."""
    from owners.models import Ownership

    Ownership.objects.filter(owner=s.owner, end_date__isnull=True).update(end_date=s.today - timedelta(days=1))


def _anonymise_owner(s: Samples, at: datetime):
    from pages.services import owner_anonymise

    supervisor = get_user_model().objects.get(username="bench-supervisor")
    return owner_anonymise(owner_id=s.owner.pk, actor=supervisor, reason="benchmark", now=at)


def _anonymise_floor(s: Samples) -> list[tuple[str, list]]:
    """Each kind of record about the owner (pages.personal_data.ANONYMISE) written once, in
    one statement, by the rows' ids (the owner's record and phones among them), and the
    audit history's copies of those rows once each."""
    from pages import personal_data
    from propertydesk import audit

    context = personal_data.Context(
        owner_id=s.owner.pk, user_id=s.owner.user_id, periods=personal_data.owner_periods(s.owner.pk),
        names=[s.owner.name], label="x", resident_label="x", removed="x")
    statements = []
    for scrub, rows in personal_data.anonymised_rows(context):
        sql, params = sql_of(rows.order_by().values("pk"))
        table = scrub.model_class._meta.db_table
        column = scrub.model_class._meta.get_field(next(iter(scrub.fields))).column
        statements.append((f"UPDATE {table} SET {column} = {column} WHERE id IN ({sql})", params))
        events = audit.event_model(scrub.model_class)
        if events is not None and column in {f.column for f in events._meta.fields}:
            statements.append((f"UPDATE {events._meta.db_table} SET {column} = {column} "
                               f"WHERE pgh_obj_id IN ({sql})", params))
    return statements
