import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from propertydesk.pii import normalize_id_number, normalize_phone

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{9,11}$")  # area code + number, dashes stripped
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
UNIT_NUMBER_RE = re.compile(r"^[0-9A-Za-z]+(-[0-9A-Za-z]+){1,3}$")


def validate_phone(value: str) -> None:
    digits = normalize_phone(value)
    if not (MOBILE_RE.match(digits) or LANDLINE_RE.match(digits)):
        raise ValidationError(
            _("Enter a mainland mobile number (11 digits, e.g. 13812345678) "
              "or a landline with its area code (e.g. 021-55551234)."),
            code="invalid_phone",
        )


def resident_id_checksum_ok(value: str) -> bool:
    if not re.match(r"^\d{17}[\dX]$", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == value[17]


def validate_resident_id(value: str) -> None:
    value = normalize_id_number(value)
    if not re.match(r"^\d{17}[\dX]$", value):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a final digit or X."),
            code="invalid_id_format",
        )
    if not resident_id_checksum_ok(value):
        raise ValidationError(
            _("This resident ID number fails its check digit: please check it against the card."),
            code="invalid_id_checksum",
        )


def validate_unit_number(value: str) -> None:
    if not UNIT_NUMBER_RE.match(value or ""):
        raise ValidationError(
            _("Write the room number as building-entrance-room, e.g. 3-1-1203."),
            code="invalid_unit_number",
        )
