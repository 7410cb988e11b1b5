"""What both the gate's services and its selectors need: an estate's card policy, what
the guard's page says of an item pass at a moment, and the pre-registration code's form."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from gate.models import GatePolicy, ItemPass, PassCheck, PassStatus

# No 0/O, 1/I/L: read aloud over the intercom or typed from a phone's screen.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def normalize_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").upper()


def gate_policy(*, estate) -> GatePolicy:
    """The estate's own policy, or the defaults from settings."""
    try:
        return estate.gate_policy
    except GatePolicy.DoesNotExist:
        return GatePolicy.with_defaults(estate_id=estate.pk)


def local_day(now: datetime.datetime) -> datetime.date:
    return timezone.localtime(now).date()


def pass_check(item_pass: ItemPass | None, *, now: datetime.datetime) -> str:
    """The guard's answer for ``item_pass`` at ``now``: a pass is good for its day only, and
    expires at the end of it (local time)."""
    if item_pass is None:
        return PassCheck.UNKNOWN
    if item_pass.status == PassStatus.RELEASED:
        return PassCheck.USED
    if item_pass.status == PassStatus.CANCELLED:
        return PassCheck.CANCELLED
    today = local_day(now)
    if item_pass.day < today:
        return PassCheck.EXPIRED
    if item_pass.status == PassStatus.AWAITING_OWNER:
        return PassCheck.NOT_CONFIRMED
    if item_pass.day > today:
        return PassCheck.NOT_YET
    return PassCheck.VALID


def pass_number_from(text: str) -> str:
    """A pass number typed, or the one a scanned QR code's URL carries (…?number=XX)."""
    text = (text or "").strip()
    match = re.search(r"[?&]number=([A-Za-z0-9-]+)", text)
    return (match.group(1) if match else text).upper()
