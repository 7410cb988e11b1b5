"""Work orders and paid services in the demo estate: ``schedule_work_orders``, a step
of ``demo.steps.STEPS`` after the complaints and the fees' calendar, and
``count_work_orders`` once the timeline is played.

The step first staffs the estates: the demo login ``engineer`` becomes a worker of
翠湖花园, and each estate gets its own team of plumbers, electricians, carpenters,
locksmiths, appliance fitters, masons and cleaners (logins ``w_<surname>``, password the
demo's), a few of them off duty. It writes the dispatch rules (翠湖花园: the desk assigns
minor repairs, paid services go to the shared pool, routine services go round robin;
锦绣华庭: minor repairs round robin) and each estate's special-service price list.

Then three months of work orders (about 300 per estate). Each order is planned as a
list of timed actions (register, judge, dispatch, take, draw materials, arrive, agree
the price, complete, collect payment, the customer's verdict, rework, escalation,
settlement, voiding, damage…), and the late-dispatch sweep (every 5 minutes) is
replayed. The actions go on the demo's timeline (``DemoContext.timeline``) with the
fees' and are played through ``repairs.services`` with ``now=`` set to the moment each
thing happened, all in the order they happened up to the demo's clock
(``DemoContext.as_of``, midnight at the start of ``today``): numbers, deadlines,
late-dispatch alerts, receipts, bank collection charges and notifications are the real
ones, round robin takes turns (the dispatch service picks the worker), and whatever had
not happened by then is still open.

A few orders are placed so every status shows: requests that came in just before
midnight (one already past its dispatch deadline), pool orders nobody has taken,
a major job on site for days, work awaiting the customer's signature, rework,
escalations, damage to a customer's property, and the portal owner's own requests.

Like the rest of the demo it is deterministic: it draws only from the context's random
generator and ``today``. Messages stay in the inbox: no e-mail or SMS leaves.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Count, Max, Q
from django.utils import timezone

from complaints.models import OPEN_STATUSES, REPAIR_CATEGORIES, Category, Complaint
from demo.context import DEMO_PASSWORD, next_run
from demo.texts import texts
from fees.models import BankCollectionCharge, Receipt
from owners.models import Department, StaffMembership, Unit
from propertydesk import notifications, roles
from propertydesk.roles import is_staff_member
from repairs import services
from repairs.models import (
    DamageIncident,
    DispatchMode,
    DispatchRule,
    DrawKind,
    Kind,
    PaymentMethod,
    PriceItem,
    Source,
    Status,
    Trade,
    Worker,
    WorkOrder,
)

HISTORY_DAYS = 90
ORDERS_PER_ESTATE = 300  # placed orders included
LATE_DISPATCH_RATE = 0.08  # reached the worker after the deadline
REFUSE_RATE = 0.03
VOID_RATE = 0.045  # the customer cancelled
REWORK_RATE = 0.06  # the customer was not satisfied the first time
ESCALATE_RATE = 0.2  # of the reworked: still not satisfied, to a supervisor
PAD_RATE = 0.65  # signed on the worker's phone; the rest on the paper form
TENANT_RATE = 0.45  # in a rented unit, the tenant rather than the owner asks
TRADE_OVERRIDE_RATE = 0.025  # the desk sends someone outside his trade, with a reason
CASH_RATE = 0.7  # paid services paid in cash on the spot; the rest by bank collection
KIND_WEIGHTS = {Kind.MINOR_REPAIR: 62, Kind.SPECIAL_SERVICE: 22, Kind.ROUTINE: 12,
                Kind.MAJOR_WORKS: 4}
SOURCE_WEIGHTS = {Source.PHONE: 45, Source.DESK: 33, Source.PORTAL: 22}
# When requests come in, by hour of the day (phone and portal; the desk is open 08:30–18:30).
HOUR_WEIGHTS = (
    0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 2, 6, 9, 9, 7, 4, 4, 6, 7, 7, 6, 5, 5, 4, 3, 1.5, 0.8,
)

# How each estate dispatches each kind (a kind not listed: the desk assigns).
DISPATCH_RULES = {
    "cuihu": {Kind.MINOR_REPAIR: DispatchMode.DESK, Kind.SPECIAL_SERVICE: DispatchMode.POOL,
              Kind.ROUTINE: DispatchMode.ROUND_ROBIN},
    "jinxiu": {Kind.MINOR_REPAIR: DispatchMode.ROUND_ROBIN},
}

TEXTS = texts("repairs")  # demo/data/repairs.json: who works, what is asked, what is said

P, E, C, L, A, M, CL, G = (Trade.PLUMBING, Trade.ELECTRICAL, Trade.CARPENTRY, Trade.LOCKSMITH,
                           Trade.APPLIANCES, Trade.MASONRY, Trade.CLEANING, Trade.GENERAL)

# ---------------------------------------------------------------------------
# The teams
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerSpec:
    username: str
    surname: str
    given: str
    trades: tuple[str, ...]
    on_duty: bool = True


ENGINEER_TRADES = (P, E, G)  # the demo login "engineer" (李建军), in the first estate
# Each estate's team (names, trades, who is off duty): demo/data/repairs.json.
TEAMS: dict[str, tuple[WorkerSpec, ...]] = {
    code: tuple(WorkerSpec(spec["username"], spec["surname"], spec["given"], tuple(spec["trades"]),
                           spec.get("on_duty", True)) for spec in team)
    for code, team in TEXTS["teams"].items()
}

# ---------------------------------------------------------------------------
# The price list (特约服务项目价格表)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceSpec:
    name: str
    trade: str
    unit_label: str
    prices: dict[str, str]  # estate code -> yuan; an estate missing does not offer it
    retired: tuple[str, ...] = ()  # estates that stopped offering it (inactive now)


PRICE_LIST: tuple[PriceSpec, ...] = tuple(
    PriceSpec(spec["name"], spec["trade"], spec["unit_label"], spec["prices"], tuple(spec.get("retired", ())))
    for spec in TEXTS["price_list"]
)
RETIRED_BEFORE_DAYS = 30  # a retired item was last booked at least this long ago

# ---------------------------------------------------------------------------
# What is asked for
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One kind of request. ``text`` may use {b} building, {e} entrance, {f} floor and
    {q} the quantity of a paid service."""

    kind: str
    trade: str
    text: str
    done: str  # the worker's note on completion
    minutes: tuple[float, float] = (20, 60)  # on site
    materials: tuple[tuple[str, str, float], ...] = ()  # (item, unit, quantity; 0 = as many as q)
    tools: tuple[str, ...] = ()  # borrowed from the store, returned after the job
    item: str = ""  # the price-list line of a paid service
    qty: tuple[int, int] | str = (1, 1)  # how many units of the price; "area" = the flat's area
    extra: tuple[int, int] = (0, 0)  # material bought for the customer, yuan per unit (材料另计)
    key: str = ""  # for the placed orders that need this very job

    @classmethod
    def of(cls, spec: dict) -> Job:
        qty = spec.get("qty", (1, 1))
        return cls(
            spec["kind"], spec["trade"], spec["text"], spec["done"], tuple(spec["minutes"]),
            tuple(tuple(m) for m in spec.get("materials", ())), tuple(spec.get("tools", ())),
            spec.get("item", ""), qty if isinstance(qty, str) else tuple(qty),
            tuple(spec.get("extra", (0, 0))), spec.get("key", ""),
        )


