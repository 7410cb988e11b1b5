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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import translation
from django.utils.translation import gettext as _

from propertydesk import languages, liveness, states
from propertydesk.models import (
    DELIVERY_TRANSITIONS, Delivery, DeliveryChannel, DeliveryEvent, DeliveryStatus, Notification,
)
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


def queue(*, notifications: Iterable[Notification], channels: dict[int, list[str]], now: datetime) -> int:
    """Write the deliveries of freshly written notifications: ``channels`` maps each
    notification's id to its channels besides the inbox. Call inside the transaction that
    wrote them. Returns how many rows wait to be sent; a task is queued to send them once
    the transaction commits."""
    rows, waiting = [], 0
    for note in notifications:
        rows.append(Delivery(notification_id=note.pk, channel=Channel.INBOX, status=Status.SENT, created_at=now,
                             sent_at=now, idempotency_key=idempotency_key(note.pk, Channel.INBOX)))
        for channel in channels.get(note.pk, ()):
            rows.append(Delivery(notification_id=note.pk, channel=channel, status=Status.PENDING, created_at=now,
                                 idempotency_key=idempotency_key(note.pk, channel)))
            waiting += channel in SENT_BY_WORKER
    Delivery.objects.bulk_create(rows, batch_size=2000)
    if waiting:
        kick()
    return waiting


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
    errors: list[str] = field(default_factory=list)

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


def _addresses(deliveries: list[Delivery]) -> dict[int, str]:
    """Each delivery's address, looked up now: the owner's primary phone for SMS, the
    owner's or the staff user's e-mail for e-mail."""
    phones: dict[int, str] = {}
    owners = [d.notification.owner for d in deliveries if d.channel == Channel.SMS and d.notification.owner_id]
    if owners:
        phone_model = owners[0].phones.model  # the core does not import the registry's models
        phones = dict(phone_model.objects.filter(owner_id__in={o.pk for o in owners}, is_primary=True)
                      .values_list("owner_id", "number"))
    found = {}
    for d in deliveries:
        note = d.notification
        if d.channel == Channel.SMS:
            found[d.pk] = phones.get(note.owner_id, "") if note.owner_id else ""
        else:
            found[d.pk] = (note.owner.email if note.owner_id else "") or (note.recipient.email if note.recipient_id else "")
    return found


def _send_one(delivery: Delivery, *, address: str, sms_backend, mail) -> str:
    """Send one delivery in the active language (the reader's); returns the gateway's id."""
    subject, body = delivery.notification.render()
    if delivery.channel == Channel.SMS:
        return sms_backend.send(phone=address, text=f"{subject} {body}".strip(), key=delivery.idempotency_key)
    message_id = f"<{delivery.idempotency_key}@{settings.OUTBOX_KEY_PREFIX}>"
    EmailMessage(subject, body, None, [address], headers={"Message-ID": message_id}, connection=mail).send()
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
    deliveries = list(Delivery.objects.filter(pk__in=ids).select_related(
        "notification", "notification__owner", "notification__recipient").order_by("pk"))
    addresses = _addresses(deliveries)
    user_langs = languages.user_languages(d.notification.recipient_id for d in deliveries
                                          if d.notification.recipient_id and not d.notification.owner_id)
    sms_backend = get_backend()
    mail = get_connection(fail_silently=False) if any(d.channel == Channel.EMAIL for d in deliveries) else None
    results: list[tuple[Delivery, str, str]] = []  # (delivery, provider id, error)
    by_language: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        if not addresses[delivery.pk]:
            results.append((delivery, "", "no address" if delivery.channel == Channel.EMAIL else "no phone number"))
            continue
        language = languages.notification_language(delivery.notification, user_langs=user_langs)
        by_language.setdefault(language, []).append(delivery)
    for language, group in by_language.items():
        with translation.override(language):  # once per language, not per message
            for delivery in group:
                try:
                    provider_id = _send_one(delivery, address=addresses[delivery.pk], sms_backend=sms_backend,
                                            mail=mail)
                    results.append((delivery, str(provider_id)[:100], ""))
                except Exception as exc:  # noqa: BLE001 — a gateway's error is this message's failure alone
                    results.append((delivery, "", f"{type(exc).__name__}: {exc}"[:300]))
    if mail is not None:
        mail.close()
    _record(results, now=now, me=me, outcome=outcome)
    return outcome


def _record(results, *, now: datetime, me: str, outcome: Outcome) -> None:
    sent, failed, given_up, events = [], [], [], []
    for delivery, provider_id, error in results:
        if not error:
            delivery.status, delivery.provider_id, delivery.sent_at, delivery.last_error = \
                _DONE[1], provider_id, now, ""
            sent.append(delivery)
            events.append(DeliveryEvent(delivery=delivery, at=now, from_status=_DONE[0], to_status=_DONE[1],
                                        note=provider_id))
            continue
        delay = _retry_delay(delivery.attempts)
        no_address = error.startswith("no ")
        target = _GIVE_UP if delay is None or no_address else _FAIL
        delivery.status, delivery.last_error = target[1], error
        delivery.next_attempt_at = None if target is _GIVE_UP else now + delay
        (given_up if target is _GIVE_UP else failed).append(delivery)
        events.append(DeliveryEvent(delivery=delivery, at=now, from_status=target[0], to_status=target[1],
                                    note=error))
    with transaction.atomic():
        # Only rows still claimed by this process: if a lease ran out and another worker
        # took a row over, its outcome is the one recorded.
        mine = set(Delivery.objects.select_for_update().filter(
            pk__in=[d.pk for d, _p, _e in results], status=Status.SENDING, claimed_by=me).values_list("pk", flat=True))
        sent = [d for d in sent if d.pk in mine]
        failed = [d for d in failed if d.pk in mine]
        given_up = [d for d in given_up if d.pk in mine]
        with connection.cursor() as cursor:  # one statement per outcome, however many rows
            if sent:
                cursor.execute("""
                    UPDATE propertydesk_delivery d SET status = %s, sent_at = %s, last_error = '', provider_id = v.pid
                    FROM unnest(%s::bigint[], %s::text[]) AS v(id, pid) WHERE d.id = v.id
                """, [_DONE[1], now, [d.pk for d in sent], [d.provider_id for d in sent]])
            if failed or given_up:
                rows = failed + given_up
                cursor.execute("""
                    UPDATE propertydesk_delivery d SET status = v.status, last_error = v.error, next_attempt_at = v.next
                    FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[]) AS v(id, status, error, next)
                    WHERE d.id = v.id
                """, [[d.pk for d in rows], [d.status for d in rows], [d.last_error for d in rows],
                      [d.next_attempt_at for d in rows]])
        DeliveryEvent.objects.bulk_create([e for e in events if e.delivery_id in mine], batch_size=1000)
        if sent or given_up:
            delivery_settled.send(
                sender=Delivery,
                sent=[(d.pk, d.notification_id, d.channel) for d in sent],
                given_up=[(d.pk, d.notification_id, d.channel) for d in given_up], now=now)
    outcome.sent += len(sent)
    outcome.failed += len(failed)
    outcome.given_up += len(given_up)


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
