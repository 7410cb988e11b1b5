"""The one notification layer: every message to staff or owners goes through here.

Each message is a ``Notification`` row, the in-portal inbox. E-mail (Django's mail
backend) and SMS (propertydesk.sms) copies leave only after the surrounding
transaction commits, so a rolled-back write never sends anything. A ``dedupe_key``
makes a message happen at most once per recipient, whatever the reruns.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation

from propertydesk.models import ContactChannel, Notification
from propertydesk.sms import get_backend

INBOX, EMAIL, SMS = "inbox", "email", "sms"


def house_language():
    """Messages are written once (inbox row, e-mail, SMS), so they are written in the
    estate's working language, whatever language the clerk's screen is in."""
    return translation.override(settings.LANGUAGE_CODE)


def _create(*, dedupe_key: str | None, **fields) -> Notification | None:
    try:
        with transaction.atomic():
            return Notification.objects.create(dedupe_key=dedupe_key, **fields)
    except IntegrityError:
        if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None  # already sent: the unique key says so
        raise


_suppressed = threading.local()


@contextmanager
def inbox_only():
    """Within this block messages go to the inbox only: no e-mail or SMS leaves.
    For loading demo data and imports, where the people are not to be contacted."""
    before = getattr(_suppressed, "on", False)
    _suppressed.on = True
    try:
        yield
    finally:
        _suppressed.on = before


def _outgoing_allowed() -> bool:
    return not getattr(_suppressed, "on", False)


def _send_email(address: str, subject: str, body: str) -> None:
    if _outgoing_allowed():
        transaction.on_commit(lambda: send_mail(subject, body, None, [address], fail_silently=True))


def _send_sms(phone: str, subject: str, body: str) -> None:
    if _outgoing_allowed():
        transaction.on_commit(lambda: get_backend().send(phone=phone, text=f"{subject} {body}".strip()))


def notify(
    *, recipients, kind: str, subject: str, body: str = "", url: str = "", now: datetime,
    dedupe_key: str | None = None, email: bool = False,
) -> list[Notification]:
    """Send one message to each staff user. Returns the rows written; a recipient who
    already got ``dedupe_key`` gets nothing new."""
    written = []
    for user in recipients:
        channels = INBOX + (f",{EMAIL}" if email and user.email else "")
        note = _create(
            recipient=user, kind=kind, subject=subject, body=body, url=url, created_at=now,
            channels=channels, dedupe_key=f"{dedupe_key}:user:{user.pk}" if dedupe_key else None,
        )
        if note is None:
            continue
        written.append(note)
        if EMAIL in channels:
            _send_email(user.email, subject, body)
    return written


# How a message reaches an owner besides the inbox, by their preferred contact channel.
# WeChat goes by SMS until it has a backend. The one mapping: the dunning SQL records
# the channel a notice goes by from owner_channel_sql.
OWNER_CHANNEL = {
    ContactChannel.EMAIL: EMAIL, ContactChannel.SMS: SMS, ContactChannel.PHONE: SMS, ContactChannel.WECHAT: SMS,
}


def owner_channel(preferred: str, *, has_email: bool, has_phone: bool) -> str:
    """EMAIL, SMS, or INBOX alone (no such channel preferred, or no address for it)."""
    channel = OWNER_CHANNEL.get(preferred, INBOX)
    if (channel == EMAIL and not has_email) or (channel == SMS and not has_phone):
        return INBOX
    return channel


def owner_channel_sql(*, preferred: str, has_email: str, has_phone: str, names: dict[str, str]) -> str:
    """``owner_channel`` as a SQL CASE over the given column expressions, for set-based
    writers; ``names`` says what the writer calls INBOX, EMAIL and SMS."""
    needs = {EMAIL: has_email, SMS: has_phone}
    whens = " ".join(f"WHEN {preferred} = '{key}' AND {needs[channel]} THEN '{names[channel]}'"
                     for key, channel in OWNER_CHANNEL.items())
    return f"CASE {whens} ELSE '{names[INBOX]}' END"


def _owner_channels(owner, primary_phone: str | None) -> tuple[list[str], str]:
    """The inbox, plus the owner's channel (``owner_channel``). Returns the channels and
    the SMS number."""
    channel = owner_channel(owner.preferred_channel, has_email=bool(owner.email), has_phone=bool(primary_phone))
    if channel == INBOX:
        return [INBOX], ""
    return [INBOX, channel], primary_phone if channel == SMS else ""


def _primary_phones(owners: list) -> dict[int, str]:
    """Each owner's primary phone number, in one query. Asked through the owners' own
    ``phones`` relation, as ``notify_owner`` does: the core sits below the registry and
    does not import its models."""
    if not owners:
        return {}
    phone_model = owners[0].phones.model
    primary = phone_model.objects.filter(owner_id__in={owner.pk for owner in owners}, is_primary=True)
    return {phone.owner_id: phone.number for phone in primary}


def _send_copies(owner, channels: list[str], phone: str, subject: str, body: str) -> None:
    if EMAIL in channels:
        _send_email(owner.email, subject, body)
    if SMS in channels:
        _send_sms(phone, subject, body)


def notify_owner(
    *, owner, kind: str, subject: str, body: str = "", url: str = "", now: datetime,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Tell an owner: always in the portal inbox, and by their preferred channel."""
    primary = owner.phones.filter(is_primary=True).first()
    channels, phone = _owner_channels(owner, primary.number if primary else None)
    note = _create(
        recipient=owner.user if owner.user_id else None, owner=owner, kind=kind, subject=subject,
        body=body, url=url, created_at=now, channels=",".join(channels),
        dedupe_key=f"{dedupe_key}:owner:{owner.pk}" if dedupe_key else None,
    )
    if note is not None:
        _send_copies(owner, channels, phone, subject, body)
    return note


@dataclass(frozen=True)
class OwnerMessage:
    """One message of ``notify_owners``."""

    owner: object
    kind: str
    subject: str
    body: str
    dedupe_key: str
    url: str = ""


def notify_owners(*, messages: list[OwnerMessage], now: datetime) -> int:
    """``notify_owner`` for a batch, in a handful of queries: the owners' primary phones
    in one, the keys already used in one, the inbox rows in one insert. The caller holds
    the batch (claims it) so that no one else sends the same keys meanwhile. Returns how
    many were written; a key already used is skipped, as in ``notify_owner``."""
    keyed = {f"{m.dedupe_key}:owner:{m.owner.pk}": m for m in messages}
    used = set(Notification.objects.filter(dedupe_key__in=keyed).values_list("dedupe_key", flat=True))
    phones = _primary_phones([m.owner for m in messages])
    rows, copies = [], []
    for key, m in keyed.items():
        if key in used:
            continue
        channels, phone = _owner_channels(m.owner, phones.get(m.owner.pk))
        rows.append(Notification(recipient_id=m.owner.user_id, owner=m.owner, kind=m.kind, subject=m.subject,
                                 body=m.body, url=m.url, created_at=now, channels=",".join(channels),
                                 dedupe_key=key))
        copies.append((m, channels, phone))
    Notification.objects.bulk_create(rows, batch_size=1000)
    for m, channels, phone in copies:
        _send_copies(m.owner, channels, phone, m.subject, m.body)
    return len(rows)


def users_in_roles(*roles: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name__in=roles, is_active=True).distinct()