MINOR = Kind.MINOR_REPAIR
# Minor repairs, routine services, major works and the paid services, each with what the
# caller says, what the worker writes, the time on site, materials and tools.
JOBS: tuple[Job, ...] = tuple(Job.of(spec) for spec in TEXTS["jobs"])
JOB = {job.key: job for job in JOBS if job.key}
PLACED_JOBS = {key: Job.of(spec) for key, spec in TEXTS["placed_jobs"].items()}
JOBS_OF: dict[str, tuple[Job, ...]] = {
    kind: tuple(job for job in JOBS if job.kind == kind) for kind in Kind.values
}


@dataclass(frozen=True)
class Refusal:
    kind: str
    trade: str
    text: str
    explanation: str  # what the desk told the customer


REFUSALS: tuple[Refusal, ...] = tuple(Refusal(**spec) for spec in TEXTS["refusals"])
VOID_REASONS: list[str] = TEXTS["void_reasons"]
VOID_ON_SITE_PAID: str = TEXTS["void_on_site_paid"]
# The customer's words at acceptance: by rating, for paid services, unhappy by trade.
HAPPY_COMMENTS: dict[int, list[str]] = {int(rating): said for rating, said in TEXTS["happy_comments"].items()}
PAID_COMMENTS: list[str] = TEXTS["paid_comments"]
UNHAPPY: dict[str, str] = TEXTS["unhappy"]
STILL_UNHAPPY: list[str] = TEXTS["still_unhappy"]
REWORK_DONE: dict[str, str] = TEXTS["rework_done"]
SETTLEMENTS: list[str] = TEXTS["settlements"]
SETTLE_REWORK: str = TEXTS["settle_rework"]
OVERRIDE_REASON: str = TEXTS["override_reason"]


@dataclass(frozen=True)
class Damage:
    estate: str
    tool: str  # the job had this tool out
    description: str
    compensation: str | None = None  # None: not settled yet
    agreement: str = ""


DAMAGES = tuple(Damage(**spec) for spec in TEXTS["damages"])

# What a repair complaint turns into, by words in its text (the first that fits).
COMPLAINT_REPAIRS: tuple[tuple[tuple[str, ...], str, str, tuple, tuple], ...] = tuple(
    (tuple(spec["words"]), spec["trade"], spec["done"], tuple(tuple(m) for m in spec.get("materials", ())),
     tuple(spec.get("tools", ())))
    for spec in TEXTS["complaint_repairs"]
)
NOT_FROM_COMPLAINTS: list[str] = TEXTS["not_from_complaints"]  # words of complaints no order comes from
TOOL_UNITS: dict[str, str] = TEXTS["tool_units"]
COMPLAINT_ORDERS = 2  # per estate, from open repair complaints


# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------


@dataclass
class Action:
    at: datetime
    kind: str
    args: dict = field(default_factory=dict)


@dataclass
class Plan:
    seq: int
    unit: Unit
    job: Job
    source: str
    registered_at: datetime
    mode: str
    owner: object | None = None  # owners.Owner
    requester_name: str = ""
    requester_phone: str = ""
    taken_by: object | None = None  # who typed it in
    appointment_at: datetime | None = None
    worker: Worker | None = None  # planned (desk, pool); round robin: whoever the service picks
    complaint: Complaint | None = None
    refusal: Refusal | None = None
    description: str = ""
    quantity: int = 1
    price: Decimal | None = None
    actions: list[Action] = field(default_factory=list)
    # while playing
    order: WorkOrder | None = None
    tools_out: list = field(default_factory=list)
    incident: DamageIncident | None = None

    def add(self, at: datetime, kind: str, **args) -> Action:
        action = Action(at, kind, args)
        self.actions.append(action)
        return action

    def find(self, kind: str, nth: int = 1) -> Action | None:
        seen = 0
        for action in self.actions:
            if action.kind == kind:
                seen += 1
                if seen == nth:
                    return action
        return None

    def cut_after(self, kind: str, nth: int = 1) -> Plan:
        """Keep only what happened up to the nth ``kind`` (the order stays in that state)."""
        mark = self.find(kind, nth)
        self.actions = [a for a in self.actions if a.at <= mark.at]
        return self

    def shift(self, delta: timedelta) -> Plan:
        self.registered_at += delta
        if self.appointment_at is not None:
            self.appointment_at += delta
        for action in self.actions:
            action.at += delta
        return self


