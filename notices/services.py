"""Every write of notices: a draft written and corrected, published (its households and
messages in set-based statements, in the transaction that moves it), ended, withdrawn,
and read by a household."""

from __future__ import annotations

import json
import re
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notices import messages as notice_messages
from notices.models import TRANSITIONS, Audience, Notice, NoticeHousehold, NoticeKind, NoticeStatus
from owners.models import Building, Estate, Unit
from owners.selectors import current_ownerships
from propertydesk import limits, notifications, outbox, states
from propertydesk import messages as message_params
from propertydesk.models import Notification

_UNCHANGED = object()
# What the desk types to name buildings or units: numbers separated by commas, 、 or spaces.
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def numbers_of(text: str | list | tuple | None) -> list[str]:
    if text is None:
        return []
    items = text if isinstance(text, (list, tuple)) else _SEPARATORS.split(text)
    out = []
    for item in items:
        item = str(getattr(item, "number", item)).strip()
        if item and item not in out:
            out.append(item)
    return out


def _named_in(estate: Estate, model, raw, *, none_named: str, unknown: str) -> tuple[list[str], list]:
    """The buildings or units (``model``) named by number in ``raw``, found in ``estate``:
    (errors, found); ``none_named`` when there are none, ``unknown`` (with %(estate)s and
    %(numbers)s) for numbers the estate does not have."""
    wanted = numbers_of(raw)
    by_number = {row.number: row for row in model.objects.filter(estate=estate, number__in=wanted)}
    missing = [n for n in wanted if n not in by_number]
    if not wanted:
        return [none_named], []
    if missing:
        return [unknown % {"estate": estate.name, "numbers": ", ".join(missing)}], list(by_number.values())
    return [], list(by_number.values())


def _places(estate: Estate, audience: str, buildings, units) -> tuple[dict, list, list]:
    """The buildings and units named, found in ``estate``: (errors, buildings, units)."""
    errors: dict[str, list[str]] = {}
    found_buildings, found_units = [], []
    if audience == Audience.BUILDINGS:
        problems, found_buildings = _named_in(estate, Building, buildings,
                                              none_named=_("Name the buildings the notice is for."),
                                              unknown=_("%(estate)s has no building %(numbers)s."))
        if problems:
            errors["buildings"] = problems
    elif audience == Audience.UNITS:
        problems, found_units = _named_in(estate, Unit, units, none_named=_("Name the units the notice is for."),
                                          unknown=_("%(estate)s has no unit %(numbers)s."))
        if problems:
            errors["units"] = problems
    elif audience != Audience.ESTATE:
        errors["audience"] = [_("Choose who the notice is for.")]
    return errors, found_buildings, found_units


def _check(*, kind: str, title: str, body: str, place: str, starts_at, ends_at) -> dict[str, list[str]]:
    errors = limits.field_errors(Notice, {"title": title, "body": body, "place": place})
    if kind not in NoticeKind.values:
        errors["kind"] = [_("Choose the kind of notice.")]
    if not (title or "").strip():
        errors["title"] = [_("Give the notice a title.")]
    if not (body or "").strip():
        errors["body"] = [_("Write what the notice says.")]
    if kind == NoticeKind.OUTAGE and (starts_at is None or ends_at is None):
        errors.setdefault("starts_at" if starts_at is None else "ends_at", []).append(
            _("An outage notice says when it starts and when it ends."))
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must come after the start.")]
    return errors


