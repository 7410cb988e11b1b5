"""Keyed hashes ("blind indexes") that let us search encrypted columns.

The phone and ID columns are Fernet-encrypted with a random IV, so equal numbers
encrypt differently and cannot be looked up. Beside each we store an HMAC of the
normalised value under a key derived from FIELD_ENCRYPTION_KEY: equal numbers
give equal hashes, the hash reveals nothing without the key, and a plain btree
index makes the lookup instant.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=16)
def _key(master: str, purpose: str) -> bytes:
    return hmac.new(master.encode(), f"blind-index:{purpose}".encode(), hashlib.sha256).digest()


def blind_index(value: str, *, purpose: str) -> str:
    key = _key(settings.FIELD_ENCRYPTION_KEY, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


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


def phone_index(raw: str) -> str:
    return blind_index(normalize_phone(raw), purpose="phone")


def phone_tail_index(raw: str) -> str:
    """The last four digits, which is how callers often identify themselves at the desk."""
    return blind_index(normalize_phone(raw)[-4:], purpose="phone-tail")


def id_number_index(raw: str) -> str:
    return blind_index(normalize_id_number(raw), purpose="id-number")


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
