"""Complaints and suggestions in the demo estate: a step of ``demo.steps.STEPS``.

Three months of front-desk life before the seed's day, written through
``complaints.services`` with ``now=`` set to the past moment each thing happened, so
numbers, timelines, promises, late-by, overdue flags and inbox notifications are the
real ones. Like the rest of the demo it is deterministic: it draws only from the
context's random generator and ``today``.

The demo's clock stops at ``DemoContext.as_of`` (midnight at the start of ``today``, local
time): nothing happens after it, so whatever has not happened by then is still open.
Each complaint is planned as a list of timed actions (assign, start, progress notes,
pause/resume, resolve, callback, reopen…) and the actions before ``as_of`` are played
in order; the overdue sweep is replayed too (every quarter hour after a promise).

Besides ~85 ordinary complaints spread over 90 days, a few are placed on purpose so
every page has something to show: evening complaints still waiting for the desk,
open ones past their promise, clocks paused for parts / an absent owner / the utility
company, reopened ones, resolved ones awaiting their callback, a common issue (lift
faults in 翠湖花园 3栋), a repeat complainer and the portal owner's own history.

Outgoing e-mail and SMS are suppressed while the step runs (the inbox rows are
written): the demo's owners and phone numbers are made up.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from complaints import services
from complaints.models import (
    CATEGORY_DEPARTMENT,
    OPEN_STATUSES,
    Category,
    Channel,
    Complaint,
    ComplaintPolicy,
    Department,
    PauseReason,
    Status,
    Suggestion,
    SuggestionStatus,
    Urgency,
)
from demo.context import next_run
from demo.texts import texts
from owners.models import Unit
from propertydesk import notifications
from propertydesk.roles import is_staff_member

HISTORY_DAYS = 90
BACKGROUND_COMPLAINTS = 85  # spread over HISTORY_DAYS; the placed ones come on top
LATE_RATE = 0.2  # planned to miss the promise (workday shifts make a few more late)
PAUSE_RATE = 0.5  # of the complaints whose kind of problem can wait for something
REOPEN_RATE = 0.07  # the owner was not satisfied at the callback
INTERNAL_NOTE_RATE = 0.12
TENANT_RATE = 0.5  # in a rented unit, the tenant rather than the owner complains
# Drawn complaints this recent never make 3 of a kind in one building: the common issues
# the supervisor sees (cluster window 30 days, as the demo's clock runs on) are placed.
CLUSTER_GUARD_DAYS = 35

E, U, N = Urgency.EMERGENCY, Urgency.URGENT, Urgency.NORMAL


# ---------------------------------------------------------------------------
# What owners complain about
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One kind of complaint. Texts may use {b} building, {e} entrance, {f} the unit's
    floor, {fa}–{fb} it and the next, {lf} any floor, {up} the unit above, {car} a
    parking space."""

    key: str
    category: str
    text: str
    resolution: str
    location: str = ""
    urgencies: tuple[str, ...] = (N,)
    progress: tuple[str, ...] = ()
    pause: tuple[str, str] | None = None  # (reason, note): what it may wait for
    upstairs: bool = False  # needs a floor above the unit


TEXTS = texts("complaints")
# The kinds of complaint, with what owners say and what the staff write: demo/data/complaints.json.
ISSUES: tuple[Issue, ...] = tuple(
    Issue(
        spec["key"], spec["category"], spec["text"], spec["resolution"], location=spec.get("location", ""),
        urgencies=tuple(spec["urgencies"]), progress=tuple(spec.get("progress", ())),
        pause=(spec["pause"]["reason"], spec["pause"]["note"]) if "pause" in spec else None,
        upstairs=spec.get("upstairs", False),
    )
    for spec in TEXTS["issues"]
)
ISSUE = {issue.key: issue for issue in ISSUES}
ROUTINE = tuple(issue for issue in ISSUES if N in issue.urgencies)  # can wait a day or two

# How often each kind of problem comes in.
CATEGORY_WEIGHTS = {
    Category.REPAIR: 18, Category.FACILITIES: 14, Category.WATER_POWER: 7,
    Category.SANITATION: 12, Category.NOISE: 11, Category.SECURITY: 8, Category.PARKING: 9,
    Category.LANDSCAPING: 6, Category.FEES: 6, Category.STAFF: 4, Category.NEIGHBOUR: 7,
    Category.RENOVATION: 5,
}
OWNER_CHANNELS = {Channel.PHONE: 38, Channel.WECHAT: 32, Channel.WALK_IN: 22, Channel.LETTER: 2,
                  Channel.MEETING: 1}
