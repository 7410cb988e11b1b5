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
from functools import lru_cache

from django.conf import settings

from propertydesk.pii import normalize_id_number, normalize_phone


@lru_cache(maxsize=16)
def _key(master: str, purpose: str) -> bytes:
    return hmac.new(master.encode(), f"blind-index:{purpose}".encode(), hashlib.sha256).digest()


def blind_index(value: str, *, purpose: str) -> str:
    key = _key(settings.FIELD_ENCRYPTION_KEY, purpose)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def phone_index(raw: str) -> str:
    return blind_index(normalize_phone(raw), purpose="phone")


def phone_tail_index(raw: str) -> str:
    """The last four digits, which is how callers often identify themselves at the desk."""
    return blind_index(normalize_phone(raw)[-4:], purpose="phone-tail")


def id_number_index(raw: str) -> str:
    return blind_index(normalize_id_number(raw), purpose="id-number")
