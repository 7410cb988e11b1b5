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
from django.utils import timezone
from django.utils.translation import gettext as _

from fees.models import (
    Allocation,
    BankCollectionCharge,
    Bill,
    BillStatus,
    DunningNotice,
    NoticeStatus,
    Payment,
    PaymentMethod,
    Receipt,
)
from propertydesk import notifications
from propertydesk.sequences import next_value

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def receipt_issue(
    *, estate, amount: Decimal, method: str, payer_name: str, purpose: str, now: datetime, actor=None,
    unit=None, source: str = "",
) -> Receipt:
    """Issue the next receipt of the estate's year. The number is taken inside this
    transaction: a failed payment gives its number back, a concurrent one waits."""
    errors: dict[str, list[str]] = {}
    if amount is None or money(amount) <= 0:
        errors["amount"] = [_("The amount must be more than zero.")]
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose how it was paid.")]
    if not (payer_name or "").strip():
        errors["payer_name"] = [_("Enter who paid.")]
    if errors:
        raise ValidationError(errors)
    year = timezone.localtime(now).year
    number = f"{estate.code.upper()}-SJ{year}-{next_value(f'receipt:{estate.pk}:{year}'):06d}"
    return Receipt.objects.create(
        number=number, estate=estate, unit=unit, payer_name=payer_name.strip(), amount=money(amount),
        method=method, purpose=purpose.strip(), source=source, issued_at=now, issued_by=actor,
    )


@transaction.atomic
def bank_charge_add(*, unit, amount: Decimal, description: str, source: str, now: datetime) -> BankCollectionCharge:
    """Put a charge on the unit's next bill; one charge per source record."""
    if amount is None or money(amount) <= 0:
        raise ValidationError({"amount": [_("The amount must be more than zero.")]})
    charge, _created = BankCollectionCharge.objects.get_or_create(
        source=source,
        defaults={"estate": unit.estate, "unit": unit, "amount": money(amount), "description": description,
                  "created_at": now},
    )
    return charge


# ---- the bill run (the 10th) ---------------------------------------------------------------

@dataclass(frozen=True)
class BillRun:
    period: date
    bills: int
    lines: int
    bank_charges: int


def _period_bounds(period: date) -> tuple[date, date]:
    start = period.replace(day=1)
    return start, start + relativedelta(months=1) - relativedelta(days=1)


BILL_DUE_DAY = 15  # bills issued on the 10th are to be paid by the 15th; dunning starts on the 16th


def bill_run(*, period: date, as_of: datetime, estate=None) -> BillRun:
    """Issue the month's bills (费用单): one per unit per month, in set-based SQL.

    A unit gets a bill when a fee standard of its estate (or its building, which then
    replaces the estate's standard of the same item) is in force in the month. Lines:
    per m² per month = floor area × rate, per unit per month = rate, a one-off standard
    once per unit ever; each line rounded half up to the cent. Bank collection charges
    of paid services not yet billed are added as lines and marked billed (the hand-over
    from repairs). The bill is addressed to the unit's owner on the day it is issued;
    the debt belongs to the unit.

    Running it again adds nothing for units that have their bill; a unit added since
    gets one. A transaction-level advisory lock keeps two runs from interleaving."""
    start, end = _period_bounds(period)
    params = {"start": start, "end": end, "as_of": as_of, "as_of_date": timezone.localdate(as_of),
              "due_on": start.replace(day=BILL_DUE_DAY), "yyyymm": start.strftime("%Y%m"),
              "estate": getattr(estate, "pk", None)}
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
                   row_number() OVER (PARTITION BY u.estate_id ORDER BY u.building_id, u.number, u.id) AS rn
            FROM owners_unit u
            WHERE (%(estate)s::bigint IS NULL OR u.estate_id = %(estate)s)
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
        cursor.execute("""
            INSERT INTO fees_bill (number, estate_id, unit_id, owner_id, period, amount, paid, status, issued_at, due_on)
            SELECT upper(e.code) || '-ZD' || %(yyyymm)s || '-' || lpad((q.offset_ + n.rn)::text, 6, '0'),
                   n.estate_id, n.unit_id, o.owner_id, %(start)s, 0, 0, 'open', %(as_of)s, %(due_on)s
            FROM _bill_new n
            JOIN _bill_seq q ON q.estate_id = n.estate_id
            JOIN owners_estate e ON e.id = n.estate_id
            LEFT JOIN LATERAL (
                SELECT os.owner_id FROM owners_ownership os
                WHERE os.unit_id = n.unit_id AND os.start_date <= %(as_of_date)s
                  AND (os.end_date IS NULL OR os.end_date > %(as_of_date)s)
                ORDER BY os.start_date DESC, os.id DESC LIMIT 1) o ON TRUE
        """, params)
        bills = cursor.rowcount
        cursor.execute(f"""
            INSERT INTO fees_billline (bill_id, kind, standard_id, description, quantity, rate, amount)
            SELECT b.id, 'fee', s.id, s.item,
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
                RETURNING c.bill_id, c.description, c.amount)
            INSERT INTO fees_billline (bill_id, kind, standard_id, description, quantity, rate, amount)
            SELECT bill_id, 'bank_collection', NULL, description, 1, amount, amount FROM moved
        """, params)
        charges = cursor.rowcount
        cursor.execute("""
            UPDATE fees_bill b SET amount = t.total
            FROM (SELECT l.bill_id, sum(l.amount) AS total FROM fees_billline l
                  JOIN fees_bill b2 ON b2.id = l.bill_id JOIN _bill_new n ON n.unit_id = b2.unit_id
                  WHERE b2.period = %(start)s GROUP BY l.bill_id) t
            WHERE b.id = t.bill_id
        """, params)
    return BillRun(period=start, bills=bills, lines=lines + charges, bank_charges=charges)


