"""The renovation rules that the services (to decide) and the selectors (to show) both
need, so they sit below both: an estate's policy, the fees it sets, when the deposits
fall due, what a pass says at the gate, and the pass's signed QR code."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.core import signing
from django.utils import timezone

from renovation.models import GateResult, RenovationPolicy

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """Yuan to the cent, half up (the fees app's rounding; selectors may not import its services)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# ---- the policy ---------------------------------------------------------------------------------


def renovation_policies(*, estate_ids) -> dict[int, RenovationPolicy]:
    """The policy in force for each estate: its own row, else the defaults in settings.
    One query, whatever the estates."""
    estate_ids = list(estate_ids)
    own = {p.estate_id: p for p in RenovationPolicy.objects.filter(estate_id__in=estate_ids)}
    return {pk: own.get(pk) or RenovationPolicy.with_defaults(estate_id=pk) for pk in estate_ids}


def renovation_policy(*, estate) -> RenovationPolicy:
    """The policy in force for one estate (its row, else the defaults)."""
    return renovation_policies(estate_ids=[estate.pk])[estate.pk]


def working_hours_text(policy: RenovationPolicy) -> str:
    """"08:00-12:00, 14:00-18:00": as printed on the permit (the same in every language)."""
    return ", ".join(f"{start:%H:%M}-{'24:00' if end == datetime.time.max else f'{end:%H:%M}'}"
                     for start, end in policy.windows())


# ---- fees ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeQuote:
    """What the owner and the contractor pay before the permit (002 装修流程 二): the two
    deposits, rubbish removal by the unit's floor area, and a fee per worker pass."""

    owner_deposit: Decimal
    contractor_deposit: Decimal
    area: Decimal
    rubbish_rate: Decimal
    rubbish_fee: Decimal
    pass_fee: Decimal
    passes: int

    @property
    def passes_total(self) -> Decimal:
        return money(self.pass_fee * self.passes)

    @property
    def deposits(self) -> Decimal:
        return self.owner_deposit + self.contractor_deposit

    def total(self, *, rubbish_declined: bool = False) -> Decimal:
        return self.deposits + self.passes_total + (ZERO if rubbish_declined else self.rubbish_fee)


def fee_quote(*, policy: RenovationPolicy, area: Decimal, passes: int) -> FeeQuote:
    """The fees for a unit of ``area`` m² and ``passes`` worker passes under ``policy``."""
    return FeeQuote(
        owner_deposit=money(policy.owner_deposit), contractor_deposit=money(policy.contractor_deposit),
        area=area, rubbish_rate=money(policy.rubbish_fee_per_m2), rubbish_fee=money(area * policy.rubbish_fee_per_m2),
        pass_fee=money(policy.pass_fee), passes=passes,
    )


# ---- refunds ------------------------------------------------------------------------------------


def deposits_due_on(*, passed_on: datetime.date, floors_altered: bool, policy: RenovationPolicy) -> datetime.date:
    """When the deposits fall due for refund (002 装修流程: 验收十日内退…押金；卫生间、厨房
    地面改动的须在验收后三个月退还): the refund days after passing, or the refund months
    when the bathroom or kitchen floor was altered, in calendar months (30 Nov + 3 months
    = 28/29 Feb)."""
    if floors_altered:
        return passed_on + relativedelta(months=policy.refund_months_floors_altered)
    return passed_on + datetime.timedelta(days=policy.refund_days)


# ---- the gate -----------------------------------------------------------------------------------

PASS_SALT = "renovation.worker-pass"


def pass_token(serial: str) -> str:
    """What a pass's QR code holds: its serial, signed with the site's key
    (``SERIAL:signature``), so nobody can print a QR code for a pass that is not ours."""
    return signing.Signer(salt=PASS_SALT).sign(serial)


@dataclass(frozen=True)
class Code:
    """What the gate was shown: the serial it names, and whether a QR code's signature
    failed (``forged``)."""

    serial: str
    forged: bool = False


def read_code(code: str) -> Code:
    """A typed serial as it is; a scanned QR code (``SERIAL:signature``) by its signature."""
    code = (code or "").strip()
    if ":" not in code:
        return Code(serial=code.upper())
    try:
        return Code(serial=signing.Signer(salt=PASS_SALT).unsign(code))
    except signing.BadSignature:
        return Code(serial=code.split(":", 1)[0].upper(), forged=True)


def pass_answer(worker_pass, *, now: datetime.datetime, policy: RenovationPolicy) -> str:
    """What the gate says of a pass at ``now`` (a GateResult): revoked first, then its
    dates (valid from its first day's 00:00 to its last day's end, Shanghai time), then
    the estate's working hours and days off."""
    if worker_pass is None:
        return GateResult.UNKNOWN
    if worker_pass.revoked_at is not None and worker_pass.revoked_at <= now:
        return GateResult.REVOKED
    local = timezone.localtime(now)
    if local.date() < worker_pass.valid_from:
        return GateResult.NOT_YET_VALID
    if local.date() > worker_pass.valid_to:
        return GateResult.EXPIRED
    if not policy.allows_work_at(local):
        return GateResult.OUTSIDE_HOURS
    return GateResult.VALID
