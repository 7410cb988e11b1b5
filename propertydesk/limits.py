"""How long a text, how early or late a date, what counts as a number: the bounds every
input is held to, in one place, so that a form, the API, a service and the database
refuse the same thing. The length of a text is its model field's ``max_length`` (a
varchar of that length in PostgreSQL); forms and serializers read it from there."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Free text people write. An account of what happened (a complaint, a work order) gets
# more room than a note, a reason or a reply; both hold a long page of Chinese.
ACCOUNT_LENGTH = 4000
NOTE_LENGTH = 2000

# A password is only hashed, never stored: any length a person types fits, a megabyte
# posted at the sign-in is refused before the hasher sees it.
PASSWORD_LENGTH = 1024

# Business dates: nothing in an estate's records happened before 2000 or is planned
# after 2100. Far from the calendar's ends, so adding a month or a year never overflows.
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2100, 12, 31)
# A day of someone's history in the registry (owner since, moved in): homes and owners
# are older than the portal's records.
EARLIEST_HISTORY_DAY = datetime.date(1900, 1, 1)


def max_length(model: type[models.Model], field_name: str) -> int:
    """The longest text ``model.field_name`` holds; a form or serializer field that
    writes it takes the same limit."""
    return model._meta.get_field(field_name).max_length


def field_errors(model: type[models.Model], values: dict, *, columns: dict[str, str] | None = None
                 ) -> dict[str, list[str]]:
    """What is wrong with ``values`` (argument name → value) for the model fields they
    fill: a text longer than the field's max_length, a number that is not finite or has
    more whole digits than the column. ``columns`` maps an argument to its field when the
    names differ (``{"reason": "note"}``). Errors are keyed by the argument's name."""
    columns = columns or {}
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if value is None:
            continue
        field = model._meta.get_field(columns.get(name, name))
        try:
            if isinstance(field, models.DecimalField):
                _check_number(field, value)
            elif field.max_length is not None and isinstance(value, str):
                MaxLengthValidator(field.max_length)(value)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
    return errors


def check_fields(model: type[models.Model], values: dict, *, columns: dict[str, str] | None = None) -> None:
    """field_errors() as a ValidationError naming the fields: a service calls it first,
    so a job or the API is refused as a form would be, before anything is written."""
    errors = field_errors(model, values, columns=columns)
    if errors:
        raise ValidationError(errors)


def _check_number(field: models.DecimalField, value) -> None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValidationError(_("Enter a number."), code="invalid")
    try:
        number = number.quantize(Decimal(1).scaleb(-field.decimal_places))
    except InvalidOperation:  # more digits than decimal arithmetic holds
        pass
    DecimalValidator(field.max_digits, field.decimal_places)(number)


def day_of(value: datetime.date | datetime.datetime) -> datetime.date:
    """The calendar day of a date or a moment, in the moment's own time zone (converting
    a moment near the calendar's ends could overflow)."""
    return value.date() if isinstance(value, datetime.datetime) else value


def in_business_range(value: datetime.date | datetime.datetime | None, earliest: datetime.date = EARLIEST_DAY) -> bool:
    return value is None or earliest <= day_of(value) <= LATEST_DAY


def validate_business_date(value: datetime.date | datetime.datetime | None,
                           earliest: datetime.date = EARLIEST_DAY) -> None:
    """A validator for a form, serializer or filter field holding a business date or
    moment: refused, naming the field, outside EARLIEST_DAY..LATEST_DAY."""
    if not in_business_range(value, earliest):
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="date_range",
            params={"earliest": earliest.isoformat(), "latest": LATEST_DAY.isoformat()},
        )


def validate_history_date(value: datetime.date | None) -> None:
    """validate_business_date() from EARLIEST_HISTORY_DAY: for a registry date."""
    validate_business_date(value, EARLIEST_HISTORY_DAY)


def date_errors(values: dict, *, earliest: datetime.date = EARLIEST_DAY) -> dict[str, list[str]]:
    """validate_business_date() over ``values`` (argument name → date, moment or None),
    for a service: errors keyed by the argument's name."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            validate_business_date(value, earliest)
        except ValidationError as error:
            errors[name] = error.messages
    return errors
