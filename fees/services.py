"""Writes of the fees app. For now: receipts and bank collection charges."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fees.models import BankCollectionCharge, PaymentMethod, Receipt
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