@transaction.atomic
def notice_create(*, estate: Estate, kind: str, title: str, body: str, emergency: bool = False,
                  audience: str = Audience.ESTATE, buildings=None, units=None, place: str = "",
                  starts_at: datetime | None = None, ends_at: datetime | None = None, now: datetime,
                  actor=None) -> Notice:
    """Write a draft notice. Nothing is sent until it is published."""
    errors = _check(kind=kind, title=title, body=body, place=place, starts_at=starts_at, ends_at=ends_at)
    place_errors, found_buildings, found_units = _places(estate, audience, buildings, units)
    errors |= place_errors
    if errors:
        raise ValidationError(errors)
    notice = Notice.objects.create(
        estate=estate, kind=kind, emergency=emergency, audience=audience, title=title.strip(), body=body.strip(),
        place=(place or "").strip(), starts_at=starts_at, ends_at=ends_at, created_at=now, created_by=actor)
    notice.buildings.set(found_buildings)
    notice.units.set(found_units)
    notice.events.create(at=now, actor=actor, from_status="", to_status=NoticeStatus.DRAFT)
    return notice


@transaction.atomic
def notice_change(*, notice: Notice, now: datetime, actor=None, kind=_UNCHANGED, emergency=_UNCHANGED,
                  audience=_UNCHANGED, buildings=_UNCHANGED, units=_UNCHANGED, title=_UNCHANGED,
                  body=_UNCHANGED, place=_UNCHANGED, starts_at=_UNCHANGED, ends_at=_UNCHANGED) -> Notice:
    """Correct a draft (anything), or move the end of a published notice (only that: it
    has been sent; any other change is refused on its field)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    given = {name: value for name, value in {
        "kind": kind, "emergency": emergency, "audience": audience, "title": title, "body": body, "place": place,
        "starts_at": starts_at, "ends_at": ends_at}.items() if value is not _UNCHANGED}
    if notice.status == NoticeStatus.PUBLISHED:
        errors = {}
        for name, value in given.items():
            current = getattr(notice, name)
            if isinstance(value, str) and isinstance(current, str):
                value, current = value.strip(), current.strip()
            if name != "ends_at" and value != current:
                errors[name] = [_("The notice has been sent: its %(field)s cannot change any more, only its end.")
                                % {"field": Notice._meta.get_field(name).verbose_name}]
        for name, value in (("buildings", buildings), ("units", units)):
            if value is not _UNCHANGED:
                had = sorted(numbers_of(list(getattr(notice, name).all())))
                if sorted(numbers_of(value)) != had:
                    errors[name] = [_("The notice has been sent: its %(field)s cannot change any more, only its "
                                      "end.") % {"field": Notice._meta.get_field(name).verbose_name}]
        if errors:
            raise ValidationError(errors)
        if "ends_at" in given and given["ends_at"] != notice.ends_at:
            new_end = given["ends_at"]
            if notice.starts_at and new_end is not None and new_end <= notice.starts_at:
                raise ValidationError({"ends_at": [_("The end must come after the start.")]})
            old = notice.ends_at
            notice.ends_at = new_end
            notice.save(update_fields=["ends_at"])
            notice.events.create(at=now, actor=actor, from_status=notice.status, to_status=notice.status,
                                 note=f"{_moment(old)} → {_moment(new_end)}")  # the end moved: no language
        return notice
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("A notice that is %(status)s is not changed any more.")
                              % {"status": notice.get_status_display()}, code="closed")
    for name, value in given.items():
        setattr(notice, name, value.strip() if isinstance(value, str) else value)
    errors = _check(kind=notice.kind, title=notice.title, body=notice.body, place=notice.place,
                    starts_at=notice.starts_at, ends_at=notice.ends_at)
    place_errors, found_buildings, found_units = _places(
        notice.estate, notice.audience,
        list(notice.buildings.all()) if buildings is _UNCHANGED else buildings,
        list(notice.units.all()) if units is _UNCHANGED else units)
    errors |= place_errors
    if errors:
        raise ValidationError(errors)
    notice.save()
    notice.buildings.set(found_buildings)
    notice.units.set(found_units)
    return notice


def _moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


# The channel an owner is told by besides the inbox; no channel is '' (the inbox alone).
_CHANNEL_SQL = notifications.owner_channel_sql(
    preferred="o.preferred_channel", has_email="o.email <> ''",
    has_phone="EXISTS (SELECT 1 FROM owners_ownerphone ph WHERE ph.owner_id = o.id AND ph.is_primary)",
    names={notifications.INBOX: "", notifications.EMAIL: str(notifications.EMAIL),
           notifications.SMS: str(notifications.SMS)})

_CURRENT_OWNERSHIP = ("own.start_date <= %(day)s AND (own.end_date IS NULL OR own.end_date > %(day)s)")

_AUDIENCE_SQL = {
    Audience.ESTATE: "TRUE",
    Audience.BUILDINGS: "u.building_id IN (SELECT building_id FROM notices_notice_buildings "
                        "WHERE notice_id = %(notice)s)",
    Audience.UNITS: "u.id IN (SELECT unit_id FROM notices_notice_units WHERE notice_id = %(notice)s)",
}


def _households_write(notice: Notice, *, day) -> int:
    """The notice's households: every unit of its audience with a current owner, once."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO notices_noticehousehold (notice_id, unit_id, read_at, read_by_id)
            SELECT %(notice)s, u.id, NULL, NULL FROM owners_unit u
            WHERE u.estate_id = %(estate)s AND {_AUDIENCE_SQL[notice.audience]}
              AND EXISTS (SELECT 1 FROM owners_ownership own WHERE own.unit_id = u.id AND {_CURRENT_OWNERSHIP})
            ORDER BY u.id
            ON CONFLICT (notice_id, unit_id) DO NOTHING
        """, {"notice": notice.pk, "estate": notice.estate_id, "day": day})
        return cursor.rowcount


def message_params_of(notice: Notice) -> dict:
    """What every owner's message holds: the desk's words as written (the placeholders
    filled), the kind and the window to be shown in the reader's language."""
    return {"title": notice.shown_title, "body": notice.shown_body,
            "kind": message_params.label(choices=NoticeKind, value=notice.kind),
            "start": message_params.at(notice.starts_at), "end": message_params.at(notice.ends_at)}


