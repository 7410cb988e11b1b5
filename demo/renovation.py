"""Renovations in the demo estate: ``schedule_renovations``, a step of ``demo.steps.STEPS``
after the work orders are scheduled, and ``count_renovations`` once the timeline is played.

The step gives 锦绣华庭 a renovation policy of its own (deposits refunded 15 days after
passing, work from 08:30 to 12:00 and 14:30 to 18:30; 翠湖花园 keeps the defaults), then
plans some thirty renovations, each a life of timed actions played through
``renovation.services`` on the demo's timeline (``DemoContext.timeline``) with ``now=`` the
moment it happened: the application with the contractor's papers (pictures made here,
through the one upload path), the workers with their ID copies and photos, the three
signed papers (on the pad, or scans), a return for a missing paper and its resubmission,
approval, the fees and deposits at the finance office (each with its receipt, from the
estate's one receipt sequence in the order it was issued: these actions are
``receipt=True``), the permit and the passes, workers joining and leaving, patrols,
breaches with their penalties approved, rejected or awaiting the supervisor, checks at
the gate (valid, outside working hours, not yet valid, revoked, expired, unknown,
forged), acceptance requests, failed inspections fixed and inspected again, the cards
handed back, the refunds; and ``renovation.daily`` every morning at the time the job
registry gives it, which moves deposits that fell due and sends its reminders.

Each life is planned forward, then shifted by whole days so the step that decides its
state falls where the state needs it (yesterday, a few days or months ago), and stops
there: so both estates show every state, submitted, returned, approved, fees paid,
in progress with passes, acceptance requested, a failed inspection being fixed,
passed (one with the bathroom floor altered, waiting out its three months), deposits
due, refunded (one with a penalty deducted), and withdrawn (before and after paying).
The portal owner (login ``owner``) has one renovation, applied for in the portal and
under way. Deterministic: it draws only from the context's random generator and ``today``.
"""

from __future__ import annotations

import base64
import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

from demo.context import next_run
from demo.people import Person
from demo.repairs import signature_png
from demo.texts import texts
from propertydesk.roles import is_staff_member
from propertydesk.signature import signature_from_data_url
from renovation import jobs, rules, services
from renovation.models import (
    DEPOSITS,
    PAPER_PARTIES,
    REQUIRED_DOCUMENTS,
    Breach,
    DepositRefund,
    GateCheck,
    Party,
    Patrol,
    Renovation,
    RenovationWorker,
    Status,
    WorkerPass,
)

TEXTS = texts("renovation")  # demo/data/renovation.json: contractors, scopes, what staff write

# 锦绣华庭's own policy; 翠湖花园 follows settings.RENOVATION_POLICY_DEFAULTS.
ESTATE_POLICIES = {"jinxiu": {"refund_days": 15, "work_windows": ["08:30-12:00", "14:30-18:30"]}}

# The file names the owners' and contractors' papers came with (by document kind; a
# worker's with {name} and {n}, the photos of patrols and breaches).
FILE_NAMES: dict[str, str] = TEXTS["file_names"]
FEE_METHODS = {"cash": 45, "card": 35, "online": 20}


@dataclass(frozen=True)
class WorkerSpec:
    name: str
    id_number: str
    phone: str


@dataclass
class Act:
    at: datetime
    kind: str
    args: dict = field(default_factory=dict)


@dataclass
class Life:
    """One renovation's plan, and what playing it made."""

    seq: int
    fate: str
    unit: object  # owners.Unit
    owner: object  # owners.Owner
    portal: bool
    scope: str
    floors_altered: bool
    contractor: str
    lead: Person
    lead_id: str
    lead_phone: str
    workers: list[WorkerSpec]  # the team at the application first, then who joins later
    initial: int = 0  # how many were on the team at the application
    start: date | None = None
    end: date | None = None
    pad: bool = True  # the papers signed on the pad; else scans of the signed papers
    acts: list[Act] = field(default_factory=list)
    # while playing
    renovation: Renovation | None = None
    rows: list[RenovationWorker] = field(default_factory=list)
    patrol: Patrol | None = None
    breach: Breach | None = None

    def add(self, at: datetime, kind: str, **args) -> Act:
        act = Act(at, kind, args)
        self.acts.append(act)
        return act

    def last(self, kind: str) -> Act:
        return max((a for a in self.acts if a.kind == kind), key=lambda a: a.at)

    def shift(self, days: int) -> None:
        delta = timedelta(days=days)
        self.start, self.end = self.start + delta, self.end + delta
        for act in self.acts:
            act.at += delta
            if "planned_end" in act.args:
                act.args["planned_end"] += delta


