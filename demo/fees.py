"""Fees in the demo estate: a step of ``demo.steps.STEPS``, after the callbacks.

Through ``fees.services`` with ``now=`` in the past of the demo's clock
(``DemoContext.as_of``): published fee standards for both estates (one building
with its own rate), six months of bills (the run on each 10th), payments at the desk,
by bank collection and online (most within days, some late, a few owing for months),
two reversals, the dunning rounds of each 16th and 21st with their delivery, arrears
cases with their measures, last quarter's income and spending statements, and the month
reports of each 2nd. Deterministic: it draws only from the context's random generator.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from fees import services
from fees.models import (
    ArrearsCase,
    ArrearsMeasure,
    Basis,
    Bill,
    BillStatus,
    DunningNotice,
    FeePolicy,
    IncomeStatement,
    MonthReport,
    NoticeStatus,
    Payment,
    PaymentMethod,
)
from propertydesk import notifications

MONTHS = 6
# Per estate (by index): 物业服务费 per m² per month; building 6 of the first estate has its own.
SERVICE_RATES = (Decimal("2.35"), Decimal("1.98"))
BUILDING_RATE = ("6", Decimal("2.10"))  # the older low-rise of the first estate
WASTE_RATE = Decimal("10.00")
ENERGY_RATE = Decimal("0.35")
LATE_RATE = 0.08  # pays the month's bill late: after the first reminder, or weeks later
DEBTOR_RATE = 0.03  # stopped paying some months ago (1 to 6)
DEVELOPER = "开发商（未售房屋）"
METHOD_WEIGHTS = {PaymentMethod.BANK_COLLECTION: 35, PaymentMethod.ONLINE: 30, PaymentMethod.CASH: 15,
                  PaymentMethod.CARD: 20}
REASONS = (  # (reason, note, measures)
    ("refusal", "业主以小区绿化差为由拒交物业费，多次沟通无果",
     (("notice", "送达书面催缴通知书"), ("phone", "电话沟通，业主表示不会缴纳"),
      ("visit", "上门拜访，业主拒绝开门"), ("lawyer", "委托律师事务所发出律师函，限期十五日内缴清"))),
    ("dispute", "业主认为楼上漏水未处理好，暂不缴费", (("phone", "电话沟通，已约工程部复查漏水"),)),
    ("hardship", "业主失业，申请缓缴，承诺年底前补交", (("visit", "上门了解情况，同意分期补缴"),)),
    ("vacant", "房屋长期空置，业主在外地", (("notice", "按预留地址邮寄催缴通知书"),)),
)
STATEMENT_LINES = (
    ("income", "物业服务费", "0.86"), ("income", "公共能耗分摊", "0.06"), ("income", "停车场管理费", "0.08"),
    ("spending", "人员工资及社保", "0.52"), ("spending", "公共水电费", "0.14"), ("spending", "保洁绿化外包", "0.12"),
    ("spending", "设备维修保养", "0.09"), ("spending", "秩序维护与消防", "0.08"),
)


class _FeesBuilder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.tz = timezone.get_default_timezone()
        self.as_of = ctx.as_of
        users = {u.username: u for u in get_user_model().objects.filter(
            username__in=["desk", "supervisor", "finance"])}
        self.desk, self.supervisor, self.finance = (users.get(n) for n in ("desk", "supervisor", "finance"))
        self.periods = self._periods()

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def _periods(self) -> list[date]:
        """The last MONTHS months whose bill run (the 10th, 09:00) is before the clock."""
        month = self.ctx.today.replace(day=1)
        if self.at(month.replace(day=10), 9) >= self.as_of:
            month -= relativedelta(months=1)
        return [month - relativedelta(months=i) for i in range(MONTHS - 1, -1, -1)]

    def standards(self) -> None:
        start = self.periods[0] - relativedelta(months=18)  # in force long before the first bill here
        published = self.at(start - timedelta(days=20), 10)
        items = []
        for index, estate in enumerate(self.ctx.estates):
            items += [(estate, None, "物业服务费", Basis.PER_M2_MONTH, SERVICE_RATES[index % 2]),
                      (estate, None, "生活垃圾清运费", Basis.PER_UNIT_MONTH, WASTE_RATE),
                      (estate, None, "公共能耗分摊", Basis.PER_M2_MONTH, ENERGY_RATE)]
        first = self.ctx.estates[0]
        building = next((b for b in self.ctx.buildings if b.estate_id == first.pk and b.number == BUILDING_RATE[0]),
                        None)
        if building is not None:
            items.append((first, building, "物业服务费", Basis.PER_M2_MONTH, BUILDING_RATE[1]))
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

    def month(self, index: int, period: date) -> None:
        rng = self.rng
        run_at = self.at(period.replace(day=10), 9)
        services.bill_run(period=period, as_of=run_at)
        bills = Bill.objects.filter(period=period, unit_id__in=self.units).order_by("unit_id").values_list(
            "unit_id", flat=True)
        latest = index == len(self.periods) - 1
        plans = []
        for unit_id in bills:
            kind = self.kind[unit_id]
            if kind == "debtor" and index >= self.stopped[unit_id]:
                continue  # stopped paying: owes every month since
            if kind == "owes_latest" and latest:
                continue
            if kind == "late":
                when = self.at(period.replace(day=10) + timedelta(days=rng.randint(7, 40)), rng.randint(9, 17))
            else:
                when = self.at(period.replace(day=10) + timedelta(days=rng.randint(0, 5)), rng.randint(9, 17),
                               rng.randrange(60))
            if when >= self.as_of:
                continue
            plans.append((when, unit_id))
        self.pending += plans

    def pay_until(self, moment: datetime) -> None:
        """Take the payments planned before ``moment``, in time order: each pays its
        unit's oldest owing bill. They go in batches through ``services.payments_take``
        (a unit at most once per batch), the way a day's bank and online settlements
        arrive; the desk's own go in the same way here only to keep the seed quick."""
        due = sorted(p for p in self.pending if p[0] < moment)
        self.pending = [p for p in self.pending if p[0] >= moment]
        while due:
            batch, rest, units = [], [], set()
            for when, unit_id in due:
                (rest if unit_id in units else batch).append((when, unit_id))
                units.add(unit_id)
            due = rest
            oldest: dict[int, Decimal] = {}
            for unit_id, amount, paid in (Bill.objects.filter(unit_id__in=units, status__in=services.OWING)
                                          .order_by("unit_id", "period").values_list("unit_id", "amount", "paid")):
                oldest.setdefault(unit_id, amount - paid)
            by_actor: dict[object, list] = {}
            for when, unit_id in batch:
                if unit_id not in oldest:
                    continue
                method = self.method[unit_id]
                actor = None if method in (PaymentMethod.BANK_COLLECTION, PaymentMethod.ONLINE) else self.desk
                by_actor.setdefault(actor, []).append(services.PaymentIn(
                    unit=self.units[unit_id], amount=oldest[unit_id], method=method,
                    payer_name=self.payer.get(unit_id, "业主"), received_at=when))
            for actor, items in by_actor.items():
                self.payments += services.payments_take(payments=items, actor=actor)

    def dunning(self, period: date) -> None:
        for round_, day in FeePolicy.with_defaults().dunning_days.items():
            moment = self.at(period.replace(day=day), 9)
            if moment >= self.as_of:
                return
            self.pay_until(moment)
            services.dunning_round(period=period, round_=round_, as_of=moment)
            services.dunning_deliver(as_of=moment + timedelta(minutes=5))
            printed = list(DunningNotice.objects.filter(period=period, round=round_, status=NoticeStatus.TO_PRINT)
                           .order_by("pk"))
            for notice in printed[: max(1, len(printed) * 2 // 3)]:
                services.notice_mark_delivered(notice=notice, now=moment + timedelta(hours=rng_hours(self.rng)),
                                               actor=self.desk)

    def reversals(self) -> None:
        cash = [p for p in self.payments if p.method == PaymentMethod.CASH
                and p.received_at < self.as_of - timedelta(days=20)]
        reasons = ("收银员录错房号，款项应计入同户另一套房", "业主重复缴费，已退回现金")
        for payment, reason in zip(self.rng.sample(cash, min(2, len(cash))), reasons):
            services.payment_reverse(payment=payment, reason=reason, now=payment.received_at + timedelta(hours=3),
                                     actor=self.supervisor)

    def cases(self) -> None:
        from fees.selectors import arrears

        rows = arrears(as_of=self.ctx.today)[: len(REASONS) * 2]
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
            title = f"{estate.name}{quarter_start.year}年第{(quarter_start.month - 1) // 3 + 1}季度物业服务收支情况"
            statement = services.income_statement_save(estate=estate, title=title, period_start=quarter_start,
                                                       period_end=quarter_end, lines=lines, actor=self.finance,
                                                       now=entered)
            services.income_statement_publish(statement=statement, actor=self.finance,
                                              now=entered + timedelta(hours=1))

    def reports(self) -> None:
        for period in self.periods:
            moment = self.at(period + relativedelta(months=1, day=2), 6)
            if moment < self.as_of:
                services.month_report_generate(month=period, as_of=moment)

    def run(self) -> None:
        self.pending: list[tuple[datetime, int]] = []
        self.payments: list[Payment] = []
        self.standards()
        self.plan_payers()
        for index, period in enumerate(self.periods):
            self.pay_until(self.at(period.replace(day=10), 9))
            self.month(index, period)
            self.dunning(period)
        self.pay_until(self.as_of)
        self.reversals()
        self.cases()
        self.statements()
        self.reports()

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


def renumber_receipts_in_issue_order() -> int:
    """The demo plays the apps one after another (the work orders' three months, then
    the fees'), not in one time line, so the shared receipt sequence was drawn out of
    time order. Number each estate's year again in the order the receipts were issued,
    as the desk would have: the same numbers, the sequences' values unchanged."""
    from psycopg2.extras import execute_values

    from fees.models import Receipt

    seen: Counter = Counter()
    rows = []
    for pk, code, issued_at in Receipt.objects.order_by("issued_at", "pk").values_list(
            "pk", "estate__code", "issued_at"):
        year = timezone.localtime(issued_at).year
        seen[code, year] += 1
        rows.append((pk, services.receipt_number(code, year, seen[code, year])))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE fees_receipt SET number = '~' || id")  # out of the way of the unique numbers
        execute_values(cursor.cursor, "UPDATE fees_receipt r SET number = v.number FROM (VALUES %s) AS v(id, number) "
                       "WHERE r.id = v.id", rows, page_size=2000)
    return len(rows)


def rng_hours(rng) -> float:
    return rng.uniform(26, 52)  # printed the next morning, delivered within a day or two


def seed_fees(ctx) -> None:
    """The step: standards, MONTHS of bills, payments, dunning, arrears, statements, reports."""
    with notifications.inbox_only():
        builder = _FeesBuilder(ctx)
        builder.run()
    renumber_receipts_in_issue_order()
    builder.count()
