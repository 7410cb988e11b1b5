"""Writes of the fees app: receipts, the month's bills, payments and their
reversal, dunning notices, arrears cases. The bill run and the dunning rounds are
set-based SQL: no query per unit, so 100,000 units take seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fees import selectors
from fees.models import (
    Allocation,
    BankCollectionCharge,
    Bill,
    BillStatus,
    NOTICE_TRANSITIONS,
    DunningNotice,
    FeePolicy,
    NoticeChannel,
    NoticeStatus,
    Payment,
    PaymentMethod,
    Receipt,
)
from owners.models import Estate
from owners.selectors import owner_of_record_sql
from propertydesk import limits, messages, notifications, outbox, states
from propertydesk.sequences import next_value, next_values

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def receipt_sequence(estate_id: int, year: int) -> str:
    """The key of an estate's gapless receipt sequence for a year."""
    return f"receipt:{estate_id}:{year}"


def receipt_number(code: str, year: int, value: int) -> str:
    """CUIHU-SJ2026-000001: the estate's code, 收据 and the year, six digits."""
    return f"{code.upper()}-SJ{year}-{value:06d}"


@transaction.atomic
def receipt_issue(
    *, estate, amount: Decimal, method: str, payer_name: str, now: datetime, actor=None,
    purpose: str = "", purpose_key: str = "", purpose_params: dict | None = None,
    unit=None, source: str = "",
) -> Receipt:
    """Issue the next receipt of the estate's year. The number is taken inside this
    transaction: a failed payment gives its number back, a concurrent one waits.

    What it is for is a message (``purpose_key``, ``purpose_params``; propertydesk.messages),
    shown in the reader's language and printed in the payer's, or else ``purpose``, text
    shown as written."""
    errors = limits.field_errors(Receipt, {"amount": amount, "payer_name": payer_name, "purpose": purpose})
    if not purpose_key and not (purpose or "").strip():
        errors["purpose"] = [_("Say what the payment is for.")]
    if "amount" not in errors and (amount is None or money(amount) <= 0):
        errors["amount"] = [_("The amount must be more than zero.")]
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose how it was paid.")]
    if not (payer_name or "").strip():
        errors["payer_name"] = [_("Enter who paid.")]
    if errors:
        raise ValidationError(errors)
    year = timezone.localtime(now).year
    number = receipt_number(estate.code, year, next_value(receipt_sequence(estate.pk, year)))
    return Receipt.objects.create(
        number=number, estate=estate, unit=unit, payer_name=payer_name.strip(), amount=money(amount),
        method=method, purpose=(purpose or "").strip(), purpose_key=purpose_key, purpose_params=purpose_params or {},
        source=source, issued_at=now, issued_by=actor,
    )


@transaction.atomic
def bank_charge_add(
    *, unit, amount: Decimal, source: str, now: datetime, description: str = "", description_key: str = "",
    description_params: dict | None = None,
) -> BankCollectionCharge:
    """Put a charge on the unit's next bill; one charge per source record. What it is for
    is a message or text as written, as a receipt's purpose (receipt_issue)."""
    limits.check_fields(BankCollectionCharge, {"amount": amount, "description": description})
    if amount is None or money(amount) <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    charge, _created = BankCollectionCharge.objects.get_or_create(
        source=source,
        defaults={"estate": unit.estate, "unit": unit, "amount": money(amount), "description": description,
                  "description_key": description_key, "description_params": description_params or {},
                  "created_at": now},
    )
    return charge


# ---- the fee policy -------------------------------------------------------------------------


@transaction.atomic
def fee_policy_save(
    *, estate, actor, bill_day: int, pay_by_day: int, first_dunning_day: int, second_dunning_day: int,
    report_day: int, aging_buckets: list[int], refuser_months: int, refuser_months_after_lawyer: int,
) -> FeePolicy:
    """A supervisor sets an estate's fee calendar and thresholds: a row of its own
    instead of the defaults. Errors name the field. The jobs read it on their next run;
    bills already issued keep their pay-by date."""
    policy = FeePolicy.objects.select_for_update().filter(estate=estate).first()
    perm = "fees.add_feepolicy" if policy is None else "fees.change_feepolicy"
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(_("Only a supervisor sets the fee policy."))
    policy = policy or FeePolicy(estate=estate)
    policy.bill_day, policy.pay_by_day, policy.report_day = bill_day, pay_by_day, report_day
    policy.first_dunning_day, policy.second_dunning_day = first_dunning_day, second_dunning_day
    policy.aging_buckets = list(aging_buckets or [])
    policy.refuser_months, policy.refuser_months_after_lawyer = refuser_months, refuser_months_after_lawyer
    errors = policy.errors()
    if errors:
        raise ValidationError(errors)
    policy.save()
    return policy


# ---- the bill run (the estate's bill day) ------------------------------------------------

@dataclass(frozen=True)
class BillRun:
    period: date
    bills: int
    lines: int
    bank_charges: int


def _period_bounds(period: date) -> tuple[date, date]:
    start = period.replace(day=1)
    return start, start + relativedelta(months=1) - relativedelta(days=1)


