"""The worker's phone: his orders and one order as a step-by-step page (004 2.4–2.6).

Every step is a POST to ``my_action`` that calls one service and redirects back to the
order (PRG); a field error re-renders the order with the form, as a 400."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fees.models import Receipt
from propertydesk import reveal
from propertydesk.actions import run_action
from propertydesk.limits import max_length
from propertydesk.roles import worker_of
from propertydesk.web import DATETIME_INPUT, BusinessDateTimeField, PhotosField
from repairs import selectors, services
from repairs.models import (
    Acceptance,
    DamageIncident,
    DrawKind,
    PaymentMethod,
    PhotoStage,
    Status,
    WorkOrder,
    WorkOrderEvent,
)
from repairs.signature import SIGNATURE_MAX_LENGTH, signature_from_data_url

# An appointment this close is highlighted on the list.
SOON = timedelta(hours=1)
TIMELINE_EVENTS = 5


def worker_required(view):
    """Only a user with a Worker record; the view gets the Worker after the request."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        worker = worker_of(request.user)
        if worker is None:
            raise PermissionDenied
        return view(request, worker, *args, **kwargs)

    return wrapped


# ---- forms -------------------------------------------------------------------


class PriceForm(forms.Form):
    price = forms.DecimalField(
        label=gettext_lazy("Agreed price (yuan)"), min_value=Decimal("0"), max_digits=12, decimal_places=2,
        error_messages={"required": gettext_lazy("Enter the agreed price."),
                        "min_value": gettext_lazy("Enter the agreed price.")},
    )


class DrawForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Material or tool"), choices=DrawKind.choices,
                             initial=DrawKind.MATERIAL)
    name = forms.CharField(label=gettext_lazy("Item"), max_length=100,
                           error_messages={"required": gettext_lazy("Name the material or tool.")})
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2, initial=1,
        error_messages={"required": gettext_lazy("The quantity must be more than zero."),
                        "min_value": gettext_lazy("The quantity must be more than zero.")},
    )
    unit_label = forms.CharField(label=gettext_lazy("Unit of measure"), max_length=20, required=False)


class ReturnForm(forms.Form):
    draw = forms.IntegerField(widget=forms.HiddenInput)


class DamageForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("What was damaged or lost"), widget=forms.Textarea,
                                  max_length=max_length(DamageIncident, "description"),
                                  error_messages={"required": gettext_lazy("Describe what was damaged or lost.")})


class CompleteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, widget=forms.Textarea,
                           max_length=max_length(WorkOrderEvent, "note"))
    photos = PhotosField(label=gettext_lazy("Photos of the finished work"))


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("The photos show"), widget=forms.RadioSelect,
                              choices=[(PhotoStage.BEFORE, PhotoStage.BEFORE.label),
                                       (PhotoStage.AFTER, PhotoStage.AFTER.label)],
                              error_messages={"required": gettext_lazy(
                                  "Say whether the photos are from before or after the work.")})
    photos = PhotosField(label=gettext_lazy("Photos"))


class RescheduleForm(forms.Form):
    appointment_at = BusinessDateTimeField(label=gettext_lazy("New time of the visit"), widget=DATETIME_INPUT)
    reason = forms.CharField(label=gettext_lazy("Why (the customer is told)"), widget=forms.Textarea,
                             max_length=max_length(WorkOrderEvent, "note"),
                             error_messages={"required": gettext_lazy("Say why the visit moves: the customer is told.")})


class AcceptForm(forms.Form):
    satisfied = forms.TypedChoiceField(
        label=gettext_lazy("Is the customer satisfied?"), coerce=lambda value: value == "yes",
        choices=[("yes", gettext_lazy("Satisfied")), ("no", gettext_lazy("Not satisfied"))], initial="yes",
    )
    rating = forms.TypedChoiceField(label=gettext_lazy("Rating"), coerce=int,
                                    choices=[(n, str(n)) for n in range(1, 6)],
                                    error_messages={"required": gettext_lazy("Tap the stars to rate the work.")})
    comment = forms.CharField(label=gettext_lazy("Customer's comment"), required=False, widget=forms.Textarea,
                              max_length=max_length(Acceptance, "comment"))
    signer_name = forms.CharField(label=gettext_lazy("Signed by"), max_length=100, required=False)
    signature = forms.CharField(label=gettext_lazy("Customer's signature"), required=False, widget=forms.HiddenInput,
                                max_length=SIGNATURE_MAX_LENGTH)


class PayForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("Payment"), choices=[
        (PaymentMethod.CASH, PaymentMethod.CASH.label),
        (PaymentMethod.BANK_COLLECTION, PaymentMethod.BANK_COLLECTION.label),
    ])


# ---- what comes next -----------------------------------------------------------


def next_step(order: WorkOrder) -> str:
    """The one thing the worker does next on this order ("" when nothing is left)."""
    if order.status == Status.DISPATCHED:
        return "take"
    if order.status == Status.TAKEN:
        return "arrive"
    if order.status == Status.ON_SITE:
        return "price" if order.is_paid and order.price_confirmed_at is None else "complete"
    if order.status == Status.REWORK:
        return "complete"
    if order.status == Status.COMPLETED:
        return "accept"
    if order.status == Status.SIGNED_OFF and _payment_due(order):
        return "pay"
    return ""


def _payment_due(order: WorkOrder) -> bool:
    return (order.is_paid and order.agreed_price is not None and order.payment_method == PaymentMethod.NONE
            and order.status in (Status.COMPLETED, Status.SIGNED_OFF))


def _appointment_state(order: WorkOrder, now) -> str:
    """"past" or "soon" while the worker still has to get there; "" otherwise."""
    if order.appointment_at is None or order.status not in (Status.DISPATCHED, Status.TAKEN):
        return ""
    if order.appointment_at < now:
        return "past"
    return "soon" if order.appointment_at - now <= SOON else ""


def _annotate(orders, now):
    orders = list(orders)
    for order in orders:
        order.step = next_step(order)
        order.appointment_state = _appointment_state(order, now)
        order.payment_due = _payment_due(order)
    return orders


# ---- pages ---------------------------------------------------------------------


@worker_required
def my_orders(request, worker):
    now = timezone.now()
    mine = _annotate(selectors.worker_orders(worker=worker), now)
    to_take = [o for o in mine if o.status == Status.DISPATCHED]
    pool = _annotate(selectors.pool_orders(worker=worker), now)
    for order in pool:
        order.from_pool = True
    return render(request, "repairs/worker/my_orders.html", {
        "worker": worker, "now": now,
        "to_take": to_take + pool,
        "in_hand": [o for o in mine if o.status != Status.DISPATCHED],
        "done_today": _annotate(selectors.worker_done_today(worker=worker, now=now), now),
    })


def _forms(order: WorkOrder, bound: dict | None):
    price = order.agreed_price if order.agreed_price is not None else getattr(order.price_item, "price", None)
    forms_ = {
        "price": PriceForm(initial={"price": price}),
        "draw": DrawForm(),
        "damage": DamageForm(),
        "complete": CompleteForm(),
        "accept": AcceptForm(initial={"signer_name": order.requester_name}),
        "pay": PayForm(),
        "reschedule": RescheduleForm(),
        "photos": PhotoForm(initial={"stage": _photo_stage(order)}),
    }
    forms_.update(bound or {})
    return forms_


# When the worker may add photos (services.PHOTO_STATUSES says which kind when).
PHOTO_STATUSES = (Status.TAKEN, Status.ON_SITE, Status.REWORK, Status.COMPLETED)


def _photo_stage(order: WorkOrder) -> str:
    """The kind of photo the worker most likely takes now: before the work until he has
    one, then after."""
    if order.status == Status.COMPLETED:
        return PhotoStage.AFTER
    has_before = any(p.stage == PhotoStage.BEFORE for p in getattr(order, "all_photos", ()))
    return PhotoStage.AFTER if has_before and order.status != Status.TAKEN else PhotoStage.BEFORE


