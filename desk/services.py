"""Every write of the shift log and the handover: an entry added and closed, a shift
handed over (its takings frozen, every open entry carried as an item), an item
acknowledged by the next shift or refused with a reason, which the supervisors are told;
the takings received (counted) by the next shift, a difference told to the supervisors;
a refused item reassigned or closed by a supervisor."""

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
from desk.models import (ENTRY_TRANSITIONS, HANDOVER_TRANSITIONS, ITEM_TRANSITIONS, TAKINGS_TRANSITIONS,
                         EntryStatus, Handover, HandoverItem, HandoverItemEvent, HandoverStatus, HandoverTakings,
                         ItemStatus, LogEntry, Priority, TakingsReceipt, TakingsStatus)
from owners.models import Estate, Unit
from propertydesk import limits, notifications, states
from propertydesk import messages as message_params
from fees.models import PaymentMethod
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
    if takings:  # the next shift counts them and signs (002 三 2.3)
        receipt = TakingsReceipt.objects.create(handover=handover)
        receipt.events.create(at=now, actor=actor, from_status="", to_status=TakingsStatus.WAITING)
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


def _check_signer(handover: Handover, *, actor, now: datetime, shift_name: str, shift_start: datetime) -> None:
    """The receiving shift signs, from a little before it starts; never whoever handed over."""
    opens = shift_start - timedelta(minutes=settings.DESK_TAKEOVER_EARLY_MINUTES)
    if now < opens:
        raise ValidationError(_("The %(shift)s signs for this from %(time)s.") % {
            "shift": shift_name, "time": timezone.localtime(opens).strftime("%Y-%m-%d %H:%M")}, code="too_early")
    if actor is not None and actor.pk == handover.handed_by_id:
        raise ValidationError(_("Whoever handed the shift over cannot sign for it too: the next shift signs."),
                              code="own_handover")


def _decide(item: HandoverItem, target: str, *, actor, now: datetime, reason: str = "") -> HandoverItem:
    item = HandoverItem.objects.select_for_update().select_related("handover", "entry").get(pk=item.pk)
    handover = item.handover
    ITEM_TRANSITIONS.check(item.status, target)
    if item.assigned_start is not None:  # reassigned by a supervisor: that shift (or person) signs
        _check_signer(handover, actor=actor, now=now, shift_name=item.assigned_name, shift_start=item.assigned_start)
        if item.assigned_to_id and (actor is None or actor.pk != item.assigned_to_id):
            raise ValidationError(_("This item is reassigned to %(person)s: only they sign for it.")
                                  % {"person": person_name(item.assigned_to)}, code="not_yours")
    else:
        _check_signer(handover, actor=actor, now=now, shift_name=handover.next_name, shift_start=handover.next_start)
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
    if item.assigned_start is not None:
        held_key, held_start = item.assigned_key, item.assigned_start
    else:
        held_key, held_start = item.handover.next_key, item.handover.next_start
    LogEntry.objects.filter(pk=item.entry_id).update(held_key=held_key, held_start=held_start)
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


# ---- the takings received (002 三 2.3: 对相关收费的单据、金额进行认真的清点核对) ----------------------

@transaction.atomic
def takings_receive(*, handover: Handover, actor, now: datetime, counted: dict[str, Decimal | None],
                    reasons: dict[str, str] | None = None) -> TakingsReceipt:
    """Someone of the receiving shift counts the takings handed over, method by method
    (``counted``: method → amount; cash counted by hand) and signs for them. A method
    counted differently from the frozen figure needs its reason (``reasons``: method →
    text) and the supervisors are told, with a link to the handover. Field errors are
    named ``counted_<method>`` and ``reason_<method>``."""
    reasons = {method: (text or "").strip() for method, text in (reasons or {}).items()}
    receipt = (TakingsReceipt.objects.select_for_update().select_related("handover__estate")
               .filter(handover_id=handover.pk).first())
    if receipt is None:
        raise ValidationError(_("Nothing was taken in this shift: there are no takings to receive."),
                              code="no_takings")
    handover = receipt.handover
    TAKINGS_TRANSITIONS.check(receipt.status, TakingsStatus.RECEIVED)
    _check_signer(handover, actor=actor, now=now, shift_name=handover.next_name, shift_start=handover.next_start)
    rows = list(handover.takings.select_for_update().order_by("method"))
    errors: dict[str, list] = {}
    differences = []
    for row in rows:
        amount = counted.get(row.method)
        if amount is None:
            errors[f"counted_{row.method}"] = [_("Count the %(method)s and enter the amount.")
                                               % {"method": _method_label(row.method)}]
            continue
        if not isinstance(amount, Decimal) or amount < 0 or amount != amount.quantize(Decimal("0.01")) \
                or amount >= Decimal("10000000000"):
            errors[f"counted_{row.method}"] = [_("Enter an amount in yuan, with at most two decimals.")]
            continue
        reason = reasons.get(row.method, "")
        if amount != row.total:
            if not reason:
                errors[f"reason_{row.method}"] = [
                    _("Counted %(counted)s against %(frozen)s handed over: say why they differ.")
                    % {"counted": amount, "frozen": row.total}]
            elif len(reason) > REASON_LENGTH:
                errors[f"reason_{row.method}"] = [_("Keep the reason under %(n)d characters.")
                                                  % {"n": REASON_LENGTH}]
            else:
                differences.append((row, amount, reason))
        row.counted, row.difference_reason = amount, reason if amount != row.total else ""
    if errors:
        raise ValidationError(errors)
    target = TakingsStatus.DIFFERENCE if differences else TakingsStatus.RECEIVED
    note = "; ".join(f"{row.method} {amount} / {row.total}: {reason}" for row, amount, reason in differences)
    states.move(receipt, target, TAKINGS_TRANSITIONS, at=now, actor=actor, note=note[:limits.NOTE_LENGTH])
    receipt.received_by, receipt.received_at = actor, now
    receipt.save(update_fields=["status", "received_by", "received_at"])
    HandoverTakings.objects.bulk_update(rows, ["counted", "difference_reason"])
    if differences:
        notifications.notify(
            recipients=notifications.users_in_roles(SUPERVISOR), kind=desk_messages.TAKINGS_DIFFERENCE,
            params={"estate": handover.estate.name, "shift": _shift_param(handover.shift_key),
                    "day": message_params.day(handover.shift_day), "by": person_name(actor),
                    "lines": [{"method": message_params.text(PaymentMethod(row.method).label)
                               if row.method in PaymentMethod.values else row.method,
                               "counted": str(amount), "frozen": str(row.total), "reason": reason}
                              for row, amount, reason in differences]},
            url=reverse("desk:handover", args=[handover.pk]), now=now,
            dedupe_key=f"desk-takings-difference:{receipt.pk}")
    return receipt