# ---- pictures of the papers ------------------------------------------------------------------


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _page(tint: tuple[int, int, int]) -> bytes:
    """A scanned page: a stamp-red box at the foot, lines of text."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (150, 200), (250, 250, 246))
    pen = ImageDraw.Draw(image)
    pen.rectangle([12, 12, 138, 26], fill=tint)
    for y in range(38, 160, 10):
        pen.line([(14, y), (136 - (y * 7) % 40, y)], fill=(120, 120, 120), width=2)
    pen.ellipse([96, 154, 136, 194], outline=(200, 30, 30), width=3)
    return _png(image)


def _id_card(shade: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (171, 108), (214, 232, 246))
    pen = ImageDraw.Draw(image)
    pen.rectangle([112, 18, 160, 80], fill=(180 + shade, 190, 200))
    for y in (24, 40, 56, 72, 92):
        pen.line([(12, y), (100, y)], fill=(90, 90, 110), width=3)
    return _png(image)


def _portrait(shade: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (90, 120), (60, 110, 190))
    pen = ImageDraw.Draw(image)
    pen.ellipse([25, 18, 65, 66], fill=(226 - shade, 190 - shade, 160 - shade))
    pen.rectangle([15, 70, 75, 120], fill=(40 + shade, 40, 50))
    return _png(image)


class _Pictures:
    """A few of each, made once: the services re-encode every upload anyway."""

    def __init__(self):
        self.pages = [_page(tint) for tint in ((210, 80, 60), (60, 110, 170), (90, 140, 90), (170, 130, 60))]
        self.cards = [_id_card(shade) for shade in (0, 20, 40)]
        self.portraits = [_portrait(shade) for shade in (0, 15, 30, 45)]

    @staticmethod
    def upload(name: str, content: bytes) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, content, content_type="image/png")

    def page(self, name: str, n: int) -> SimpleUploadedFile:
        return self.upload(name, self.pages[n % len(self.pages)])

    def card(self, name: str, n: int) -> SimpleUploadedFile:
        return self.upload(name, self.cards[n % len(self.cards)])

    def portrait(self, name: str, n: int) -> SimpleUploadedFile:
        return self.upload(name, self.portraits[n % len(self.portraits)])


# ---- planning ----------------------------------------------------------------------------------


# Each estate's renovations: (fate, options). Options: returned (the paper missing, by index
# of TEXTS["returns"]), breach (index of TEXTS["breaches"]), specials at the gate.
PLANS: dict[str, list[tuple[str, dict]]] = {
    "cuihu": [
        ("submitted", {}),
        ("returned", {"returned": 0}),
        ("approved", {"returned": 1}),
        ("fees_paid", {"decline_rubbish_fee": True}),
        ("in_progress", {"demo_owner": True, "joins": True, "days_ago": 9}),
        ("in_progress", {"leaves": True, "breach": 3, "not_yet_valid": True, "outside_hours": True,
                         "strangers": True, "days_ago": 14}),
        ("acceptance_requested", {}),
        ("fixing", {"extend": True}),
        ("passed", {"revoked_at_gate": True}),
        ("passed", {"wet": True, "days_ago": 38}),
        ("deposits_due", {}),
        ("refunded", {"breach": 0, "days_ago": 12}),
        ("refunded", {"breach": 2, "decline_rubbish_fee": True, "days_ago": 45}),
        ("refunded", {"wet": True, "days_ago": 18}),
        ("withdrawn", {}),
        ("withdrawn_paid", {}),
    ],
    "jinxiu": [
        ("submitted", {}),
        ("returned", {"returned": 2}),
        ("approved", {}),
        ("fees_paid", {}),
        ("in_progress", {"not_yet_valid": True, "outside_hours": True, "strangers": True, "leaves": True,
                         "days_ago": 11}),
        ("acceptance_requested", {}),
        ("fixing", {"overrun": True}),
        ("passed", {"revoked_at_gate": True}),
        ("passed", {"wet": True, "days_ago": 30}),
        ("deposits_due", {"breach": 1}),
        ("refunded", {"days_ago": 8}),
        ("refunded", {"days_ago": 33}),
        ("withdrawn", {"returned": 0}),
    ],
}
# What the state is decided by: the last action of this kind, and how many days before
# yesterday it falls (an option "days_ago" overrides).
ANCHORS = {
    "submitted": ("papers", 0), "returned": ("return", 1), "approved": ("approve", 0), "fees_paid": ("fees", 1),
    "in_progress": ("permit", 10), "acceptance_requested": ("request", 0), "fixing": ("inspect", 2),
    "passed": ("inspect", 3), "deposits_due": ("inspect", None), "refunded": ("refund", 20),
    "withdrawn": ("withdraw", 6), "withdrawn_paid": ("refund", 15),
}
# How far each plan goes.
UNTIL = {
    "submitted": "apply", "returned": "return", "approved": "approve", "fees_paid": "fees",
    "in_progress": "works", "acceptance_requested": "request", "fixing": "fail", "passed": "cards",
    "deposits_due": "cards", "refunded": "refund", "withdrawn": "withdraw", "withdrawn_paid": "withdraw_paid",
}


class _Planner:
    def __init__(self, ctx, staff: dict, pictures: _Pictures):
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.today = ctx.today
        self.as_of = ctx.as_of
        self.tz = timezone.get_default_timezone()
        self.staff = staff
        self.pictures = pictures
        self.lives: list[Life] = []
        owners = ctx.owners_by_unit()
        demo_units = {o.unit.pk for o in ctx.current_ownerships if ctx.demo_owner and o.owner.pk == ctx.demo_owner.pk}
        self.free: dict[str, list] = {}
        for unit in ctx.units:
            if unit.pk in owners and unit.pk not in demo_units:
                self.free.setdefault(unit.estate.code, []).append(unit)
        self.owners = owners
        self.policies = rules.renovation_policies(estate_ids=[e.pk for e in ctx.estates])
        self.estates = {e.code: e for e in ctx.estates}

    # -- time ------------------------------------------------------------------------

    def at(self, day: date, hour: int, minute: float = 0) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=self.tz) + timedelta(minutes=minute)

    def office(self, day: date) -> datetime:
        """A moment of the service centre's day (09:00–17:00)."""
        return self.at(day, 9, self.rng.uniform(0, 480))

    def gate_time(self, day: date, estate) -> datetime:
        """Early in one of the estate's working windows: the workers arriving."""
        start, _end = self.rng.choice(self.policies[estate.pk].windows())
        return self.at(day, start.hour, start.minute + self.rng.uniform(1, 40))

    # -- who ---------------------------------------------------------------------------

    def worker(self) -> WorkerSpec:
        people = self.ctx.people
        person = people.person(born=(1966, 2001), sex="m" if self.rng.random() < 0.9 else "f")
        return WorkerSpec(person.name, people.resident_id(person),
                          people.mobile() if self.rng.random() < 0.7 else "")

    def life(self, code: str, fate: str, options: dict) -> Life:
        rng, people = self.rng, self.ctx.people
        if options.get("demo_owner"):
            owner = self.ctx.demo_owner
            unit = next(o.unit for o in self.ctx.current_ownerships
                        if o.owner.pk == owner.pk and o.unit.estate.code == code)
        else:
            units = self.free[code]
            unit = units.pop(rng.randrange(len(units)))
            owner = self.owners[unit.pk][0]
        wet = options.get("wet")
        scopes = [s for s in TEXTS["scopes"] if wet is None or s["floors_altered"] == wet]
        if fate in ("passed", "deposits_due", "refunded") and not wet:
            scopes = [s for s in TEXTS["scopes"] if not s["floors_altered"]]
        scope = rng.choice(scopes)
        lead = people.person(born=(1968, 1992), sex="m")
        portal = bool(options.get("demo_owner")) and owner.user_id is not None
        workers = [self.worker() for _ in range(rng.randint(2, 4))]
        return Life(seq=len(self.lives), fate=fate, unit=unit, owner=owner, portal=portal, scope=scope["text"],
                    floors_altered=scope["floors_altered"], contractor=rng.choice(TEXTS["contractors"]), lead=lead,
                    lead_id=people.resident_id(lead), lead_phone=people.mobile(), workers=workers,
                    initial=len(workers), pad=portal or rng.random() < 0.5)

    # -- one life ----------------------------------------------------------------------

    def build(self, life: Life, options: dict) -> None:
        """The life from the application to where ``UNTIL[fate]`` says it stops, from an
        arbitrary day; ``fit`` puts it in time."""
        rng, until = self.rng, UNTIL[life.fate]
        estate = self.estates[life.unit.estate.code]
        d0 = self.today - timedelta(days=400)
        applied = self.office(d0)
        returned = options.get("returned")
        # The days of the desk's and finance's steps, then the planned dates around them.
        day_last = d0
        if returned is not None:
            day_return = d0 + timedelta(days=1)
            day_last = d0 + timedelta(days=rng.randint(2, 4))
        # The portal owner uploads in the evening and comes to the desk to sign the next
        # morning; the desk approves in the afternoon.
        day_approve = day_last + timedelta(days=1)
        day_fees = day_approve + timedelta(days=rng.randint(1, 3))
        life.start = day_fees + timedelta(days=rng.randint(2, 5))
        life.end = life.start + timedelta(days=rng.randint(30, 60))

        life.add(applied, "apply")
        docs = applied + timedelta(minutes=rng.uniform(5, 15))
        if life.portal:  # the owner uploads the papers in the evening
            docs = self.at(d0, 20, rng.uniform(0, 60))
        missing = TEXTS["returns"][returned]["missing"] if returned is not None else None
        life.add(docs, "documents", skip=missing)
        life.add(docs + timedelta(minutes=rng.uniform(3, 10)), "workers")
        signed = docs + timedelta(minutes=rng.uniform(12, 25))
        if life.portal:
            signed = self.at(d0 + timedelta(days=1), 9, rng.uniform(0, 40))
        life.add(signed, "papers")
        if until == "apply":
            return
        if returned is not None:
            life.add(self.office(day_return), "return", reasons=TEXTS["returns"][returned]["reasons"])
            if until == "return":
                return
            fixed = self.office(day_last)
            life.add(fixed, "fix", document=missing)
            if until != "withdraw":
                life.add(fixed + timedelta(minutes=rng.uniform(2, 8)), "resubmit",
                         note=TEXTS["returns"][returned]["resubmit"])
        if until == "withdraw":
            life.add(self.office(day_last + timedelta(days=rng.randint(2, 6))), "withdraw",
                     reason=TEXTS["withdraw_reasons"]["early"])
            return
        approved = self.at(day_approve, 14, rng.uniform(0, 150)) if life.portal else self.office(day_approve)
        life.add(approved, "approve", note=rng.choice(TEXTS["approve_notes"]))
        if until == "approve":
            return
        life.add(self.office(day_fees), "fees", method=_pick(rng, FEE_METHODS),
                 decline=bool(options.get("decline_rubbish_fee")))
        if until == "fees":
            return
        if until == "withdraw_paid":
            withdrawn = self.office(day_fees + timedelta(days=rng.randint(1, 3)))
            life.add(withdrawn, "withdraw", reason=TEXTS["withdraw_reasons"]["paid"])
            life.add(self.office(withdrawn.date() + timedelta(days=rng.randint(1, 3))), "refund")
            return
        permit = self.at(life.start - timedelta(days=1), 15, rng.uniform(0, 120))
        life.add(permit, "permit")
        if options.get("not_yet_valid"):  # a worker tries his pass the day it is issued
            life.add(permit + timedelta(minutes=rng.uniform(20, 50)), "gate", worker=0)

        # The works: from the start to the acceptance request (for one still at work, to its end).
        if options.get("overrun"):
            day_request = life.end - timedelta(days=1)
        else:
            day_request = life.end + timedelta(days=rng.randint(-3, 1))
        works_end = life.end if until == "works" else day_request
        days = [life.start + timedelta(days=n) for n in range((works_end - life.start).days)]
        for day in sorted(rng.sample(days, min(len(days), rng.randint(4, 8)))):
            life.add(self.gate_time(day, estate), "gate", worker=rng.randrange(len(life.workers)),
                     qr=rng.random() < 0.6)
        patrol_days = sorted(rng.sample(days[2:], min(len(days) - 2, rng.randint(1, 2))))
        for day in patrol_days:
            life.add(self.at(day, 10, rng.uniform(0, 330)), "patrol", in_order=True)
        breach = options.get("breach")
        if breach is not None:
            spec = TEXTS["breaches"][breach]
            if spec["decision"] == "pending":  # found yesterday (the permit was days_ago before): not decided yet
                day = life.start + timedelta(days=options.get("days_ago", ANCHORS[life.fate][1]) - 1)
            else:
                day = days[len(days) // 2]
            hour = 12 if "12:00" in spec["rule"] else 10
            found = self.at(day, hour, rng.uniform(30, 50) if hour == 12 else rng.uniform(0, 300))
            life.add(found, "patrol", in_order=False, findings=spec["evidence"])
            life.add(found + timedelta(minutes=rng.uniform(10, 30)), "breach", spec=breach)
            if spec["decision"] != "pending":
                life.add(self.office(day + timedelta(days=1)), "decide", spec=breach)
        if options.get("outside_hours"):  # at noon, between the morning's and the afternoon's windows
            life.add(self.at(days[min(3, len(days) - 1)], 12, rng.uniform(35, 50)), "gate", worker=1)
        if options.get("strangers"):  # a serial that is none of ours, a made-up QR code
            life.add(self.gate_time(days[2], estate), "gate_code",
                     code=f"{estate.code.upper()}-CR{life.start.year}-{rng.randint(90000, 99999)}")
            life.add(self.gate_time(days[4], estate), "gate_code", forged=True)
        if options.get("joins"):  # a worker joins a week in: his pass fee, then his pass
            day = days[min(5, len(days) - 1)]
            joined = self.at(day, 9, rng.uniform(0, 60))
            life.workers.append(self.worker())
            life.add(joined, "add_worker", index=len(life.workers) - 1)
            life.add(joined + timedelta(minutes=rng.uniform(30, 90)), "pass_fee")
            life.add(joined + timedelta(minutes=rng.uniform(100, 150)), "passes")
        if options.get("leaves"):  # a worker leaves; his card is handed back
            day = days[min(6, len(days) - 1)]
            left = self.office(day)
            life.add(left, "remove_worker", index=len(life.workers) - 1)
            life.add(left + timedelta(minutes=rng.uniform(5, 30)), "card", index=len(life.workers) - 1)
        if until == "works":
            return

        requested = self.at(day_request, 18, rng.uniform(0, 180))
        life.add(requested, "request", note=rng.choice(TEXTS["acceptance_notes"]))
        if until == "request":
            return
        if until == "fail" or options.get("fail"):
            day_fail = day_request + timedelta(days=2 if options.get("overrun") else rng.randint(1, 2))
            failed = self.at(day_fail, 10, rng.uniform(0, 300))
            life.add(failed, "inspect", passed=False, items=rng.choice(TEXTS["inspection_failures"]))
            if options.get("extend"):
                new_end = max(life.end, day_fail) + timedelta(days=rng.randint(10, 15))
                life.add(self.office(day_fail + timedelta(days=1)), "extend", planned_end=new_end,
                         reason=TEXTS["extension_reasons"][0])
            # the works go on: a worker at the gate the next morning (expired, once past the end)
            life.add(self.gate_time(day_fail + timedelta(days=1), estate), "gate", worker=0)
            if until == "fail":
                return
            day_request = day_fail + timedelta(days=rng.randint(4, 7))
            life.add(self.at(day_request, 18, rng.uniform(0, 120)), "request", note=TEXTS["reinspection_note"])
        day_pass = day_request + timedelta(days=rng.randint(1, 2))
        passed = self.at(day_pass, 10, rng.uniform(0, 300))
        life.add(passed, "inspect", passed=True, note=rng.choice(TEXTS["inspection_notes"]))
        if options.get("revoked_at_gate"):  # a worker comes back the morning after
            life.add(self.gate_time(day_pass + timedelta(days=1), estate), "gate", worker=0)
        life.add(self.office(day_pass + timedelta(days=rng.randint(1, 3))), "cards")
        if until == "cards":
            return
        due = rules.deposits_due_on(passed_on=day_pass, floors_altered=life.floors_altered,
                                    policy=self.policies[estate.pk])
        life.add(self.at(due + timedelta(days=rng.randint(0, 4)), 10, rng.uniform(0, 360)), "refund")

    def fit(self, life: Life, kind: str, days_ago: int) -> None:
        """Shift the life by whole days so its last ``kind`` falls ``days_ago`` days before
        yesterday (at the same time of day)."""
        mark = life.last(kind).at.astimezone(self.tz).date()
        life.shift((self.today - timedelta(days=1 + days_ago) - mark).days)
        # A refund day counted in calendar months (a wet floor: 3 months) does not move with
        # the days: a refund the shift put before it waits for it (by at most three days, so
        # still before the demo's day).
        passed = [a for a in life.acts if a.kind == "inspect" and a.args.get("passed")]
        if passed:
            due = rules.deposits_due_on(passed_on=passed[-1].at.astimezone(self.tz).date(),
                                        floors_altered=life.floors_altered,
                                        policy=self.policies[life.unit.estate_id])
            for act in life.acts:
                late = (due - act.at.astimezone(self.tz).date()).days
                if act.kind == "refund" and late > 0:
                    act.at += timedelta(days=late)

    def plan(self) -> list[Life]:
        for code in self.estates:
            for fate, options in PLANS.get(code, ()):
                if options.get("demo_owner") and (self.ctx.demo_owner is None or not any(
                        o.owner.pk == self.ctx.demo_owner.pk and o.unit.estate.code == code
                        for o in self.ctx.current_ownerships)):
                    continue
                life = self.life(code, fate, options)
                self.build(life, options)
                kind, days_ago = ANCHORS[fate]
                if fate == "deposits_due":  # fell due the day before yesterday
                    days_ago = self.policies[self.estates[code].pk].refund_days + 1
                self.fit(life, kind, options.get("days_ago", days_ago))
                self.lives.append(life)
        return self.lives


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


# ---- playing -----------------------------------------------------------------------------------


class _Player:
    def __init__(self, ctx, staff: dict, pictures: _Pictures):
        self.ctx = ctx
        self.staff = staff
        self.pictures = pictures
        self.signature = signature_from_data_url("data:image/png;base64," + base64.b64encode(signature_png()).decode())
        self.property_signer = TEXTS["property_signer"]

    def owner_side(self, life: Life):
        """Who takes the owner's steps: the owner in the portal, else the desk for them."""
        return life.owner.user if life.portal else self.staff["desk"]

    def act(self, life: Life, act: Act) -> None:
        now, args, renovation = act.at, act.args, life.renovation
        desk, pictures = self.staff["desk"], self.pictures
        match act.kind:
            case "apply":
                life.renovation = services.renovation_apply(
                    unit=life.unit, owner=life.owner, scope=life.scope, floors_altered=life.floors_altered,
                    planned_start=life.start, planned_end=life.end, contractor_name=life.contractor,
                    contractor_lead_name=life.lead.name, contractor_lead_phone=life.lead_phone,
                    contractor_lead_id_number=life.lead_id, now=now, actor=self.owner_side(life))
            case "documents":
                for n, kind in enumerate(REQUIRED_DOCUMENTS):
                    if kind != args["skip"]:
                        services.renovation_document_add(
                            renovation=renovation, kind=kind, now=now, actor=self.owner_side(life),
                            uploads=[pictures.page(FILE_NAMES[kind], life.seq + n)])
            case "fix":
                services.renovation_document_add(
                    renovation=renovation, kind=args["document"], now=now, actor=self.owner_side(life),
                    uploads=[pictures.page(FILE_NAMES[args["document"]], life.seq)])
            case "workers":
                for index in range(life.initial):
                    self.add_worker(life, index, now)
            case "add_worker":
                self.add_worker(life, args["index"], now)
            case "papers":
                self.papers(life, now)
            case "return":
                services.renovation_return(renovation=renovation, reasons=args["reasons"], now=now, actor=desk)
            case "resubmit":
                services.renovation_resubmit(renovation=renovation, note=args["note"], now=now,
                                             actor=self.owner_side(life))
            case "withdraw":
                services.renovation_withdraw(renovation=renovation, reason=args["reason"], now=now,
                                             actor=self.owner_side(life))
            case "approve":
                services.renovation_approve(renovation=renovation, note=args["note"], now=now, actor=desk)
            case "fees":
                services.renovation_fees_take(renovation=renovation, method=args["method"], now=now,
                                              actor=self.staff["finance"], decline_rubbish_fee=args["decline"])
            case "pass_fee":
                services.pass_fees_take(renovation=renovation, method="cash", now=now, actor=self.staff["finance"])
            case "permit":
                services.permit_issue(renovation=renovation, now=now, actor=desk)
            case "passes":
                services.passes_issue(renovation=renovation, now=now, actor=desk)
            case "gate":
                worker_pass = (WorkerPass.objects.filter(worker=life.rows[args["worker"]])
                               .order_by("-issued_at", "-pk").first()) if args["worker"] < len(life.rows) else None
                if worker_pass is not None:
                    code = rules.pass_token(worker_pass.serial) if args.get("qr") else worker_pass.serial
                    services.gate_check(code=code, now=now, actor=desk)
            case "gate_code":
                code = args.get("code")
                if args.get("forged"):
                    serial = renovation.passes.order_by("serial").values_list("serial", flat=True).first() or "X"
                    code = f"{serial}:{base64.urlsafe_b64encode(b'made-up-qr').decode().rstrip('=')}"
                services.gate_check(code=code, now=now, actor=desk)
            case "patrol":
                findings = args.get("findings", "")
                life.patrol = services.patrol_record(
                    renovation=renovation, in_order=args["in_order"], findings=findings, now=now,
                    actor=self.staff["engineer"],
                    photos=[] if args["in_order"] else [pictures.portrait(FILE_NAMES["patrol_photo"], life.seq)])
            case "breach":
                spec = TEXTS["breaches"][args["spec"]]
                life.breach = services.breach_propose(
                    renovation=renovation, rule=spec["rule"], evidence=spec["evidence"], penalty=Decimal(spec["penalty"]),
                    deposit_kind=spec["deposit"], patrol=life.patrol, now=now, actor=self.staff["engineer"],
                    photos=[pictures.page(FILE_NAMES["breach_photo"], life.seq + 1)])
            case "decide":
                spec = TEXTS["breaches"][args["spec"]]
                if spec["decision"] == "approve":
                    services.breach_approve(breach=life.breach, note=spec["note"], now=now,
                                            actor=self.staff["supervisor"])
                else:
                    services.breach_reject(breach=life.breach, note=spec["note"], now=now,
                                           actor=self.staff["supervisor"])
            case "remove_worker":
                services.worker_remove(worker=life.rows[args["index"]], reason=TEXTS["worker_remove_reason"],
                                       now=now, actor=desk)
            case "card":
                for worker_pass in WorkerPass.objects.filter(worker=life.rows[args["index"]], revoked_at__isnull=False,
                                                             returned_at__isnull=True):
                    services.pass_return(worker_pass=worker_pass, now=now, actor=desk)
            case "extend":
                services.renovation_extend(renovation=renovation, planned_end=args["planned_end"],
                                           reason=args["reason"], now=now, actor=desk)
            case "request":
                services.acceptance_request(renovation=renovation, note=args["note"], now=now,
                                            actor=self.owner_side(life))
            case "inspect":
                services.inspection_record(renovation=renovation, passed=args["passed"], now=now,
                                           actor=self.staff["engineer"], items_to_fix=args.get("items", ""),
                                           note=args.get("note", ""))
            case "cards":
                for worker_pass in renovation.passes.filter(revoked_at__isnull=False, returned_at__isnull=True):
                    services.pass_return(worker_pass=worker_pass, now=now, actor=desk)
            case "refund":
                for deposit in renovation.charges.filter(kind__in=DEPOSITS, refund__isnull=True).order_by("pk"):
                    method = "bank_transfer" if deposit.kind == "contractor_deposit" else "cash"
                    services.deposit_refund(deposit=deposit, method=method, now=now, actor=self.staff["finance"])
            case _:
                raise ValueError(act.kind)

    def add_worker(self, life: Life, index: int, now: datetime) -> None:
        spec, pictures = life.workers[index], self.pictures
        life.rows.append(services.worker_add(
            renovation=life.renovation, name=spec.name, id_number=spec.id_number, phone=spec.phone, now=now,
            actor=self.owner_side(life),
            id_copies=[pictures.card(FILE_NAMES["worker_id"].format(name=spec.name), life.seq + index)],
            photos=[pictures.portrait(FILE_NAMES["worker_photo"].format(name=spec.name, n=n), life.seq + index + n)
                    for n in (1, 2)]))

    def papers(self, life: Life, now: datetime) -> None:
        """The three papers: each party's signature on the pad (the owner in the portal
        hands the pad to the contractor's lead; the desk signs for the property company),
        or the desk scans the papers signed on paper."""
        renovation, desk = life.renovation, self.staff["desk"]
        if life.pad:
            for paper, parties in PAPER_PARTIES.items():
                for party in parties:
                    services.paper_sign(renovation=renovation, paper=paper, party=party,
                                        signature_png=self.signature, now=now,
                                        actor=desk if party == Party.PROPERTY else self.owner_side(life))
            return
        names = {Party.OWNER: life.owner.name, Party.CONTRACTOR: life.lead.name,
                 Party.PROPERTY: life.unit.estate.name + self.property_signer}
        for n, (paper, parties) in enumerate(PAPER_PARTIES.items()):
            services.paper_scan_record(
                renovation=renovation, paper=paper, scan=self.pictures.page(f"{paper}.png", life.seq + n),
                signer_names="、".join(names[p] for p in parties), signed_at=now - timedelta(minutes=30),
                now=now, actor=desk)


# ---- the step ----------------------------------------------------------------------------------


def _staff(ctx) -> dict:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["desk", "supervisor", "engineer", "finance"]) if is_staff_member(u)}
    return {name: users.get(name) for name in ("desk", "supervisor", "engineer", "finance")}