def signature_png() -> bytes:
    """A small scribble that looks like a signature, as the pad would send it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (240, 80), (255, 255, 255, 0))
    pen = ImageDraw.Draw(image)
    ink = (20, 30, 90, 255)
    strokes = (
        [(18, 52), (30, 22), (38, 58), (50, 26), (58, 50), (70, 40)],
        [(80, 30), (84, 60), (96, 34), (108, 58), (116, 28)],
        [(126, 46), (140, 24), (150, 56), (166, 30), (178, 52), (196, 38), (222, 44)],
        [(60, 66), (120, 64), (190, 68)],
    )
    for points in strokes:
        pen.line(points, fill=ink, width=3, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


class _Planner:
    def __init__(self, ctx, staff: dict, workers: dict[str, list[Worker]], items: dict):
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.as_of = ctx.as_of
        self.tz = timezone.get_default_timezone()
        self.staff = staff
        self.workers = workers  # estate code -> workers
        self.items = items  # (estate code, name) -> PriceItem
        self.plans: list[Plan] = []
        self.reserved: set[int] = set()  # units whose orders are placed on purpose
        self.owners_of = ctx.owners_by_unit()
        self.tenants_of = ctx.tenants_by_unit()
        self.units_in: dict[str, list[Unit]] = {}
        for unit in ctx.units:
            if unit.pk in self.owners_of:
                self.units_in.setdefault(unit.estate.code, []).append(unit)

    # -- time ------------------------------------------------------------------------

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def at(self, day: date, hour: int, minute: float = 0) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.tz) + timedelta(minutes=minute)

    def day(self, days_ago: float) -> date:
        return (self.as_of - timedelta(days=days_ago)).date()

    def workday(self, moment: datetime) -> datetime:
        """``moment`` if workers are at work then (08:00–18:30), else the next morning."""
        local = moment.astimezone(self.tz)
        minutes = local.hour * 60 + local.minute
        if 8 * 60 <= minutes < 18 * 60 + 30:
            return moment
        day = local.date() + timedelta(days=1 if minutes >= 18 * 60 + 30 else 0)
        return self.at(day, 8, self.rng.uniform(5, 45))

    def registered_time(self, day: date, source: str) -> datetime:
        if source in (Source.DESK, Source.COMPLAINT):  # at the counter, in office hours
            return self.at(day, 8, self.rng.uniform(30, 600))
        return self.at(day, self.rng.choices(range(24), HOUR_WEIGHTS)[0], self.rng.uniform(0, 60))

    def appointment(self, registered: datetime) -> datetime | None:
        """Most callers ask for a time: later today, or a slot in the next few days."""
        rng = self.rng
        if rng.random() < 0.35:
            return None
        local = registered.astimezone(self.tz)
        for _ in range(10):
            day = local.date() + timedelta(days=rng.choice((0, 1, 1, 1, 2, 3)))
            slot = self.at(day, rng.choice((9, 10, 11, 14, 15, 16, 17)), rng.choice((0, 0, 30)))
            if slot >= registered + timedelta(hours=1, minutes=30):
                return slot
        return None

    # -- who -----------------------------------------------------------------------------

    def pick_unit(self, estate: str) -> Unit:
        units = self.units_in[estate]
        while True:
            unit = units[self.rng.randrange(len(units))]
            if unit.pk not in self.reserved:
                return unit

    def requester(self, plan: Plan, *, tenant_ok: bool = True) -> None:
        tenants = self.tenants_of.get(plan.unit.pk)
        if tenant_ok and tenants and self.rng.random() < TENANT_RATE:
            tenant = tenants[0]
            plan.owner, plan.requester_name, plan.requester_phone = None, tenant.name, tenant.phone
        else:
            owners = self.owners_of[plan.unit.pk]
            plan.owner = owners[self.rng.randrange(len(owners))]

    def pick_worker(self, estate: str, trade: str, registered: datetime) -> Worker:
        """Someone with the trade, on duty (an order from weeks ago may have gone to
        someone who is off duty now)."""
        recent = registered > self.as_of - timedelta(days=21)
        candidates = [
            w for w in self.workers[estate] if w.can_do(trade) and (w.on_duty or not recent)
        ]
        return candidates[self.rng.randrange(len(candidates))]

    def handyman(self, estate: str, trade: str) -> Worker | None:
        """For an exception to the trade rule: a general handyman on duty without it."""
        candidates = [
            w for w in self.workers[estate] if w.on_duty and w.can_do(G) and not w.can_do(trade)
        ]
        return candidates[self.rng.randrange(len(candidates))] if candidates else None

    # -- one order ----------------------------------------------------------------------

    def new(self, estate: str, registered: datetime | None = None, *, days_ago: float = 0,
            kind: str | None = None, job: Job | None = None, source: str | None = None,
            unit: Unit | None = None, appointment: bool | datetime | None = True,
            refusal: Refusal | None = None, tenant_ok: bool = True) -> Plan:
        rng = self.rng
        source = source or _pick(rng, SOURCE_WEIGHTS)
        if registered is None:
            registered = self.registered_time(self.day(days_ago), source)
        if refusal is not None:
            job = Job(refusal.kind, refusal.trade, refusal.text, "")
        if job is None:
            kind = kind or _pick(rng, KIND_WEIGHTS)
            job = self.pick_job(estate, kind, registered)
        unit = unit or self.pick_unit(estate)
        mode = DISPATCH_RULES.get(estate, {}).get(job.kind, DispatchMode.DESK)
        plan = Plan(seq=len(self.plans), unit=unit, job=job, source=source,
                    registered_at=registered,
                    mode=mode, refusal=refusal)
        self.requester(plan, tenant_ok=tenant_ok and source != Source.PORTAL)
        if source == Source.PORTAL and plan.owner is not None and plan.owner.user_id:
            plan.taken_by = plan.owner.user
        elif source != Source.PORTAL:
            plan.taken_by = self.staff["desk"]
        if isinstance(appointment, datetime):
            plan.appointment_at = appointment
        elif appointment and job.kind != Kind.MAJOR_WORKS:
            plan.appointment_at = self.appointment(registered)
        self.describe(plan)
        if mode in (DispatchMode.DESK, DispatchMode.POOL):
            plan.worker = self.pick_worker(estate, job.trade, registered)
        self.plans.append(plan)
        return plan

    def pick_job(self, estate: str, kind: str, registered: datetime) -> Job:
        jobs = JOBS_OF[kind]
        if kind == Kind.SPECIAL_SERVICE:
            old = registered < self.as_of - timedelta(days=RETIRED_BEFORE_DAYS)
            jobs = tuple(
                j for j in jobs if (estate, j.item) in self.items
                and (old or estate not in _SPEC[j.item].retired)
            )
        return jobs[self.rng.randrange(len(jobs))]

    def describe(self, plan: Plan) -> None:
        rng, job, unit = self.rng, plan.job, plan.unit
        if job.qty == "area":
            plan.quantity = int(unit.area.to_integral_value())
        else:
            plan.quantity = rng.randint(*job.qty)
        building, entrance, _room = unit.number.split("-")
        places = {"b": building, "e": entrance, "f": unit.floor, "q": plan.quantity}
        plan.description = plan.description or job.text.format(**places)
        if job.item:
            item = self.items[(unit.estate.code, job.item)]
            extra = 0
            if job.extra != (0, 0):
                extra = 5 * round(rng.randint(*job.extra) / 5)
            plan.price = (item.price + extra) * plan.quantity

    def lifecycle(self, plan: Plan, *, fate: str = "done", verdicts: tuple = (True,),
                  late: bool | None = None, void_stage: str = "", pay: str | None = None,
                  pad: bool | None = None, urgent: bool = False, exceptions: bool = True) -> Plan:
        """The order's whole life from registration, as timed actions. ``fate``: done,
        refuse or void (at ``void_stage``); ``verdicts``: the customer's verdicts in turn
        (True, False) and a supervisor's "settle" / "settle_rework" after an escalation."""
        rng, job = self.rng, plan.job
        desk = self.staff["desk"]
        judge = self.staff["supervisor"] if rng.random() < 0.15 else desk
        r = plan.registered_at
        plan.add(r, "register")
        judged = r + self.minutes(0.5, 4)
        if fate == "refuse":
            plan.add(judged, "judge", accept=False, explanation=plan.refusal.explanation,
                     actor=judge)
            return plan
        plan.add(judged, "judge", accept=True, actor=judge)
        if late is None:
            late = rng.random() < LATE_DISPATCH_RATE
        override = ""
        if (exceptions and plan.mode == DispatchMode.DESK and not late and job.trade != G
                and rng.random() < TRADE_OVERRIDE_RATE):
            handyman = self.handyman(plan.unit.estate.code, job.trade)
            if handyman is not None:
                plan.worker, override = handyman, OVERRIDE_REASON
        dispatched = r + (self.minutes(17, 80) if late else self.minutes(4, 13))
        dispatched = max(dispatched, judged + self.minutes(0.5, 2))
        plan.add(dispatched, "dispatch", actor=desk, override=override)
        if fate == "void" and void_stage == "dispatched":
            plan.add(self.workday(dispatched + self.minutes(20, 300)), "void", actor=desk,
                     reason=rng.choice(VOID_REASONS))
            return plan

        pool = plan.mode == DispatchMode.POOL
        taken = dispatched + (self.minutes(4, 40) if pool else self.minutes(1, 12))
        if not urgent:
            taken = self.workday(taken)
        plan.add(taken, "take")
        if plan.appointment_at is not None:
            arrive = max(plan.appointment_at - self.minutes(5, 15), taken + self.minutes(12, 25))
        else:
            arrive = taken + self.minutes(15, 50)
            if not urgent:
                arrive = self.workday(arrive)
        if fate == "void" and void_stage == "taken":
            plan.add(taken + (arrive - taken) * rng.uniform(0.2, 0.8), "void", actor=desk,
                     reason=rng.choice(VOID_REASONS))
            return plan
        if job.materials or job.tools:
            drawn = max(taken + self.minutes(1, 3), arrive - self.minutes(8, 25))
            plan.add(drawn, "draw")
        plan.add(arrive, "arrive")
        if job.item:
            plan.add(arrive + self.minutes(3, 10), "price")
            if fate == "void":  # the price put the customer off
                voided = arrive + self.minutes(11, 16)
                plan.add(voided, "void", actor=desk, reason=VOID_ON_SITE_PAID)
                if job.tools:
                    plan.add(voided + self.minutes(20, 60), "return")
                return plan
        done = arrive + self.minutes(*job.minutes)
        if job.item:  # agreeing the price takes a while
            done += self.minutes(8, 12)
        if job.kind == Kind.MAJOR_WORKS or not urgent:
            done = self.workday(done)
        plan.add(done, "complete", note=job.done)
        if job.item:
            cash = rng.random() < CASH_RATE
            method = pay or (PaymentMethod.CASH if cash else PaymentMethod.BANK_COLLECTION)
            plan.add(done + self.minutes(0.5, 2), "pay", method=method)
        if job.tools:
            plan.add(self.workday(done + self.minutes(15, 120)), "return")

        if pad is None:
            pad = rng.random() < PAD_RATE
        moment = done
        unhappy = 0
        for verdict in verdicts:
            if verdict is True:
                rating = rng.choices((5, 4, 3), (62, 29, 9))[0]
                comment = rng.choice(HAPPY_COMMENTS[rating])
                if job.item and rating >= 4 and rng.random() < 0.4:
                    comment = rng.choice(PAID_COMMENTS)
                if pad:
                    moment = moment + self.minutes(3, 9)
                    plan.add(moment, "verdict", satisfied=True, rating=rating, comment=comment,
                             pad=True)
                else:  # the worker brings the signed form back to the desk
                    moment = self.workday(moment + self.minutes(60, 480))
                    plan.add(moment, "verdict", satisfied=True, rating=rating, comment=comment,
                             pad=False,
                             actor=desk)
            elif verdict is False:
                unhappy += 1
                moment = moment + self.minutes(3, 9)
                comment = UNHAPPY[job.trade] if unhappy == 1 else rng.choice(STILL_UNHAPPY)
                plan.add(moment, "verdict", satisfied=False, rating=rng.choice((1, 2, 2, 3)),
                         comment=comment)
                if unhappy == 1:
                    moment = self.workday(moment + timedelta(hours=rng.uniform(16, 30)))
                    plan.add(moment, "complete", note=REWORK_DONE[job.trade])
            elif verdict == "settle":
                moment = self.workday(moment + timedelta(hours=rng.uniform(20, 60)))
                plan.add(moment, "settle", rework=False, note=rng.choice(SETTLEMENTS))
            elif verdict == "settle_rework":
                moment = self.workday(moment + timedelta(hours=rng.uniform(20, 48)))
                plan.add(moment, "settle", rework=True, note=SETTLE_REWORK)
                moment = self.workday(moment + timedelta(hours=rng.uniform(16, 30)))
                plan.add(moment, "complete", note=REWORK_DONE[job.trade])
        plan.actions.sort(key=lambda a: a.at)
        return plan

    def drawn_fate(self, plan: Plan) -> dict:
        """An ordinary order's fate: mostly done and signed off."""
        rng = self.rng
        roll = rng.random()
        if roll < VOID_RATE:
            stages = ("dispatched", "taken") + (("on_site",) if plan.job.item else ())
            return {"fate": "void", "void_stage": rng.choice(stages)}
        if roll < VOID_RATE + REWORK_RATE:
            if rng.random() < ESCALATE_RATE:
                if rng.random() < 0.7:
                    return {"verdicts": (False, False, "settle")}
                return {"verdicts": (False, False, "settle_rework", True)}
            return {"verdicts": (False, True)}
        return {}

    def fit(self, plan: Plan, kind: str, nth: int = 1, *, days_back: int = 0) -> Plan:
        """Shift by whole days so the nth ``kind`` falls in the day before the demo's now
        (or ``days_back`` days earlier), and stop the order there."""
        mark = plan.find(kind, nth)
        days = math.floor((self.as_of - mark.at) / timedelta(days=1))
        if mark.at + timedelta(days=days) >= self.as_of:
            days -= 1
        return plan.shift(timedelta(days=days - days_back)).cut_after(kind, nth)


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