def _method_label(method: str) -> str:
    return str(PaymentMethod(method).label) if method in PaymentMethod.values else method


# ---- a refused item settled by a supervisor ------------------------------------------------------

def _refused_item(item: HandoverItem, target: str) -> HandoverItem:
    item = HandoverItem.objects.select_for_update().select_related("handover__estate", "entry").get(pk=item.pk)
    ITEM_TRANSITIONS.check(item.status, target)
    if item.entry.status != EntryStatus.OPEN:
        raise ValidationError(_("The entry is closed already: there is nothing left to settle."), code="closed")
    if HandoverItem.objects.filter(entry_id=item.entry_id, status=ItemStatus.PENDING).exclude(pk=item.pk).exists():
        raise ValidationError(_("A later handover carries this entry again: settle it there."), code="carried")
    return item


@transaction.atomic
def item_reassign(*, item: HandoverItem, actor, now: datetime, shift_key: str = "", shift_day: date | None = None,
                  person=None, note: str = "") -> HandoverItem:
    """A supervisor gives a refused item to a shift (by default the one ``now`` falls in)
    and, if named, a person of it: the item is pending again, theirs to sign for (or to
    refuse, which comes back to the supervisors)."""
    note = (note or "").strip()
    if len(note) > limits.NOTE_LENGTH:
        raise ValidationError({"note": [_("Keep the note under %(n)d characters.") % {"n": limits.NOTE_LENGTH}]})
    item = _refused_item(item, ItemStatus.PENDING)
    estate = item.handover.estate
    if person is not None and (not person.is_active or not person.has_perm("desk.hand_over_shift")):
        raise ValidationError({"person": [_("%(person)s does not sign for handover items.")
                                          % {"person": person_name(person)}]})
    if person is not None and actor is not None and person.pk == item.handover.handed_by_id:
        raise ValidationError({"person": [_("Whoever handed the shift over cannot sign for it too: "
                                            "the next shift signs.")]})
    if shift_key:
        try:
            shift = shifts.shift_of(estate, key=shift_key, day=shift_day or shifts.shift_at(estate, now).day)
        except ValueError:
            raise ValidationError({"shift_key": [_("%(estate)s has no such shift.") % {"estate": estate.name}]}) \
                from None
        if shift.end <= now:
            raise ValidationError({"shift_key": [_("That shift is over: choose this one or a later one.")]})
    else:
        shift = shifts.shift_at(estate, now)
    # The event keeps the supervisor's own words; whose the item is now is on the item.
    states.move(item, ItemStatus.PENDING, ITEM_TRANSITIONS, at=now, actor=actor, note=note)
    item.assigned_key, item.assigned_start, item.assigned_to = shift.key, shift.start, person
    item.decided_by, item.decided_at, item.reason = None, None, ""
    item.save(update_fields=["status", "assigned_key", "assigned_start", "assigned_to", "decided_by",
                             "decided_at", "reason"])
    return item


@transaction.atomic
def item_close(*, item: HandoverItem, actor, now: datetime, note: str) -> HandoverItem:
    """A supervisor closes a refused item, saying why (done elsewhere, not the desk's, …):
    its entry is closed with the same note, so no later handover carries it again."""
    item = _refused_item(item, ItemStatus.CLOSED)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why you close this item.")]})
    if len(note) > limits.NOTE_LENGTH:
        raise ValidationError({"note": [_("Keep the note under %(n)d characters.") % {"n": limits.NOTE_LENGTH}]})
    states.move(item, ItemStatus.CLOSED, ITEM_TRANSITIONS, at=now, actor=actor, note=note)
    item.save(update_fields=["status"])
    entry = LogEntry.objects.select_for_update().get(pk=item.entry_id)
    states.move(entry, EntryStatus.CLOSED, ENTRY_TRANSITIONS, at=now, actor=actor, note=note)
    entry.closed_at, entry.closed_by = now, actor
    entry.save(update_fields=["status", "closed_at", "closed_by"])
    return item
