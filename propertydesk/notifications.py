"""The one notification layer: every message to staff or owners goes through here.

Each message is a ``Notification`` row — the inbox entry — holding a message key and
its parameters (``propertydesk.messages``), rendered in the reader's language when read
or sent. How it leaves besides the inbox (e-mail, SMS, a printed letter) is written in
the same transaction as outbox rows (``propertydesk.outbox``), sent after the
transaction commits, so a rolled-back write never sends anything and a crash after it
loses nothing. A ``dedupe_key`` makes a message happen at most once per recipient,
whatever the reruns.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction

from propertydesk import outbox
from propertydesk.models import ContactChannel, DeliveryChannel, Notification
from propertydesk.people import primary_phones

INBOX, EMAIL, SMS, LETTER = DeliveryChannel.INBOX, DeliveryChannel.EMAIL, DeliveryChannel.SMS, DeliveryChannel.LETTER


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
    """Within this block messages go to the inbox only: no e-mail or SMS is queued.
    For loading demo data and imports, where the people are not to be contacted."""
    before = getattr(_suppressed, "on", False)
    _suppressed.on = True
    try:
        yield
    finally:
        _suppressed.on = before


def outgoing_allowed() -> bool:
    """False inside ``inbox_only``: no e-mail or SMS is to be queued (a letter still is)."""
    return not getattr(_suppressed, "on", False)


def _outside(channels: list[str]) -> list[str]:
    return [c for c in channels if c != INBOX and (outgoing_allowed() or c == LETTER)]


def notify(
    *, recipients, kind: str, params: dict[str, Any] | None = None, url: str = "", now: datetime,
    dedupe_key: str | None = None, email: bool = False,
) -> list[Notification]:
    """Send message ``kind`` with ``params`` to each staff user. Returns the rows written;
    a recipient who already got ``dedupe_key`` gets nothing new."""
    written, channels = [], {}
    for user in recipients:
        note = _create(
            recipient=user, kind=kind, params=params or {}, url=url, created_at=now,
            dedupe_key=f"{dedupe_key}:user:{user.pk}" if dedupe_key else None,
        )
        if note is None:
            continue
        written.append(note)
        channels[note.pk] = _outside([EMAIL] if email and user.email else [])
    outbox.queue(notifications=written, channels=channels, now=now)
    return written


@dataclass(frozen=True)
class StaffMessage:
    """One message of ``notify_many``: ``kind`` with ``params`` to each of ``recipients``
    (user ids), once per recipient and ``dedupe_key``."""

    recipients: tuple[int, ...]
    kind: str
    dedupe_key: str
    params: dict[str, Any] = field(default_factory=dict)
    url: str = ""


def notify_many(*, messages: list[StaffMessage], now: datetime, emails: dict[int, str] | None = None) -> int:
    """``notify`` for a batch, in two statements however many messages and recipients:
    the inbox rows in one insert that skips keys already used, their deliveries in
    another. ``emails`` (user id → address) also sends each by e-mail, as ``notify(email=True)``.
    Returns how many notifications were written (a key already used is skipped)."""
    rows = [(pk, m) for m in messages for pk in m.recipients]
    if not rows:
        return 0
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO propertydesk_notification (recipient_id, owner_id, kind, params, url, created_at, dedupe_key)
            SELECT v.recipient, NULL, v.kind, v.params::jsonb, v.url, %(now)s, v.key
            FROM unnest(%(recipients)s::integer[], %(kinds)s::text[], %(params)s::text[], %(urls)s::text[],
                        %(keys)s::text[]) WITH ORDINALITY AS v(recipient, kind, params, url, key, n)
            ORDER BY v.n
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id, recipient_id
        """, {"now": now, "recipients": [pk for pk, _m in rows], "kinds": [m.kind for _pk, m in rows],
              "params": [json.dumps(m.params, cls=DjangoJSONEncoder) for _pk, m in rows],
              "urls": [m.url for _pk, m in rows], "keys": [f"{m.dedupe_key}:user:{pk}" for pk, m in rows]})
        written = cursor.fetchall()  # (id, recipient)
        emails = emails or {}
        channels = {pk: _outside([EMAIL] if emails.get(user) else []) for pk, user in written}
        outbox.queue(notifications=[pk for pk, _user in written], channels=channels, now=now)
    return len(written)


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