_SPEC = {spec.name: spec for spec in PRICE_LIST}


# ---------------------------------------------------------------------------
# The step
# ---------------------------------------------------------------------------


class _WorkOrdersBuilder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.as_of = ctx.as_of
        self.estates = {e.code: e for e in ctx.estates}
        users = get_user_model().objects.filter(username__in=["desk", "supervisor"])
        self.staff = {u.username: u for u in users if is_staff_member(u)}
        self.staff.setdefault("desk", None)
        self.staff.setdefault("supervisor", None)
        self.workers: dict[str, list[Worker]] = {}
        self.items: dict[tuple[str, str], PriceItem] = {}
        self.signature = signature_png()

    # -- people, rules, prices ---------------------------------------------------------

    def seed_workers(self) -> None:
        """The teams. Logins are made only for names not taken yet (like seed_users)."""
        ctx = self.ctx
        User = get_user_model()
        # The demo password, hashed once (hashing is slow on purpose): the hash the role
        # logins were just given, or a new one if none was made in this run.
        created = list(ctx.users.values())
        password = created[0].password if created else make_password(DEMO_PASSWORD)
        specs = [(code, spec) for code, team in TEAMS.items() if code in self.estates
                 for spec in team]
        taken = set(User.objects.filter(username__in=[s.username for _c, s in specs])
                    .values_list("username", flat=True))
        new_users = [
            User(username=spec.username, password=password, last_name=spec.surname,
                 first_name=spec.given, email=f"{spec.username}@example.com")
            for _code, spec in specs if spec.username not in taken
        ]
        ctx.skipped_users.extend(sorted(taken))
        User.objects.bulk_create(new_users)
        made = User.objects.filter(username__in=[u.username for u in new_users])
        by_name = {u.username: u for u in made}
        group = Group.objects.get(name=roles.ENGINEERING)
        group.user_set.add(*by_name.values())
        rows = []
        first = next(iter(self.estates.values()))
        engineer = ctx.users.get("engineer")
        if engineer is not None:
            rows.append(Worker(user=engineer, estate=first, trades=list(ENGINEER_TRADES)))
        for code, spec in specs:
            if spec.username in by_name:
                rows.append(Worker(user=by_name[spec.username], estate=self.estates[code],
                                   trades=list(spec.trades), on_duty=spec.on_duty))
        Worker.objects.bulk_create(rows)
        # The workers are engineering's staff in their estate (the demo engineer already is).
        StaffMembership.objects.bulk_create(
            [StaffMembership(user=row.user, estate=row.estate, department=Department.ENGINEERING)
             for row in rows if row.user is not engineer], ignore_conflicts=True)
        for worker in Worker.objects.select_related("user", "estate").order_by("user__username"):
            self.workers.setdefault(worker.estate.code, []).append(worker)
        ctx.counts["workers"] = len(rows)
        ctx.counts["workers_off_duty"] = sum(1 for w in rows if not w.on_duty)

    def seed_rules(self) -> None:
        DispatchRule.objects.bulk_create([
            DispatchRule(estate=self.estates[code], kind=kind, mode=mode)
            for code, rules in DISPATCH_RULES.items() if code in self.estates
            for kind, mode in rules.items()
        ])

    def seed_price_list(self) -> None:
        for code, estate in self.estates.items():
            for spec in PRICE_LIST:
                if code in spec.prices:
                    self.items[(code, spec.name)] = services.price_item_save(
                        estate=estate, name=spec.name, trade=spec.trade,
                        price=Decimal(spec.prices[code]),
                        unit_label=spec.unit_label, actor=self.staff["supervisor"],
                    )

    def retire_price_items(self) -> None:
        """Items no longer offered: booked weeks ago, taken off the list since."""
        for code in self.estates:
            for spec in PRICE_LIST:
                if code in spec.retired and (code, spec.name) in self.items:
                    item = self.items[(code, spec.name)]
                    services.price_item_save(
                        estate=item.estate, name=item.name, trade=item.trade, price=item.price,
                        unit_label=item.unit_label, active=False, item=item,
                        actor=self.staff["supervisor"],
                    )

    # -- planning ---------------------------------------------------------------------------

    def plan(self) -> _Planner:
        planner = _Planner(self.ctx, self.staff, self.workers, self.items)
        self.planner = planner
        self.demo_owner(planner)
        for code in self.estates:
            self.from_complaints(planner, code)
            self.placed(planner, code)
        for code in self.estates:
            self.background(planner, code)
        self.damages(planner)
        for plan in planner.plans:
            self.sweeps(plan)
        return planner

    def background(self, planner: _Planner, code: str) -> None:
        rng = self.rng
        count = ORDERS_PER_ESTATE - sum(1 for p in planner.plans if p.unit.estate.code == code)
        for _ in range(count):
            days_ago = HISTORY_DAYS * rng.random() ** 1.15  # a little busier lately
            if rng.random() < REFUSE_RATE:
                plan = planner.new(code, days_ago=days_ago, refusal=rng.choice(REFUSALS),
                                   appointment=False)
                planner.lifecycle(plan, fate="refuse")
                continue
            plan = planner.new(code, days_ago=days_ago)
            planner.lifecycle(plan, **planner.drawn_fate(plan))

    def placed(self, planner: _Planner, code: str) -> None:
        """At least one order in each state the pages show, in each estate."""
        rng, as_of = self.rng, self.as_of
        cuihu = code == "cuihu"
        # Came in just before midnight: not judged yet; one past its deadline (alerted).
        for minutes in ((3, 9, 50) if cuihu else (6, 38)):
            plan = planner.new(code, as_of - timedelta(minutes=minutes + rng.uniform(0, 2)),
                               source=Source.PHONE, kind=Kind.MINOR_REPAIR, appointment=False)
            planner.lifecycle(plan).cut_after("register")
        # Judged, not dispatched yet.
        ago = rng.uniform(8, 10) if cuihu else rng.uniform(45, 55)
        plan = planner.new(code, as_of - timedelta(minutes=ago),
                           source=Source.PORTAL, kind=Kind.MINOR_REPAIR, appointment=False)
        planner.lifecycle(plan).cut_after("judge")
        # Dispatched last evening; the worker takes it this morning (or it waits in the pool).
        for kind in (Kind.MINOR_REPAIR, Kind.SPECIAL_SERVICE):
            day = planner.day(1)
            registered = planner.at(day, 19, rng.uniform(0, 150))
            slot = planner.at(planner.day(0), rng.choice((9, 10, 14, 15)))
            plan = planner.new(code, registered, kind=kind, source=Source.PHONE, appointment=slot)
            planner.lifecycle(plan, late=False).cut_after("dispatch")
        # Taken, the appointment is this morning.
        plan = planner.new(code, planner.at(planner.day(1), 15, rng.uniform(0, 120)),
                           kind=Kind.MINOR_REPAIR,
                           source=Source.DESK,
                           appointment=planner.at(planner.day(0), rng.choice((9, 10, 11))))
        planner.lifecycle(plan, late=False).cut_after("take")
        # On site: a major job for days; a burst pipe late at night.
        if cuihu:
            plan = planner.new(code, days_ago=3, kind=Kind.MAJOR_WORKS, source=Source.DESK)
            planner.fit(planner.lifecycle(plan, late=False), "arrive", days_back=1)
        else:
            registered = as_of - timedelta(minutes=rng.uniform(95, 105))
            plan = planner.new(code, registered, job=PLACED_JOBS["burst_pipe"], source=Source.PHONE, appointment=False)
            planner.lifecycle(plan, late=False, urgent=True).cut_after("arrive")
        # Completed yesterday afternoon; the paper form comes back today.
        for _ in range(2 if cuihu else 1):
            plan = planner.new(code, days_ago=1, kind=Kind.MINOR_REPAIR, source=Source.PHONE,
                               appointment=False)
            plan = planner.fit(planner.lifecycle(plan, late=False, pad=False), "complete")
        # Sent back for rework yesterday; escalated to a supervisor.
        plan = planner.new(code, days_ago=2, kind=Kind.MINOR_REPAIR, appointment=False)
        planner.fit(planner.lifecycle(plan, verdicts=(False, True)), "verdict")
        plan = planner.new(code, days_ago=4, kind=Kind.MINOR_REPAIR, appointment=False)
        planner.fit(planner.lifecycle(plan, verdicts=(False, False, "settle", True)), "verdict", 2,
                    days_back=rng.choice((0, 1)))
        # Settled by a supervisor weeks ago.
        plan = planner.new(code, days_ago=rng.uniform(20, 60), kind=Kind.MINOR_REPAIR,
                           appointment=False)
        planner.lifecycle(plan, verdicts=(False, False, "settle"))
        # A refusal and a cancellation last week.
        plan = planner.new(code, days_ago=rng.uniform(3, 8), refusal=REFUSALS[0 if cuihu else 2],
                           appointment=False)
        planner.lifecycle(plan, fate="refuse")
        plan = planner.new(code, days_ago=rng.uniform(3, 8), kind=Kind.MINOR_REPAIR)
        planner.lifecycle(plan, fate="void", void_stage="taken")
        if not cuihu:  # the lamp fitter who broke a coffee table (see DAMAGES)
            plan = planner.new(code, days_ago=2, job=JOB["lamps"], source=Source.PHONE, appointment=False)
            planner.lifecycle(plan, late=False, verdicts=(True,))

    def from_complaints(self, planner: _Planner, code: str) -> None:
        """A few open repair complaints became work orders after their last news."""
        rng, as_of = self.rng, self.as_of
        complaints = list(
            Complaint.objects.filter(estate=self.estates[code], status__in=OPEN_STATUSES,
                                     category__in=REPAIR_CATEGORIES)
            .annotate(last=Max("events__at")).select_related("unit__estate", "unit__building",
                                                             "owner")
            .order_by("received_at", "pk")
        )
        usable = []
        for complaint in complaints:
            if complaint.unit_id not in planner.owners_of:
                continue
            repair = next((r for r in COMPLAINT_REPAIRS
                           if any(word in complaint.description for word in r[0])), None)
            if repair is None or any(word in complaint.description for word in NOT_FROM_COMPLAINTS):
                continue
            news = max(complaint.last, complaint.received_at)
            registered = planner.workday(news + planner.minutes(15, 90))
            if registered < as_of - timedelta(hours=2):
                usable.append((complaint, repair, registered))
        for complaint, repair, registered in rng.sample(usable, min(COMPLAINT_ORDERS, len(usable))):
            _words, trade, done, materials, tools = repair
            kind = Kind.MINOR_REPAIR if complaint.category == Category.REPAIR else Kind.ROUTINE
            job = Job(kind, trade, complaint.description, done, (30, 90), materials, tools)
            plan = planner.new(code, registered, job=job, source=Source.COMPLAINT,
                               unit=complaint.unit,
                               appointment=False)
            plan.complaint = complaint
            plan.owner = complaint.owner
            plan.requester_name = complaint.contact_name
            plan.requester_phone = complaint.contact_phone or ""
            plan.description = complaint.description
            planner.lifecycle(plan, late=False)

    def demo_owner(self, planner: _Planner) -> None:
        """The portal owner's own requests: a lamp fixed last month, a paid cooker-hood
        clean, a basin drain booked for this morning, and the tenant's call at the flat
        they let."""
        ctx, rng = self.ctx, self.rng
        owner = ctx.demo_owner
        if owner is None or "cuihu" not in self.estates:
            return
        units = [o.unit for o in ctx.current_ownerships if o.owner.pk == owner.pk]
        home = next((u for u in units if u.estate.code == "cuihu"), None)
        let = next((u for u in units if u.estate.code != "cuihu"), None)
        planner.reserved.update(u.pk for u in units)
        if home is None:
            return
        plan = planner.new("cuihu", days_ago=24, job=JOB["lamp_fault"], source=Source.PORTAL, unit=home,
                           tenant_ok=False)
        plan.owner, plan.taken_by = owner, owner.user
        planner.lifecycle(plan, late=False, pad=True, verdicts=(True,))
        plan = planner.new("cuihu", days_ago=45, job=JOB["cooker_hood"], source=Source.PHONE, unit=home,
                           tenant_ok=False)
        plan.owner = owner
        planner.lifecycle(plan, late=False, pad=True, pay=PaymentMethod.CASH)
        registered = planner.at(planner.day(1), 20, rng.uniform(0, 40))
        plan = planner.new("cuihu", registered, job=PLACED_JOBS["basin"], source=Source.PORTAL, unit=home,
                           tenant_ok=False,
                           appointment=planner.at(planner.day(0), 10))
        plan.owner, plan.taken_by = owner, owner.user
        engineer = next((w for w in self.workers.get("cuihu", []) if w.user.username == "engineer"),
                        None)
        plan.worker = engineer or plan.worker
        planner.lifecycle(plan, late=False, exceptions=False).cut_after("dispatch")
        if let is not None and planner.tenants_of.get(let.pk):
            tenant = planner.tenants_of[let.pk][0]
            plan = planner.new(let.estate.code, days_ago=9, job=JOB["heater_valve"], source=Source.PHONE, unit=let)
            plan.owner, plan.requester_name, plan.requester_phone = None, tenant.name, tenant.phone
            planner.lifecycle(plan, late=False)

    def damages(self, planner: _Planner) -> None:
        """Damage to a customer's property: settled weeks ago, or still with the supervisor."""
        rng = self.rng
        for damage in DAMAGES:
            settled = damage.compensation is not None
            low, high = (20, 70) if settled else (1, 3)
            earliest = planner.as_of - timedelta(days=high)
            latest = planner.as_of - timedelta(days=low)
            candidates = [
                p for p in planner.plans
                if p.unit.estate.code == damage.estate and damage.tool in p.job.tools
                and not p.complaint and p.unit.pk not in planner.reserved
                and p.find("complete") and p.find("arrive")
                and earliest <= p.registered_at <= latest and p.find("complete").at < planner.as_of
                and not any(a.kind == "damage" for a in p.actions)
            ]
            if not candidates:
                continue
            plan = candidates[rng.randrange(len(candidates))]
            arrive, done = plan.find("arrive").at, plan.find("complete").at
            reported = arrive + (done - arrive) * rng.uniform(0.3, 0.8)
            plan.add(reported, "damage", description=damage.description)
            if settled:
                plan.add(planner.workday(reported + timedelta(hours=rng.uniform(20, 70))),
                         "damage_settle",
                         compensation=Decimal(damage.compensation), agreement=damage.agreement)
            plan.actions.sort(key=lambda a: a.at)

    def sweeps(self, plan: Plan) -> None:
        """The late-dispatch sweep (a job of the registry) alerts the desk about an
        order still undispatched past its deadline (the estate's rule for the kind)."""
        rule = DispatchRule.for_order(estate=plan.unit.estate, kind=plan.job.kind)
        due = plan.registered_at + timedelta(minutes=rule.minutes)
        ends = [a.at for a in plan.actions if a.kind in ("dispatch", "void")
                or (a.kind == "judge" and not a.args["accept"])]
        end = min(ends) if ends else self.as_of
        when = next_run("repairs.late_dispatch_sweep", after=due)
        if when < end:
            plan.add(when, "sweep")
            plan.actions.sort(key=lambda a: a.at)

    # -- playing -------------------------------------------------------------------------

    def schedule(self) -> None:
        """Every order's actions on the demo's timeline, to be played through the
        services in the order things happened; the retired price lines come off the
        list once their last order was booked."""
        actions = sorted(
            ((a.at, plan.seq, i, plan, a) for plan in self.planner.plans
             for i, a in enumerate(plan.actions) if a.at < self.as_of),
            key=lambda row: row[:3],
        )
        workers = {w.pk: w for team in self.workers.values() for w in team}
        timeline = self.ctx.timeline
        for at, _seq, _i, plan, action in actions:
            cash = action.kind == "pay" and action.args["method"] == PaymentMethod.CASH
            timeline.at(at, lambda plan=plan, action=action: self.act(plan, action, workers), receipt=cash)
        timeline.at(self.as_of - timedelta(days=RETIRED_BEFORE_DAYS), self.retire_price_items)

    def act(self, plan: Plan, action: Action, workers: dict[int, Worker]) -> None:
        now, args, order = action.at, action.args, plan.order
        worker = plan.worker
        match action.kind:
            case "register":
                if plan.complaint is not None:
                    plan.order = services.work_order_from_complaint(
                        complaint=plan.complaint, kind=plan.job.kind, trade=plan.job.trade, now=now,
                        actor=self.staff["desk"], description=plan.description,
                        appointment_at=plan.appointment_at,
                    )
                    return
                plan.order = services.work_order_register(
                    unit=plan.unit, kind=plan.job.kind, trade=plan.job.trade,
                    description=plan.description,
                    source=plan.source, now=now, actor=plan.taken_by, owner=plan.owner,
                    requester_name=plan.requester_name, requester_phone=plan.requester_phone,
                    appointment_at=plan.appointment_at,
                    price_item=self.items.get((plan.unit.estate.code, plan.job.item)),
                )
            case "judge":
                plan.order = services.work_order_judge(
                    order=order, accept=args["accept"], now=now, actor=args["actor"],
                    explanation=args.get("explanation", ""),
                )
            case "sweep":
                services.work_order_flag_late_dispatch(order_id=order.pk, as_of=now)
            case "dispatch":
                plan.order = services.work_order_dispatch(
                    order=order, now=now, actor=args["actor"],
                    worker=worker if plan.mode == DispatchMode.DESK else None,
                    trade_override=args["override"],
                )
                if plan.order.worker_id is not None:
                    plan.worker = workers[plan.order.worker_id]
            case "take":
                plan.order = services.work_order_take(order=order, worker=worker, now=now)
            case "draw":
                for name, unit_label, quantity in plan.job.materials:
                    services.work_order_draw(
                        order=order, kind=DrawKind.MATERIAL, name=name, unit_label=unit_label,
                        quantity=Decimal(quantity or plan.quantity), now=now, actor=worker.user,
                    )
                for name in plan.job.tools:
                    plan.tools_out.append(services.work_order_draw(
                        order=order, kind=DrawKind.TOOL, name=name, unit_label=TOOL_UNITS[name],
                        quantity=Decimal(1), now=now, actor=worker.user,
                    ))
            case "arrive":
                plan.order = services.work_order_arrive(order=order, worker=worker, now=now)
            case "price":
                plan.order = services.work_order_confirm_price(order=order, worker=worker,
                                                               price=plan.price, now=now)
            case "complete":
                plan.order = services.work_order_complete(order=order, worker=worker, now=now,
                                                          note=args["note"])
            case "pay":
                services.work_order_collect_payment(order=order, method=args["method"], now=now,
                                                    actor=worker.user)
            case "return":
                for draw in plan.tools_out:
                    services.work_order_return_tool(draw=draw, now=now, actor=worker.user)
                plan.tools_out = []
            case "verdict":
                satisfied = args["satisfied"]
                pad = satisfied and args.get("pad", False)
                plan.order = services.work_order_customer_verdict(
                    order=order, satisfied=satisfied, rating=args["rating"], now=now,
                    actor=args.get("actor") or worker.user, comment=args["comment"],
                    signature_png=self.signature if pad else None,
                    signed_on_paper=satisfied and not pad, signer_name=order.requester_name,
                )
            case "settle":
                plan.order = services.work_order_settle(
                    order=order, rework=args["rework"], note=args["note"], now=now,
                    actor=self.staff["supervisor"],
                )
            case "void":
                plan.order = services.work_order_void(order=order, reason=args["reason"], now=now,
                                                      actor=args["actor"])
            case "damage":
                plan.incident = services.damage_report(
                    order=order, description=args["description"], now=now, actor=worker.user,
                )
            case "damage_settle":
                services.damage_settle(
                    incident=plan.incident, compensation=args["compensation"],
                    agreement=args["agreement"],
                    now=now, actor=self.staff["supervisor"],
                )
            case _:
                raise ValueError(action.kind)