# ---- payments -------------------------------------------------------------------------------

@transaction.atomic
def payment_take(
    *, unit, amount: Decimal, method: str, payer_name: str, now: datetime, actor=None,
) -> Payment:
    """Take a payment for a unit's bills: a receipt from the estate's gapless sequence,
    and the money settles the oldest bill first (then the next). More than the unit
    owes is refused: there is no credit balance to park it on."""
    if actor is not None and not actor.has_perm("fees.add_payment"):
        raise PermissionDenied(_("You cannot take payments."))
    errors: dict[str, list[str]] = {}
    if amount is None or money(amount) <= 0:
        errors["amount"] = [_("The amount must be more than zero.")]
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose how it was paid.")]
    if errors:
        raise ValidationError(errors)
    amount = money(amount)
    bills = list(Bill.objects.select_for_update().filter(unit=unit, status__in=OWING).order_by("period", "pk"))
    owed = sum((bill.owing for bill in bills), Decimal("0.00"))
    if owed == 0:
        raise ValidationError(_("%(unit)s owes nothing.") % {"unit": unit.number}, code="nothing_owed")
    if amount > owed:
        raise ValidationError({"amount": [_("%(unit)s owes ¥%(owed)s; take at most that.")
                                          % {"unit": unit.number, "owed": owed}]})
    receipt = receipt_issue(estate=unit.estate, unit=unit, amount=amount, method=method, payer_name=payer_name,
                            purpose=_("Property fees, %(unit)s") % {"unit": unit.number}, now=now, actor=actor)
    payment = Payment.objects.create(estate=unit.estate, unit=unit, payer_name=receipt.payer_name, amount=amount,
                                     method=method, receipt=receipt, received_at=now, received_by=actor)
    receipt.source = f"payment:{payment.pk}"
    receipt.save(update_fields=["source"])
    left = amount
    for bill in bills:
        share = min(left, bill.owing)
        if share <= 0:
            break
        Allocation.objects.create(payment=payment, bill=bill, amount=share)
        _bill_paid(bill, bill.paid + share)
        left -= share
    return payment


OWING = (BillStatus.OPEN, BillStatus.PART_PAID)


def _bill_paid(bill: Bill, paid: Decimal) -> None:
    bill.paid = paid
    bill.status = BillStatus.PAID if paid == bill.amount else BillStatus.PART_PAID if paid > 0 else BillStatus.OPEN
    bill.save(update_fields=["paid", "status"])


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, now: datetime, actor) -> Payment:
    """Reverse a payment taken in error: a supervisor approves, the reason is kept, the
    bills owe again, the receipt is marked reversed. Nothing is deleted."""
    if not actor.has_perm("fees.reverse_payment"):
        raise PermissionDenied(_("Only a supervisor reverses a payment."))
    payment = Payment.objects.select_for_update().select_related("receipt").get(pk=payment.pk)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the payment is reversed.")]})
    if payment.reversed_at is not None:
        raise ValidationError(_("This payment was reversed already."), code="reversed")
    for allocation in payment.allocations.select_related("bill").order_by("pk"):
        bill = Bill.objects.select_for_update().get(pk=allocation.bill_id)
        _bill_paid(bill, bill.paid - allocation.amount)
    payment.reversed_at, payment.reversed_by, payment.reversal_reason = now, actor, reason.strip()[:200]
    payment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    Receipt.objects.filter(pk=payment.receipt_id).update(reversed_at=now)
    return payment