TENANT_CHANNELS = {Channel.PHONE: 45, Channel.WECHAT: 35, Channel.WALK_IN: 20}
# When complaints come in, by hour of the day.
HOUR_WEIGHTS = (
    1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 4, 7, 9, 9, 8, 5, 5, 7, 8, 8, 7, 6, 6, 5, 4, 2, 1.5,
)

# The callback that finds the owner unsatisfied, what was done next, the second resolution.
REOPENING: dict[str, tuple[str, str, str]] = {
    category: (said["callback"], said["progress"], said["resolution"])
    for category, said in TEXTS["reopenings"].items()
}
DEFAULT_REOPENING = tuple(TEXTS["default_reopening"][part] for part in ("callback", "progress", "resolution"))
CALLBACK_NOTES: list[str] = TEXTS["callback_notes"]
INTERNAL_NOTES: list[str] = TEXTS["internal_notes"]
NOTES: dict[str, str] = TEXTS["notes"]  # the placed complaints' own

PAUSE_DAYS = {  # how long each kind of wait lasts
    PauseReason.OWNER_AWAY: (2.0, 6.0),
    PauseReason.PARTS: (1.0, 5.0),
    PauseReason.THIRD_PARTY: (0.2, 2.5),
}
MIN_WORK = {E: timedelta(minutes=20), U: timedelta(minutes=45), N: timedelta(minutes=90)}


# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionSpec:
    subject: str
    content: str
    outcome: str  # a SuggestionStatus
    reply: str = ""


SUGGESTIONS: tuple[SuggestionSpec, ...] = tuple(
    SuggestionSpec(spec["subject"], spec["content"], spec["outcome"], spec.get("reply", ""))
    for spec in TEXTS["suggestions"]
)
# The portal owner's own suggestion, answered.
DEMO_OWNER_SUGGESTION = SuggestionSpec(**TEXTS["demo_owner_suggestion"])


# ---------------------------------------------------------------------------
# Planning one complaint
# ---------------------------------------------------------------------------


@dataclass
class Action:
    at: datetime
    kind: str  # assign, start, progress, note, pause, resume, resolve, reopen, close
    args: dict = field(default_factory=dict)


@dataclass
class Plan:
    received_at: datetime
    unit: Unit
    issue: Issue
    urgency: str
    channel: str
    owner: object | None  # owners.Owner
    contact_name: str = ""
    contact_phone: str = ""
    taken_by: object | None = None  # the user who typed it in
    description: str = ""
    location: str = ""
    resolution: str = ""
    actions: list[Action] = field(default_factory=list)

    @property
    def category(self) -> str:
        return self.issue.category

    def cut_before(self, kind: str, nth: int = 1) -> Plan:
        """Drop the nth action of ``kind`` and everything after it."""
        seen = 0
        for i, action in enumerate(self.actions):
            if action.kind == kind:
                seen += 1
                if seen == nth:
                    del self.actions[i:]
                    break
        return self

    def cut_after(self, kind: str, nth: int = 1) -> Plan:
        """Keep everything up to and including the nth action of ``kind``."""
        seen = 0
        for i, action in enumerate(self.actions):
            if action.kind == kind:
                seen += 1
                if seen == nth:
                    del self.actions[i + 1:]
                    break
        return self

    def shift(self, days: int) -> Plan:
        delta = timedelta(days=days)
        self.received_at += delta
        for action in self.actions:
            action.at += delta
        return self

    def last(self) -> datetime:
        return self.actions[-1].at if self.actions else self.received_at


class _Staff:
    """The demo logins that work complaints; a missing or role-less one is None (the
    services then act as the system)."""

    def __init__(self):
        users = get_user_model().objects.filter(username__in=["desk", "supervisor", "engineer"])
        staff = {u.username: u for u in users if is_staff_member(u)}
        self.desk = staff.get("desk")
        self.supervisor = staff.get("supervisor")
        self.engineer = staff.get("engineer")

    def assignee(self, rng: random.Random, department: str):
        """Someone of the department (demo/registry.py, STAFF_DEPARTMENTS): engineering's
        engineer, the desk for customer service now and then the supervisor, and the
        supervisor for the others (the finance login does not work complaints)."""
        if department == Department.ENGINEERING:
            return self.engineer
        supervisor = rng.random() < 0.3
        return self.desk if department == Department.CUSTOMER_SERVICE and not supervisor else self.supervisor

    def desk_or_supervisor(self, rng: random.Random):
        return self.supervisor if rng.random() < 0.2 else self.desk


