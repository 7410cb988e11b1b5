"""Callback history in the demo estate: a step of ``demo.steps.STEPS``, after the
complaints and work orders.

The earlier steps already made a callback for every complaint resolved and every job
completed (the callbacks app listens to their signals), all still due. This step plays
what the service centre did with them over the three months, through
``callbacks.services`` with ``now=`` set to the past moment, so results, chains,
overdue flags, inbox messages and rates are the real ones:

- most callbacks are done a day or two after the event by the desk (a major job some
  weeks after), by phone with the owner's own words, some face to face with a signature,
  two online by the portal owner; the complaints the complaints step closed at their
  callback have it recorded then (unsatisfied where that step reopened them);
- about one in twenty owners is unsatisfied: the job goes back for rework, is completed
  again, and the second-round callback follows (one is still due, one complaint is
  resolved again and waits for its second round);
- complaints resolved in the last days wait for their callback (performing it closes the
  complaint: the desk does that from the queue);
- a few are done late (flagged overdue by the hourly job first), so last month reads like
  a real estate: complaints 100 %, minor repairs ~97 %, paid services 100 % in cash and
  ~85 % by bank collection at the 10th's check, which is run for each past month;
- the present: a dozen or so due this week, assigned to the desk, the supervisor or
  nobody yet, a handful overdue, one offered to the portal owner and unanswered, a
  cancelled one, two corrections, spot checks every month, a changed rule in the second
  estate, and two community activities with their participants' callbacks.

The demo's clock is ``DemoContext.as_of`` (midnight at the start of ``today``);
nothing here happens after it. Deterministic: it draws only from the context's random
generator.
"""

from __future__ import annotations

import io
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone

from activities import services as activities
from activities.models import Activity
from callbacks import jobs, services
from callbacks.models import (
    Callback,
    CallbackResult,
    Kind,
    Method,
    RateCheck,
    Satisfaction,
    SpotCheck,
    Status,
)
from demo.context import next_run
from demo.texts import texts
from propertydesk import notifications

UNSATISFIED_RATE = 0.04  # of the work-order callbacks done: the job goes back for rework
LATE_RATE = 0.03  # done after the due date (flagged overdue first)
FACE_TO_FACE_RATE = 0.18
SATISFACTION_WEIGHTS = {Satisfaction.VERY_SATISFIED: 55, Satisfaction.SATISFIED: 36, Satisfaction.NEUTRAL: 9}
# At the 10th's check, this share of last month's callbacks is not done yet (they are
# done a few days later): real estates miss a few, and bank-collection owners are the
# hardest to reach (the required rate is 80 %).
MISSED_AT_CHECK = {"minor_repair": 0.03, "bank_collection": 0.15}
OVERDUE_NOW = (5, 7)  # callbacks left past due at the demo's clock
DUE_THIS_WEEK = (10, 16)
SPOT_CHECKS_PER_MONTH = (3, 5)
PARTICIPANTS = 20  # households that came to each held activity
NO_SHOWS = 3  # signed up and did not come: no callback

# ---------------------------------------------------------------------------
# What owners say
# ---------------------------------------------------------------------------

# What a callback is about: a repair, a paid or routine service, a complaint, an activity.
REPAIR, SERVICE, COMPLAINT, ACTIVITY = "repair", "service", "complaint", "activity"
ABOUT = {
    Kind.MINOR_REPAIR: REPAIR, Kind.MAJOR_WORKS: REPAIR, Kind.SPECIAL_MIDTERM: SERVICE,
    Kind.SPECIAL_COMPLETION: SERVICE, Kind.OTHER: SERVICE, Kind.COMPLAINT: COMPLAINT, Kind.ACTIVITY: ACTIVITY,
}

TEXTS = texts("callbacks")  # demo/data/callbacks.json: what owners say, what the desk writes
# The owner's words by what the callback is about and how satisfied they are (an
# activity's participants say the same whatever they answer).
WORDS: dict[str, dict[str, list[str]]] = {
    **{about: said for about, said in TEXTS["words"].items() if about != ACTIVITY},
    ACTIVITY: {satisfaction: TEXTS["words"][ACTIVITY] for satisfaction in Satisfaction.values},
}
UNSATISFIED: dict[str, list[list[str]]] = TEXTS["unsatisfied"]  # (the owner's words, the shortcoming written down)
STILL_BROKEN: list[str] = TEXTS["still_broken"]
AGAIN: dict[str, list[str]] = TEXTS["again"]
QUALITY: dict[str, list[str]] = TEXTS["quality"]
EFFECT: dict[str, list[str]] = TEXTS["effect"]
ON_SITE: dict[str, list[str]] = TEXTS["on_site"]
SUGGESTIONS: list[str] = TEXTS["suggestions"]
ACTIVITY_SUGGESTIONS: list[str] = TEXTS["activity_suggestions"]
CORRECTIONS = tuple((spec["reason"], spec["changes"]) for spec in TEXTS["corrections"])
SPOT_CHECK_DISAGREES: str = TEXTS["spot_check_disagrees"]
CANCEL_REASON: str = TEXTS["cancel_reason"]
# (estate index, title, days before the demo's clock)
ACTIVITIES = tuple((spec["estate"], spec["title"], spec["days_ago"], spec["kind"], spec["place"])
                   for spec in TEXTS["activities"])
