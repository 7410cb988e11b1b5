"""Every write to work orders. The page, the worker's phone, the API and the jobs call these."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fees.services import money
from owners import services as owner_services
from owners.models import RevealReason, Unit
from owners.selectors import owns_now
from owners.validators import validate_phone
from propertydesk import files, limits, messages, notifications, states
from propertydesk.roles import FRONT_DESK, SUPERVISOR
from propertydesk.sequences import next_value
from repairs.models import (
    TRANSITIONS,
    UNDISPATCHED,
    Acceptance,
    DamageIncident,
    DamageStatus,
    DispatchMode,
    DrawKind,
    MaterialDraw,
    PhotoStage,
    SignedOn,
    DispatchRule,
    Kind,
    PriceItem,
    Source,
    Status,
    Trade,
    Worker,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)
from repairs.signals import work_order_completed, work_order_signed_off


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this with work orders."))


def _locked(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_for_update(of=("self",)).select_related("estate", "unit", "worker__user").get(pk=order.pk)


def _move(order: WorkOrder, to: str, *, actor, now, note: str = "", data=None,
          only_from: tuple[str, ...] = ()) -> None:
    states.move(order, to, TRANSITIONS, at=now, actor=actor, note=note, only_from=only_from, data=data or {})


def clean_photos(uploads, *, errors: dict, field: str = "photos") -> list[files.CleanFile]:
    """At most FILES_MAX_PHOTOS pictures, each checked and re-encoded by the one upload
    path (no EXIF, no GPS); every refused file is named under ``field`` and then none
    is stored."""
    uploads = [upload for upload in uploads or () if upload]
    if len(uploads) > settings.FILES_MAX_PHOTOS:
        errors.setdefault(field, []).append(
            _("Add at most %(count)s photos at a time.") % {"count": settings.FILES_MAX_PHOTOS})
        return []
    try:
        return files.clean_uploads(uploads, kind=files.IMAGE, field=field)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.message_dict[field])
        return []


def _store_photos(order: WorkOrder, cleaned: list[files.CleanFile], *, stage: str, actor, now) -> list[WorkOrderPhoto]:
    return [
        WorkOrderPhoto.objects.create(
            work_order=order, stage=stage, file=clean.as_file(), content_type=clean.content_type,
            original_name=clean.download_name, size=clean.size, taken_at=now, taken_by=actor,
        )
        for clean in cleaned
    ]


@transaction.atomic
def work_order_register(
    *, unit: Unit, kind: str, trade: str, description: str, source: str, now: datetime, actor=None,
    owner=None, requester_name: str = "", requester_phone: str = "", appointment_at: datetime | None = None,
    price_item: PriceItem | None = None, complaint=None, planned_end_at: datetime | None = None, photos=(),
) -> WorkOrder:
    errors: dict[str, list[str]] = {
        **limits.field_errors(WorkOrder, {"description": description, "requester_name": requester_name,
                                          "requester_phone": requester_phone}),
        **limits.date_errors({"appointment_at": appointment_at, "planned_end_at": planned_end_at}),
    }
    if kind not in Kind.values:
        errors["kind"] = [_("Choose the kind of work.")]
    if trade not in Trade.values:
        errors["trade"] = [_("Choose the trade the job needs.")]
    if source not in Source.values:
        errors["source"] = [_("Choose where the request came from.")]
    if not (description or "").strip():
        errors["description"] = [_("Write down what is to be done.")]
    if owner is not None and not owns_now(owner=owner, unit=unit):
        errors["owner"] = [_("%(owner)s does not own %(unit)s.") % {"owner": owner.name, "unit": unit.number}]
    if owner is None and not (requester_name or "").strip():
        errors["requester_name"] = [_("Who asks for the work? Enter a name.")]
    if requester_phone:
        try:
            validate_phone(requester_phone)
        except ValidationError as exc:
            errors["requester_phone"] = exc.messages
    if appointment_at is not None and appointment_at < now:
        errors["appointment_at"] = [_("The appointment cannot be in the past.")]
    if planned_end_at is not None and planned_end_at <= (appointment_at or now):
        errors["planned_end_at"] = [_("The planned end comes after the appointment.")]
    if kind == Kind.SPECIAL_SERVICE and price_item is None:
        errors["price_item"] = [_("A paid service is chosen from the price list.")]
    if price_item is not None and (price_item.estate_id != unit.estate_id or not price_item.active):
        errors["price_item"] = [_("This service is not on this estate's price list.")]
    if complaint is not None and complaint.unit_id != unit.pk:
        errors["complaint"] = [_("The complaint is about another unit.")]
    cleaned_photos = clean_photos(photos, errors=errors)
    if errors:
        raise ValidationError(errors)

    if owner is not None and not requester_phone:
        primary = owner.phones.filter(is_primary=True).first()
        requester_phone = primary.number if primary else ""
    rule = DispatchRule.for_order(estate=unit.estate, kind=kind)
    year = timezone.localtime(now).year
    number = f"{unit.estate.code.upper()}-PG{year}-{next_value(f'workorder:{unit.estate_id}:{year}'):05d}"
    order = WorkOrder.objects.create(
        number=number, estate=unit.estate, unit=unit, owner=owner,
        requester_name=(requester_name or (owner.name if owner else "")).strip(),
        requester_phone=requester_phone or None, kind=kind, source=source, complaint=complaint, trade=trade,
        description=description.strip(), appointment_at=appointment_at, price_item=price_item,
        planned_end_at=planned_end_at,
        registered_at=now, dispatch_due_at=now + timedelta(minutes=rule.minutes), dispatch_mode=rule.mode,
        created_by=actor,
    )
    WorkOrderEvent.objects.create(work_order=order, at=now, actor=actor, to_status=Status.REGISTERED,
                                  data={"dispatch_due_at": order.dispatch_due_at.isoformat()})
    _store_photos(order, cleaned_photos, stage=PhotoStage.REQUEST, actor=actor, now=now)
    return order


@transaction.atomic
def work_order_judge(*, order: WorkOrder, accept: bool, now: datetime, actor=None, explanation: str = "") -> WorkOrder:
    """Can we do it (004 2.3)? If not, the explanation given to the customer is recorded."""
    limits.check_fields(WorkOrder, {"explanation": explanation}, columns={"explanation": "refusal_reason"})
    _require(actor, "repairs.dispatch_workorder")
    order = _locked(order)
    if not accept and not explanation.strip():
        raise ValidationError({"explanation": [_("Write the explanation given to the customer.")]})
    _move(order, Status.ACCEPTED if accept else Status.REFUSED, actor=actor, now=now, note=explanation.strip())
    order.judged_at = now
    order.refusal_reason = "" if accept else explanation.strip()
    order.save()
    if not accept:
        _tell_owner(order, kind="workorder.refused", dedupe="workorder.refused", now=now,
                    params={"number": order.number, "explanation": order.refusal_reason[:300]})
    return order


def _tell_owner(order: WorkOrder, *, kind: str, dedupe: str, params: dict, now: datetime) -> None:
    """Message ``kind`` to the order's owner, once per step of the order (``dedupe`` and
    the count of its events)."""
    if order.owner_id is None:
        return
    notifications.notify_owner(owner=order.owner, kind=kind, params=params, now=now,
                               url=reverse("repairs:portal_detail", args=[order.pk]),
                               dedupe_key=f"{dedupe}:{order.pk}:{order.events.count()}")


def _check_trade(worker: Worker, order: WorkOrder, override: str) -> None:
    if worker.estate_id != order.estate_id:
        raise ValidationError({"worker": [_("%(worker)s works on another estate.") % {"worker": worker}]})
    if not worker.can_do(order.trade) and not override.strip():
        raise ValidationError({"worker": [
            _("%(worker)s does not do %(trade)s. Choose another worker, or give the reason for the exception.")
            % {"worker": worker, "trade": Trade(order.trade).label}
        ]})


def _record_dispatch(order: WorkOrder, now: datetime) -> None:
    order.dispatched_at = now
    order.dispatch_late_by = now - order.dispatch_due_at if now > order.dispatch_due_at else None


@transaction.atomic
def work_order_dispatch(
    *, order: WorkOrder, now: datetime, actor=None, worker: Worker | None = None, trade_override: str = ""
) -> WorkOrder:
    """Get the order into a worker's hands, the way the estate dispatches this kind:
    the desk names the worker; or the order goes to the shared pool; or the next worker
    on duty with the right trade gets it (round robin). Never outside a worker's trade
    without a written reason."""
    limits.check_fields(WorkOrder, {"trade_override": trade_override})
    _require(actor, "repairs.dispatch_workorder")
    order = _locked(order)
    if order.status == Status.REGISTERED:
        raise ValidationError(_("Judge the order before dispatching it."), code="not_judged")
    if order.dispatch_mode == DispatchMode.DESK:
        if worker is None:
            raise ValidationError({"worker": [_("Choose the worker.")]})
        _check_trade(worker, order, trade_override)
    elif order.dispatch_mode == DispatchMode.ROUND_ROBIN:
        worker = worker or _next_on_duty(order)
        if worker is None:
            raise ValidationError({"worker": [_("No worker on duty does %(trade)s.") % {"trade": Trade(order.trade).label}]})
        _check_trade(worker, order, trade_override)
    else:  # the pool: no worker yet; whoever has the trade takes it
        worker = None
    was_dispatched = order.dispatched_at is not None
    _move(order, Status.DISPATCHED, actor=actor, now=now, only_from=(Status.ACCEPTED, Status.DISPATCHED),
          data={"worker": worker.user.get_username() if worker else "", "mode": order.dispatch_mode,
                "override": trade_override.strip()})
    if not was_dispatched:
        _record_dispatch(order, now)
    order.worker = worker
    order.trade_override = trade_override.strip()
    order.save()
    if worker is not None:
        Worker.objects.filter(pk=worker.pk).update(last_assigned_at=now)
        notifications.notify(
            recipients=[worker.user], kind="workorder.dispatched", now=now,
            params={"number": order.number, "unit": order.unit.number, "description": order.description[:300]},
            url=reverse("repairs:my_order", args=[order.pk]),
        )
        # the owner's own key; the dedupe key stays the one it always was
        _tell_owner(order, kind="workorder.assigned", dedupe="workorder.dispatched", now=now,
                    params={"number": order.number, "worker": worker.display_name,
                            "time": messages.at(order.appointment_at)})
    return order


@transaction.atomic
def work_order_register_and_dispatch(
    *, unit: Unit, kind: str, trade: str, description: str, source: str, now: datetime, actor=None,
    owner=None, requester_name: str = "", requester_phone: str = "", appointment_at: datetime | None = None,
    price_item: PriceItem | None = None, planned_end_at: datetime | None = None,
    worker: Worker | None = None, trade_override: str = "",
) -> WorkOrder:
    """A routine job the desk needs no judgement for, in one go: registered, accepted and
    dispatched (by the estate's dispatch mode, or to the worker chosen) in one
    transaction, each step the service it always is, with its event. A dispatch that is
    refused (no worker, the wrong trade, nobody on duty) leaves nothing behind: no order,
    no number taken, no message."""
    _require(actor, "repairs.dispatch_workorder")
    limits.check_fields(WorkOrder, {"trade_override": trade_override})
    if worker is not None and kind in Kind.values and unit is not None:
        rule = DispatchRule.for_order(estate=unit.estate, kind=kind)
        if rule.mode == DispatchMode.POOL:
            raise ValidationError({"worker": [
                _("At %(estate)s the workers take %(kind)s orders from the shared pool: leave the worker empty.")
                % {"estate": unit.estate.name, "kind": Kind(kind).label}]})
    order = work_order_register(
        unit=unit, kind=kind, trade=trade, description=description, source=source, now=now, actor=actor,
        owner=owner, requester_name=requester_name, requester_phone=requester_phone,
        appointment_at=appointment_at, price_item=price_item, planned_end_at=planned_end_at,
    )
    order = work_order_judge(order=order, accept=True, now=now, actor=actor)
    return work_order_dispatch(order=order, now=now, actor=actor, worker=worker, trade_override=trade_override)


def _next_on_duty(order: WorkOrder) -> Worker | None:
    """The worker on duty with the trade who was given an order longest ago."""
    from django.db.models import F

    return (
        Worker.objects.select_for_update()
        .filter(estate=order.estate, on_duty=True, trades__contains=[order.trade])
        .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )


@transaction.atomic
def work_order_take(*, order: WorkOrder, worker: Worker, now: datetime) -> WorkOrder:
    """The worker takes the order and the time is recorded (接单时间). From the pool, the
    first worker with the trade wins; an order dispatched to someone else is refused."""
    order = _locked(order)
    if order.estate_id != worker.estate_id:
        raise PermissionDenied(_("This is not your work order."))
    if order.status == Status.DISPATCHED and order.worker_id not in (None, worker.pk):
        raise ValidationError(_("This order was given to another worker."), code="not_yours")
    if order.worker_id is None and not worker.can_do(order.trade):
        raise ValidationError(_("This order needs %(trade)s.") % {"trade": Trade(order.trade).label}, code="wrong_trade")
    _move(order, Status.TAKEN, actor=worker.user, now=now)
    order.worker = worker
    order.taken_at = now
    order.save()
    return order


def _worker_step(order: WorkOrder, worker: Worker) -> None:
    if order.worker_id != worker.pk:
        raise PermissionDenied(_("This is not your work order."))


@transaction.atomic
def work_order_arrive(*, order: WorkOrder, worker: Worker, now: datetime) -> WorkOrder:
    order = _locked(order)
    _worker_step(order, worker)
    _move(order, Status.ON_SITE, actor=worker.user, now=now, only_from=(Status.TAKEN,))
    order.arrived_at = now
    order.save()
    return order


@transaction.atomic
def work_order_reschedule(
    *, order: WorkOrder, worker: Worker, appointment_at: datetime | None, reason: str, now: datetime
) -> WorkOrder:
    """The worker cannot keep the appointment (or it has passed): a new time and why,
    before he is on site. The timeline keeps the old and the new time; the customer is
    told in their language, with the reason, through the outbox."""
    limits.check_fields(WorkOrderEvent, {"note": reason})
    order = _locked(order)
    _worker_step(order, worker)
    if order.status not in (Status.DISPATCHED, Status.TAKEN):
        raise ValidationError(_("Only a visit not made yet can be moved."), code="not_before_visit")
    errors = limits.date_errors({"appointment_at": appointment_at})
    if appointment_at is None:
        errors.setdefault("appointment_at", [_("Choose the new time of the visit.")])
    elif appointment_at <= now:
        errors.setdefault("appointment_at", [_("The appointment cannot be in the past.")])
    if not reason.strip():
        errors["reason"] = [_("Say why the visit moves: the customer is told.")]
    if errors:
        raise ValidationError(errors)
    old = order.appointment_at
    order.appointment_at = appointment_at
    order.save(update_fields=["appointment_at"])
    WorkOrderEvent.objects.create(
        work_order=order, at=now, actor=worker.user, note=reason.strip(),
        data={"rescheduled_from": timezone.localtime(old).isoformat() if old else "",
              "rescheduled_to": timezone.localtime(appointment_at).isoformat()})
    _tell_owner(order, kind="workorder.rescheduled", dedupe="workorder.rescheduled", now=now,
                params={"number": order.number, "worker": worker.display_name,
                        "time": messages.at(appointment_at), "reason": reason.strip()})
    return order


@transaction.atomic
def work_order_confirm_price(*, order: WorkOrder, worker: Worker, price: Decimal, now: datetime) -> WorkOrder:
    """For a paid service the worker agrees the price with the customer, from the price
    list, before starting (004 2.4.2)."""
    limits.check_fields(WorkOrder, {"price": price}, columns={"price": "agreed_price"})
    order = _locked(order)
    _worker_step(order, worker)
    if order.status != Status.ON_SITE:
        raise ValidationError(_("The price is agreed on site, before the work starts."), code="not_on_site")
    if price is None or price < 0:
        raise ValidationError({"price": [_("Enter the agreed price.")]})
    order.agreed_price = money(price)
    order.price_confirmed_at = now
    order.save(update_fields=["agreed_price", "price_confirmed_at"])
    WorkOrderEvent.objects.create(work_order=order, at=now, actor=worker.user,
                                  data={"agreed_price": str(order.agreed_price)})
    return order


# When the worker may add his photos: "before" from taking the order until the work is
# done, "after" once he is there, and after completion (before the customer signs).
PHOTO_STATUSES = {
    PhotoStage.BEFORE: (Status.TAKEN, Status.ON_SITE, Status.REWORK),
    PhotoStage.AFTER: (Status.ON_SITE, Status.REWORK, Status.COMPLETED),
}


def _photo_event(order: WorkOrder, *, stage: str, count: int, actor, now) -> None:
    WorkOrderEvent.objects.create(work_order=order, at=now, actor=actor, data={"photos": count, "stage": stage})


@transaction.atomic
def work_order_add_photos(*, order: WorkOrder, worker: Worker, stage: str, photos, now: datetime) -> list[WorkOrderPhoto]:
    """The worker's photos of the job, marked before or after the work, with the time:
    the desk sees them at once, the owner once the work is done."""
    order = _locked(order)
    _worker_step(order, worker)
    errors: dict[str, list[str]] = {}
    if stage not in PHOTO_STATUSES:
        errors["stage"] = [_("Say whether the photos are from before or after the work.")]
    elif order.status not in PHOTO_STATUSES[stage]:
        raise ValidationError(
            _("Photos from before the work are added until it is done.") if stage == PhotoStage.BEFORE
            else _("Photos of the finished work are added on site, before the customer signs."),
            code="photo_stage_closed")
    cleaned = clean_photos(photos, errors=errors)
    if not cleaned and "photos" not in errors:
        errors["photos"] = [_("Choose or take a photo.")]
    if errors:
        raise ValidationError(errors)
    stored = _store_photos(order, cleaned, stage=stage, actor=worker.user, now=now)
    _photo_event(order, stage=stage, count=len(stored), actor=worker.user, now=now)
    return stored


@transaction.atomic
def work_order_complete(*, order: WorkOrder, worker: Worker, now: datetime, note: str = "", photos=()) -> WorkOrder:
    """The work is done. Photos of the finished work may come with it (one submit on the
    phone); with WORK_ORDER_REQUIRE_AFTER_PHOTO an order is completed only with one."""
    limits.check_fields(WorkOrderEvent, {"note": note})
    order = _locked(order)
    _worker_step(order, worker)
    if order.is_paid and order.price_confirmed_at is None:
        raise ValidationError(_("Agree the price with the customer before the work."), code="price_not_confirmed")
    # The move first: a refused move says so, rather than asking for a photo. Nothing
    # is kept if the photos are refused after it (one transaction).
    _move(order, Status.COMPLETED, actor=worker.user, now=now, note=note, only_from=(Status.ON_SITE, Status.REWORK))
    errors: dict[str, list[str]] = {}
    cleaned = clean_photos(photos, errors=errors)
    if (settings.WORK_ORDER_REQUIRE_AFTER_PHOTO and not cleaned and "photos" not in errors
            and not order.photos.filter(stage=PhotoStage.AFTER).exists()):
        errors["photos"] = [_("Take a photo of the finished work: this estate completes an order only with one.")]
    if errors:
        raise ValidationError(errors)
    if cleaned:
        _store_photos(order, cleaned, stage=PhotoStage.AFTER, actor=worker.user, now=now)
        _photo_event(order, stage=PhotoStage.AFTER, count=len(cleaned), actor=worker.user, now=now)
    order.completed_at = now
    order.save()
    work_order_completed.send(sender=WorkOrder, order=order, now=now)
    return order


def _may_record_for(order: WorkOrder, actor) -> None:
    """The worker on the order (on his phone) or the desk (from the paper form)."""
    if actor is None or actor.has_perm("repairs.dispatch_workorder"):
        return
    if order.worker_id is None or order.worker.user_id != actor.pk:
        raise PermissionDenied(_("This is not your work order."))


@transaction.atomic
def work_order_customer_verdict(
    *, order: WorkOrder, satisfied: bool, rating: int, now: datetime, actor=None, comment: str = "",
    signature_png: bytes | None = None, signed_on_paper: bool = False, signer_name: str = "",
) -> WorkOrder:
    """The customer tries the result and gives a verdict (验收, 004 2.5), rated 1–5 with a
    comment: satisfied signs it off, with the signature drawn on the worker's phone or
    on the paper form; unsatisfied sends it back for rework, and after a failed rework
    to a supervisor. Every verdict is kept as an ``Acceptance``."""
    limits.check_fields(Acceptance, {"comment": comment, "signer_name": signer_name})
    order = _locked(order)
    _may_record_for(order, actor)
    errors: dict[str, list[str]] = {}
    if rating not in (1, 2, 3, 4, 5):
        errors["rating"] = [_("Give the customer's rating from 1 to 5.")]
    if satisfied and signature_png is None and not signed_on_paper:
        errors["signature"] = [_("The customer signs to accept the work: on the phone, or on the paper form.")]
    if not satisfied and not comment.strip():
        errors["comment"] = [_("Write what the customer is unhappy with.")]
    if errors:
        raise ValidationError(errors)
    Acceptance.objects.create(
        work_order=order, at=now, satisfied=satisfied, rating=rating, comment=comment.strip(),
        signer_name=(signer_name or order.requester_name).strip(),
        signed_on=SignedOn.PAD if signature_png is not None else SignedOn.PAPER if signed_on_paper else SignedOn.NONE,
        signature_png=signature_png, recorded_by=actor,
    )
    data = {"rating": rating}
    if satisfied:
        _move(order, Status.SIGNED_OFF, actor=actor, now=now, note=comment.strip(), data=data,
              only_from=(Status.COMPLETED,))
        order.signed_off_at = now
        order.save()
        work_order_signed_off.send(sender=WorkOrder, order=order, now=now)
        return order
    if order.rework_count == 0:
        _move(order, Status.REWORK, actor=actor, now=now, note=comment.strip(), data=data,
              only_from=(Status.COMPLETED,))
        order.rework_count += 1
    else:
        _move(order, Status.ESCALATED, actor=actor, now=now, note=comment.strip(), data=data,
              only_from=(Status.COMPLETED,))
        notifications.notify(
            recipients=notifications.users_in_roles(SUPERVISOR), kind="workorder.escalated", now=now,
            params={"number": order.number, "comment": comment.strip()[:300]},
            url=reverse("repairs:detail", args=[order.pk]),
            dedupe_key=f"workorder-escalated:{order.pk}:{order.rework_count}",
        )
    order.save()
    return order


@transaction.atomic
def work_order_rectify(*, order: WorkOrder, reason: str, now: datetime, actor=None) -> WorkOrder:
    """A callback found the owner unsatisfied with finished work (001 五.2): the order
    goes back for rework; when it is completed again, a new callback is due. ``reason``
    is what the owner is unhappy with, in their words; the event's ``rectification``
    says it came from a callback (the timeline says so in the reader's language)."""
    limits.check_fields(WorkOrderEvent, {"reason": reason}, columns={"reason": "note"})
    order = _locked(order)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say what the owner is unhappy with.")]})
    _move(order, Status.REWORK, actor=actor, now=now, note=reason.strip(), data={"rectification": True},
          only_from=(Status.COMPLETED, Status.SIGNED_OFF))
    order.rework_count += 1
    order.save()
    return order


@transaction.atomic
def work_order_settle(*, order: WorkOrder, rework: bool, note: str, now: datetime, actor=None) -> WorkOrder:
    """A supervisor decides an escalated order: one more rework, or a settlement signed off."""
    limits.check_fields(WorkOrderEvent, {"note": note})
    _require(actor, "repairs.settle_workorder")
    order = _locked(order)
    if not note.strip():
        raise ValidationError({"note": [_("Record what was agreed with the customer.")]})
    if rework:
        _move(order, Status.REWORK, actor=actor, now=now, note=note.strip(), only_from=(Status.ESCALATED,))
        order.rework_count += 1
    else:
        _move(order, Status.SIGNED_OFF, actor=actor, now=now, note=note.strip(), only_from=(Status.ESCALATED,))
        order.signed_off_at = now
    order.save()
    return order


@transaction.atomic
def work_order_void(*, order: WorkOrder, reason: str, now: datetime, actor=None) -> WorkOrder:
    """The customer cancels: the order is voided (核销), kept with its reason."""
    limits.check_fields(WorkOrder, {"reason": reason}, columns={"reason": "void_reason"})
    _require(actor, "repairs.dispatch_workorder")
    order = _locked(order)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the order is voided.")]})
    _move(order, Status.VOIDED, actor=actor, now=now, note=reason.strip())
    order.voided_at = now
    order.void_reason = reason.strip()
    order.save()
    return order


@transaction.atomic
def work_orders_flag_late_dispatch(*, as_of: datetime, ids: list[int] | None = None) -> int:
    """Alert the desk and the supervisors once about every order still not dispatched past
    its deadline (or those of ``ids`` that are): one conditional UPDATE for all of them,
    which decides between concurrent runs, and the messages in two inserts
    (``notifications.notify_many``), whatever their number. The alert is not a move: the
    order keeps its status and no event row is written. Returns how many were alerted."""
    only = "AND w.id = ANY(%(ids)s)" if ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH alerted AS (
                UPDATE repairs_workorder w SET dispatch_alerted_at = %(as_of)s
                WHERE w.status = ANY(%(undispatched)s) AND w.dispatch_due_at < %(as_of)s
                  AND w.dispatch_alerted_at IS NULL {only}
                RETURNING w.id, w.number, w.unit_id, w.registered_at, w.dispatch_due_at, LEFT(w.description, 200) AS excerpt
            )
            SELECT a.id, a.number, (SELECT u.number FROM owners_unit u WHERE u.id = a.unit_id),
                   a.registered_at, a.dispatch_due_at, a.excerpt
            FROM alerted a ORDER BY a.id  -- the room by primary key: a join was planned as a hash of every unit
        """, {"as_of": as_of, "undispatched": [str(s) for s in UNDISPATCHED], "ids": ids})
        alerted = cursor.fetchall()
    if not alerted:
        return 0
    desk = tuple(sorted(notifications.users_in_roles(FRONT_DESK, SUPERVISOR).values_list("pk", flat=True)))
    notifications.notify_many(messages=[
        notifications.StaffMessage(
            recipients=desk, kind="workorder.dispatch_late", dedupe_key=f"workorder-dispatch-late:{pk}",
            params={"number": number, "minutes": int((due - registered).total_seconds() // 60), "unit": unit,
                    "text": text},
            url=reverse("repairs:detail", args=[pk]),
        )
        for pk, number, unit, registered, due, text in alerted
    ], now=as_of)
    return len(alerted)


def work_order_flag_late_dispatch(*, order_id: int, as_of: datetime) -> bool:
    """Alert the desk once about one order, as ``work_orders_flag_late_dispatch`` does:
    True if this call did it."""
    return work_orders_flag_late_dispatch(as_of=as_of, ids=[order_id]) == 1


@transaction.atomic
def work_order_collect_payment(*, order: WorkOrder, method: str, now: datetime, actor=None):
    """Payment of a paid service once the work is done (004 2.6): cash at completion
    gets a receipt from the one receipt sequence; bank collection puts the charge on the
    unit's next bill. Returns the receipt or the charge."""
    from fees import services as fees
    from repairs.models import PaymentMethod

    order = _locked(order)
    _may_record_for(order, actor)
    if not order.is_paid or order.agreed_price is None:
        raise ValidationError(_("Only a paid service with an agreed price is charged."), code="not_paid_service")
    if order.status not in (Status.COMPLETED, Status.SIGNED_OFF):
        raise ValidationError(_("Payment is taken when the work is done."), code="not_done")
    if order.payment_method != PaymentMethod.NONE:
        raise ValidationError(_("This order has been charged already."), code="already_charged")
    source = f"workorder:{order.pk}"
    # Read in the payer's language (the price list's item is the estate's own words).
    purpose = {"number": order.number,
               "item": order.price_item.name if order.price_item else messages.label(choices=Kind, value=order.kind)}
    if method == PaymentMethod.CASH:
        result = fees.receipt_issue(estate=order.estate, unit=order.unit, amount=order.agreed_price, method="cash",
                                    payer_name=order.requester_name, purpose_key="fees.receipt.paid_service",
                                    purpose_params=purpose, source=source, now=now, actor=actor)
    elif method == PaymentMethod.BANK_COLLECTION:
        result = fees.bank_charge_add(unit=order.unit, amount=order.agreed_price, description_key="fees.receipt.paid_service",
                                      description_params=purpose, source=source, now=now)
    else:
        raise ValidationError({"method": [_("Choose cash or bank collection.")]})
    order.payment_method = method
    order.save(update_fields=["payment_method"])
    return result


# ---- the owner ---------------------------------------------------------------


@transaction.atomic
def work_order_cancel_by_owner(*, order: WorkOrder, owner, reason: str, now: datetime) -> WorkOrder:
    """An owner cancels their own request from the portal, as long as no worker has it
    yet; afterwards the desk voids it (the worker brings the form back, 004 2.4.2)."""
    limits.check_fields(WorkOrder, {"reason": reason}, columns={"reason": "void_reason"})
    order = _locked(order)
    if order.owner_id != owner.pk and not owns_now(owner=owner, unit=order.unit):
        raise PermissionDenied(_("This is not your work order."))
    if order.status not in UNDISPATCHED:
        raise ValidationError(
            _("A worker already has this order. Please call the service centre to cancel it."), code="dispatched")
    # Without a reason of the owner's nothing is written: "by_owner" says who cancelled,
    # and the pages say it in the reader's language.
    reason = (reason or "").strip()
    _move(order, Status.VOIDED, actor=owner.user, now=now, note=reason, data={"by_owner": True})
    order.voided_at = now
    order.void_reason = reason[:200]
    order.save()
    return order


# ---- from a complaint ------------------------------------------------------------


@transaction.atomic
def work_order_from_complaint(
    *, complaint, kind: str, trade: str, now: datetime, actor=None, description: str = "",
    appointment_at: datetime | None = None,
) -> WorkOrder:
    """A repair complaint becomes a work order (source: complaint). The complaint's
    timeline says so in a public note, so the owner can follow the repair."""
    from complaints import messages as complaint_messages
    from complaints import services as complaints
    from propertydesk.messages import nested

    _require(actor, "repairs.add_workorder")
    if not complaint.can_become_work_order:
        raise ValidationError(_("Only a repair complaint becomes a work order."), code="not_repair")
    if not complaint.is_open:
        raise ValidationError(_("The complaint is closed."), code="complaint_closed")
    order = work_order_register(
        unit=complaint.unit, kind=kind, trade=trade, source=Source.COMPLAINT, complaint=complaint, now=now,
        actor=actor, owner=complaint.owner, requester_name=complaint.contact_name or "",
        requester_phone=complaint.contact_phone or "", appointment_at=appointment_at,
        description=(description or complaint.description),
    )
    complaints.complaint_add_progress(
        complaint=complaint, now=now, actor=None,
        note_message=nested(complaint_messages.WORK_ORDER_OPENED, {"number": order.number}),
    )
    return order


# ---- materials, tools, damage ----------------------------------------------------


@transaction.atomic
def work_order_draw(
    *, order: WorkOrder, kind: str, name: str, quantity: Decimal, now: datetime, actor=None, unit_label: str = "",
) -> MaterialDraw:
    """Record a material or tool drawn from the store for this order (004 2.4.3)."""
    limits.check_fields(MaterialDraw, {"name": name, "quantity": quantity, "unit_label": unit_label})
    order = _locked(order)
    _may_record_for(order, actor)
    errors: dict[str, list[str]] = {}
    if kind not in DrawKind.values:
        errors["kind"] = [_("Material or tool?")]
    if not (name or "").strip():
        errors["name"] = [_("Name the material or tool.")]
    if quantity is None or quantity <= 0:
        errors["quantity"] = [_("The quantity must be more than zero.")]
    if errors:
        raise ValidationError(errors)
    if order.status not in (Status.DISPATCHED, Status.TAKEN, Status.ON_SITE, Status.REWORK, Status.ESCALATED):
        raise ValidationError(_("Materials are drawn while the work is under way."), code="not_under_way")
    return MaterialDraw.objects.create(work_order=order, kind=kind, name=name.strip(), quantity=quantity,
                                       unit_label=(unit_label or "").strip(), drawn_at=now, drawn_by=actor)


@transaction.atomic
def work_order_return_tool(*, draw: MaterialDraw, now: datetime, actor=None) -> MaterialDraw:
    draw = MaterialDraw.objects.select_for_update(of=("self",)).select_related("work_order__worker").get(pk=draw.pk)
    _may_record_for(draw.work_order, actor)
    if draw.kind != DrawKind.TOOL:
        raise ValidationError(_("Only a borrowed tool is returned."), code="not_tool")
    if draw.returned_at is not None:
        raise ValidationError(_("This tool was returned already."), code="returned")
    draw.returned_at = now
    draw.save(update_fields=["returned_at"])
    return draw


@transaction.atomic
def damage_report(*, order: WorkOrder, description: str, now: datetime, actor=None) -> DamageIncident:
    """The worker damaged or lost something of the customer's: the supervisor is told at
    once and settles the compensation with the customer (004 2.5.4)."""
    limits.check_fields(DamageIncident, {"description": description})
    order = _locked(order)
    _may_record_for(order, actor)
    if not (description or "").strip():
        raise ValidationError({"description": [_("Describe what was damaged or lost.")]})
    if order.status in (Status.REGISTERED, Status.ACCEPTED, Status.REFUSED, Status.VOIDED):
        raise ValidationError(_("Damage is reported on an order that was worked on."), code="not_worked")
    incident = DamageIncident.objects.create(work_order=order, description=description.strip(), reported_at=now,
                                             reported_by=actor)
    WorkOrderEvent.objects.create(work_order=order, at=now, actor=actor, note=incident.description,
                                  data={"damage": incident.pk})
    notifications.notify(
        recipients=notifications.users_in_roles(SUPERVISOR), kind="workorder.damage", now=now,
        params={"number": order.number, "unit": order.unit.number, "text": incident.description[:200]},
        url=reverse("repairs:detail", args=[order.pk]), dedupe_key=f"workorder-damage:{incident.pk}",
    )
    return incident


@transaction.atomic
def damage_settle(*, incident: DamageIncident, compensation: Decimal, agreement: str, now: datetime,
                  actor=None) -> DamageIncident:
    """The management office and the customer agree the compensation (may be zero)."""
    limits.check_fields(DamageIncident, {"compensation": compensation, "agreement": agreement})
    _require(actor, "repairs.settle_workorder")
    incident = DamageIncident.objects.select_for_update().get(pk=incident.pk)
    errors: dict[str, list[str]] = {}
    if compensation is None or compensation < 0:
        errors["compensation"] = [_("Enter the agreed compensation (0 if none).")]
    if not (agreement or "").strip():
        errors["agreement"] = [_("Record what was agreed with the customer.")]
    if errors:
        raise ValidationError(errors)
    if incident.status != DamageStatus.REPORTED:
        raise ValidationError(_("The compensation was agreed already."), code="settled")
    incident.status = DamageStatus.SETTLED
    incident.compensation = money(compensation)
    incident.agreement = agreement.strip()
    incident.settled_at = now
    incident.settled_by = actor
    incident.save()
    WorkOrderEvent.objects.create(work_order_id=incident.work_order_id, at=now, actor=actor, note=incident.agreement,
                                  data={"damage": incident.pk, "compensation": str(incident.compensation)})
    return incident


# ---- the price list ------------------------------------------------------------


@transaction.atomic
def price_item_save(
    *, estate, name: str, trade: str, price: Decimal, unit_label: str, active: bool = True,
    item: PriceItem | None = None, actor=None,
) -> PriceItem:
    """Add a line to the special-service price list, or change one. A changed price
    applies to new orders; an order keeps the price agreed on site."""
    limits.check_fields(PriceItem, {"name": name, "price": price, "unit_label": unit_label})
    _require(actor, "repairs.change_priceitem" if item else "repairs.add_priceitem")
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the service.")]
    if trade not in Trade.values:
        errors["trade"] = [_("Choose the trade the job needs.")]
    if price is None or price < 0:
        errors["price"] = [_("Enter a price of 0 or more.")]
    if not (unit_label or "").strip():
        errors["unit_label"] = [_("Say what the price is per (job, metre, hour…).")]
    clash = PriceItem.objects.filter(estate=estate, name=name)
    if item is not None:
        clash = clash.exclude(pk=item.pk)
    if name and clash.exists():
        errors["name"] = [_("This estate's price list already has “%(name)s”.") % {"name": name}]
    if errors:
        raise ValidationError(errors)
    item = PriceItem.objects.select_for_update().get(pk=item.pk) if item else PriceItem(estate=estate)
    item.name, item.trade, item.price = name, trade, money(price)
    item.unit_label, item.active = unit_label.strip(), active
    item.save()
    return item


REVEAL_PERMISSION = "owners.reveal_owner_pii"
# The orders whose customer the assigned worker may call: from dispatch until signed off.
CALLABLE_BY_WORKER = (Status.DISPATCHED, Status.TAKEN, Status.ON_SITE, Status.REWORK, Status.COMPLETED,
                      Status.ESCALATED)


def may_call_customer(*, order: WorkOrder, user) -> bool:
    """The desk and supervisors (who may reveal owners' numbers), and the worker the order
    is assigned to while it is in his hands; nobody else, another worker included."""
    if user.has_perm(REVEAL_PERMISSION):
        return True
    return (order.worker_id is not None and order.status in CALLABLE_BY_WORKER
            and order.worker.user_id == user.pk)


@transaction.atomic
def work_order_reveal_phone(*, order: WorkOrder, user, now: datetime, ip_address: str | None = None) -> str:
    """The requester's full number, to call from the order's page, logged as the owner
    page's reveal is, naming the order and why: the desk's call, or the assigned worker's."""
    if not may_call_customer(order=order, user=user):
        raise PermissionDenied(_("Only the worker this order is assigned to may call its customer."))
    reason = RevealReason.WORK_ORDER if user.has_perm(REVEAL_PERMISSION) else RevealReason.ASSIGNED_ORDER
    return owner_services.record_phone_reveal(
        record_number=order.number, phone=order.requester_phone, owner=order.owner, user=user,
        reason=reason, now=now, ip_address=ip_address,
    )