class _Planner:
    def __init__(self, ctx, staff: _Staff, as_of_: datetime):
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.staff = staff
        self.as_of = as_of_
        self.tz = timezone.get_default_timezone()
        self.windows: dict[int, ComplaintPolicy] = {}

    # -- time --------------------------------------------------------------------

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def received_time(self, day: date) -> datetime:
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        return self.at(day, hour, self.rng.randrange(60))

    def work_time(self, day: date) -> datetime:
        """Some time in office hours on ``day``."""
        return self.at(day, 9) + self.minutes(0, 9 * 60)

    def workday(self, moment: datetime) -> datetime:
        """``moment`` if staff are at work then (08:30–19:00), else early next morning."""
        local = self.local(moment)
        minutes = local.hour * 60 + local.minute
        if 8 * 60 + 30 <= minutes < 19 * 60:
            return moment
        day = local.date() + timedelta(days=1 if minutes >= 19 * 60 else 0)
        return self.at(day, 8, 30) + self.minutes(0, 60)

    def last_work_moment(self, deadline: datetime, *, not_before: datetime) -> datetime | None:
        """A moment in working hours shortly before ``deadline``, if there is one after
        ``not_before``."""
        local = self.local(deadline)
        minutes = local.hour * 60 + local.minute
        if 9 * 60 + 30 <= minutes < 19 * 60:
            moment = deadline - self.minutes(15, 60)
        else:
            day = local.date() - timedelta(days=0 if minutes >= 19 * 60 else 1)
            moment = self.at(day, 17, 30) + self.minutes(0, 80)
        return moment if moment >= not_before else None

    def window(self, unit: Unit, urgency: str) -> timedelta:
        policy = self.windows.get(unit.estate_id)
        if policy is None:
            policy = self.windows[unit.estate_id] = ComplaintPolicy.for_estate(unit.estate)
        return timedelta(hours=policy.promise_hours(urgency))

    # -- who and what ----------------------------------------------------------------

    def places(self, unit: Unit) -> dict[str, object]:
        rng = self.rng
        building, entrance, room = unit.number.split("-")
        floors = unit.building.floors or unit.floor
        other = unit.floor + 1 if unit.floor < floors else unit.floor - 1
        return {
            "b": building, "e": entrance, "f": unit.floor,
            "fa": min(unit.floor, other), "fb": max(unit.floor, other),
            "lf": rng.randint(1, floors),
            "up": f"{building}-{entrance}-{int(room) + 100}",
            "car": f"B{rng.randint(1, 2)}-{rng.randint(1, 380):03d}",
        }

    def plan(
        self, *, received_at: datetime, unit: Unit, issue: Issue, owner=None, tenant=None,
        urgency: str | None = None, channel: str | None = None, text: str | None = None,
    ) -> Plan:
        rng = self.rng
        urgency = urgency or rng.choice(issue.urgencies)
        if channel is None:
            channel = _pick(rng, TENANT_CHANNELS if tenant is not None else OWNER_CHANNELS)
            hour = self.local(received_at).hour
            if not 8 <= hour < 20 and channel in (Channel.WALK_IN, Channel.LETTER, Channel.MEETING):
                channel = Channel.PHONE  # the hotline is the only thing open at night
        places = self.places(unit)
        plan = Plan(
            received_at=received_at, unit=unit, issue=issue, urgency=urgency, channel=channel,
            owner=owner if tenant is None else None,
            contact_name=tenant.name if tenant is not None else "",
            contact_phone=(tenant.phone or "") if tenant is not None else "",
            description=(text or issue.text).format(**places),
            location=issue.location.format(**places),
        )
        if channel in (Channel.PHONE, Channel.WALK_IN, Channel.LETTER, Channel.MEETING):
            plan.taken_by = self.staff.desk_or_supervisor(rng)
        elif channel == Channel.PORTAL and owner is not None and owner.user_id:
            plan.taken_by = owner.user  # the owner typed it in themselves
        plan.resolution = issue.resolution.format(**places)
        return plan

    def lifecycle(
        self, plan: Plan, *, late: bool | None = None, pause: bool | None = None,
        reopen: bool | None = None, internal: bool | None = None,
    ) -> Plan:
        """Every action from assignment to the satisfied callback, at planned times."""
        rng, staff = self.rng, self.staff
        issue, urgency, r = plan.issue, plan.urgency, plan.received_at
        late = rng.random() < LATE_RATE if late is None else late
        if pause is None:
            pause = issue.pause is not None and urgency != E and rng.random() < PAUSE_RATE
        reopen = rng.random() < REOPEN_RATE if reopen is None else reopen
        internal = rng.random() < INTERNAL_NOTE_RATE if internal is None else internal
        window = self.window(plan.unit, urgency)
        department = CATEGORY_DEPARTMENT[issue.category]
        worker = staff.assignee(rng, department)
        dispatcher = staff.desk_or_supervisor(rng)
        actions = plan.actions

        # Dispatch: emergencies at once (the hotline has a night shift), the rest in office hours.
        if urgency == E:
            assign_at = r + self.minutes(3, 10)
        else:
            local = self.local(r)
            if 8 <= local.hour < 20:
                assign_at = r + self.minutes(5, 45)
            else:
                assign_at = self.workday(r) + self.minutes(0, 30)
        actions.append(Action(assign_at, "assign", {
            "department": department, "assignee": worker, "actor": dispatcher,
            "note": NOTES["assign"] if rng.random() < 0.2 else "",
        }))

        if urgency == E:
            start_at = assign_at + self.minutes(10, 30)
        elif urgency == U:
            start_at = self.workday(assign_at + self.minutes(20, 180))
        else:
            start_at = self.workday(assign_at + self.minutes(60, 26 * 60))
        actions.append(Action(start_at, "start", {"actor": worker}))
        base = start_at

        notes = list(issue.progress)
        if notes and rng.random() < 0.8:
            base = start_at + self.minutes(10, 60)
            actions.append(Action(base, "progress", {"actor": worker, "note": notes.pop(0)}))
        paused_for = timedelta(0)
        if pause and issue.pause is not None:
            reason, note = issue.pause
            pause_at = base + self.minutes(10, 90)
            low, high = PAUSE_DAYS[reason]
            resume_at = self.workday(pause_at + timedelta(days=rng.uniform(low, high)))
            paused_for = resume_at - pause_at
            actions.append(Action(pause_at, "pause", {
                "actor": worker, "reason": reason, "note": note,
            }))
            actions.append(Action(resume_at, "resume", {"actor": worker}))
            base = resume_at

        deadline = r + window + paused_for
        floor = base + MIN_WORK[urgency]
        if late:
            overrun = window * rng.uniform(0.05, 0.7) + self.minutes(0, 240)
            resolve_at = max(floor, deadline + overrun)
        else:
            resolve_at = max(floor, r + paused_for + window * rng.uniform(0.25, 0.9))
        if urgency != E:
            resolve_at = self.workday(resolve_at)
            if not late and resolve_at > deadline:  # the night would make it late: finish sooner
                resolve_at = self.last_work_moment(deadline, not_before=floor) or resolve_at
        if notes:
            middle = base + (resolve_at - base) * rng.uniform(0.3, 0.7)
            actions.append(Action(middle, "progress", {"actor": worker, "note": notes.pop(0)}))
        if internal:
            at = assign_at + (resolve_at - assign_at) * rng.uniform(0.1, 0.9)
            actions.append(Action(at, "note", {
                "actor": dispatcher, "note": rng.choice(INTERNAL_NOTES),
            }))
        actions.append(Action(resolve_at, "resolve", {
            "actor": worker, "resolution": plan.resolution,
        }))

        callback_at = self.workday(resolve_at + self.minutes(120, 48 * 60))
        if reopen:
            why, progress, resolution = REOPENING.get(issue.category, DEFAULT_REOPENING)
            actions.append(Action(callback_at, "reopen", {"actor": staff.desk, "reason": why}))
            again_at = self.workday(callback_at + self.minutes(60, 20 * 60))
            actions.append(Action(again_at, "progress", {"actor": worker, "note": progress}))
            floor = again_at + MIN_WORK[urgency]
            resolve_at = self.workday(max(floor, callback_at + window * rng.uniform(0.2, 0.8)))
            if resolve_at > callback_at + window:
                resolve_at = (self.last_work_moment(callback_at + window, not_before=floor)
                              or resolve_at)
            actions.append(Action(resolve_at, "resolve", {
                "actor": worker, "resolution": resolution,
            }))
            callback_at = self.workday(resolve_at + self.minutes(120, 40 * 60))
            actions.append(Action(callback_at, "close", {
                "actor": staff.desk, "note": NOTES["satisfied_after_rework"],
            }))
        else:
            actions.append(Action(callback_at, "close", {
                "actor": staff.desk, "note": rng.choice(CALLBACK_NOTES),
            }))
        actions.sort(key=lambda a: a.at)
        return plan

    def fit(self, plan: Plan, *, days_back: int = 0) -> Plan:
        """Shift the plan by whole days (times of day stay) so its last action falls in
        the day before ``as_of``, or ``days_back`` days earlier."""
        last = plan.last()
        days = math.floor((self.as_of - last) / timedelta(days=1))
        if last + timedelta(days=days) >= self.as_of:  # exactly on a day boundary
            days -= 1
        return plan.shift(days - days_back)


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