def _owner_channels(owner, primary_phone: str | None) -> list[str]:
    """The owner's channels besides the inbox (``owner_channel``)."""
    channel = owner_channel(owner.preferred_channel, has_email=bool(owner.email), has_phone=bool(primary_phone))
    return [] if channel == INBOX else [channel]


def notify_owner(
    *, owner, kind: str, params: dict[str, Any] | None = None, url: str = "", now: datetime,
    dedupe_key: str | None = None, letter: bool = False,
) -> Notification | None:
    """Tell an owner: always in the portal inbox, and by their preferred channel (or, with
    ``letter``, by a printed letter delivered at the door)."""
    channels = [LETTER] if letter else _owner_channels(owner, primary_phones([owner.pk]).get(owner.pk))
    note = _create(
        recipient=owner.user if owner.user_id else None, owner=owner, kind=kind, params=params or {}, url=url,
        created_at=now, dedupe_key=f"{dedupe_key}:owner:{owner.pk}" if dedupe_key else None,
    )
    if note is not None:
        outbox.queue(notifications=[note], channels={note.pk: _outside(channels)}, now=now)
    return note


def notify_user_by_sms(
    *, user, kind: str, params: dict[str, Any] | None = None, url: str = "", now: datetime,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Tell a portal user who is not an owner (a tenant): in their inbox and by SMS to the
    phone their app registered (``people.register_user_phones``), in their saved language."""
    note = _create(
        recipient=user, kind=kind, params=params or {}, url=url, created_at=now,
        dedupe_key=f"{dedupe_key}:user:{user.pk}" if dedupe_key else None,
    )
    if note is not None:
        outbox.queue(notifications=[note], channels={note.pk: _outside([SMS])}, now=now)
    return note


class OwnerRef(NamedTuple):
    """What ``notify_owners`` needs of an owner when a message names its channels: a
    batch read as plain rows need not make Owner objects."""

    pk: int
    user_id: int | None


@dataclass(frozen=True)
class OwnerMessage:
    """One message of ``notify_owners``."""

    owner: object
    kind: str
    dedupe_key: str
    params: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    channels: list[str] | None = None  # besides the inbox; None: the owner's preferred channel


def notify_owners(*, messages: list[OwnerMessage], now: datetime) -> dict[str, int]:
    """``notify_owner`` for a batch, in a handful of statements: the owners' primary phones
    in one query, the inbox rows in one insert that skips keys already used, the outbox
    rows in another. The caller holds the batch (claims it) so that no one else sends the
    same keys meanwhile. Returns the new notifications' ids by the caller's ``dedupe_key``;
    a key already used is skipped, as in ``notify_owner``."""
    keyed = {f"{m.dedupe_key}:owner:{m.owner.pk}": m for m in messages}
    if not keyed:
        return {}
    phones = primary_phones(m.owner.pk for m in messages if m.channels is None)
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO propertydesk_notification (recipient_id, owner_id, kind, params, url, created_at, dedupe_key)
            SELECT v.recipient, v.owner, v.kind, v.params::jsonb, v.url, %(now)s, v.key
            FROM unnest(%(recipients)s::integer[], %(owners)s::bigint[], %(kinds)s::text[], %(params)s::text[],
                        %(urls)s::text[], %(keys)s::text[]) AS v(recipient, owner, kind, params, url, key)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id, dedupe_key
        """, {"now": now, "recipients": [m.owner.user_id for m in keyed.values()],
              "owners": [m.owner.pk for m in keyed.values()], "kinds": [m.kind for m in keyed.values()],
              "params": [json.dumps(m.params, cls=DjangoJSONEncoder) for m in keyed.values()],
              "urls": [m.url for m in keyed.values()], "keys": list(keyed)})
        written = dict(cursor.fetchall())  # id → key
    channels = {}
    for pk, key in written.items():
        m = keyed[key]
        channels[pk] = _outside(m.channels if m.channels is not None else _owner_channels(m.owner, phones.get(m.owner.pk)))
    outbox.queue(notifications=list(written), channels=channels, now=now)
    return {keyed[key].dedupe_key: pk for pk, key in written.items()}


def users_in_roles(*roles: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name__in=roles, is_active=True).distinct()