# ---- dunning (the 16th and the 21st) ----------------------------------------------------------

DUNNING_DAYS = {1: 16, 2: 21}


def dunning_round(*, period: date, round_: int, as_of: datetime) -> int:
    """Create round ``round_`` (1: 第一次催款, 2: 第二次催款) of the month's payment
    reminders for every unit whose bill of ``period`` still owes, in set-based SQL.

    At most one notice per unit, month and round (a unique constraint; a second run,
    or beat firing twice, inserts nothing), and an advisory lock so two runs at once
    cannot interleave. A unit that paid in between owes nothing and gets none. The
    channel is the owner's preferred one: portal, SMS, e-mail, WeChat, or a printed
    notice delivered door to door (a letter, or no owner on record). Returns how many
    notices were created; ``dunning_deliver`` sends them."""
    start, _end = _period_bounds(period)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('fees.dunning'))")
        cursor.execute("""
            INSERT INTO fees_dunningnotice (estate_id, unit_id, owner_id, period, round, amount_owed, channel,
                                            status, created_at)
            SELECT b.estate_id, b.unit_id, b.owner_id, b.period, %(round)s, b.amount - b.paid, c.channel,
                   CASE WHEN c.channel = 'printed' THEN 'to_print' ELSE 'pending' END, %(as_of)s
            FROM fees_bill b
            LEFT JOIN owners_owner o ON o.id = b.owner_id
            CROSS JOIN LATERAL (SELECT CASE
                WHEN o.id IS NULL OR o.preferred_channel = 'letter' THEN 'printed'
                WHEN o.preferred_channel IN ('sms', 'phone') THEN 'sms'
                WHEN o.preferred_channel = 'email' THEN 'email'
                WHEN o.preferred_channel = 'wechat' THEN 'wechat'
                ELSE 'portal' END AS channel) c
            WHERE b.period = %(start)s AND b.status IN ('open', 'part_paid') AND b.amount > b.paid
            ON CONFLICT (unit_id, period, round) DO NOTHING
        """, {"round": round_, "as_of": as_of, "start": start})
        return cursor.rowcount


def dunning_deliver(*, as_of: datetime, limit: int = 2000) -> int:
    """Send pending notices through the notification layer (portal inbox plus the
    owner's channel), a batch at a time; each notice is claimed by a conditional
    UPDATE, so two workers never send one twice."""
    sent = 0
    pending = list(DunningNotice.objects.filter(status=NoticeStatus.PENDING).values_list("pk", flat=True)[:limit])
    for notice_id in pending:
        with transaction.atomic():
            if not DunningNotice.objects.filter(pk=notice_id, status=NoticeStatus.PENDING).update(
                    status=NoticeStatus.SENT, sent_at=as_of):
                continue
            notice = DunningNotice.objects.select_related("owner", "unit").get(pk=notice_id)
            if notice.owner is not None:
                with notifications.house_language():
                    notifications.notify_owner(
                        owner=notice.owner, kind=f"fees.dunning.{notice.round}", now=as_of,
                        subject=_dunning_subject(notice),
                        body=_("%(unit)s owes ¥%(owed)s for %(month)s. Please pay at the service centre or online.")
                        % {"unit": notice.unit.number, "owed": notice.amount_owed,
                           "month": notice.period.strftime("%Y-%m")},
                        dedupe_key=f"dunning:{notice.pk}",
                    )
            sent += 1
    return sent


def _dunning_subject(notice: DunningNotice) -> str:
    if notice.round == 1:
        return _("First payment reminder: %(month)s") % {"month": notice.period.strftime("%Y-%m")}
    return _("Second payment reminder: %(month)s") % {"month": notice.period.strftime("%Y-%m")}


@transaction.atomic
def notice_mark_delivered(*, notice: DunningNotice, now: datetime, actor=None) -> DunningNotice:
    """A printed notice was put through the door."""
    notice = DunningNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.TO_PRINT:
        raise ValidationError(_("Only a printed notice is marked delivered by hand."), code="not_printed")
    notice.status, notice.sent_at = NoticeStatus.DELIVERED, now
    notice.save(update_fields=["status", "sent_at"])
    return notice
