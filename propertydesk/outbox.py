"""The outbox: every message leaves through a ``Delivery`` row, written in the same
transaction as the change that causes it (``queue``), and sent afterwards by
``deliver_batch``, which a Celery task runs when the transaction commits and the
``propertydesk.outbox_sweep`` job runs every minute, so nothing depends on one task
surviving.

Sending a batch:
1. claim it — ``UPDATE … FOR UPDATE SKIP LOCKED`` in a short transaction of its own:
   pending rows, failed rows whose next attempt has come, and rows left "sending" by a
   worker that is gone (``propertydesk.liveness``) or whose lease ran out;
2. send each row by its channel, in its reader's language, with its idempotency key (a
   resend after a crash carries the same key, and the gateway recognises it); one
   failure does not stop the others;
3. record every outcome in one transaction: sent (with the gateway's id), failed (the
   error, the next attempt after a backoff) or, after the last attempt, given up; an
   event row per move; and ``delivery_settled`` for the apps whose records follow their
   message (a dunning notice is sent when its delivery is).

The inbox delivery is made "sent" when it is written: the message is in the inbox once
the transaction commits. A printed letter is sent by hand (``delivery_mark_delivered``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import translation
from django.utils.translation import gettext as _

from propertydesk import languages, liveness, messages, states
from propertydesk.models import DELIVERY_TRANSITIONS, Delivery, DeliveryChannel, DeliveryStatus, Notification
from propertydesk.people import primary_phones, user_phones
from propertydesk.sms import get_backend

Channel, Status = DeliveryChannel, DeliveryStatus

# Sent by a worker; the inbox is delivered when written, a letter by hand.
SENT_BY_WORKER = (Channel.EMAIL, Channel.SMS)

# Sent with the ids of the deliveries just settled, inside the transaction that records
# them: sent=[(delivery_id, notification_id, channel)], given_up=[...] likewise.
delivery_settled = Signal()

_CLAIM = DELIVERY_TRANSITIONS.pair(Status.PENDING, Status.SENDING)
_RETRY = DELIVERY_TRANSITIONS.pair(Status.FAILED, Status.SENDING)
DELIVERY_TRANSITIONS.pair(Status.SENDING, Status.SENDING)  # a dead worker's claim is taken over
_DONE = DELIVERY_TRANSITIONS.pair(Status.SENDING, Status.SENT)
_FAIL = DELIVERY_TRANSITIONS.pair(Status.SENDING, Status.FAILED)
_GIVE_UP = DELIVERY_TRANSITIONS.pair(Status.SENDING, Status.GIVEN_UP)


def idempotency_key(notification_id: int, channel: str) -> str:
    return f"{settings.OUTBOX_KEY_PREFIX}-{notification_id}-{channel}"


def queue(*, notifications: Iterable[Notification | int], channels: dict[int, list[str]], now: datetime) -> int:
    """Write the deliveries of freshly written notifications (rows or ids): ``channels``
    maps each notification's id to its channels besides the inbox. Call inside the
    transaction that wrote them. Returns how many rows wait to be sent by a worker; a task
    is queued to send them once the transaction commits."""
    ids, kinds, statuses = [], [], []
    for note in notifications:
        pk = note if isinstance(note, int) else note.pk
        for channel in (Channel.INBOX, *channels.get(pk, ())):
            ids.append(pk)
            kinds.append(str(channel))
            statuses.append(Status.SENT if channel == Channel.INBOX else Status.PENDING)
    if not ids:
        return 0
    with connection.cursor() as cursor:  # one statement, however many rows
        cursor.execute("""
            INSERT INTO propertydesk_delivery (notification_id, channel, status, attempts, last_error, provider_id,
                                               idempotency_key, created_at, sent_at, claimed_by)
            SELECT v.note, v.channel, v.status, 0, '', '', %(prefix)s || '-' || v.note || '-' || v.channel,
                   %(now)s, CASE WHEN v.status = %(sent)s THEN %(now)s::timestamptz END, ''
            FROM unnest(%(ids)s::bigint[], %(channels)s::text[], %(statuses)s::text[]) AS v(note, channel, status)
        """, {"prefix": settings.OUTBOX_KEY_PREFIX, "now": now, "sent": Status.SENT, "ids": ids, "channels": kinds,
              "statuses": [str(x) for x in statuses]})
    waiting = sum(channel in SENT_BY_WORKER for channel in kinds)
    if waiting:
        kick()
    return waiting


def queue_sql(source: str, *, now: datetime) -> tuple[str, dict]:
    """``queue`` as a statement of the caller's own: the ``INSERT`` (for a data-modifying
    ``WITH`` clause) that writes a delivery for each ``(note, channel)`` row of ``source``,
    a relation the caller's statement names; one row with the inbox channel for each
    notification, it is "sent" when written. It returns each delivery's ``channel``; the
    caller calls ``kick()`` when any is sent by a worker. For jobs that write their
    messages in SQL, so a batch is one statement. Returns the SQL and its parameters."""
    return f"""
        INSERT INTO propertydesk_delivery (notification_id, channel, status, attempts, last_error, provider_id,
                                           idempotency_key, created_at, sent_at, claimed_by)
        SELECT q.note, q.channel, CASE WHEN q.channel = %(outbox_inbox)s THEN %(outbox_sent)s ELSE %(outbox_pending)s END,
               0, '', '', %(outbox_prefix)s || '-' || q.note || '-' || q.channel, %(outbox_now)s,
               CASE WHEN q.channel = %(outbox_inbox)s THEN %(outbox_now)s::timestamptz END, ''
        FROM {source} q
        RETURNING channel""", {
        "outbox_inbox": str(Channel.INBOX), "outbox_sent": str(Status.SENT), "outbox_pending": str(Status.PENDING),
        "outbox_prefix": settings.OUTBOX_KEY_PREFIX, "outbox_now": now}


def kick() -> None:
    """After the current transaction commits, have the pending deliveries sent: by a
    Celery task (OUTBOX_DELIVERY="task", the default), in this process ("inline", for
    tests and scripts), or not at all ("off": the sweep job sends them)."""
    mode = settings.OUTBOX_DELIVERY
    if mode == "off":
        return
    if mode == "inline":
        transaction.on_commit(_deliver_inline)
    else:
        transaction.on_commit(_send_task)


def _deliver_inline() -> None:
    from django.utils import timezone

    deliver(now=timezone.now())  # the edge: this is where a message actually leaves


def _send_task() -> None:
    from propertydesk.celery import app

    try:
        app.send_task("propertydesk.deliver_outbox", expires=300)
    except Exception:  # noqa: BLE001 — the broker is down: the sweep job sends them later
        pass


# ---- sending ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    claimed: int = 0

    def add(self, other: Outcome) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.given_up += other.given_up
        self.claimed += other.claimed

    def __str__(self):
        return f"{self.sent} sent, {self.failed} failed (to retry), {self.given_up} given up"


def _dead_claimants() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT claimed_by FROM propertydesk_delivery WHERE status = %s", [Status.SENDING])
        return [name for (name,) in cursor.fetchall() if name and liveness.is_gone(name)]


def _claim(*, now: datetime, batch: int, me: str) -> list[int]:
    lease = now - timedelta(seconds=settings.OUTBOX_SENDING_LEASE_SECONDS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("""
            WITH candidates AS (
                SELECT id, status FROM propertydesk_delivery
                WHERE channel = ANY(%(channels)s)
                  AND (status = %(pending)s
                       OR (status = %(failed)s AND next_attempt_at <= %(now)s)
                       OR (status = %(sending)s AND (claimed_at < %(lease)s OR claimed_by = ANY(%(dead)s))))
                ORDER BY id LIMIT %(batch)s FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE propertydesk_delivery d
                SET status = %(sending)s, claimed_at = %(now)s, claimed_by = %(me)s, attempts = d.attempts + 1
                FROM candidates c WHERE d.id = c.id
                RETURNING d.id, c.status AS was
            ), logged AS (
                INSERT INTO propertydesk_deliveryevent (delivery_id, at, actor_id, from_status, to_status, note)
                SELECT id, %(now)s, NULL, was, %(sending)s, CASE WHEN was = %(sending)s THEN %(taken)s ELSE '' END
                FROM claimed
            )
            SELECT id FROM claimed ORDER BY id
        """, {"channels": list(SENT_BY_WORKER), "pending": _CLAIM[0], "failed": _RETRY[0], "sending": _CLAIM[1],
              "now": now, "lease": lease, "dead": _dead_claimants(), "batch": batch, "me": me,
              "taken": "taken over from a worker that stopped"})
        return [row[0] for row in cursor.fetchall()]


@dataclass
class _Row:
    """A claimed delivery and what sending it needs, read in one query without models."""

    id: int
    channel: str
    key: str
    attempts: int
    notification_id: int
    kind: str
    params: dict
    owner_id: int | None
    recipient_id: int | None
    address: str = ""
    language: str = ""
    status: str = ""
    error: str = ""
    provider_id: str = ""
    next_attempt_at: datetime | None = None


def _rows(ids: list[int]) -> list[_Row]:
    fields = ["id", "channel", "idempotency_key", "attempts", "notification_id", "notification__kind",
              "notification__params", "notification__owner_id", "notification__recipient_id",
              "notification__owner__email", "notification__owner__language", "notification__recipient__email"]
    rows, emails, owner_langs = [], {}, {}
    for v in Delivery.objects.filter(pk__in=ids).order_by("pk").values(*fields):
        row = _Row(v["id"], v["channel"], v["idempotency_key"], v["attempts"], v["notification_id"],
                   v["notification__kind"], v["notification__params"], v["notification__owner_id"],
                   v["notification__recipient_id"])
        emails[row.id] = (v["notification__owner__email"] if row.owner_id else "") or \
            (v["notification__recipient__email"] or "" if row.recipient_id else "")
        if row.owner_id:
            owner_langs[row.id] = languages.valid(v["notification__owner__language"])
        rows.append(row)
    # Addresses are looked up now: the owner's primary phone for SMS, the e-mail for e-mail.
    phones = primary_phones(r.owner_id for r in rows if r.channel == Channel.SMS and r.owner_id)
    # An SMS to a portal user who is not an owner (a tenant) goes to the phone their app keeps.
    others = user_phones(r.recipient_id for r in rows if r.channel == Channel.SMS and not r.owner_id
                         and r.recipient_id)
    user_langs = languages.user_languages(r.recipient_id for r in rows if r.recipient_id and not r.owner_id)
    for row in rows:
        row.address = (phones.get(row.owner_id, "") if row.owner_id else others.get(row.recipient_id, "")) \
            if row.channel == Channel.SMS else emails[row.id]
        row.language = (owner_langs.get(row.id) if row.owner_id else user_langs.get(row.recipient_id)) \
            or settings.LANGUAGE_CODE
    return rows


def _send_one(row: _Row, *, sms_backend, mail) -> str:
    """Send one delivery in the active language (the reader's); returns the gateway's id."""
    subject, body = messages.render(row.kind, row.params)
    if row.channel == Channel.SMS:
        return sms_backend.send(phone=row.address, text=f"{subject} {body}".strip(), key=row.key)
    message_id = f"<{row.key}@{settings.OUTBOX_KEY_PREFIX}>"
    EmailMessage(subject, body, None, [row.address], headers={"Message-ID": message_id}, connection=mail).send()
    return message_id


def _retry_delay(attempts: int) -> timedelta | None:
    delays = settings.OUTBOX_RETRY_DELAYS_SECONDS
    return timedelta(seconds=delays[attempts - 1]) if attempts <= len(delays) else None


def deliver_batch(*, now: datetime, batch: int | None = None) -> Outcome:
    """Claim, send and record one batch. Returns what happened (claimed 0: nothing was due)."""
    me = liveness.identity()
    ids = _claim(now=now, batch=batch or settings.OUTBOX_BATCH, me=me)
    outcome = Outcome(claimed=len(ids))
    if not ids:
        return outcome
    rows = _rows(ids)
    sms_backend = get_backend()
    mail = get_connection(fail_silently=False) if any(r.channel == Channel.EMAIL for r in rows) else None
    by_language: dict[str, list[_Row]] = {}
    for row in rows:
        if row.address:
            by_language.setdefault(row.language, []).append(row)
        else:
            row.error = "no address" if row.channel == Channel.EMAIL else "no phone number"
    for language, group in by_language.items():
        with translation.override(language):  # once per language, not per message
            for row in group:
                try:
                    row.provider_id = str(_send_one(row, sms_backend=sms_backend, mail=mail))[:100]
                except Exception as exc:  # noqa: BLE001 — a gateway's error is this message's failure alone
                    row.error = f"{type(exc).__name__}: {exc}"[:300]
    if mail is not None:
        mail.close()
    _record(rows, now=now, me=me, outcome=outcome)
    return outcome


def _record(rows: list[_Row], *, now: datetime, me: str, outcome: Outcome) -> None:
    """Every outcome of a batch, with its event, in one transaction and three statements.
    Only rows still claimed by this process are written: if a lease ran out and another
    worker took a row over, its outcome is the one recorded."""
    for row in rows:
        if not row.error:
            row.status = _DONE[1]
            continue
        delay = _retry_delay(row.attempts)
        give_up = delay is None or row.error.startswith("no ")
        row.status = (_GIVE_UP if give_up else _FAIL)[1]
        row.next_attempt_at = None if give_up else now + delay
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("""
            WITH outcome AS (
                SELECT * FROM unnest(%(ids)s::bigint[], %(statuses)s::text[], %(errors)s::text[],
                                     %(pids)s::text[], %(next)s::timestamptz[]) AS v(id, status, error, pid, next)
            ), written AS (
                UPDATE propertydesk_delivery d
                SET status = o.status, last_error = o.error, provider_id = CASE WHEN o.pid <> '' THEN o.pid
                    ELSE d.provider_id END, next_attempt_at = o.next,
                    sent_at = CASE WHEN o.status = %(sent)s THEN %(now)s::timestamptz ELSE d.sent_at END
                FROM outcome o WHERE d.id = o.id AND d.status = %(sending)s AND d.claimed_by = %(me)s
                RETURNING d.id, d.notification_id, d.channel, d.status, CASE WHEN o.error <> '' THEN o.error
                    ELSE o.pid END AS note
            ), logged AS (
                INSERT INTO propertydesk_deliveryevent (delivery_id, at, actor_id, from_status, to_status, note)
                SELECT id, %(now)s, NULL, %(sending)s, status, note FROM written
            )
            SELECT id, notification_id, channel, status FROM written
        """, {"ids": [r.id for r in rows], "statuses": [r.status for r in rows], "errors": [r.error for r in rows],
              "pids": [r.provider_id for r in rows], "next": [r.next_attempt_at for r in rows], "now": now,
              "sent": _DONE[1], "sending": _DONE[0], "me": me})
        written = cursor.fetchall()
        sent = [(pk, note, channel) for pk, note, channel, status in written if status == _DONE[1]]
        given_up = [(pk, note, channel) for pk, note, channel, status in written if status == _GIVE_UP[1]]
        if sent or given_up:
            delivery_settled.send(sender=Delivery, sent=sent, given_up=given_up, now=now)
    outcome.sent += len(sent)
    outcome.given_up += len(given_up)
    outcome.failed += sum(1 for *_x, status in written if status == _FAIL[1])


def deliver(*, now: datetime, batch: int | None = None, max_batches: int | None = None) -> Outcome:
    """Send batch after batch until nothing is due (or ``max_batches``)."""
    total = Outcome()
    done = 0
    while max_batches is None or done < max_batches:
        outcome = deliver_batch(now=now, batch=batch)
        total.add(outcome)
        done += 1
        if not outcome.claimed:
            break
    return total


# ---- by hand ----------------------------------------------------------------------------------

@transaction.atomic
def delivery_retry(*, delivery: Delivery, now: datetime, actor=None) -> Delivery:
    """The desk's retry button: a failed or given-up delivery is sent again now, with a
    fresh set of attempts (and the same idempotency key)."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.channel not in SENT_BY_WORKER:
        raise ValidationError(_("Only e-mail and SMS are sent again; a letter is delivered by hand."),
                              code="not_retried")
    states.move(delivery, Status.PENDING, DELIVERY_TRANSITIONS, at=now, actor=actor, note="retry")
    delivery.attempts, delivery.next_attempt_at = 0, None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    kick()
    return delivery


@transaction.atomic
def delivery_mark_delivered(*, notification_id: int, now: datetime, actor=None) -> Delivery | None:
    """A printed letter was put through the door: its delivery is sent."""
    delivery = Delivery.objects.select_for_update().filter(
        notification_id=notification_id, channel=Channel.LETTER).first()
    if delivery is None or delivery.status == Status.SENT:
        return delivery
    states.move(delivery, Status.SENT, DELIVERY_TRANSITIONS, at=now, actor=actor, note="delivered by hand")
    delivery.sent_at = now
    delivery.save(update_fields=["status", "sent_at"])
    delivery_settled.send(sender=Delivery, sent=[(delivery.pk, notification_id, delivery.channel)], given_up=[],
                          now=now)
    return delivery


def sweep(*, as_of: datetime) -> str:
    """The ``propertydesk.outbox_sweep`` job: send what is due and was not sent after its
    commit — the task was lost, the broker was down, a retry's time has come, or a worker
    died holding a claim."""
    return str(deliver(now=as_of))