# ---------------------------------------------------------------------------
# Playing a plan through the services
# ---------------------------------------------------------------------------


def _sweep(complaint: Complaint, *, before: datetime) -> None:
    if (complaint.status in OPEN_STATUSES and complaint.paused_since is None
            and complaint.overdue_flagged_at is None):
        when = next_run("complaints.overdue_sweep", after=complaint.promised_at)
        if when < before:
            services.complaint_flag_overdue(complaint_id=complaint.pk, as_of=when)
            complaint.overdue_flagged_at = when


def play(plan: Plan, *, as_of_: datetime) -> Complaint:
    """Register the complaint and play its actions that happened before ``as_of_``."""
    complaint = services.complaint_register(
        unit=plan.unit, channel=plan.channel, category=plan.category, urgency=plan.urgency,
        description=plan.description, location=plan.location, now=plan.received_at,
        actor=plan.taken_by, owner=plan.owner, contact_name=plan.contact_name,
        contact_phone=plan.contact_phone,
    )
    for action in plan.actions:
        if action.at >= as_of_:
            break
        _sweep(complaint, before=action.at)
        now, args = action.at, action.args
        actor = args.get("actor")
        match action.kind:
            case "assign":
                complaint = services.complaint_assign(
                    complaint=complaint, department=args["department"], assignee=args["assignee"],
                    actor=actor, note=args["note"], now=now,
                )
            case "start":
                complaint = services.complaint_start(complaint=complaint, actor=actor, now=now)
            case "progress" | "note":
                services.complaint_add_progress(
                    complaint=complaint, note=args["note"], actor=actor, now=now,
                    internal=action.kind == "note",
                )
            case "pause":
                complaint = services.complaint_pause(
                    complaint=complaint, reason=args["reason"], note=args["note"], actor=actor,
                    now=now,
                ).complaint
            case "resume":
                complaint = services.complaint_resume(complaint=complaint, actor=actor, now=now)
            case "resolve":
                complaint = services.complaint_resolve(
                    complaint=complaint, resolution=args["resolution"], actor=actor, now=now,
                )
            case "reopen":
                complaint = services.complaint_reopen(
                    complaint=complaint, reason=args["reason"], actor=actor, now=now,
                )
            case "close":
                complaint = services.complaint_close_after_callback(
                    complaint=complaint, callback_note=args["note"], actor=actor, now=now,
                )
            case _:
                raise ValueError(action.kind)
    _sweep(complaint, before=as_of_)
    return complaint