def _order_page(request, worker, pk, *, bound=None, status=200):
    order = selectors.worker_order(worker=worker, order_id=pk)
    now = timezone.now()
    mine = order.worker_id == worker.pk
    payment = selectors.work_order_payment(order=order) if order.is_paid else None
    events = list(order.events.all())
    draws = list(order.draws.all())
    working = mine and order.status in (Status.TAKEN, Status.ON_SITE, Status.REWORK, Status.ESCALATED)
    shown = bound is None and mine and reveal.take(request, f"workorder:{order.pk}")
    response = render(request, "repairs/worker/my_order.html", {
        "worker": worker, "order": order, "now": now, "mine": mine,
        "step": next_step(order),
        "forms": _forms(order, bound),
        "error_step": next(iter(bound)) if bound else "",
        "appointment_state": _appointment_state(order, now),
        "payment_due": mine and _payment_due(order),
        "receipt": payment if isinstance(payment, Receipt) else None,
        "charge": payment if payment is not None and not isinstance(payment, Receipt) else None,
        "draws": draws,
        "photos": selectors.photos_by_stage(order.all_photos),
        "can_photo": mine and order.status in PHOTO_STATUSES,
        "after_photo_required": settings.WORK_ORDER_REQUIRE_AFTER_PHOTO,
        "can_draw": working,
        "can_damage": mine and order.status not in (Status.DISPATCHED, Status.VOIDED),
        "can_reschedule": mine and order.status in (Status.DISPATCHED, Status.TAKEN),
        "damages": list(order.damages.all()),
        "can_reprice": mine and order.is_paid and order.status == Status.ON_SITE and order.price_confirmed_at,
        "events": events[-TIMELINE_EVENTS:][::-1],
        "older_events": max(len(events) - TIMELINE_EVENTS, 0),
        "ratings": [5, 4, 3, 2, 1],
        "can_reveal_phone": mine and services.may_call_customer(order=order, user=request.user),
        "revealed_phone": order.requester_phone if shown else None,
    }, status=status)
    return reveal.unstored(response) if shown else response


@worker_required
def my_order(request, worker, pk):
    return _order_page(request, worker, pk)


# ---- steps -----------------------------------------------------------------------


def _take(order, worker, data, now):
    services.work_order_take(order=order, worker=worker, now=now)
    return _("You have taken work order %(number)s.") % {"number": order.number}


def _arrive(order, worker, data, now):
    services.work_order_arrive(order=order, worker=worker, now=now)
    return _("Arrival recorded at %(time)s.") % {"time": timezone.localtime(now).strftime("%H:%M")}


def _price(order, worker, data, now):
    order = services.work_order_confirm_price(order=order, worker=worker, price=data["price"], now=now)
    return _("Price agreed with the customer: ¥%(price)s.") % {"price": order.agreed_price}


def _draw(order, worker, data, now):
    draw = services.work_order_draw(order=order, kind=data["kind"], name=data["name"], quantity=data["quantity"],
                                    unit_label=data["unit_label"], now=now, actor=worker.user)
    return _("Recorded: %(item)s.") % {"item": draw}


def _return(order, worker, data, now):
    draw = next((d for d in order.draws.all() if d.pk == data["draw"]), None)
    if draw is None:
        raise ValidationError(_("This tool is not on this order."), code="no_draw")
    services.work_order_return_tool(draw=draw, now=now, actor=worker.user)
    return _("%(item)s returned to the store.") % {"item": draw.name}


def _damage(order, worker, data, now):
    services.damage_report(order=order, description=data["description"], now=now, actor=worker.user)
    return _("Damage reported; the supervisor has been told and will agree the compensation with the customer.")


def _complete(order, worker, data, now):
    services.work_order_complete(order=order, worker=worker, note=data["note"], photos=data["photos"], now=now)
    return _("Work done. Now the customer tries it and signs.")


def _photos(order, worker, data, now):
    stored = services.work_order_add_photos(order=order, worker=worker, stage=data["stage"], photos=data["photos"],
                                            now=now)
    if data["stage"] == PhotoStage.BEFORE:
        return ngettext("%(count)s photo from before the work added.", "%(count)s photos from before the work added.",
                        len(stored)) % {"count": len(stored)}
    return ngettext("%(count)s photo of the finished work added.", "%(count)s photos of the finished work added.",
                    len(stored)) % {"count": len(stored)}


