"""Personal numbers (phones, ID numbers): written one way, and masked wherever a
list, a log line or an error shows them. In the core because the SMS log masks
numbers as the registry's pages do."""

from __future__ import annotations

import re


def normalize_phone(raw: str) -> str:
    """Digits only; a mainland mobile written with +86 / 0086 loses the country code."""
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) == 13 and digits.startswith("86") and digits[2] == "1":
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086") and digits[4] == "1":
        digits = digits[4:]
    return digits


def normalize_id_number(raw: str) -> str:
    return re.sub(r"\s", "", raw or "").upper()


def mask_phone(raw: str) -> str:
    """138****5678: the first three and the last four digits stay."""
    digits = normalize_phone(raw)
    if len(digits) <= 7:
        return "*" * max(len(digits) - 2, 1) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(raw: str) -> str:
    """4401**********1234: the first four and the last four characters stay."""
    value = normalize_id_number(raw)
    if len(value) <= 8:
        return "*" * max(len(value) - 2, 1) + value[-2:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