def bill_run(*, period: date, as_of: datetime, estate=None, from_bill_day: bool = False) -> BillRun:
    """Issue the month's bills (费用单): one per unit per month, in set-based SQL.

    A unit gets a bill when a fee standard of its estate (or its building, which then
    replaces the estate's standard of the same item) is in force in the month. Lines:
    per m² per month = floor area × rate, per unit per month = rate, a one-off standard
    once per unit ever; each line rounded half up to the cent. Bank collection charges
    of paid services not yet billed are added as lines and marked billed (the hand-over
    from repairs). The bill is addressed to the unit's owner of record on the day it is
    issued (owners.selectors.owner_of_record_sql); the debt belongs to the unit. It is to
    be paid by the pay-by day of the estate's fee policy. With ``from_bill_day`` (the
    daily job), only the estates whose bill day of ``period`` has come by ``as_of`` are
    billed.

    Running it again adds nothing for units that have their bill; a unit added since
    gets one. A transaction-level advisory lock keeps two runs from interleaving."""
    start, end = _period_bounds(period)
    policy_sql, policy_params = selectors.fee_policy_sql()
    params = {"start": start, "end": end, "as_of": as_of, "as_of_date": timezone.localdate(as_of),
              "yyyymm": start.strftime("%Y%m"), "estate": getattr(estate, "pk", None),
              "from_bill_day": from_bill_day, **policy_params}
    applicable = """
        s.estate_id = u.estate_id AND (s.building_id IS NULL OR s.building_id = u.building_id)
        AND s.effective_from <= %(end)s AND (s.effective_to IS NULL OR s.effective_to >= %(start)s)
        AND NOT (s.building_id IS NULL AND EXISTS (
            SELECT 1 FROM fees_feestandard o WHERE o.building_id = u.building_id AND o.item = s.item
            AND o.effective_from <= %(end)s AND (o.effective_to IS NULL OR o.effective_to >= %(start)s)))
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('fees.bill_run'))")
        # ON COMMIT DROP cleans up; inside an outer transaction (a test) drop them here.
        cursor.execute("DROP TABLE IF EXISTS _bill_new, _bill_seq")
        cursor.execute(f"""
            CREATE TEMP TABLE _bill_new ON COMMIT DROP AS
            SELECT u.id AS unit_id, u.estate_id, u.building_id, u.area,
                   %(start)s::date + (pol.pay_by_day - 1) AS due_on,
                   row_number() OVER (PARTITION BY u.estate_id ORDER BY u.building_id, u.number, u.id) AS rn
            FROM owners_unit u
            JOIN ({policy_sql}) pol ON pol.estate_id = u.estate_id
            WHERE (%(estate)s::bigint IS NULL OR u.estate_id = %(estate)s)
              AND (NOT %(from_bill_day)s OR %(start)s::date + (pol.bill_day - 1) <= %(as_of_date)s)
              AND NOT EXISTS (SELECT 1 FROM fees_bill b WHERE b.unit_id = u.id AND b.period = %(start)s)
              AND (EXISTS (SELECT 1 FROM fees_feestandard s WHERE {applicable}
                           AND NOT (s.basis = 'one_off' AND EXISTS (
                               SELECT 1 FROM fees_billline l JOIN fees_bill pb ON pb.id = l.bill_id
                               WHERE pb.unit_id = u.id AND l.standard_id = s.id)))
                   OR EXISTS (SELECT 1 FROM fees_bankcollectioncharge c
                              WHERE c.unit_id = u.id AND c.billed_at IS NULL AND c.created_at <= %(as_of)s))
        """, params)
        # Reserve the numbers: one gapless sequence per estate and month.
        cursor.execute("""
            CREATE TEMP TABLE _bill_seq ON COMMIT DROP AS
            WITH counts AS (SELECT estate_id, count(*) AS n FROM _bill_new GROUP BY estate_id),
            bumped AS (
                INSERT INTO propertydesk_sequence (key, value)
                SELECT 'bill:' || estate_id || ':' || %(yyyymm)s, n FROM counts
                ON CONFLICT (key) DO UPDATE SET value = propertydesk_sequence.value + EXCLUDED.value
                RETURNING key, value)
            SELECT c.estate_id, b.value - c.n AS offset_
            FROM counts c JOIN bumped b ON b.key = 'bill:' || c.estate_id || ':' || %(yyyymm)s
        """, params)
        cursor.execute(f"""
            INSERT INTO fees_bill (number, estate_id, unit_id, owner_id, period, amount, paid, status, issued_at, due_on)
            SELECT upper(e.code) || '-ZD' || %(yyyymm)s || '-' || lpad((q.offset_ + n.rn)::text, 6, '0'),
                   n.estate_id, n.unit_id, ({owner_of_record_sql(unit="n.unit_id", as_of="%(as_of_date)s")}),
                   %(start)s, 0, 0, 'open', %(as_of)s, n.due_on
            FROM _bill_new n
            JOIN _bill_seq q ON q.estate_id = n.estate_id
            JOIN owners_estate e ON e.id = n.estate_id
        """, params)
        bills = cursor.rowcount
        cursor.execute(f"""
            INSERT INTO fees_billline (bill_id, kind, standard_id, description, description_key, description_params,
                                       quantity, rate, amount)
            SELECT b.id, 'fee', s.id, s.item, '', '{{}}'::jsonb,
                   CASE s.basis WHEN 'per_m2_month' THEN u.area ELSE 1 END, s.rate,
                   round(CASE s.basis WHEN 'per_m2_month' THEN u.area * s.rate ELSE s.rate END, 2)
            FROM _bill_new u
            JOIN fees_bill b ON b.unit_id = u.unit_id AND b.period = %(start)s
            JOIN fees_feestandard s ON {applicable}
            WHERE NOT (s.basis = 'one_off' AND EXISTS (
                SELECT 1 FROM fees_billline l JOIN fees_bill pb ON pb.id = l.bill_id
                WHERE pb.unit_id = u.unit_id AND l.standard_id = s.id))
        """, params)
        lines = cursor.rowcount
        cursor.execute("""
            WITH moved AS (
                UPDATE fees_bankcollectioncharge c SET billed_at = %(as_of)s, bill_id = b.id
                FROM _bill_new n JOIN fees_bill b ON b.unit_id = n.unit_id AND b.period = %(start)s
                WHERE c.unit_id = n.unit_id AND c.billed_at IS NULL AND c.created_at <= %(as_of)s
                RETURNING c.bill_id, c.description, c.description_key, c.description_params, c.amount)
            INSERT INTO fees_billline (bill_id, kind, standard_id, description, description_key, description_params,
                                       quantity, rate, amount)
            SELECT bill_id, 'bank_collection', NULL, description, description_key, description_params, 1, amount, amount
            FROM moved
        """, params)
        charges = cursor.rowcount
        cursor.execute("""
            UPDATE fees_bill b SET amount = t.total
            FROM (SELECT l.bill_id, sum(l.amount) AS total FROM fees_billline l
                  JOIN fees_bill b2 ON b2.id = l.bill_id JOIN _bill_new n ON n.unit_id = b2.unit_id
                  WHERE b2.period = %(start)s GROUP BY l.bill_id) t
            WHERE b.id = t.bill_id
        """, params)
        # Issued after its pay-by day (a late run, a catch-up): owing at once.
        cursor.execute("SELECT n.unit_id FROM _bill_new n JOIN fees_debtledger g ON n.due_on < g.as_of")
        unit_debts_refresh(unit_ids=[row[0] for row in cursor.fetchall()])
    return BillRun(period=start, bills=bills, lines=lines + charges, bank_charges=charges)


# ---- payments -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentIn:
    """One payment of a batch: what ``payment_take`` takes, for ``payments_take``."""

    unit: object
    amount: Decimal
    method: str
    payer_name: str
    received_at: datetime


@transaction.atomic
def payment_take(
    *, unit, amount: Decimal, method: str, payer_name: str, now: datetime, actor=None,
) -> Payment:
    """Take a payment for a unit's bills: a receipt from the estate's gapless sequence,
    and the money settles the oldest bill first (then the next). More than the unit
    owes is refused: there is no credit balance to park it on."""
    return payments_take(payments=[PaymentIn(unit=unit, amount=amount, method=method, payer_name=payer_name,
                                             received_at=now)], actor=actor)[0]


@transaction.atomic
def payments_take(*, payments: list[PaymentIn], actor=None) -> list[Payment]:
    """Take a batch of payments at once: a bank's collection return (托收回盘), an
    online platform's settlement, or one payment at the desk (``payment_take``).

    All or nothing: any bad line refuses the whole batch, naming the field (and the
    unit when there is more than one line), and nothing is written. Each unit appears at
    most once. The units' owing bills are locked and read in one query; each payment
    settles its unit's oldest bills first; the receipts are numbered in time order from
    the estate's gapless yearly sequence, reserved in one statement per estate and year;
    everything is written in bulk, so a batch of thousands takes a few queries."""
    if actor is not None and not actor.has_perm("fees.add_payment"):
        raise PermissionDenied(_("You cannot take payments."))
    many = len(payments) > 1

    def named(unit, message):
        return _("%(unit)s: %(message)s") % {"unit": unit.number, "message": message} if many else message

    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for item in payments:
        # NaN, infinity or more digits than the column: refused by name before any arithmetic.
        for field, messages in limits.field_errors(Payment, {"amount": item.amount,
                                                             "payer_name": item.payer_name}).items():
            errors.setdefault(field, []).extend(named(item.unit, message) for message in messages)
        if "amount" not in errors and (item.amount is None or money(item.amount) <= 0):
            errors.setdefault("amount", []).append(named(item.unit, _("The amount must be more than zero.")))
        if item.method not in PaymentMethod.values:
            errors.setdefault("method", []).append(named(item.unit, _("Choose how it was paid.")))
        if not (item.payer_name or "").strip():
            errors.setdefault("payer_name", []).append(named(item.unit, _("Enter who paid.")))
        if item.unit.pk in seen:
            errors.setdefault("unit", []).append(named(item.unit, _("A unit can be paid once per batch.")))
        seen.add(item.unit.pk)
    if errors:
        raise ValidationError(errors)
    owing: dict[int, list[Bill]] = {}
    for bill in (Bill.objects.select_for_update().filter(unit_id__in=seen, status__in=OWING)
                 .order_by("unit_id", "period", "pk")):
        owing.setdefault(bill.unit_id, []).append(bill)
    for item in payments:
        owed = sum((bill.owing for bill in owing.get(item.unit.pk, [])), Decimal("0.00"))
        if owed == 0:
            if not many:
                raise ValidationError(_("%(unit)s owes nothing.") % {"unit": item.unit.number}, code="nothing_owed")
            errors.setdefault("amount", []).append(_("%(unit)s owes nothing.") % {"unit": item.unit.number})
        elif money(item.amount) > owed:
            errors.setdefault("amount", []).append(_("%(unit)s owes ¥%(owed)s; take at most that.")
                                                   % {"unit": item.unit.number, "owed": owed})
    if errors:
        raise ValidationError(errors)

    ordered = sorted(payments, key=lambda item: (item.received_at, item.unit.pk))
    numbers: dict[tuple[int, int], list[int]] = {}
    for item in ordered:
        numbers.setdefault((item.unit.estate_id, timezone.localtime(item.received_at).year), []).append(0)
    for (estate_id, year), slots in numbers.items():
        numbers[estate_id, year] = list(next_values(receipt_sequence(estate_id, year), len(slots)))
    codes = dict(Estate.objects.filter(pk__in={key[0] for key in numbers}).values_list("pk", "code"))
    receipts = []
    for item in ordered:
        year = timezone.localtime(item.received_at).year
        number = numbers[item.unit.estate_id, year].pop(0)
        receipts.append(Receipt(
            number=receipt_number(codes[item.unit.estate_id], year, number), estate_id=item.unit.estate_id,
            unit=item.unit, payer_name=item.payer_name.strip(), amount=money(item.amount), method=item.method,
            purpose_key="fees.receipt.fees", purpose_params={"unit": item.unit.number},
            issued_at=item.received_at, issued_by=actor))
    Receipt.objects.bulk_create(receipts)
    taken = Payment.objects.bulk_create([
        Payment(estate_id=item.unit.estate_id, unit=item.unit, payer_name=receipt.payer_name, amount=receipt.amount,
                method=item.method, receipt=receipt, received_at=item.received_at, received_by=actor)
        for item, receipt in zip(ordered, receipts)])
    for payment, receipt in zip(taken, receipts):
        receipt.source = f"payment:{payment.pk}"
    payment_ids = [payment.pk for payment in taken]
    with connection.cursor() as cursor:
        cursor.execute("""
            UPDATE fees_receipt r SET source = 'payment:' || p.id
            FROM fees_payment p WHERE p.receipt_id = r.id AND p.id = ANY(%s)
        """, [payment_ids])
    allocations = []
    for payment in taken:
        left = payment.amount
        for bill in owing[payment.unit_id]:
            share = min(left, bill.owing)
            if share <= 0:
                break
            allocations.append(Allocation(payment=payment, bill=bill, amount=share))
            _bill_set_paid(bill, bill.paid + share)
            left -= share
    Allocation.objects.bulk_create(allocations, batch_size=1000)
    with connection.cursor() as cursor:  # the same sums as the objects above, in one statement
        cursor.execute("""
            UPDATE fees_bill b SET paid = b.paid + a.total,
                status = CASE WHEN b.paid + a.total = b.amount THEN %(paid)s
                              WHEN b.paid + a.total > 0 THEN %(part)s ELSE %(open)s END
            FROM (SELECT bill_id, SUM(amount) AS total FROM fees_allocation
                  WHERE payment_id = ANY(%(payments)s) GROUP BY bill_id) a
            WHERE b.id = a.bill_id
        """, {"payments": payment_ids, "paid": BillStatus.PAID, "part": BillStatus.PART_PAID,
              "open": BillStatus.OPEN})
    unit_debts_refresh(unit_ids=seen)
    position = {id(item): i for i, item in enumerate(ordered)}
    return [taken[position[id(item)]] for item in payments]


OWING = (BillStatus.OPEN, BillStatus.PART_PAID)


def _bill_set_paid(bill: Bill, paid: Decimal) -> None:
    bill.paid = paid
    bill.status = BillStatus.PAID if paid == bill.amount else BillStatus.PART_PAID if paid > 0 else BillStatus.OPEN


def _bill_paid(bill: Bill, paid: Decimal) -> None:
    _bill_set_paid(bill, paid)
    bill.save(update_fields=["paid", "status"])


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, now: datetime, actor) -> Payment:
    """Reverse a payment taken in error: a supervisor approves, the reason is kept, the
    bills owe again, the receipt is marked reversed. Nothing is deleted."""
    if not actor.has_perm("fees.reverse_payment"):
        raise PermissionDenied(_("Only a supervisor reverses a payment."))
    limits.check_fields(Payment, {"reason": reason}, columns={"reason": "reversal_reason"})
    payment = Payment.objects.select_for_update().select_related("receipt").get(pk=payment.pk)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the payment is reversed.")]})
    if payment.reversed_at is not None:
        raise ValidationError(_("This payment was reversed already."), code="reversed")
    for allocation in payment.allocations.select_related("bill").order_by("pk"):
        bill = Bill.objects.select_for_update().get(pk=allocation.bill_id)
        _bill_paid(bill, bill.paid - allocation.amount)
    unit_debts_refresh(unit_ids=[payment.unit_id])
    payment.reversed_at, payment.reversed_by, payment.reversal_reason = now, actor, reason.strip()[:200]
    payment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    Receipt.objects.filter(pk=payment.receipt_id).update(reversed_at=now)
    return payment


# ---- stored debts (what the arrears page reads) ---------------------------------------------



def unit_debts_rebuild(*, as_of: date) -> int:
    """Make the stored debts (UnitDebt) those of ``as_of``: every unit owing for a bill
    whose pay-by day is before it, as the arrears page would add them up. One statement
    over the owing bills' index; rows that did not change are not written. The ledger's
    row is locked first, so a payment still open waits for it or is seen by it (see
    ``unit_debts_refresh``). Returns the units owing."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("""INSERT INTO fees_debtledger (id, as_of) VALUES (1, NULL) ON CONFLICT (id) DO NOTHING""")
        cursor.execute("SELECT as_of FROM fees_debtledger WHERE id = 1 FOR UPDATE")
        cursor.execute(f"""
            WITH fresh AS MATERIALIZED ({selectors.debts_sql()}),
            gone AS (DELETE FROM fees_unitdebt d WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.unit_id = d.unit_id))
            INSERT INTO fees_unitdebt AS d (unit_id, estate_id, owed, oldest, bills)
            SELECT unit_id, estate_id, owed, oldest, bills FROM fresh
            ON CONFLICT (unit_id) DO UPDATE
            SET estate_id = EXCLUDED.estate_id, owed = EXCLUDED.owed, oldest = EXCLUDED.oldest, bills = EXCLUDED.bills
            WHERE (d.estate_id, d.owed, d.oldest, d.bills)
                  IS DISTINCT FROM (EXCLUDED.estate_id, EXCLUDED.owed, EXCLUDED.oldest, EXCLUDED.bills)
        """, {"owing": OWING, "as_of": as_of})
        cursor.execute("UPDATE fees_debtledger SET as_of = %s WHERE id = 1", [as_of])
        cursor.execute("SELECT count(*) FROM fees_unitdebt")
        return cursor.fetchone()[0]


def unit_debts_refresh(*, unit_ids) -> None:
    """Keep the stored debts of these units true after their bills changed, in the
    transaction that changed them (a payment, a reversal, a bill issued late). The
    ledger's row is read FOR SHARE: a rebuild under way finishes first and this one then
    recomputes the units on its day; one that starts later sees this change."""
    unit_ids = sorted(set(unit_ids))
    if not unit_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT as_of FROM fees_debtledger WHERE id = 1 FOR SHARE")
        row = cursor.fetchone()
        if row is None or row[0] is None:
            return  # never built: the arrears page adds up the bills itself
        params = {"owing": OWING, "as_of": row[0], "units": unit_ids}
        cursor.execute("DELETE FROM fees_unitdebt WHERE unit_id = ANY(%(units)s)", params)
        cursor.execute(f"""
            INSERT INTO fees_unitdebt (unit_id, estate_id, owed, oldest, bills)
            {selectors.debts_sql(where=" AND b.unit_id = ANY(%(units)s)")}""", params)


# ---- dunning (the estate's two dunning days) --------------------------------------------------

# The channel a notice records is the one the notification layer sends it by.
_NOTICE_CHANNEL_SQL = notifications.owner_channel_sql(
    preferred="o.preferred_channel", has_email="o.email <> ''",
    has_phone="EXISTS (SELECT 1 FROM owners_ownerphone ph WHERE ph.owner_id = o.id AND ph.is_primary)",
    names={notifications.INBOX: NoticeChannel.PORTAL, notifications.EMAIL: NoticeChannel.EMAIL,
           notifications.SMS: NoticeChannel.SMS})


def dunning_round(*, period: date, round_: int, as_of: datetime, from_dunning_day: bool = False,
                  latest_only: bool = False) -> int:
    """Create round ``round_`` (1: 第一次催款, 2: 第二次催款) of the month's payment
    reminders for every unit whose bill of ``period`` still owes, in set-based SQL.

    At most one notice per unit, month and round (a unique constraint; a second run,
    or beat firing twice, inserts nothing), and an advisory lock so two runs at once
    cannot interleave. A unit that paid in between owes nothing and gets none. The
    channel is the one the notice goes by (``notifications.owner_channel``): e-mail, SMS
    (for phone and WeChat too), the portal alone (no address for the preferred channel),
    or a printed notice delivered door to door (a letter, or no owner on record).
    With ``from_dunning_day`` (the daily job), only the units of estates whose day for
    the round in ``period`` (their fee policy) has come by ``as_of`` get one; with
    ``latest_only`` as well, round 1 only where round 2's day has not come yet (a job
    catching up sends the latest round alone, never both on one day).
    Returns how many notices were created; ``dunning_deliver`` sends them."""
    start, _end = _period_bounds(period)
    policy_sql, policy_params = selectors.fee_policy_sql()
    day = {1: "first_dunning_day", 2: "second_dunning_day"}[round_]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('fees.dunning'))")
        cursor.execute(f"""
            INSERT INTO fees_dunningnotice (estate_id, unit_id, owner_id, period, round, amount_owed, channel,
                                            status, created_at)
            SELECT b.estate_id, b.unit_id, b.owner_id, b.period, %(round)s, b.amount - b.paid, c.channel,
                   CASE WHEN c.channel = 'printed' THEN 'to_print' ELSE 'pending' END, %(as_of)s
            FROM fees_bill b
            JOIN ({policy_sql}) pol ON pol.estate_id = b.estate_id
            LEFT JOIN owners_owner o ON o.id = b.owner_id
            CROSS JOIN LATERAL (SELECT CASE
                WHEN o.id IS NULL OR o.preferred_channel = 'letter' THEN 'printed'
                ELSE {_NOTICE_CHANNEL_SQL} END AS channel) c
            WHERE b.period = %(start)s AND b.status IN ('open', 'part_paid') AND b.amount > b.paid
              AND (NOT %(from_dunning_day)s OR %(start)s::date + (pol.{day} - 1) <= %(as_of_date)s)
              AND (NOT %(latest_only)s OR %(round)s = 2
                   OR %(start)s::date + (pol.second_dunning_day - 1) > %(as_of_date)s)
            ON CONFLICT (unit_id, period, round) DO NOTHING
        """, {"round": round_, "as_of": as_of, "start": start, "as_of_date": timezone.localdate(as_of),
              "from_dunning_day": from_dunning_day, "latest_only": latest_only, **policy_params})
        return cursor.rowcount


_SEND = NOTICE_TRANSITIONS.pair(NoticeStatus.PENDING, NoticeStatus.SENT)
_RESENT = NOTICE_TRANSITIONS.pair(NoticeStatus.FAILED, NoticeStatus.SENT)
_GIVEN_UP = NOTICE_TRANSITIONS.pair(NoticeStatus.PENDING, NoticeStatus.FAILED)

# The outbox channel a notice's message leaves by, beside the inbox.
_NOTICE_DELIVERY = {NoticeChannel.SMS: [notifications.SMS], NoticeChannel.EMAIL: [notifications.EMAIL],
                    NoticeChannel.WECHAT: [notifications.SMS], NoticeChannel.PRINTED: [notifications.LETTER],
                    NoticeChannel.PORTAL: []}


# The CASE that gives each notice channel its outbox channel (at most one, beside the inbox).
_NOTICE_DELIVERY_SQL = "CASE n.channel " + " ".join(
    f"WHEN '{notice.value}' THEN '{to[0].value}'" for notice, to in _NOTICE_DELIVERY.items() if to) + " END"


def dunning_deliver(*, as_of: datetime, batch: int = 5000) -> int:
    """Put every notice that has no message yet into the outbox: its owner's inbox plus
    the notice's channel (SMS, e-mail, or a printed letter to deliver), ``batch`` at a time.
    Each batch is one statement: the notices claimed (FOR UPDATE SKIP LOCKED), their
    messages written (the month kept as a date, rendered in each reader's language), the
    deliveries queued, each notice linked to its message and, for a portal notice, moved
    to sent with its event; so two runs never queue a notice twice and a crash loses none.
    A notice whose message was written before (its key is taken) is linked to it and gets
    no second delivery. The others are sent when the outbox has sent them
    (``notice_delivery_settled``). Returns how many notices were queued."""
    queue_sql, queue_params = outbox.queue_sql("queue", now=as_of)
    outgoing = [notifications.LETTER, *([notifications.SMS, notifications.EMAIL]
                                        if notifications.outgoing_allowed() else [])]
    queued = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # Joins between the statement's own parts (CTEs, which PostgreSQL guesses at one
            # row) go by a notice's primary key, read back from its message's key, never key
            # against key: compared row by row, 5,000 keys are 25 million comparisons.
            cursor.execute(f"""
                WITH claimed AS (
                    SELECT id FROM fees_dunningnotice
                    WHERE notification_id IS NULL AND owner_id IS NOT NULL AND status IN %(statuses)s
                    ORDER BY id LIMIT %(batch)s FOR UPDATE SKIP LOCKED
                ), written AS (
                    -- A key already taken (a message written before) returns that message: the
                    -- notice is linked to it and gets no second delivery.
                    INSERT INTO propertydesk_notification (recipient_id, owner_id, kind, params, url, created_at,
                                                           dedupe_key)
                    SELECT o.user_id, n.owner_id, 'fees.dunning.' || n.round,
                           jsonb_build_object('unit', u.number, 'owed', n.amount_owed::text,
                                              'month', jsonb_build_object('$month',
                                                                         date_trunc('month', n.period)::date::text)),
                           %(url)s, %(at)s, 'dunning:' || n.id || ':owner:' || n.owner_id
                    FROM claimed c JOIN fees_dunningnotice n ON n.id = c.id
                    JOIN owners_owner o ON o.id = n.owner_id JOIN owners_unit u ON u.id = n.unit_id
                    ORDER BY n.id
                    ON CONFLICT (dedupe_key) DO UPDATE SET dedupe_key = EXCLUDED.dedupe_key
                    RETURNING id, split_part(dedupe_key, ':', 2)::bigint AS notice_id, xmax = 0 AS fresh
                ), queue AS (
                    SELECT w.id AS note, ch.channel
                    FROM written w JOIN fees_dunningnotice n ON n.id = w.notice_id
                    CROSS JOIN LATERAL (VALUES (%(inbox)s), ({_NOTICE_DELIVERY_SQL})) ch(channel)
                    WHERE w.fresh AND (ch.channel = %(inbox)s OR ch.channel = ANY(%(outgoing)s))
                ), queued AS ({queue_sql}
                ), linked AS (
                    UPDATE fees_dunningnotice n
                    SET notification_id = w.id,
                        status = CASE WHEN n.channel = %(portal)s AND n.status = %(from)s THEN %(to)s ELSE n.status END,
                        sent_at = CASE WHEN n.channel = %(portal)s AND n.status = %(from)s THEN %(at)s ELSE n.sent_at END
                    FROM written w WHERE n.id = w.notice_id
                    RETURNING n.id, n.status = %(to)s AS sent   -- claimed pending or to print: sent now
                ), logged AS (
                    INSERT INTO fees_dunningnoticeevent (notice_id, at, actor_id, from_status, to_status, note)
                    SELECT id, %(at)s, NULL, %(from)s, %(to)s, '' FROM linked WHERE sent
                )
                SELECT (SELECT count(*) FROM claimed),
                       (SELECT count(*) FROM queued WHERE channel = ANY(%(by_worker)s))
            """, {"statuses": (NoticeStatus.PENDING, NoticeStatus.TO_PRINT), "batch": batch,
                  "portal": NoticeChannel.PORTAL, "from": _SEND[0], "to": _SEND[1], "at": as_of,
                  "url": reverse("fees:portal_home"),  # the reminder links to the owner's fees
                  "inbox": notifications.INBOX, "outgoing": [str(c) for c in outgoing],
                  "by_worker": [str(c) for c in outbox.SENT_BY_WORKER], **queue_params})
            claimed, by_worker = cursor.fetchone()
            if not claimed:
                return queued
            if by_worker:
                outbox.kick()
            queued += claimed


def _notices_move(ids: list[int], pair: tuple[str, str], *, at: datetime, note: str = "") -> int:
    """Move notices ``pair[0]`` → ``pair[1]`` in one statement, with their event rows, as
    states.move would write them one by one. Returns how many moved."""
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("""
            WITH moved AS (
                UPDATE fees_dunningnotice n SET status = %(to)s, sent_at = %(at)s
                FROM unnest(%(ids)s::bigint[]) AS v(id)   -- a join: = ANY(2,000 ids) was planned as a scan
                WHERE n.id = v.id AND n.status = %(from)s RETURNING n.id
            ), logged AS (
                INSERT INTO fees_dunningnoticeevent (notice_id, at, actor_id, from_status, to_status, note)
                SELECT id, %(at)s, NULL, %(from)s, %(to)s, %(note)s FROM moved
            )
            SELECT count(*) FROM moved
        """, {"ids": ids, "from": pair[0], "to": pair[1], "at": at, "note": note})
        return cursor.fetchone()[0]


def notice_delivery_settled(*, sent: list[tuple], given_up: list[tuple], now: datetime) -> None:
    """The outbox sent or gave up messages: the notices they carried follow. (A letter is
    marked delivered by ``notice_mark_delivered``.)"""
    sent_ids = [n for _d, n, channel in sent if channel != notifications.LETTER]
    if sent_ids:
        ids = list(DunningNotice.objects.filter(notification_id__in=sent_ids).values_list("pk", flat=True))
        _notices_move(ids, _SEND, at=now)
        _notices_move(ids, _RESENT, at=now, note="sent on retry")
    failed_ids = [n for _d, n, _channel in given_up]
    if failed_ids:
        ids = list(DunningNotice.objects.filter(notification_id__in=failed_ids).values_list("pk", flat=True))
        _notices_move(ids, _GIVEN_UP, at=now, note="the message could not be delivered")


@transaction.atomic
def notice_mark_delivered(*, notice: DunningNotice, now: datetime, actor=None) -> DunningNotice:
    """A printed notice was put through the door."""
    notice = DunningNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.TO_PRINT:
        raise ValidationError(_("Only a printed notice is marked delivered by hand."), code="not_printed")
    states.move(notice, NoticeStatus.DELIVERED, NOTICE_TRANSITIONS, at=now, actor=actor)
    notice.sent_at = now
    notice.save(update_fields=["status", "sent_at"])
    if notice.notification_id:
        outbox.delivery_mark_delivered(notification_id=notice.notification_id, now=now, actor=actor)
    return notice


# ---- arrears cases and their measures ---------------------------------------------------------

def _require(actor, perm: str, message: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(message)


def _arrears_reason_errors(reason: str) -> dict[str, list[str]]:
    from fees.models import ArrearsReason

    return {} if reason in ArrearsReason.values else {"reason": [_("Choose why the unit is in arrears.")]}


@transaction.atomic
def arrears_case_open(*, unit, reason: str, note: str = "", actor=None, now: datetime):
    """Open the follow-up of a unit in arrears with its reason (dispute, hardship,
    vacant, refusal). A unit has one case; an open one is updated instead."""
    from fees.models import ArrearsCase

    _require(actor, "fees.add_arrearscase", _("Only a supervisor opens an arrears case."))
    errors = _arrears_reason_errors(reason) | limits.field_errors(ArrearsCase, {"note": note})
    if errors:
        raise ValidationError(errors)
    if ArrearsCase.objects.filter(unit=unit).exists():
        raise ValidationError(_("%(unit)s has an arrears case already.") % {"unit": unit.number}, code="exists")
    return ArrearsCase.objects.create(unit=unit, reason=reason, note=(note or "").strip(), opened_at=now,
                                      opened_by=actor)


@transaction.atomic
def arrears_case_update(*, case, reason: str, note: str = "", actor=None, now: datetime):
    """Change a case's reason or note (a dispute that turns into a refusal, ...)."""
    from fees.models import ArrearsCase

    _require(actor, "fees.change_arrearscase", _("Only a supervisor changes an arrears case."))
    case = ArrearsCase.objects.select_for_update().get(pk=case.pk)
    errors = _arrears_reason_errors(reason) | limits.field_errors(ArrearsCase, {"note": note})
    if errors:
        raise ValidationError(errors)
    case.reason, case.note = reason, (note or "").strip()
    case.save(update_fields=["reason", "note"])
    return case


@transaction.atomic
def arrears_measure_add(*, case, kind: str, note: str = "", actor=None, now: datetime):
    """Record a measure taken on a case (notice, phone call, home visit, lawyer's letter,
    legal action) with its outcome. Any kind may be recorded (an owner may be phoned
    again after a visit); the page suggests the next step of the escalation."""
    from fees.models import ArrearsCase, ArrearsMeasure, MeasureKind

    _require(actor, "fees.add_arrearsmeasure", _("Only a supervisor records an arrears measure."))
    case = ArrearsCase.objects.select_for_update().get(pk=case.pk)
    errors: dict[str, list[str]] = limits.field_errors(ArrearsMeasure, {"note": note})
    if kind not in MeasureKind.values:
        errors["kind"] = [_("Choose the measure taken.")]
    if kind in (MeasureKind.LAWYER, MeasureKind.LEGAL) and not (note or "").strip():
        errors["note"] = [_("Say what was sent or filed, and the outcome.")]
    if errors:
        raise ValidationError(errors)
    return ArrearsMeasure.objects.create(case=case, kind=kind, note=(note or "").strip(), at=now, by=actor)


# ---- income and spending statements for owners (000) ------------------------------------------

@transaction.atomic
def income_statement_save(
    *, estate, title: str, period_start: date | None, period_end: date | None, lines: list[dict],
    actor=None, now: datetime, statement=None,
):
    """Enter (or, before it is published, correct) an income and spending statement.
    ``lines``: dicts with kind (income/spending), category, amount, note. Amounts are
    Decimal yuan to the cent; the totals are their exact sums. Error keys name the
    field: title, period_start, period_end, lines (or lines-N-<field> for one line)."""
    from fees.models import IncomeStatement, IncomeStatementLine, StatementLineKind

    _require(actor, "fees.change_incomestatement" if statement else "fees.add_incomestatement",
             _("Only finance enters income and spending statements."))
    if statement is not None:
        statement = IncomeStatement.objects.select_for_update().get(pk=statement.pk)
        if statement.published_at is not None:
            raise ValidationError(_("A published statement is not changed; enter a correcting one."),
                                  code="published")
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the statement a title.")]
    errors.update(limits.date_errors({"period_start": period_start, "period_end": period_end}))
    if period_start is None:
        errors["period_start"] = [_("Enter the first day covered.")]
    if period_end is None:
        errors["period_end"] = [_("Enter the last day covered.")]
    elif period_start is not None and period_end < period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    clean = []
    for i, line in enumerate(lines):
        kind, category = line.get("kind"), (line.get("category") or "").strip()
        amount = line.get("amount")
        if kind not in StatementLineKind.values:
            errors[f"lines-{i}-kind"] = [_("Income or spending?")]
        if not category:
            errors[f"lines-{i}-category"] = [_("Name the category.")]
        try:
            amount = Decimal(str(amount))
            if not amount.is_finite() or amount < 0 or amount != money(amount):
                raise ArithmeticError
        except (ArithmeticError, ValueError, TypeError):
            errors[f"lines-{i}-amount"] = [_("An amount in yuan, to the cent, not negative.")]
        else:
            clean.append(IncomeStatementLine(kind=kind, category=category[:60], amount=money(amount),
                                             note=(line.get("note") or "").strip()[:200]))
    if not lines:
        errors["lines"] = [_("Enter at least one line of income or spending.")]
    if errors:
        raise ValidationError(errors)
    if statement is None:
        statement = IncomeStatement(entered_at=now, entered_by=actor)
    statement.estate, statement.title = estate, title.strip()[:120]
    statement.period_start, statement.period_end = period_start, period_end
    statement.save()
    statement.lines.all().delete()
    for line in clean:
        line.statement = statement
    IncomeStatementLine.objects.bulk_create(clean)
    return statement


@transaction.atomic
def income_statement_publish(*, statement, actor=None, now: datetime):
    """Publish a statement to the owners of its estate (the owner portal shows it)."""
    from fees.models import IncomeStatement

    _require(actor, "fees.publish_incomestatement", _("Only finance publishes statements."))
    statement = IncomeStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.published_at is not None:
        raise ValidationError(_("This statement was published already."), code="published")
    if not statement.lines.exists():
        raise ValidationError(_("A statement without lines is not published."), code="empty")
    statement.published_at = now
    statement.save(update_fields=["published_at"])
    return statement


# ---- the month report (the estate's report day) -----------------------------------------------

def month_report_generate(*, month: date, as_of: datetime, estates=None, overall: bool = True) -> list:
    """Store the month's report: one MonthReport per estate (``estates``, all when None)
    and, with ``overall``, one for all of them, with receivable, collected, the
    collection rate, payments by method, arrears by age and notices by round and
    channel (fees.reports.month_report_figures: a few grouped queries over every
    estate at once). Running it again replaces the figures: still one row per estate
    and month. The same few statements whatever the estates and the rows."""
    from fees.models import MonthReport
    from fees.reports import month_report_figures
    from owners.models import Estate

    month = month.replace(day=1)
    estates = list(Estate.objects.order_by("name") if estates is None else estates)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('fees.month_report'))")
        every, each = month_report_figures(month=month, as_of=as_of)
        reports = []
        if overall:
            # The all-estates row's uniqueness is a partial index, which ON CONFLICT cannot name.
            report, _created = MonthReport.objects.update_or_create(
                estate=None, month=month, defaults={"generated_at": as_of, "data": every})
            reports.append(report)
        reports += MonthReport.objects.bulk_create(
            [MonthReport(estate=estate, month=month, generated_at=as_of, data=each[estate.pk]) for estate in estates],
            update_conflicts=True, unique_fields=["estate", "month"], update_fields=["generated_at", "data"])
    return reports