def _accept(order, worker, data, now):
    signature = None
    if data["satisfied"]:
        try:
            signature = signature_from_data_url(data["signature"])
        except ValidationError as error:
            raise ValidationError({"signature": error.messages}) from None
    order = services.work_order_customer_verdict(
        order=order, satisfied=data["satisfied"], rating=data["rating"], comment=data["comment"],
        signer_name=data["signer_name"], signature_png=signature, now=now, actor=worker.user,
    )
    if order.status == Status.SIGNED_OFF:
        return _("Signed off by the customer. Thank you!")
    if order.status == Status.REWORK:
        return _("The customer is not satisfied: the order is back for rework.")
    return _("The customer is still not satisfied: the order goes to the supervisor.")


def _reschedule(order, worker, data, now):
    order = services.work_order_reschedule(order=order, worker=worker, appointment_at=data["appointment_at"],
                                           reason=data["reason"], now=now)
    return _("The visit moves to %(time)s; the customer has been told.") % {
        "time": timezone.localtime(order.appointment_at).strftime("%Y-%m-%d %H:%M")}


def _pay(order, worker, data, now):
    result = services.work_order_collect_payment(order=order, method=data["method"], now=now, actor=worker.user)
    if isinstance(result, Receipt):
        return _("Cash received. Write receipt number %(number)s on the paper form.") % {"number": result.number}
    return _("The charge goes on the unit's next bill.")


STEPS = {
    "take": (None, _take),
    "arrive": (None, _arrive),
    "price": (PriceForm, _price),
    "draw": (DrawForm, _draw),
    "return": (ReturnForm, _return),
    "damage": (DamageForm, _damage),
    "complete": (CompleteForm, _complete),
    "photos": (PhotoForm, _photos),
    "accept": (AcceptForm, _accept),
    "pay": (PayForm, _pay),
    "reschedule": (RescheduleForm, _reschedule),
}


@worker_required
@require_POST
def my_action(request, worker, pk, name):
    if name not in STEPS:
        raise Http404
    # Only orders of the worker's own estate; the services decide the rest.
    order = get_object_or_404(
        WorkOrder.objects.select_related("unit", "price_item").prefetch_related("draws"),
        pk=pk, estate_id=worker.estate_id,
    )
    if name != "take" and order.worker_id != worker.pk:
        messages.error(request, _("This is not your work order."))
        return redirect("repairs:my_orders")
    form_class, step = STEPS[name]
    form = form_class(request.POST, request.FILES) if form_class else None
    if isinstance(form, (ReturnForm, PayForm)) and not form.is_valid():  # buttons, not fields: nothing to point at
        messages.error(request, _("Something was missing. Please try again."))
        return redirect("repairs:my_order", pk=pk)
    order_url = reverse("repairs:my_order", args=[pk])
    try:
        return run_action(
            request, target=order, form=form, run=lambda order, data, user, now: step(order, worker, data, now),
            rerender=lambda form: _order_page(request, worker, pk, bound={name: form}, status=400),
            # A refused take: the order is someone else's now, and its page is not his to see.
            back_url=reverse("repairs:my_orders") if name == "take" else order_url, done_url=order_url,
        )
    except PermissionDenied as error:
        messages.error(request, str(error) or _("This is not your work order."))
        return redirect("repairs:my_orders")


@never_cache
@worker_required
@require_POST
def my_reveal_phone(request, worker, pk):
    """The customer's number on the worker's order, to call him: only on an order
    assigned to this worker (anyone else's is a 404); logged as a reveal with its reason."""
    order = get_object_or_404(WorkOrder.objects.select_related("worker"), pk=pk, worker=worker)
    return reveal.reveal_in_place(
        request, key=f"workorder:{order.pk}",
        reveal=lambda **at: services.work_order_reveal_phone(order=order, user=request.user, **at),
        back_url=reverse("repairs:my_order", args=[pk]),
    )


urlpatterns = [
    path("my/", my_orders, name="my_orders"),
    path("my/<int:pk>/", my_order, name="my_order"),
    path("my/<int:pk>/phone/", my_reveal_phone, name="my_reveal_phone"),
    path("my/<int:pk>/<slug:name>/", my_action, name="my_action"),
]