def _messages_write(notice: Notice, *, now: datetime, day, batch: int) -> int:
    """One message to every current owner of the notice's households, by their channel,
    ``batch`` households a statement: the owners found, their inbox rows written (a key
    already used is skipped: an owner of two units is told once), the deliveries queued."""
    queue_sql, queue_params = outbox.queue_sql("queue", now=now)
    outgoing = [str(c) for c in (notifications.SMS, notifications.EMAIL)] if notifications.outgoing_allowed() else []
    params = {"notice": notice.pk, "day": day, "batch": batch, "now": now,
              "kind": notice_messages.EMERGENCY if notice.emergency else notice_messages.ORDINARY,
              "params": json.dumps(message_params_of(notice), cls=DjangoJSONEncoder),
              "url": reverse("notices:portal_detail", args=[notice.pk]), "prefix": f"notice:{notice.pk}:owner:",
              "inbox": str(notifications.INBOX), "outgoing": outgoing,
              "by_worker": [str(c) for c in outbox.SENT_BY_WORKER], **queue_params}
    after, written_total = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"""
                WITH batch AS (
                    SELECT unit_id FROM notices_noticehousehold
                    WHERE notice_id = %(notice)s AND unit_id > %(after)s ORDER BY unit_id LIMIT %(batch)s
                ), told AS (
                    SELECT DISTINCT own.owner_id FROM batch b
                    JOIN owners_ownership own ON own.unit_id = b.unit_id AND {_CURRENT_OWNERSHIP}
                ), written AS (
                    INSERT INTO propertydesk_notification (recipient_id, owner_id, kind, params, url, created_at,
                                                           dedupe_key)
                    SELECT o.user_id, o.id, %(kind)s, %(params)s::jsonb, %(url)s, %(now)s, %(prefix)s || o.id
                    FROM told t JOIN owners_owner o ON o.id = t.owner_id
                    ORDER BY o.id
                    ON CONFLICT (dedupe_key) DO NOTHING
                    RETURNING id, owner_id
                ), queue AS (
                    SELECT w.id AS note, ch.channel
                    FROM written w JOIN owners_owner o ON o.id = w.owner_id
                    CROSS JOIN LATERAL (VALUES (%(inbox)s), ({_CHANNEL_SQL})) ch(channel)
                    WHERE ch.channel = %(inbox)s OR ch.channel = ANY(%(outgoing)s)
                ), queued AS ({queue_sql}
                )
                SELECT (SELECT max(unit_id) FROM batch), (SELECT count(*) FROM written),
                       (SELECT count(*) FROM queued WHERE channel = ANY(%(by_worker)s))
            """, {**params, "after": after})
            last, written, by_worker = cursor.fetchone()
            if last is None:
                return written_total
            if by_worker:
                outbox.kick()
            written_total += written
            after = last