def count_work_orders(ctx) -> None:
    """The step after the timeline is played: what the work orders came to."""
    statuses = dict(WorkOrder.objects.values_list("status").annotate(n=Count("id")))
    totals = WorkOrder.objects.aggregate(
        all=Count("id"), late=Count("id", filter=Q(dispatch_late_by__isnull=False)),
        paid=Count("id", filter=Q(kind=Kind.SPECIAL_SERVICE)),
    )
    counts = {
        "price_list_items": PriceItem.objects.count(),
        "work_orders": totals["all"],
        **{f"work_orders_{s}": statuses.get(s, 0) for s in Status.values},
        "work_orders_dispatched_late": totals["late"],
        "paid_services": totals["paid"],
        "receipts": Receipt.objects.count(),
        "bank_collection_charges": BankCollectionCharge.objects.count(),
        "damage_incidents": DamageIncident.objects.count(),
    }
    ctx.counts.update(counts)


def plan_work_orders(ctx) -> _WorkOrdersBuilder:
    """Staff, rules and prices are written (the plan needs their rows); the orders are
    only planned (``builder.planner.plans``)."""
    builder = _WorkOrdersBuilder(ctx)
    builder.seed_workers()
    builder.seed_rules()
    builder.seed_price_list()
    builder.plan()
    return builder


def schedule_work_orders(ctx) -> None:
    """The step after the fees' calendar: workers, dispatch rules and price lists now,
    three months of work orders on the timeline."""
    with notifications.inbox_only():
        builder = plan_work_orders(ctx)
    builder.schedule()

