"""Fees in the demo estate: two steps of ``demo.steps.STEPS``.

``schedule_fees`` (before the work orders) publishes the fee standards of both estates
(one building with its own rate) and puts six months of the fees' calendar on the
demo's timeline (``DemoContext.timeline``), played together with the work orders up to
the demo's clock (``DemoContext.as_of``): the fees' jobs every day at the time the job
registry gives them (the bill run, the dunning rounds with their sending, the month
report: each acts from its day of the month on), payments of the bills from the day
they were issued (most within days, some late, a few owing for months) at the desk,
by bank collection and online, two reversals a few hours after the payment, printed
notices put through the doors, and last quarter's income and spending statements.
``finish_fees`` (last) opens the arrears cases with their measures and counts.

Everything goes through ``fees.jobs`` and ``fees.services`` with ``now=``/``as_of=`` in
the past. The bank's collection returns and the online
settlements of a day are taken at 18:30 in one ``payments_take``; the desk's payments
are held and taken in one batch just before the next receipt of any kind, so every
receipt gets its number from the estate's sequence in the order it was issued.
Deterministic: it draws only from the context's random generator.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.context import next_run
from demo.texts import texts
from fees import jobs, selectors, services
from fees.models import (
    ArrearsCase,
    ArrearsMeasure,
    Basis,
    Bill,
    BillStatus,
    DunningNotice,
    IncomeStatement,
    MonthReport,
    NoticeStatus,
    Payment,
    PaymentMethod,
)
from propertydesk import notifications

TEXTS = texts("fees")  # demo/data/fees.json: the fee items, payers, reasons, statements

MONTHS = 6
ITEMS: dict[str, str] = TEXTS["items"]  # the fee items' names: service, waste, energy
# Per estate (by index): the service fee per m² per month; building 6 of the first estate has its own.
SERVICE_RATES = (Decimal("2.35"), Decimal("1.98"))
BUILDING_RATE = ("6", Decimal("2.10"))  # the older low-rise of the first estate
WASTE_RATE = Decimal("10.00")
ENERGY_RATE = Decimal("0.35")
LATE_RATE = 0.08  # pays the month's bill late: after the first reminder, or weeks later
DEBTOR_RATE = 0.03  # stopped paying some months ago (1 to 6)
DEVELOPER: str = TEXTS["developer"]
SETTLED_AT = time(18, 30)  # the day's bank collection return and online settlement
DESK = (PaymentMethod.CASH, PaymentMethod.CARD)
METHOD_WEIGHTS = {PaymentMethod.BANK_COLLECTION: 35, PaymentMethod.ONLINE: 30, PaymentMethod.CASH: 15,
                  PaymentMethod.CARD: 20}
# Why a desk payment was reversed a few hours later, in an early month (by its index).
REVERSALS = tuple((spec["month"], spec["reason"]) for spec in TEXTS["reversals"])
REASONS = tuple(  # (reason, note, measures)
    (spec["reason"], spec["note"], tuple((m["kind"], m["outcome"]) for m in spec["measures"]))
    for spec in TEXTS["arrears_cases"]
)
STATEMENT_LINES = tuple((spec["kind"], spec["category"], spec["share"]) for spec in TEXTS["statement_lines"])


class _FeesBuilder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.timeline = ctx.timeline
        self.tz = timezone.get_default_timezone()
        self.as_of = ctx.as_of
        users = {u.username: u for u in get_user_model().objects.filter(
            username__in=["desk", "supervisor", "finance"])}
        self.desk, self.supervisor, self.finance = (users.get(n) for n in ("desk", "supervisor", "finance"))
        self.periods = self._periods()
        self.held: list[tuple[datetime, int]] = []  # the desk's payments not taken yet
        self.settling: dict[date, list[int]] = {}  # the units of each day's settlement
        self.to_reverse: dict[tuple[int, date], str] = {}  # (unit, period) -> reason
        self.reversals: set[str] = set()  # chosen already (estates billed on different days)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def _runs_on(self, job: str, month: date, *fields: str) -> list[datetime]:
        """The job's first run on each of the estates' days of ``month`` (the fee policy's
        ``fields``): the days it acts. Beat runs the fees' jobs every day; the other
        days' runs only catch up after downtime, which the demo never has."""
        days = sorted({day for field in fields for day in selectors.fee_policy_days()[field]})
        return [next_run(job, after=self.at(month.replace(day=day), 0) - timedelta(minutes=1)) for day in days]

    def _bill_runs(self, month: date) -> list[datetime]:
        """When the bill run job issues ``month``'s bills."""
        return self._runs_on("fees.bill_run", month, "bill_day")

    def _periods(self) -> list[date]:
        """The last MONTHS months whose first bill run is before the clock."""
        month = self.ctx.today.replace(day=1)
        if self._bill_runs(month)[0] >= self.as_of:
            month -= relativedelta(months=1)
        return [month - relativedelta(months=i) for i in range(MONTHS - 1, -1, -1)]

    def later(self, moment: datetime, action) -> None:
        """An action of the fees' own: the desk's payments held until then are taken first."""
        def run():
            self.take_held()
            action()
        self.timeline.at(moment, run)

    def standards(self) -> None:
        start = self.periods[0] - relativedelta(months=18)  # in force long before the first bill here
        published = self.at(start - timedelta(days=20), 10)
        items = []
        for index, estate in enumerate(self.ctx.estates):
            items += [(estate, None, ITEMS["service"], Basis.PER_M2_MONTH, SERVICE_RATES[index % 2]),
                      (estate, None, ITEMS["waste"], Basis.PER_UNIT_MONTH, WASTE_RATE),
                      (estate, None, ITEMS["energy"], Basis.PER_M2_MONTH, ENERGY_RATE)]
        first = self.ctx.estates[0]
        building = next((b for b in self.ctx.buildings if b.estate_id == first.pk and b.number == BUILDING_RATE[0]),
                        None)
        if building is not None:
            items.append((first, building, ITEMS["service"], Basis.PER_M2_MONTH, BUILDING_RATE[1]))
        for estate, building, item, basis, rate in items:
            standard = services.fee_standard_save(estate=estate, building=building, item=item, basis=basis, rate=rate,
                                                  effective_from=start, effective_to=None, actor=self.finance)
            services.fee_standard_publish(standard=standard, now=published, actor=self.finance)

    def plan_payers(self) -> None:
        """What kind of payer each unit's owner is; the demo owner's two units are fixed."""
        rng = self.rng
        self.kind: dict[int, str] = {}
        self.stopped: dict[int, int] = {}
        self.method: dict[int, str] = {}
        demo_units = {o.unit.pk for o in self.ctx.current_ownerships if o.owner is self.ctx.demo_owner}
        for unit in sorted(self.ctx.owned_units, key=lambda u: u.pk):
            r = rng.random()
            self.kind[unit.pk] = "debtor" if r < DEBTOR_RATE else "late" if r < DEBTOR_RATE + LATE_RATE else "prompt"
            self.stopped[unit.pk] = rng.randrange(MONTHS)  # a debtor's first unpaid month
            self.method[unit.pk] = rng.choices(list(METHOD_WEIGHTS), list(METHOD_WEIGHTS.values()))[0]
        self.demo_paid = self.demo_owing = None
        for unit in sorted((u for u in self.ctx.owned_units if u.pk in demo_units), key=lambda u: u.estate_id):
            if self.demo_paid is None:
                self.demo_paid, self.kind[unit.pk] = unit, "prompt"
            else:
                self.demo_owing, self.kind[unit.pk] = unit, "owes_latest"
        self.payer = {o.unit.pk: o.owner.name for o in self.ctx.current_ownerships}
        self.units = {u.pk: u for u in self.ctx.owned_units}
        # The developer pays for the units it has not sold yet, by transfer, on time.
        for unit in sorted((u for u in self.ctx.units if u.pk not in self.units), key=lambda u: u.pk):
            self.units[unit.pk], self.kind[unit.pk] = unit, "prompt"
            self.method[unit.pk], self.payer[unit.pk] = PaymentMethod.ONLINE, DEVELOPER
        self.demo_units = demo_units

    def schedule(self) -> None:
        """The fees' jobs at the times of the job registry (they act from their day of
        the month on), from the first month billed here to the clock."""
        months = [*self.periods, self.periods[-1] + relativedelta(months=1)]
        for month in months:
            for moment in self._bill_runs(month):
                self.later(moment, self.bill_run)
            for moment in self._runs_on("fees.dunning", month, "first_dunning_day", "second_dunning_day"):
                self.later(moment, self.dunning)
            if month != months[0]:  # the report of a month with bills
                for moment in self._runs_on("fees.month_report", month, "report_day"):
                    self.later(moment, lambda: jobs.month_report(as_of=self.now))
        self.statements()
        self.timeline.before_receipt.append(self.take_held)

    @property
    def now(self) -> datetime:
        return self.timeline.now

    def bill_run(self) -> None:
        """The bill run job; the bills it issued now are paid (or not) from their day on."""
        rng = self.rng
        jobs.bill_run(as_of=self.now)
        issued = list(Bill.objects.filter(issued_at=self.now, unit_id__in=self.units).order_by("unit_id")
                      .values_list("unit_id", "period"))
        if not issued:
            return
        period = issued[0][1]
        index = self.periods.index(period)
        bills = [unit_id for unit_id, _period in issued]
        latest = index == len(self.periods) - 1
        billed = timezone.localdate(self.now)
        cash = []
        for unit_id in bills:
            kind = self.kind[unit_id]
            if kind == "debtor" and index >= self.stopped[unit_id]:
                continue  # stopped paying: owes every month since
            if kind == "owes_latest" and latest:
                continue
            if kind == "late":
                when = self.at(billed + timedelta(days=rng.randint(7, 40)), rng.randint(9, 17))
            else:
                when = self.at(billed + timedelta(days=rng.randint(0, 5)), rng.randint(9, 17), rng.randrange(60))
            if when >= self.as_of:
                continue
            if self.method[unit_id] in DESK:
                self.timeline.at(when, lambda when=when, unit_id=unit_id: self.hold(when, unit_id))
                if self.method[unit_id] == PaymentMethod.CASH and unit_id not in self.demo_units:
                    cash.append(unit_id)
            else:
                day = timezone.localdate(when)
                if day not in self.settling:
                    self.settling[day] = []
                    self.timeline.at(self.at(day, SETTLED_AT.hour, SETTLED_AT.minute),
                                     lambda day=day: self.settle(day), receipt=True)
                self.settling[day].append(unit_id)
        for month_index, reason in REVERSALS:
            if month_index == index and cash and reason not in self.reversals:
                self.to_reverse[(rng.choice(cash), period)] = reason
                self.reversals.add(reason)

    def hold(self, when: datetime, unit_id: int) -> None:
        """A payment at the desk: held until the next receipt of any kind (or the next
        bill run, reminder or report), then taken with the others in one batch."""
        if any(held == unit_id for _when, held in self.held):
            self.take_held()
        self.held.append((when, unit_id))

    def take_held(self) -> None:
        held, self.held = self.held, []
        if held:
            self.take(held, actor=self.desk)

    def settle(self, day: date) -> None:
        """The bank's collection return and the online settlement of the day."""
        moment = self.now
        pending = [(moment, unit_id) for unit_id in self.settling.pop(day)]
        while pending:  # a unit at most once per batch
            batch, rest, seen = [], [], set()
            for item in pending:
                (rest if item[1] in seen else batch).append(item)
                seen.add(item[1])
            self.take(batch, actor=None)
            pending = rest

    def take(self, payments: list[tuple[datetime, int]], *, actor) -> None:
        """Each pays its unit's oldest owing bill, through ``services.payments_take``."""
        units = {unit_id for _when, unit_id in payments}
        oldest: dict[int, tuple[Decimal, date]] = {}
        for unit_id, amount, paid, period in (Bill.objects.filter(unit_id__in=units, status__in=services.OWING)
                                              .order_by("unit_id", "period")
                                              .values_list("unit_id", "amount", "paid", "period")):
            oldest.setdefault(unit_id, (amount - paid, period))
        items = [services.PaymentIn(unit=self.units[unit_id], amount=oldest[unit_id][0],
                                    method=self.method[unit_id], payer_name=self.payer.get(unit_id, TEXTS["payer"]),
                                    received_at=when)
                 for when, unit_id in payments if unit_id in oldest]
        if not items:
            return
        for payment in services.payments_take(payments=items, actor=actor):
            reason = self.to_reverse.pop((payment.unit_id, oldest[payment.unit_id][1]), None)
            if reason is not None:
                self.later(payment.received_at + timedelta(hours=3),
                           lambda payment=payment, reason=reason: services.payment_reverse(
                               payment=payment, reason=reason, now=self.now, actor=self.supervisor))

    def dunning(self) -> None:
        """The dunning job (rounds from their days on, then sending); the notices it
        printed now are put through the doors over the next day or two."""
        moment = self.now
        jobs.dunning(as_of=moment)
        printed = list(DunningNotice.objects.filter(created_at=moment, status=NoticeStatus.TO_PRINT)
                       .order_by("pk"))
        if not printed:
            return
        for notice in printed[: max(1, len(printed) * 2 // 3)]:
            self.later(moment + timedelta(hours=rng_hours(self.rng)),
                       lambda notice=notice: services.notice_mark_delivered(notice=notice, now=self.now,
                                                                            actor=self.desk))

    def cases(self) -> None:
        """The units owing longest get an arrears case, with the measures taken since."""
        rows = selectors.arrears(as_of=self.ctx.today)[: len(REASONS) * 2]
        units = {u.pk: u for u in self.ctx.units}
        for i, row in enumerate(rows):
            reason, note, measures = REASONS[i % len(REASONS)]
            opened = self.at(row.oldest.replace(day=25), 10)
            case = services.arrears_case_open(unit=units[row.unit_id], reason=reason, note=note,
                                              actor=self.supervisor, now=opened)
            for step, (kind, outcome) in enumerate(measures if i < len(REASONS) else measures[:1]):
                moment = opened + timedelta(days=7 * step + 1)
                if moment < self.as_of:
                    services.arrears_measure_add(case=case, kind=kind, note=outcome, actor=self.supervisor,
                                                 now=moment)

    def statements(self) -> None:
        """Last quarter's income and spending, entered and published some days after it."""
        today = self.ctx.today
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1) - relativedelta(months=3)
        quarter_end = quarter_start + relativedelta(months=3) - timedelta(days=1)
        entered = self.at(quarter_end + timedelta(days=12), 15)
        if entered >= self.as_of:
            entered = self.as_of - timedelta(hours=6)
        for estate in self.ctx.estates:
            base = Decimal(self.rng.randint(900_000, 1_400_000))
            lines = [{"kind": kind, "category": category,
                      "amount": services.money(base * Decimal(share) * Decimal(self.rng.uniform(0.95, 1.05))),
                      "note": ""} for kind, category, share in STATEMENT_LINES]
            title = TEXTS["statement_title"].format(estate=estate.name, year=quarter_start.year,
                                                    quarter=(quarter_start.month - 1) // 3 + 1)

            def enter(estate=estate, title=title, lines=lines):
                statement = services.income_statement_save(
                    estate=estate, title=title, period_start=quarter_start, period_end=quarter_end, lines=lines,
                    actor=self.finance, now=self.now)
                self.later(self.now + timedelta(hours=1), lambda: services.income_statement_publish(
                    statement=statement, actor=self.finance, now=self.now))
            self.later(entered, enter)

    def count(self) -> None:
        statuses = Counter(Bill.objects.values_list("status", flat=True))
        self.ctx.counts.update({
            "bills": sum(statuses.values()),
            "bills owing": statuses[BillStatus.OPEN] + statuses[BillStatus.PART_PAID],
            "fee payments": Payment.objects.count(),
            "fee payments reversed": Payment.objects.filter(reversed_at__isnull=False).count(),
            "dunning notices": DunningNotice.objects.count(),
            "arrears cases": ArrearsCase.objects.count(),
            "arrears measures": ArrearsMeasure.objects.count(),
            "income statements": IncomeStatement.objects.count(),
            "month reports": MonthReport.objects.count(),
        })


def rng_hours(rng) -> float:
    return rng.uniform(26, 52)  # printed the next morning, delivered within a day or two


def schedule_fees(ctx) -> None:
    """The step before the work orders: standards published now, the months' bill runs,
    payments, reversals, dunning, reports and statements on the timeline."""
    builder = _FeesBuilder(ctx)
    with notifications.inbox_only():
        builder.standards()
    builder.plan_payers()
    builder.schedule()


def finish_fees(ctx) -> None:
    """The last step: arrears cases with their measures (after the timeline is played)."""
    builder = _FeesBuilder(ctx)
    with notifications.inbox_only():
        builder.cases()
    builder.count()