@transaction.atomic
def notice_publish(*, notice: Notice, now: datetime, actor=None, batch: int | None = None) -> Notice:
    """Send a draft: its households written, every current owner of them told in the
    portal and by their channel, in this transaction. An emergency goes out at once, day
    or night; so does an ordinary notice (the outbox has no quiet hours)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    TRANSITIONS.check(notice.status, NoticeStatus.PUBLISHED)
    errors = _check(kind=notice.kind, title=notice.title, body=notice.body, place=notice.place,
                    starts_at=notice.starts_at, ends_at=notice.ends_at)
    if notice.ends_at is not None and notice.ends_at <= now:
        errors.setdefault("ends_at", []).append(_("What the notice announces is already over: move its end."))
    if errors:
        raise ValidationError(errors)
    day = timezone.localdate(now)
    states.move(notice, NoticeStatus.PUBLISHED, TRANSITIONS, at=now, actor=actor)
    notice.published_at, notice.published_by = now, actor
    notice.households = _households_write(notice, day=day)
    notice.messages_sent = _messages_write(notice, now=now, day=day,
                                           batch=batch or settings.NOTICE_PUBLISH_BATCH)
    notice.save(update_fields=["status", "published_at", "published_by", "households", "messages_sent"])
    return notice


@transaction.atomic
def notice_end(*, notice: Notice, now: datetime, actor=None, note: str = "") -> Notice:
    """What the notice announced is over (the water is back): owners see it as ended."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    states.move(notice, NoticeStatus.ENDED, TRANSITIONS, at=now, actor=actor, note=note[:limits.NOTE_LENGTH])
    if notice.ends_at is None or notice.ends_at > now:
        notice.ends_at = now if notice.starts_at is None or now > notice.starts_at else notice.ends_at
    notice.save(update_fields=["status", "ends_at"])
    return notice


@transaction.atomic
def notice_withdraw(*, notice: Notice, now: datetime, actor=None, note: str = "") -> Notice:
    """Drop a draft, or withdraw a sent notice that was wrong (owners see it marked withdrawn)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    states.move(notice, NoticeStatus.WITHDRAWN, TRANSITIONS, at=now, actor=actor, note=note[:limits.NOTE_LENGTH])
    notice.save(update_fields=["status"])
    return notice


@transaction.atomic
def notice_read(*, notice: Notice, owner, now: datetime) -> int:
    """An owner opened the notice: the read receipt of each of their households it was
    addressed to, the first time only (a second opening changes nothing), and their
    inbox message marked read. Returns how many households read it now."""
    mine = current_ownerships().filter(owner=owner).values("unit_id")
    read = NoticeHousehold.objects.filter(notice=notice, unit_id__in=mine, read_at__isnull=True).update(
        read_at=now, read_by=owner)
    if read:
        Notice.objects.filter(pk=notice.pk).update(read_households=F("read_households") + read)
    Notification.objects.filter(dedupe_key=f"notice:{notice.pk}:owner:{owner.pk}", read_at__isnull=True).update(
        read_at=now)
    return read