def schedule_renovations(ctx) -> None:
    """The step after the work orders are scheduled: 锦绣华庭's policy now, every
    renovation's actions and every morning's renovation.daily on the timeline."""
    staff = _staff(ctx)
    for code, values in ESTATE_POLICIES.items():
        estate = next((e for e in ctx.estates if e.code == code), None)
        if estate is not None:
            services.renovation_policy_save(estate=estate, actor=staff["supervisor"], **values)
    pictures = _Pictures()
    lives = _Planner(ctx, staff, pictures).plan()
    player = _Player(ctx, staff, pictures)
    timeline = ctx.timeline
    for life in lives:
        for act in sorted(life.acts, key=lambda a: a.at):
            if act.at < ctx.as_of:
                timeline.at(act.at, lambda life=life, act=act: player.act(life, act),
                            receipt=act.kind in ("fees", "pass_fee"))
    if lives:
        first = min(act.at for life in lives for act in life.acts)
        moment = next_run("renovation.daily", after=first)
        while moment < ctx.as_of:
            timeline.at(moment, lambda moment=moment: jobs.daily(as_of=moment))
            moment = next_run("renovation.daily", after=moment)


def count_renovations(ctx) -> None:
    """The step after the timeline is played: what the renovations came to."""
    statuses = dict(Renovation.objects.values_list("status").annotate(n=Count("id")))
    ctx.counts.update({
        "renovations": sum(statuses.values()),
        **{f"renovations_{s}": statuses.get(s, 0) for s in Status.values},
        "worker_passes": WorkerPass.objects.count(),
        "gate_checks": GateCheck.objects.count(),
        "patrols": Patrol.objects.count(),
        "deposit_refunds": DepositRefund.objects.count(),
    })