# ---- fee standards (收费标准), kept by finance --------------------------------------------------


@transaction.atomic
def fee_standard_save(
    *, estate, building, item: str, basis: str, rate: Decimal, effective_from: date, effective_to: date | None,
    actor, standard=None,
):
    """Add a fee standard of an estate or of one of its buildings (``standard=None``), or
    change one. Two standards of the same item for the same estate or building may not
    overlap in time: the bill run would charge both. A standard already on a bill or
    published to owners keeps its item, scope, basis, rate and start (bills and owners
    quote them): end it and add a new one. Its end may still be set, but not before a
    month already billed with it."""
    from fees.models import Basis, BillLine, FeeStandard
    from owners.models import Estate

    perm = "fees.add_feestandard" if standard is None else "fees.change_feestandard"
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(_("Only finance keeps the fee standards."))
    if standard is not None:
        standard = FeeStandard.objects.select_for_update().select_related("estate").get(pk=standard.pk)
        estate = standard.estate
    # One writer per estate at a time, so two overlapping standards cannot slip in side by side.
    estate = Estate.objects.select_for_update().get(pk=estate.pk)

    item = (item or "").strip()
    errors: dict[str, list[str]] = {}
    if not item:
        errors["item"] = [_("Name the fee item.")]
    elif len(item) > 60:
        errors["item"] = [_("Keep the fee item within 60 characters.")]
    if basis not in Basis.values:
        errors["basis"] = [_("Choose how the fee is charged.")]
    errors.update(limits.field_errors(FeeStandard, {"rate": rate}))
    errors.update(limits.date_errors({"effective_from": effective_from, "effective_to": effective_to}))
    if "rate" not in errors and (rate is None or money(rate) <= 0):
        errors["rate"] = [_("The rate must be more than zero.")]
    if building is not None and building.estate_id != estate.pk:
        errors["building"] = [_("Building %(building)s is not in %(estate)s.")
                              % {"building": building.number, "estate": estate.name}]
    if effective_from is None:
        errors["effective_from"] = [_("Say from which day the standard applies.")]
    elif errors.keys() & {"effective_from", "effective_to"}:
        pass
    elif effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = [_("The end comes before the start.")]
    if errors:
        raise ValidationError(errors)
    rate = money(rate)
    building_id = getattr(building, "pk", None)

    if standard is not None:
        fixed = (standard.item, standard.building_id, standard.basis, standard.rate, standard.effective_from)
        quoted = standard.published_at is not None or standard.lines.exists()
        if quoted and (item, building_id, basis, rate, effective_from) != fixed:
            raise ValidationError(_("This standard is on bills or published to owners: only its end date can "
                                    "change. End it and add a new standard for the new rate."), code="quoted")
        last_billed = (BillLine.objects.filter(standard=standard).order_by("-bill__period")
                       .values_list("bill__period", flat=True).first())
        if last_billed is not None and effective_to is not None and effective_to < last_billed:
            raise ValidationError({"effective_to": [
                _("The bill of %(month)s charges this standard: it cannot end before %(day)s.")
                % {"month": last_billed.strftime("%Y-%m"), "day": last_billed.isoformat()}]})

    overlapping = FeeStandard.objects.filter(estate=estate, building_id=building_id, item=item)
    if standard is not None:
        overlapping = overlapping.exclude(pk=standard.pk)
    if effective_to is not None:
        overlapping = overlapping.filter(effective_from__lte=effective_to)
    clash = overlapping.exclude(effective_to__lt=effective_from).order_by("effective_from").first()
    if clash is not None:
        if clash.effective_to is None:
            message = _("%(item)s already has a standard for the same estate or building from %(start)s with no "
                        "end: end it first, the dates may not overlap.")
        else:
            message = _("%(item)s already has a standard for the same estate or building from %(start)s to "
                        "%(end)s: the dates may not overlap.")
        raise ValidationError({"effective_from": [message % {
            "item": item, "start": clash.effective_from.isoformat(),
            "end": clash.effective_to.isoformat() if clash.effective_to else ""}]})

    if standard is None:
        return FeeStandard.objects.create(estate=estate, building_id=building_id, item=item, basis=basis, rate=rate,
                                          effective_from=effective_from, effective_to=effective_to)
    standard.item, standard.building_id, standard.basis, standard.rate = item, building_id, basis, rate
    standard.effective_from, standard.effective_to = effective_from, effective_to
    standard.save(update_fields=["item", "building", "basis", "rate", "effective_from", "effective_to"])
    return standard


@transaction.atomic
def fee_standard_publish(*, standard, now: datetime, actor):
    """Publish a standard to owners: the portal shows it from ``now`` on. Once told,
    owners stay told: publishing is not undone."""
    from fees.models import FeeStandard

    if actor is None or not actor.has_perm("fees.change_feestandard"):
        raise PermissionDenied(_("Only finance publishes the fee standards."))
    standard = FeeStandard.objects.select_for_update().get(pk=standard.pk)
    if standard.published_at is not None:
        raise ValidationError(_("This standard was published already."), code="published")
    standard.published_at = now
    standard.save(update_fields=["published_at"])
    return standard
