"""Every write of the shift log and the handover: an entry added and closed, a shift
handed over (its takings frozen, every open entry carried as an item), an item
acknowledged by the next shift or refused with a reason, which the supervisors are told."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from desk import messages as desk_messages
from desk import selectors, shifts
from desk.models import (ENTRY_TRANSITIONS, HANDOVER_TRANSITIONS, ITEM_TRANSITIONS, EntryStatus, Handover,
                         HandoverItem, HandoverItemEvent, HandoverStatus, HandoverTakings, ItemStatus, LogEntry,
                         Priority)
from owners.models import Estate, Unit
from propertydesk import limits, notifications, states
from propertydesk import messages as message_params
from propertydesk.people import person_name
from propertydesk.roles import SUPERVISOR

REASON_LENGTH = HandoverItem._meta.get_field("reason").max_length


@transaction.atomic
def entry_add(*, estate: Estate, author, text: str, now: datetime, priority: str = Priority.NORMAL,
              unit: Unit | None = None, complaint=None, work_order=None) -> LogEntry:
    """Write an entry in the shift ``now`` falls in, stamped with ``now`` and ``author``."""
    text = (text or "").strip()
    errors = limits.field_errors(LogEntry, {"text": text})
    if not text:
        errors["text"] = [_("Write what happened or what is to be done.")]
    if priority not in Priority.values:
        errors["priority"] = [_("Choose a priority.")]
    for name, linked in (("unit", unit), ("complaint", complaint), ("work_order", work_order)):
        if linked is not None and linked.estate_id != estate.pk:
            errors[name] = [_("%(record)s is not in %(estate)s.") % {"record": linked, "estate": estate.name}]
    if errors:
        raise ValidationError(errors)
    shift = shifts.shift_at(estate, now)
    entry = LogEntry.objects.create(
        estate=estate, shift_key=shift.key, shift_start=shift.start, shift_day=shift.day, author=author,
        written_at=now, priority=priority, text=text, unit=unit, complaint=complaint, work_order=work_order,
        held_key=shift.key, held_start=shift.start)
    entry.events.create(at=now, actor=author, from_status="", to_status=EntryStatus.OPEN)
    return entry


@transaction.atomic
def entry_close(*, entry: LogEntry, actor, now: datetime, note: str = "") -> LogEntry:
    """The matter is done. An entry waiting in a handover is signed for first."""
    entry = LogEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == EntryStatus.OPEN and entry.items.filter(status=ItemStatus.PENDING).exists():
        raise ValidationError(_("This entry waits in a handover: the next shift signs for it first."),
                              code="pending")
    states.move(entry, EntryStatus.CLOSED, ENTRY_TRANSITIONS, at=now, actor=actor, note=note[:limits.NOTE_LENGTH])
    entry.closed_at, entry.closed_by = now, actor
    entry.save(update_fields=["status", "closed_at", "closed_by"])
    return entry


def _shift_to_hand_over(estate: Estate, *, now: datetime, shift_key: str | None, shift_day: date | None):
    if not shift_key:
        return shifts.shift_at(estate, now)
    try:
        shift = shifts.shift_of(estate, key=shift_key, day=shift_day or shifts.shift_at(estate, now).day)
    except ValueError:
        raise ValidationError({"shift_key": [_("%(estate)s has no such shift.") % {"estate": estate.name}]}) from None
    if shift.start > now:
        raise ValidationError({"shift_key": [_("That shift has not started yet.")]})
    return shift


@transaction.atomic
def handover_create(*, estate: Estate, actor, now: datetime, notes: str = "", shift_key: str | None = None,
                    shift_day: date | None = None) -> Handover:
    """Hand the shift over (by default the one ``now`` falls in): its takings by method
    frozen, every open entry carried as a pending item for the next shift. A shift is
    handed over once."""
    notes = (notes or "").strip()
    errors = limits.field_errors(Handover, {"notes": notes})
    if errors:
        raise ValidationError(errors)
    shift = _shift_to_hand_over(estate, now=now, shift_key=shift_key, shift_day=shift_day)
    Estate.objects.select_for_update().filter(pk=estate.pk).first()  # one handover of a shift at a time
    if Handover.objects.filter(estate=estate, shift_start=shift.start).exists():
        raise ValidationError(_("The %(shift)s of %(day)s has already been handed over.")
                              % {"shift": shift.name, "day": f"{shift.day:%Y-%m-%d}"}, code="handed_over")
    following = shifts.next_shift(estate, shift)
    takings = selectors.live_takings(estate=estate, start=shift.start,
                                     end=min(shift.end, now + timedelta(microseconds=1)))
    entries = list(selectors.open_entries(estate=estate, shift=shift).select_for_update(of=("self",)))
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                estate=estate, shift_key=shift.key, shift_start=shift.start, shift_end=shift.end,
                shift_day=shift.day, next_key=following.key, next_start=following.start, handed_by=actor,
                handed_at=now, notes=notes, takings_total=sum((row.total for row in takings), Decimal("0.00")),
                takings_count=sum(row.count for row in takings))
    except IntegrityError:
        raise ValidationError(_("The %(shift)s of %(day)s has already been handed over.")
                              % {"shift": shift.name, "day": f"{shift.day:%Y-%m-%d}"}, code="handed_over") from None
    handover.events.create(at=now, actor=actor, from_status="", to_status=HandoverStatus.HANDED_OVER)
    HandoverTakings.objects.bulk_create([HandoverTakings(handover=handover, method=row.method, count=row.count, total=row.total)
                                          for row in takings])
    items = HandoverItem.objects.bulk_create([HandoverItem(handover=handover, entry=e) for e in entries])
    HandoverItemEvent.objects.bulk_create([
        HandoverItemEvent(item=item, at=now, actor=actor, from_status="", to_status=ItemStatus.PENDING)
        for item in items])
    if not items:  # nothing to sign for: the next shift has it all at once
        _taken_over(handover, now=now, actor=actor)
    return handover


def _taken_over(handover: Handover, *, now: datetime, actor) -> None:
    states.move(handover, HandoverStatus.TAKEN_OVER, HANDOVER_TRANSITIONS, at=now, actor=actor)
    handover.taken_over_at = now
    handover.save(update_fields=["status", "taken_over_at"])


def _decide(item: HandoverItem, target: str, *, actor, now: datetime, reason: str = "") -> HandoverItem:
    item = HandoverItem.objects.select_for_update().select_related("handover", "entry").get(pk=item.pk)
    handover = item.handover
    ITEM_TRANSITIONS.check(item.status, target)
    if now < handover.next_start - timedelta(minutes=settings.DESK_TAKEOVER_EARLY_MINUTES):
        raise ValidationError(_("The %(shift)s signs for this from %(time)s.") % {
            "shift": handover.next_name,
            "time": timezone.localtime(handover.next_start - timedelta(
                minutes=settings.DESK_TAKEOVER_EARLY_MINUTES)).strftime("%Y-%m-%d %H:%M")},
            code="too_early")
    if actor is not None and actor.pk == handover.handed_by_id:
        raise ValidationError(_("Whoever handed the shift over cannot sign for it too: the next shift signs."),
                              code="own_handover")
    states.move(item, target, ITEM_TRANSITIONS, at=now, actor=actor, note=reason)
    item.decided_by, item.decided_at, item.reason = actor, now, reason
    item.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.status == HandoverStatus.HANDED_OVER and not handover.items.filter(
            status=ItemStatus.PENDING).exists():
        _taken_over(handover, now=now, actor=actor)
    item.handover = handover
    return item


@transaction.atomic
def item_acknowledge(*, item: HandoverItem, actor, now: datetime) -> HandoverItem:
    """The receiving shift signs for the item (签收): from now on the entry is theirs."""
    item = _decide(item, ItemStatus.ACKNOWLEDGED, actor=actor, now=now)
    LogEntry.objects.filter(pk=item.entry_id).update(held_key=item.handover.next_key,
                                                     held_start=item.handover.next_start)
    return item


@transaction.atomic
def item_refuse(*, item: HandoverItem, actor, now: datetime, reason: str) -> HandoverItem:
    """The receiving shift refuses the item, saying why: the entry stays with the shift
    that handed it over, and the supervisors are told, with a link to the handover."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you refuse this item.")]})
    if len(reason) > REASON_LENGTH:
        raise ValidationError({"reason": [_("Keep the reason under %(n)d characters.") % {"n": REASON_LENGTH}]})
    item = _decide(item, ItemStatus.REFUSED, actor=actor, now=now, reason=reason)
    handover, entry = item.handover, item.entry
    notifications.notify(
        recipients=notifications.users_in_roles(SUPERVISOR), kind=desk_messages.ITEM_REFUSED,
        params={"estate": handover.estate.name, "shift": _shift_param(handover.shift_key),
                "day": message_params.day(handover.shift_day), "by": person_name(actor),
                "entry": entry.text[:200], "reason": reason},
        url=reverse("desk:handover", args=[handover.pk]), now=now, dedupe_key=f"desk-item-refused:{item.pk}")
    return item


def _shift_param(key: str):
    name = shifts.SHIFT_NAMES.get(key)
    # pgettext_lazy keeps (context, text): the message stores the text, translated when read
    return message_params.text(name._args[-1], context="shift") if name is not None else key