def _inbox_only():
    """Keep the demo's messages in the inbox: no e-mail or SMS to made-up people."""
    return notifications.inbox_only()


# ---------------------------------------------------------------------------
# The step
# ---------------------------------------------------------------------------


class _ComplaintsBuilder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.as_of = ctx.as_of
        self.staff = _Staff()
        self.planner = _Planner(ctx, self.staff, self.as_of)
        self.plans: list[Plan] = []
        self.owners_of = ctx.owners_by_unit()
        self.tenants_of = ctx.tenants_by_unit()
        self.units = [u for u in ctx.units if u.pk in self.owners_of]
        self.reserved: set[int] = set()  # units whose complaints are placed on purpose
        self.recent: Counter = Counter()  # (building, category) -> complaints lately

    # -- helpers -------------------------------------------------------------------

    def day(self, days_ago: float) -> date:
        return (self.as_of - timedelta(days=days_ago)).date()

    def estate(self, code: str):
        return next(e for e in self.ctx.estates if e.code == code)

    def owner(self, unit: Unit):
        return self.owners_of[unit.pk][0]

    def pick_unit(self, *, estate=None, building=None, upstairs=False, exclude=()) -> Unit:
        rng = self.rng
        while True:
            unit = self.units[rng.randrange(len(self.units))]
            if unit.pk in self.reserved or unit.pk in exclude:
                continue
            if estate is not None and unit.estate.pk != estate.pk:
                continue
            if building is not None and unit.building.pk != building.pk:
                continue
            if upstairs and unit.floor >= (unit.building.floors or unit.floor):
                continue
            return unit

    def issue_for(self, unit: Unit) -> Issue:
        rng = self.rng
        top = unit.floor >= (unit.building.floors or unit.floor)
        while True:
            category = _pick(rng, CATEGORY_WEIGHTS)
            choices = [i for i in ISSUES if i.category == category and not (i.upstairs and top)]
            if choices:
                return rng.choice(choices)

    def who(self, unit: Unit) -> dict:
        tenants = self.tenants_of.get(unit.pk)
        if tenants and self.rng.random() < TENANT_RATE:
            return {"tenant": tenants[0]}
        return {"owner": self.owner(unit)}

    def new(self, days_ago: float, issue: Issue | None = None, unit: Unit | None = None,
            received: datetime | None = None, **kwargs) -> Plan:
        """A complaint received ``days_ago`` (or at ``received``); whatever is not given is
        drawn, but a drawn one does not make a chance common issue (only placed ones do)."""
        received = received or self.planner.received_time(self.day(days_ago))
        recent = received > self.as_of - timedelta(days=CLUSTER_GUARD_DAYS)
        for _ in range(100):
            picked = unit or self.pick_unit(upstairs=bool(issue and issue.upstairs))
            kind = issue or self.issue_for(picked)
            if not recent or self.recent[(picked.building.pk, kind.category)] < 2:
                break
        if "owner" not in kwargs and "tenant" not in kwargs:
            kwargs.update(self.who(picked))
        return self.planner.plan(received_at=received, unit=picked, issue=kind, **kwargs)

    def add(self, plan: Plan) -> Plan:
        self.plans.append(plan)
        if plan.received_at > self.as_of - timedelta(days=CLUSTER_GUARD_DAYS):
            self.recent[(plan.unit.building.pk, plan.category)] += 1
        return plan

    # -- what the demo shows ---------------------------------------------------------

    def background(self) -> None:
        """Ordinary complaints over three months: mostly closed by now, the recent ones
        wherever their planned life has got to."""
        for _ in range(BACKGROUND_COMPLAINTS):
            days_ago = self.rng.uniform(0.5, HISTORY_DAYS)
            self.add(self.planner.lifecycle(self.new(days_ago)))

    def placed(self) -> None:
        """At least a few complaints in each state the pages show."""
        rng, planner = self.rng, self.planner
        waiting = (ISSUE["bins"], ISSUE["stair_lights"], ISSUE["night_noise"], ISSUE["shop_music"])
        # Came in last evening; the desk assigns them this morning.
        for issue in waiting:
            received = planner.at(self.day(1), rng.randint(19, 22), rng.randrange(60))
            self.add(self.new(1, issue, received=received, urgency=N,
                              channel=rng.choice((Channel.PHONE, Channel.WECHAT))))
        routine = rng.sample(ROUTINE, 9)
        # Assigned, work not started yet; two of them long past their promise.
        for days_ago in (1, 1, 2, 2, 3):
            plan = self.new(days_ago, routine.pop(), urgency=N)
            self.add(planner.lifecycle(plan).cut_after("assign"))
        for issue in (ISSUE["weeds"], ISSUE["corridor_stuff"]):
            plan = self.new(rng.uniform(6, 10), issue, urgency=N)
            self.add(planner.lifecycle(plan, internal=False).cut_after("assign"))
        # In progress, on schedule.
        for days_ago in (1, 2, 2, 3):
            plan = planner.lifecycle(self.new(days_ago, routine.pop(), urgency=N), late=False)
            self.add(plan.cut_before("resolve"))
        # In progress with the clock paused: parts, an absent owner, the utility company.
        for key in ("lift", "window", "leak", "rusty_water", "barrier", "damp_wall"):
            plan = self.new(rng.uniform(2, 9), ISSUE[key], urgency=U if key == "lift" else N)
            self.add(planner.lifecycle(plan, pause=True).cut_after("pause"))
        # In progress and past the promise.
        for key in ("drain", "garage_water", "aircon"):
            plan = self.new(rng.uniform(6, 14), ISSUE[key])
            self.add(planner.lifecycle(plan, late=True, pause=False).cut_before("resolve"))
        # Reopened at the callback, back in progress.
        for key in ("socket", "space_taken"):
            plan = self.new(12, ISSUE[key])
            plan = planner.lifecycle(plan, reopen=True, late=False).cut_before("resolve", 2)
            self.add(planner.fit(plan))
        # Resolved, the callback still to come (within 3 days).
        for back in (0, 0, 0, 1, 1, 2, 0, 1):
            plan = planner.lifecycle(self.new(10), reopen=False).cut_before("close")
            self.add(planner.fit(plan, days_back=back))
        plan = planner.lifecycle(self.new(14), reopen=True).cut_before("close")
        self.add(planner.fit(plan))

    def common_issue(self) -> None:
        """Lift faults in 翠湖花园 3栋 (the latest waiting for parts) and a morning when
        锦绣华庭 5栋 had no water: the same category in the same building, often."""
        rng, planner, ctx = self.rng, self.planner, self.ctx
        cuihu, jinxiu = self.estate("cuihu"), self.estate("jinxiu")
        lift = ISSUE["lift"]
        building = next(b for b in ctx.buildings if b.estate.pk == cuihu.pk and b.number == "3")
        for i, days_ago in enumerate((26, 17, 9, 3)):
            unit = self.pick_unit(building=building)
            self.reserved.add(unit.pk)
            plan = self.new(days_ago, lift, unit, owner=self.owner(unit),
                            urgency=E if i == 1 else U)
            if i < 3:
                self.add(planner.lifecycle(plan, pause=i == 0, reopen=False))
            else:
                plan = planner.lifecycle(plan, pause=True, reopen=False).cut_after("pause")
                pause_at = plan.actions[-1].at
                plan.actions.append(Action(pause_at + self.planner.minutes(60, 180), "note", {
                    "actor": self.staff.supervisor,
                    "note": NOTES["lift_cluster"],
                }))
                self.add(plan)
        outage = ISSUE["water_outage"]
        building = next(b for b in ctx.buildings if b.estate.pk == jinxiu.pk and b.number == "5")
        day = self.day(20)
        for minute in (7 * 60 + 10, 7 * 60 + 25, 8 * 60 + 5):
            unit = self.pick_unit(building=building)
            self.reserved.add(unit.pk)
            received = planner.at(day, minute // 60, minute % 60)
            plan = planner.plan(received_at=received, unit=unit, issue=outage,
                                owner=self.owner(unit), urgency=U,
                                channel=rng.choice((Channel.PHONE, Channel.WECHAT)))
            self.add(planner.lifecycle(plan, late=False, pause=False, reopen=False))

    def repeat_complainer(self) -> None:
        """One owner-occupier who has complained four times in three months."""
        planner, cuihu = self.planner, self.estate("cuihu")
        while True:
            unit = self.pick_unit(estate=cuihu, upstairs=True)
            if len(self.owners_of[unit.pk]) == 1 and unit.pk not in self.tenants_of:
                break
        self.reserved.add(unit.pk)
        owner = self.owner(unit)
        story = (
            (70, "reno_noise", {"late": False, "reopen": False}),
            (41, "crack", {"reopen": True, "late": False}),
            (19, "no_callback", {"late": True, "reopen": False}),
        )
        for days_ago, key, how in story:
            plan = self.new(days_ago, ISSUE[key], unit, owner=owner)
            self.add(planner.lifecycle(plan, pause=False, **how))
        plan = self.new(4, ISSUE["night_noise"], unit, owner=owner, urgency=N)
        plan = planner.lifecycle(plan, late=False, pause=False, internal=False)
        plan.cut_before("resolve")
        plan.actions.append(Action(plan.actions[0].at + planner.minutes(30, 90), "note", {
            "actor": self.staff.supervisor,
            "note": NOTES["repeat_complainer"],
        }))
        plan.actions.sort(key=lambda a: a.at)
        self.add(plan)

    def demo_owner(self) -> None:
        """The portal owner: a closed complaint from before the repeat-complainer window, one
        resolved yesterday awaiting its callback, one waiting for the tenant to be home."""
        owner, planner = self.ctx.demo_owner, self.planner
        if owner is None:
            return
        units = [o.unit for o in self.ctx.current_ownerships if o.owner.pk == owner.pk]
        home = next(u for u in units if u.estate.code == "cuihu")
        let = next((u for u in units if u.pk != home.pk), home)
        self.reserved.update(u.pk for u in units)
        top = home.floor >= (home.building.floors or home.floor)
        first = ISSUE["drain"] if top else ISSUE["leak"]
        plan = self.new(HISTORY_DAYS + 6, first, home, owner=owner, channel=Channel.PORTAL)
        plan = planner.lifecycle(plan, late=False, pause=not top, reopen=False, internal=False)
        for action in plan.actions:
            if action.kind == "close":
                action.args["note"] = NOTES["demo_owner_satisfied"]
        self.add(plan)
        plan = self.new(4, ISSUE["branches"], home, owner=owner, channel=Channel.PORTAL, urgency=N)
        plan = planner.lifecycle(plan, late=False, pause=False, reopen=False, internal=False)
        self.add(planner.fit(plan.cut_before("close")))
        plan = self.new(5, ISSUE["window"], let, owner=owner, channel=Channel.PORTAL, urgency=N,
                        text=NOTES["demo_owner_window"])
        plan.issue = replace(ISSUE["window"], pause=(
            PauseReason.OWNER_AWAY, NOTES["demo_owner_window_wait"]))
        self.add(planner.lifecycle(plan, pause=True, reopen=False).cut_after("pause"))

    # -- writing -----------------------------------------------------------------------

    def write_complaints(self) -> None:
        self.plans.sort(key=lambda p: p.received_at)  # numbers follow the order they came in
        for plan in self.plans:
            play(plan, as_of_=self.as_of)

    def write_suggestions(self) -> None:
        rng, planner, staff, ctx = self.rng, self.planner, self.staff, self.ctx
        days = {
            SuggestionStatus.ADOPTED: (20, 85), SuggestionStatus.DECLINED: (20, 85),
            SuggestionStatus.UNDER_REVIEW: (7, 25), SuggestionStatus.RECEIVED: (0.5, 4),
        }
        planned = []
        for i, spec in enumerate(SUGGESTIONS):
            unit = self.pick_unit()
            owner, channel = self.owner(unit), _pick(rng, {
                Channel.WECHAT: 4, Channel.PHONE: 2, Channel.WALK_IN: 2, Channel.LETTER: 1,
            })
            if i % 7 == 3:  # raised at the owners' meeting: nobody in particular
                unit, owner, channel = None, None, Channel.MEETING
            estate = unit.estate if unit is not None else ctx.estates[i % len(ctx.estates)]
            day = self.day(rng.uniform(*days[spec.outcome]))
            if channel in (Channel.WECHAT, Channel.PHONE):
                received = planner.received_time(day)
            else:  # handed in at the desk, by letter or at a meeting
                received = planner.work_time(day)
            planned.append((received, estate, unit, owner, channel, spec))
        owner = ctx.demo_owner
        if owner is not None:
            home = next(o.unit for o in ctx.current_ownerships
                        if o.owner.pk == owner.pk and o.unit.estate.code == "cuihu")
            received = planner.received_time(self.day(38))
            planned.append(
                (received, home.estate, home, owner, Channel.PORTAL, DEMO_OWNER_SUGGESTION)
            )
        planned.sort(key=lambda row: row[0])
        for received, estate, unit, owner, channel, spec in planned:
            if channel == Channel.PORTAL:
                taken_by = owner.user if owner is not None and owner.user_id else None
            else:
                taken_by = None if channel == Channel.WECHAT else staff.desk
            suggestion = services.suggestion_submit(
                estate=estate, unit=unit, owner=owner, channel=channel, subject=spec.subject,
                content=spec.content, now=received, actor=taken_by,
            )
            if spec.outcome == SuggestionStatus.RECEIVED:
                continue
            review_at = planner.work_time((received + timedelta(days=rng.randint(1, 3))).date())
            if review_at >= self.as_of:
                continue
            suggestion = services.suggestion_start_review(
                suggestion=suggestion, now=review_at, actor=staff.desk_or_supervisor(rng),
            )
            if spec.outcome == SuggestionStatus.UNDER_REVIEW:
                continue
            decide_at = planner.work_time((review_at + timedelta(days=rng.randint(3, 14))).date())
            if decide_at >= self.as_of:
                decide_at = review_at + planner.minutes(60, 180)
            services.suggestion_decide(
                suggestion=suggestion, adopt=spec.outcome == SuggestionStatus.ADOPTED,
                reply=spec.reply, now=decide_at, actor=staff.supervisor,
            )

    def count(self) -> None:
        now = self.as_of
        totals = Complaint.objects.aggregate(
            all=Count("id"),
            **{s: Count("id", filter=Q(status=s)) for s in Status.values},
            paused=Count("id", filter=Q(paused_since__isnull=False)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, paused_since__isnull=True,
                                         promised_at__lt=now)),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
            late=Count("id", filter=Q(late_by__isnull=False)),
            done=Count("id", filter=Q(resolved_at__isnull=False)),
        )
        ideas = Suggestion.objects.aggregate(
            all=Count("id"), **{s: Count("id", filter=Q(status=s)) for s in SuggestionStatus.values}
        )
        self.ctx.counts.update({
            "complaints": totals["all"],
            "complaints_received": totals[Status.RECEIVED],
            "complaints_assigned": totals[Status.ASSIGNED],
            "complaints_in_progress": totals[Status.IN_PROGRESS],
            "complaints_paused": totals["paused"],
            "complaints_overdue": totals["overdue"],
            "complaints_resolved": totals[Status.RESOLVED],
            "complaints_closed": totals[Status.CLOSED],
            "complaints_reopened": totals["reopened"],
            "complaints_resolved_late": totals["late"],
            "complaints_resolved_on_time": totals["done"] - totals["late"],
            "suggestions": ideas["all"],
            "suggestions_received": ideas[SuggestionStatus.RECEIVED],
            "suggestions_under_review": ideas[SuggestionStatus.UNDER_REVIEW],
            "suggestions_adopted": ideas[SuggestionStatus.ADOPTED],
            "suggestions_declined": ideas[SuggestionStatus.DECLINED],
        })


def plan_complaints(ctx) -> _ComplaintsBuilder:
    """Plan the complaints (``builder.plans``) from the context's generator; nothing is
    written. Reads only the demo users and the complaint policies."""
    builder = _ComplaintsBuilder(ctx)
    builder.demo_owner()
    builder.common_issue()
    builder.repeat_complainer()
    builder.placed()
    builder.background()
    return builder


def seed_complaints(ctx) -> None:
    """The step: complaints and suggestions over the ``HISTORY_DAYS`` before ``ctx.today``."""
    builder = plan_complaints(ctx)
    with _inbox_only():
        builder.write_complaints()
        builder.write_suggestions()
    builder.count()