ORGANISER: str = TEXTS["activity_organiser"]


def _signature_png() -> bytes:
    """One owner's signature as the pad would send it; drawn once, reused."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (260, 90), (255, 255, 255, 0))
    pen = ImageDraw.Draw(image)
    ink = (15, 15, 40, 255)
    for points in (
        [(20, 60), (34, 20), (44, 64), (52, 30), (66, 58)],
        [(78, 26), (92, 62), (104, 24), (118, 60), (132, 36), (150, 54)],
        [(160, 40), (176, 22), (184, 60), (204, 34), (236, 48)],
        [(40, 74), (140, 70), (230, 76)],
    ):
        pen.line(points, fill=ink, width=3, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _in_the_owners_words(note: str) -> str:
    """What the desk wrote down when the owner was unsatisfied ("the owner says the
    ceiling shows water marks again after rain, not satisfied with the result"), as the
    owner said it on the phone."""
    rule = TEXTS["owners_words"]
    for prefix in rule["prefixes"]:
        note = note.removeprefix(prefix)
    return rule["then"].format(said=note.split(rule["cut_at"])[0].rstrip(rule["end"]))


# ---------------------------------------------------------------------------
# The plan: what happens to each callback, and when
# ---------------------------------------------------------------------------


@dataclass
class _Plan:
    callback: Callback
    at: datetime | None = None  # when it is done; None: still due at the demo's clock
    fixed: bool = False  # the time comes from the source's history: not moved
    method: str = Method.PHONE
    satisfaction: str = Satisfaction.SATISFIED
    actor: object = None
    words: str = ""
    shortcomings: str = ""
    online: bool = False  # offered to the owner, who answers in the portal
    rectify: bool = False  # unsatisfied, and the rework is played
    cancel_at: datetime | None = None  # cancelled by the supervisor then


class _CallbacksBuilder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.today: date = ctx.today
        self.as_of = ctx.as_of
        self.tz = timezone.get_default_timezone()
        users = {u.username: u for u in get_user_model().objects.filter(username__in=["desk", "supervisor", "owner"])}
        self.desk = self._may(users.get("desk"), "callbacks.perform_callback")
        self.supervisor = self._may(users.get("supervisor"), "callbacks.cancel_callback")
        self.staff = [u for u in (self.desk, self.supervisor) if u is not None]
        self.by_pk = {u.pk: u for u in self.staff}  # one object per login: permissions cached once
        self.portal = users.get("owner")  # the demo owner's login
        self.signature = _signature_png()
        self.actions: list[tuple[datetime, int, Callable[[], None]]] = []
        self.plans: list[_Plan] = []
        self.recent_rework: _Plan | None = None  # rectified yesterday: its second round is due
        self.ongoing_rework: _Plan | None = None  # unsatisfied lately: the rework is still under way
        self.complaint_chain: _Plan | None = None  # unsatisfied, resolved again, second round due

    @staticmethod
    def _may(user, perm: str):
        return user if user is not None and user.has_perm(perm) else None

    def user(self, user):
        """The builder's own object for a login (its permissions are cached)."""
        return self.by_pk.get(getattr(user, "pk", None)) or (self.desk if user is not None else None)

    # -- time --------------------------------------------------------------------------

    def local_day(self, moment: datetime) -> date:
        return timezone.localtime(moment, self.tz).date()

    def at(self, day: date, minute: int) -> datetime:
        return datetime.combine(day, time(minute // 60, minute % 60, self.rng.randrange(60)), tzinfo=self.tz)

    def office(self, day: date) -> datetime:
        """A moment the desk makes callbacks: mornings, afternoons, a few early evenings."""
        r = self.rng.random()
        low, high = (570, 705) if r < 0.5 else (870, 1065) if r < 0.9 else (1140, 1230)
        return self.at(day, self.rng.randint(low, high))

    def after(self, base: datetime, days: int) -> datetime:
        """An office moment ``days`` days after ``base``'s day, and after ``base``."""
        if days == 0 and timezone.localtime(base, self.tz).hour >= 17:
            days = 1
        moment = self.office(self.local_day(base) + timedelta(days=days))
        if moment <= base + timedelta(minutes=30):
            moment = base + timedelta(minutes=self.rng.uniform(40, 150))
        return moment

    def sweep(self, due_on: date) -> datetime:
        """When the hourly job first sees a callback due on ``due_on`` is overdue."""
        return next_run("callbacks.hourly", after=datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=self.tz))

    def schedule(self, at: datetime, action: Callable[[], None]) -> None:
        self.actions.append((at, len(self.actions), action))

    # -- the rule and the activities -------------------------------------------------------

    def change_rule(self) -> None:
        """The second estate calls activity participants back within two weeks (at least
        80 % of them) from the middle of last month. (A rule for a kind with callbacks
        already due would contradict their stored due dates.)"""
        if len(self.ctx.estates) < 2:
            return
        month = self.today.replace(day=1) - relativedelta(months=1)
        services.callback_rule_set(
            estate=self.ctx.estates[1], kind=Kind.ACTIVITY, days=14, required_rate=Decimal(80),
            now=self.at(month.replace(day=15), 10 * 60 + 5), actor=self.supervisor,
        )

    def activities(self) -> None:
        """The held activities of the data (through the activities app's services): planned
        three weeks before, households signed up, most of them came (recorded at the door),
        marked held that evening, so their callbacks are made by the callbacks app."""
        households: dict[int, dict[int, object]] = {}
        for ownership in self.ctx.current_ownerships:
            if ownership.owner.user_id is None:
                households.setdefault(ownership.unit.estate_id, {}).setdefault(ownership.unit_id, ownership)
        for index, title, days_ago, kind, place in ACTIVITIES:
            if index >= len(self.ctx.estates):
                continue
            estate = self.ctx.estates[index]
            held_on = (self.as_of - timedelta(days=days_ago)).date()
            starts = self.at(held_on, 18 * 60 + 30).replace(second=0)
            activity = activities.activity_plan(
                estate=estate, title=title, kind=kind, place=place, starts_at=starts,
                ends_at=starts + timedelta(hours=2, minutes=30), organiser=ORGANISER,
                now=self.office(held_on - timedelta(days=21)), actor=self.desk)
            signed_up = self.rng.sample(list(households[estate.pk].values()), PARTICIPANTS + NO_SHOWS)
            for i, ownership in enumerate(signed_up):
                activities.participation_record(
                    activity=activity, unit=ownership.unit, owner=ownership.owner, people=self.rng.randint(1, 3),
                    attended=i < PARTICIPANTS, now=starts + timedelta(minutes=self.rng.randint(0, 40)),
                    actor=self.desk)
            activities.activity_hold(activity=activity, now=self.at(held_on, 21 * 60 + 10), actor=self.supervisor)

    # -- planning ---------------------------------------------------------------------------

    def load(self) -> list[Callback]:
        return list(Callback.objects.select_related("complaint", "work_order", "owner", "assignee", "activity")
                    .order_by("event_at", "pk"))

    def performer(self, callback: Callback):
        if callback.assignee_id in self.by_pk and self.rng.random() < 0.85:
            return self.by_pk[callback.assignee_id]
        if self.desk is None or not self.staff:
            return self.staff[0] if self.staff else None
        return self.desk if self.rng.random() < 0.8 else self.staff[-1]

    def draw(self, plan: _Plan) -> None:
        """Method, satisfaction and the owner's words of an ordinary callback."""
        rng, callback = self.rng, plan.callback
        plan.satisfaction = plan.satisfaction if plan.rectify else rng.choices(
            list(SATISFACTION_WEIGHTS), list(SATISFACTION_WEIGHTS.values()))[0]
        plan.actor = plan.actor or self.performer(callback)
        if not plan.online:
            face = rng.random() < (0.1 if callback.kind == Kind.ACTIVITY else FACE_TO_FACE_RATE)
            plan.method = Method.FACE_TO_FACE if face else Method.PHONE
        if plan.words:
            return
        about = ABOUT[callback.kind]
        if plan.rectify:
            plan.words, plan.shortcomings = rng.choice(UNSATISFIED.get(about, UNSATISFIED[SERVICE]))
        elif plan.satisfaction in WORDS[about]:
            plan.words = rng.choice(WORDS[about][plan.satisfaction])
        else:
            plan.words = rng.choice(WORDS[about][Satisfaction.SATISFIED])

    def plan_all(self, callbacks: list[Callback]) -> None:
        from complaints.models import ComplaintEvent, EventKind
        from complaints.models import Status as ComplaintStatus
        from repairs.models import Status as OrderStatus
        from repairs.models import WorkOrderEvent

        rng = self.rng
        complaint_ids = [c.complaint_id for c in callbacks if c.complaint_id]
        history: dict[tuple[int, str], ComplaintEvent] = {}
        for event in (ComplaintEvent.objects.filter(complaint_id__in=complaint_ids,
                                                    kind__in=[EventKind.REOPENED, EventKind.CLOSED])
                      .order_by("-at")):
            history[(event.complaint_id, event.kind)] = event  # the earliest wins
        failed = (OrderStatus.REWORK, OrderStatus.ESCALATED)
        last_verdict = {}
        for event in (WorkOrderEvent.objects.filter(to_status__in=failed, work_order__status__in=failed)
                      .order_by("at")):
            last_verdict[event.work_order_id] = event.at

        for callback in callbacks:
            plan = _Plan(callback)
            self.plans.append(plan)
            complaint, order = callback.complaint, callback.work_order
            if complaint is not None:
                reopened = history.get((complaint.pk, EventKind.REOPENED))
                closed = history.get((complaint.pk, EventKind.CLOSED))
                # (A complaint resolved again after a reopening at the desk has its
                # callback moved to the latest resolution: only what came after counts.)
                if reopened is not None and reopened.at >= callback.event_at \
                        and complaint.status != ComplaintStatus.RESOLVED:
                    # The complaints step reopened it at this callback: the owner was unsatisfied.
                    plan.at, plan.fixed, plan.actor = reopened.at, True, self.user(reopened.actor) or self.desk
                    plan.satisfaction = Satisfaction.UNSATISFIED
                    plan.shortcomings = reopened.note.removeprefix(TEXTS["reopened_note_prefix"])
                    plan.words = _in_the_owners_words(plan.shortcomings)
                elif closed is not None and closed.at >= callback.event_at:
                    plan.at, plan.fixed, plan.actor = closed.at, True, self.user(closed.actor) or self.desk
                    self.draw(plan)
                    if plan.satisfaction == Satisfaction.NEUTRAL:  # the complaints step: "满意"
                        plan.satisfaction = Satisfaction.SATISFIED
                # Resolved and waiting: its callback would close the complaint, which the
                # desk does from the queue; left due (one is played through below).
                continue
            if order is not None and order.status in failed:
                # The customer refused the work at sign-off; the callback finds it still open.
                verdict = last_verdict.get(order.pk, callback.event_at)
                moment = verdict + timedelta(minutes=rng.uniform(20, 90))
                if moment >= self.as_of:
                    moment = verdict + (self.as_of - verdict) / 2
                plan.at, plan.fixed, plan.actor = moment, True, self.performer(callback)
                plan.satisfaction = Satisfaction.UNSATISFIED
                plan.words = rng.choice(STILL_BROKEN)
                plan.shortcomings = TEXTS["not_signed_off"]
                continue
            if callback.activity_id:
                continue  # below, activity by activity
            base = callback.event_at
            if order is not None:
                base = max(base, order.signed_off_at or order.completed_at or base)
            if callback.kind == Kind.MAJOR_WORKS:
                # Some weeks after the works, before the 10th's check where the month allows.
                days = rng.randint(5, 20)
                room = (self.check_time(self.local_day(base).replace(day=1)).date() - self.local_day(base)).days - 1
                days = min(days, room) if room >= 3 else days
            elif callback.kind == Kind.OTHER:
                days = rng.randint(1, 6)
            else:
                days = rng.choices((0, 1, 2, 3), (10, 55, 30, 5))[0]
            plan.at = self.after(base, days)
            if rng.random() < LATE_RATE and callback.kind in (Kind.MINOR_REPAIR, Kind.MAJOR_WORKS, Kind.OTHER):
                plan.at = self.office(callback.due_on + timedelta(days=rng.randint(1, 5)))
            if callback.owner_id and self.portal and callback.owner.user_id == self.portal.pk:
                plan.online, plan.method, plan.actor = True, Method.ONLINE, self.portal
            self.draw(plan)
        self.plan_activities()

    def plan_activities(self) -> None:
        """About three in four participants are reached within the first days; of a past
        activity the rest later (two after the due date), of a recent one the rest are due."""
        rng = self.rng
        by_activity: dict[int, list[_Plan]] = {}
        for plan in self.plans:
            if plan.callback.activity_id:
                by_activity.setdefault(plan.callback.activity_id, []).append(plan)
        for plans in by_activity.values():
            finished = plans[0].callback.event_at
            due_on = plans[0].callback.due_on
            room = (min(due_on, self.today) - self.local_day(finished)).days
            plans = rng.sample(plans, len(plans))
            early = round(len(plans) * rng.uniform(0.7, 0.78))
            for n, plan in enumerate(plans):
                plan.fixed = True
                if n < early:
                    plan.at = self.after(finished, rng.randint(1, min(12, room - 1)))
                elif due_on >= self.today:
                    continue  # still to call: due in the coming days
                elif n < len(plans) - 2:
                    plan.at = self.after(finished, rng.randint(min(13, room - 1), room - 1))
                else:
                    plan.at = self.office(due_on + timedelta(days=rng.randint(1, 6)))
                self.draw(plan)

    def free(self, plan: _Plan) -> bool:
        """An ordinary work-order callback whose time may be moved."""
        return (not plan.fixed and not plan.online and not plan.rectify and plan.cancel_at is None
                and plan.callback.complaint_id is None)

    def missed_at_check(self) -> None:
        """A few of each past month's callbacks are not done by the 10th's check."""
        rng = self.rng
        month = min(p.callback.event_at for p in self.plans).astimezone(self.tz).date().replace(day=1)
        while True:
            check = self.check_time(month)
            if check >= self.as_of:
                break
            end = datetime.combine(month + relativedelta(months=1), time(0), tzinfo=self.tz)
            groups: dict[str, list[_Plan]] = {}
            for plan in self.plans:
                callback = plan.callback
                if not (end - timedelta(days=31) <= callback.event_at < end):
                    continue
                key = callback.kind
                if callback.kind == Kind.SPECIAL_COMPLETION:
                    key = callback.work_order.payment_method
                # Bank collection across the estates: each has only a handful a month.
                estate = None if key == "bank_collection" else callback.estate_id
                groups.setdefault((estate, key), []).append(plan)
            for (_estate, key), rows in groups.items():
                share = MISSED_AT_CHECK.get(key)
                if share is None:
                    continue
                candidates = [p for p in rows if self.free(p) and p.callback.due_on < check.date()
                              and p.callback.event_at >= end - timedelta(days=12)]
                missed = math.floor(len(rows) * share + 0.3)  # a bank group of 5 misses 1: 80 %
                for plan in rng.sample(candidates, min(len(candidates), missed)):
                    moment = self.office(check.date() + timedelta(days=rng.randint(1, 4)))
                    plan.at = moment if moment < self.as_of else None
            month += relativedelta(months=1)

    def check_time(self, month: date) -> datetime:
        """The monthly rate check (a job of the registry: the 10th) of ``month``."""
        start = datetime.combine(month + relativedelta(months=1), time(0), tzinfo=self.tz)
        return next_run("callbacks.monthly_rates", after=start)

    def unsatisfied(self) -> None:
        """A few owners are unsatisfied (about one in twenty with the complaints the
        complaints step reopened): the job goes back for rework."""
        rng = self.rng
        done = [p for p in self.plans if self.free(p) and p.callback.work_order_id and p.at is not None
                and p.at < self.as_of and p.callback.kind != Kind.SPECIAL_MIDTERM]
        for plan in rng.sample(done, round(len(done) * UNSATISFIED_RATE)):
            plan.rectify, plan.satisfaction = True, Satisfaction.UNSATISFIED
            plan.words = ""
            self.draw(plan)
        # One recent: rectified yesterday, its second round due in the coming days.
        recent = [p for p in done if not p.rectify and p.callback.kind == Kind.MINOR_REPAIR
                  and self.as_of - timedelta(days=6) <= p.callback.event_at <= self.as_of - timedelta(days=3)]
        if recent:
            plan = recent[-1]
            plan.rectify, plan.satisfaction, plan.words = True, Satisfaction.UNSATISFIED, ""
            plan.at = self.after(plan.callback.event_at, 1)
            self.draw(plan)
            plan.actor = plan.actor or self.desk
            self.recent_rework = plan
        # And one whatever the day: the latest unsatisfied owner's job is still being reworked.
        unsatisfied = [p for p in done if p.rectify and p is not self.recent_rework]
        if unsatisfied:
            self.ongoing_rework = max(unsatisfied, key=lambda p: p.at)

    def present(self) -> None:
        """A handful overdue, a dozen or so due this week."""
        rng, today = self.rng, self.today

        def still_due(plan: _Plan) -> bool:
            return plan.cancel_at is None and (plan.at is None or plan.at >= self.as_of)

        overdue = [p for p in self.plans if still_due(p) and p.callback.due_on < today]
        low, high = OVERDUE_NOW
        if len(overdue) > high:
            for plan in [p for p in overdue if self.free(p)][: len(overdue) - high]:
                plan.at = self.office(plan.callback.due_on + timedelta(days=1))
                if plan.at >= self.as_of:
                    plan.at = self.as_of - timedelta(hours=rng.uniform(4, 8))
        elif len(overdue) < low:
            candidates = [p for p in self.plans if self.free(p) and not still_due(p) and p.callback.work_order_id
                          and today - timedelta(days=6) <= p.callback.due_on < today]
            for plan in rng.sample(candidates, min(len(candidates), rng.randint(low, high) - len(overdue))):
                plan.at = None
        week = [p for p in self.plans if still_due(p) and today <= p.callback.due_on <= today + timedelta(days=6)]
        second_rounds = (self.recent_rework is not None) + (self.complaint_chain is not None)
        low, high = DUE_THIS_WEEK
        excess = len(week) + second_rounds - high
        if excess > 0:
            # Called back the same day: the job was finished in the morning.
            yesterday = datetime.combine(today - timedelta(days=1), time(15, 30), tzinfo=self.tz)
            early = [p for p in week if self.free(p) and p.callback.event_at < yesterday]
            for plan in rng.sample(early, min(len(early), excess)):
                plan.at = plan.callback.event_at + timedelta(minutes=rng.uniform(90, 240))
                excess -= 1
            # More of the recent activity's participants reached already (a few stay due).
            waiting = [p for p in week if p.callback.activity_id and p.at is None]
            for plan in rng.sample(waiting, max(0, min(excess, len(waiting) - 3))):
                finished = plan.callback.event_at
                plan.at = self.after(finished, rng.randint(1, max(1, (today - self.local_day(finished)).days - 1)))
                self.draw(plan)
                excess -= 1
            # Still too many for a day's queue (a day when many complaints were resolved):
            # more owners were called back a few hours after the job or the complaint.
            soon = [p for p in week if p.at is None and not (p.fixed or p.online or p.rectify)
                    and p.cancel_at is None and p.callback.event_at < self.as_of - timedelta(hours=6)]
            for plan in rng.sample(soon, min(len(soon), max(0, excess))):
                plan.at = plan.callback.event_at + timedelta(minutes=rng.uniform(90, 240))
                self.draw(plan)
        elif len(week) < low:
            later = [p for p in self.plans if self.free(p) and not still_due(p)
                     and today <= p.callback.due_on <= today + timedelta(days=6)]
            for plan in rng.sample(later, min(len(later), low - len(week))):
                plan.at = None

    # -- playing ------------------------------------------------------------------------------

    def perform(self, plan: _Plan) -> Callable[[], None]:
        def run():
            callback, rng = plan.callback, self.rng
            about, happy = ABOUT[callback.kind], plan.satisfaction != Satisfaction.UNSATISFIED
            extra = {}
            if plan.method == Method.FACE_TO_FACE:
                seen = (rng.choice(ON_SITE[about]) if happy
                        else TEXTS["on_site_unsatisfied"].format(shortcomings=plan.shortcomings))
                extra = {"signature_png": self.signature, "signer_name": callback.contact_name, "quality": seen}
            elif plan.method == Method.PHONE:
                extra = {"owner_words": plan.words}
                if about in QUALITY and happy:
                    extra["quality"] = rng.choice(QUALITY[about])
            if about in EFFECT and happy:
                extra["effect"] = rng.choice(EFFECT[about])
            if rng.random() < 0.15:
                extra["suggestions"] = rng.choice(ACTIVITY_SUGGESTIONS if callback.kind == Kind.ACTIVITY
                                                  else SUGGESTIONS)
            services.callback_perform(
                callback=callback, method=plan.method, satisfaction=plan.satisfaction, now=plan.at,
                actor=plan.actor, shortcomings=plan.shortcomings, **extra,
            )
        return run

    def rectification(self, plan: _Plan) -> None:
        """Rework after the unsatisfied callback, the customer signs, the second round."""
        from repairs import services as repairs

        rng, order = self.rng, plan.callback.work_order
        if plan is self.ongoing_rework:
            return  # the rework is still under way
        again = self.after(plan.at, rng.randint(1, 3))
        if plan is self.recent_rework:
            again = self.office(self.today - timedelta(days=1))
            if again >= self.as_of or again <= plan.at:
                again = plan.at + (self.as_of - plan.at) / 2
        signed = again + timedelta(minutes=rng.uniform(5, 25))
        second_at = self.after(signed, rng.choice((1, 1, 2)))
        if order.worker is None or signed >= self.as_of or (second_at >= self.as_of and plan is not self.recent_rework):
            return  # the rework is still under way

        def complete():
            repairs.work_order_complete(order=order, worker=order.worker, now=again,
                                        note=TEXTS["rework_done"])
            repairs.work_order_customer_verdict(order=order, satisfied=True, rating=rng.choice((4, 5, 5)),
                                                signed_on_paper=True, now=signed)
        self.schedule(again, complete)
        if plan is self.recent_rework:
            return  # the second round is still due

        def second():
            callback = Callback.objects.get(work_order=order, round=plan.callback.round + 1)
            follow = _Plan(callback, at=second_at, actor=plan.actor or self.desk,
                           satisfaction=rng.choice((Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)))
            follow.method, follow.words = Method.PHONE, rng.choice(AGAIN[ABOUT[callback.kind]])
            self.perform(follow)()
        self.schedule(second_at, second)

    def complaint_round_two(self) -> None:
        """One resolved complaint: the owner is unsatisfied, it is resolved again and its
        second callback is due."""
        from complaints import services as complaints
        from complaints.models import ComplaintEvent, EventKind
        from complaints.models import Status as ComplaintStatus

        candidates = [p for p in self.plans if p.callback.complaint_id and p.at is None
                      and p.callback.complaint.status == ComplaintStatus.RESOLVED
                      and p.callback.complaint.reopen_count == 0 and p.callback.owner_id
                      and p.callback.owner.user_id is None
                      and p.callback.event_at <= self.as_of - timedelta(days=2, hours=12)]
        if not candidates:
            return
        plan = self.complaint_chain = candidates[0]
        complaint = plan.callback.complaint
        plan.at = self.after(complaint.resolved_at, 1)
        plan.satisfaction, plan.rectify, plan.actor = Satisfaction.UNSATISFIED, True, self.desk
        said = TEXTS["complaint_unsatisfied"]
        plan.words, plan.shortcomings = said["words"], said["shortcomings"]
        again = self.office(self.local_day(plan.at) + timedelta(days=1))
        if again >= self.as_of - timedelta(hours=1):
            again = plan.at + (self.as_of - plan.at) / 2
        resolver = (ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.RESOLVED)
                    .order_by("-at").values_list("actor", flat=True).first())
        actor = get_user_model().objects.filter(pk=resolver).first() if resolver else None

        def resolve():
            complaints.complaint_resolve(complaint=complaint, resolution=TEXTS["resolved_again"],
                                         now=again, actor=actor)
        self.schedule(plan.at, self.perform(plan))
        self.schedule(again, resolve)
        plan.fixed = True

    def offers(self) -> None:
        """The portal owner answers two callbacks online; one offer is still open."""
        rng = self.rng
        for plan in self.plans:
            if plan.online and plan.at is not None and plan.at < self.as_of:
                offer = self.office(self.local_day(plan.callback.event_at) + timedelta(days=1))
                offer = max(offer, plan.callback.event_at + timedelta(hours=1))
                plan.at = offer + timedelta(hours=rng.uniform(1.5, 4))
                if plan.at >= self.as_of:
                    plan.at = None
                self.schedule(offer, self.offer(plan.callback, offer))
            elif plan.online:
                plan.at = None
        if self.portal is None:
            return
        waiting = [p for p in self.plans if p.at is None and p.callback.owner_id
                   and p.callback.owner.user_id == self.portal.pk]
        if waiting:
            waiting[-1].fixed = True  # offered and not answered yet: it stays due
            callback = waiting[-1].callback
            moment = min(callback.event_at + timedelta(hours=rng.uniform(3, 6)),
                         callback.event_at + (self.as_of - callback.event_at) / 2)
            self.schedule(moment, self.offer(callback, moment))

    def offer(self, callback: Callback, moment: datetime) -> Callable[[], None]:
        return lambda: services.callback_offer_online(callback=callback, now=moment, actor=self.desk)

    def schedule_all(self) -> None:
        rng = self.rng
        for plan in self.plans:
            callback = plan.callback
            done = plan.at is not None and plan.at < self.as_of
            if not done:
                plan.at = None
            sweep = self.sweep(callback.due_on)
            if sweep < self.as_of and (not done or self.local_day(plan.at) > callback.due_on):
                self.schedule(sweep, self.flag(callback, sweep))
            if not done:
                continue
            if callback.complaint_id and plan.rectify:
                continue  # scheduled with its second resolution
            self.schedule(plan.at, self.perform(plan))
            if plan.rectify and callback.work_order_id:
                self.rectification(plan)

        # Corrections: a desk user fixes a record a few hours later.
        done = [p for p in self.plans if p.at is not None and p.method == Method.PHONE and not p.rectify
                and p.callback.kind == Kind.MINOR_REPAIR
                and self.as_of - timedelta(days=40) <= p.at <= self.as_of - timedelta(days=3)]
        for (reason, changes), plan in zip(CORRECTIONS, rng.sample(done, min(len(done), len(CORRECTIONS)))):
            moment = self.after(plan.at, 0)
            self.schedule(moment, self.correct(plan, reason, changes, moment))

        for plan in self.plans:
            if plan.cancel_at is not None:
                moment = plan.cancel_at
                self.schedule(moment, lambda plan=plan, moment=moment: services.callback_cancel(
                    callback=plan.callback, reason=CANCEL_REASON, now=moment, actor=self.supervisor))

    def cancel(self) -> None:
        """The supervisor cancels one: the owner moved away."""
        rng = self.rng
        gone = [p for p in self.plans if p.at is not None and self.free(p) and p.callback.kind == Kind.MINOR_REPAIR
                and self.as_of - timedelta(days=20) <= p.callback.event_at <= self.as_of - timedelta(days=8)]
        if gone and self.supervisor is not None:
            plan = rng.choice(gone)
            plan.at = None
            plan.cancel_at = self.office(plan.callback.due_on + timedelta(days=2))

    def flag(self, callback: Callback, moment: datetime) -> Callable[[], None]:
        return lambda: services.callback_flag_overdue(callback_id=callback.pk, as_of=moment)

    def correct(self, plan: _Plan, reason: str, changes: dict, moment: datetime) -> Callable[[], None]:
        def run():
            fields = dict(changes)
            if "suggestions" in fields:
                fields["owner_words"] = TEXTS["also_said"].format(words=plan.words, suggestions=fields["suggestions"])
            services.callback_correct(callback=plan.callback, reason=reason, now=moment, actor=plan.actor, **fields)
        return run

    def assign(self) -> None:
        """Of what is still due, some the supervisor gives to someone; some wait. Whatever
        the day, the queue shows one of each: the desk's, the supervisor's and one waiting."""
        rng = self.rng
        if self.supervisor is None:
            return
        due = [plan for plan in self.plans if plan.at is None and plan.cancel_at is None]
        given = {}  # index in due -> who the supervisor gives it to
        for index, plan in enumerate(due):
            callback = plan.callback
            r = rng.random()
            if callback.assignee_id is None and r < 0.55 or callback.assignee_id and r < 0.2:
                given[index] = self.supervisor if callback.assignee_id == getattr(self.desk, "pk", None) \
                    or r < 0.15 else self.desk

        def holder(index):
            return given[index].pk if index in given else due[index].callback.assignee_id

        waiting = [i for i, plan in enumerate(due) if plan.callback.assignee_id is None]
        if waiting and all(holder(i) is not None for i in range(len(due))):
            given.pop(waiting[-1])  # this one waits for someone
        for person in (self.desk, self.supervisor):
            if person is not None and due and all(holder(i) != person.pk for i in range(len(due))):
                held = Counter(holder(i) for i in range(len(due)))
                spare = [i for i in range(len(due)) if held[holder(i)] > 1]  # leaves its holder one
                if spare:
                    given[spare[0]] = person
        for index, who in given.items():
            callback = due[index].callback
            moment = callback.created_at + timedelta(hours=rng.uniform(1, 4))
            if moment >= self.as_of:
                moment = callback.created_at + (self.as_of - callback.created_at) / 2
            self.schedule(moment, self.assign_to(callback, who, moment))

    def assign_to(self, callback, who, moment) -> Callable[[], None]:
        return lambda: services.callback_assign(callback=callback, assignee=who, now=moment, actor=self.supervisor)

    def play(self) -> None:
        for _at, _i, action in sorted(self.actions, key=lambda a: (a[0], a[1])):
            action()

    # -- after the fact -----------------------------------------------------------------------

    def spot_checks(self) -> None:
        """The supervisor re-contacts a few owners every month (at least 3)."""
        rng = self.rng
        if self.supervisor is None:
            return
        done = list(Callback.objects.filter(status=Status.DONE).exclude(kind=Kind.ACTIVITY)
                    .order_by("done_at", "pk").only("pk", "done_at"))
        month = self.local_day(done[0].done_at).replace(day=1) if done else self.today
        disagreed = False
        while month <= self.today:
            start = datetime.combine(month, time(0), tzinfo=self.tz)
            end = min(start + relativedelta(months=1), self.as_of)
            current = month == self.today.replace(day=1)
            wanted = rng.randint(1, 2) if current else rng.randint(*SPOT_CHECKS_PER_MONTH)
            pool = [c for c in done if start - timedelta(days=5) <= c.done_at < end - timedelta(hours=30)]
            if end - start < timedelta(days=1):
                pool = []  # the month has only begun
            for callback in rng.sample(pool, min(len(pool), wanted)):
                low = max(callback.done_at + timedelta(hours=20), start)
                day = self.local_day(low) + timedelta(days=rng.randint(0, 4))
                moment = self.office(day)
                if moment <= low or moment >= end:
                    moment = low + (end - low) * rng.uniform(0.1, 0.5)
                if moment >= end:
                    continue
                agrees = disagreed or current  # one owner, early on, tells a different story
                services.spot_check_record(
                    callback=callback, method=Method.PHONE if rng.random() < 0.8 else Method.FACE_TO_FACE,
                    agrees=agrees, note="" if agrees else SPOT_CHECK_DISAGREES, now=moment, actor=self.supervisor,
                )
                disagreed = disagreed or not agrees
            month += relativedelta(months=1)

    def rate_checks(self) -> None:
        first = Callback.objects.order_by("event_at").values_list("event_at", flat=True).first()
        if first is None:
            return
        month = self.local_day(first).replace(day=1)
        while (check := self.check_time(month)) < self.as_of:
            jobs.monthly_rates(as_of=check)
            month += relativedelta(months=1)

    def count(self) -> None:
        statuses = Counter(Callback.objects.values_list("status", flat=True))
        self.ctx.counts.update({
            "callbacks": sum(statuses.values()),
            "callbacks_done": statuses[Status.DONE],
            "callbacks_due": statuses[Status.DUE],
            "callbacks_overdue": Callback.objects.filter(status=Status.DUE, due_on__lt=self.today).count(),
            "callbacks_cancelled": statuses[Status.CANCELLED],
            "callbacks_second_round": Callback.objects.filter(round__gt=1).count(),
            "callback_corrections": CallbackResult.objects.filter(corrects__isnull=False).count(),
            "callback_spot_checks": SpotCheck.objects.count(),
            "callback_rate_checks": RateCheck.objects.count(),
            "community_activities": Activity.objects.count(),
        })


def seed_callbacks(ctx) -> None:
    """The step: three months of callbacks done, late, unsatisfied and reworked, and the
    present the desk finds at the demo's clock."""
    with notifications.inbox_only():
        builder = _CallbacksBuilder(ctx)
        builder.change_rule()
        builder.activities()
        builder.plan_all(builder.load())
        builder.missed_at_check()
        builder.unsatisfied()
        builder.complaint_round_two()
        builder.offers()
        builder.cancel()
        builder.present()
        builder.schedule_all()
        builder.assign()
        builder.play()
        builder.spot_checks()
        builder.rate_checks()
        jobs.hourly(as_of=builder.as_of)
    builder.count()
