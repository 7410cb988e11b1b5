"""The desk's and supervisors' work-order pages: the queue, registration, the order
page with its actions, the printed work order (派工单), the price list. Thin: parse,
call a service or selector, render."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fees.models import BankCollectionCharge, Receipt
from owners.models import Estate, Unit
from owners.selectors import owner_of_record
from propertydesk import files, periods, reveal
from propertydesk.actions import render_form, run_action
from propertydesk.paging import CappedPaginator
from propertydesk.web import day_ranges, moments_of, params_of, staff_required
from repairs import selectors, services
from repairs.forms import (
    ALL,
    DISPATCH_NOW,
    DamageForm,
    DamageSettleForm,
    DispatchForm,
    DrawForm,
    FromComplaintForm,
    JudgeForm,
    PaymentForm,
    PriceItemForm,
    QueueFilterForm,
    RegisterForm,
    ReturnToolForm,
    SettleForm,
    VerdictForm,
    VoidForm,
)
from repairs.models import (
    UNDISPATCHED,
    DamageIncident,
    MaterialDraw,
    PaymentMethod,
    PriceItem,
    Source,
    Status,
    Trade,
    Worker,
)

VIEW = "repairs.view_workorder"
DISPATCH = "repairs.dispatch_workorder"
SETTLE = "repairs.settle_workorder"
UNDER_WAY = (Status.DISPATCHED, Status.TAKEN, Status.ON_SITE, Status.REWORK, Status.ESCALATED)
WORKED_ON = (Status.DISPATCHED, Status.TAKEN, Status.ON_SITE, Status.COMPLETED, Status.REWORK, Status.ESCALATED,
             Status.SIGNED_OFF)


def _month(now):
    start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, start + relativedelta(months=1)


# ---- the queue -------------------------------------------------------------

# The queue's filters on when things happened (the dashboard's links): ?completed_from=…&completed_to=…
MOMENTS = {"dispatched": gettext_lazy("Dispatched"), "completed": gettext_lazy("Completed")}


def queue_rows(params, *, user):
    """The queue's filter form on ``params`` (a query string), its filters, the orders they
    select in the queue's order, and the dashboard's and staff view's narrowing (day
    ranges, "completed late", a figure): for the page and its .xlsx (repairs/exports.py)."""
    form = QueueFilterForm(params or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or ""
    ranges = day_ranges(params, MOMENTS)
    moments = moments_of(ranges)
    completed_late = params.get("completed_late") == "1"
    orders = selectors.work_order_queue(
        user=user, status="" if status == ALL else status, open_only=not status, kind=filters.get("kind") or "",
        trade=filters.get("trade") or "", estate=filters.get("estate"), late=bool(filters.get("late")),
        query=filters.get("q") or "", moments=moments, completed_late=completed_late,
        undispatched=bool(filters.get("undispatched")), appointment_on=filters.get("appointment"),
    )
    # A figure of the staff view opens this list narrowed to what it counts.
    figure = periods.figure_from_query(params, figures=selectors.STAFF_FIGURES)
    if figure is not None:
        orders = selectors.staff_figure_work_orders(orders, figure=figure)
    return form, filters, orders, ranges, completed_late, figure


@staff_required
@permission_required(VIEW, raise_exception=True)
def queue(request):
    form, filters, orders, ranges, completed_late, figure = queue_rows(request.GET, user=request.user)
    status = filters.get("status") or ""
    now = timezone.now()
    page = CappedPaginator(orders, 30).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.overdue_now = order.status in UNDISPATCHED and order.dispatch_due_at < now
    query_string = request.GET.copy()
    query_string.pop("page", None)
    counts = selectors.work_order_status_counts(user=request.user, estate=filters.get("estate"))
    start, end = _month(now)
    on_time, dispatched = selectors.kpi_dispatch_on_time(start=start, end=end, estate=filters.get("estate"))
    return render(request, "repairs/desk/queue.html", {
        "form": form, "page": page, "now": now, "query_string": query_string.urlencode(),
        "status": status, "counts": counts,
        "status_pills": [(s, label, counts[s]) for s, label in Status.choices],
        "open_count": counts["open"],
        "kpi": {"on_time": on_time, "dispatched": dispatched,
                "rate": round(on_time * 100 / dispatched, 1) if dispatched else None},
        "figure_filter": periods.figure_banner(figure, labels=selectors.STAFF_FIGURES),
        "day_ranges": ranges, "day_range_notes": [_("Completed after the deadline")] if completed_late else [],
        "kept_params": params_of(ranges)
        + ([("completed_late", "1")] if completed_late else []),
    })


# ---- registration ----------------------------------------------------------


def _register(data, user, now):
    """Register the order, and with "accept and dispatch now" judge and dispatch it too,
    in the one transaction of services.work_order_register_and_dispatch."""
    fields = dict(
        unit=data["unit"], owner=owner_of_record(unit=data["unit"]) if data["from_owner"] and data["unit"] else None,
        requester_name=data["requester_name"], requester_phone=data["requester_phone"], kind=data["kind"],
        trade=data["trade"], description=data["description"], appointment_at=data["appointment_at"],
        price_item=data["price_item"], planned_end_at=data["planned_end_at"], source=data["source"],
        actor=user, now=now,
    )
    if data.get("next_step") == DISPATCH_NOW:
        return services.work_order_register_and_dispatch(
            **fields, worker=data["worker"], trade_override=data["trade_override"])
    return services.work_order_register(**fields)


def _registered(order) -> str:
    if order.status == Status.DISPATCHED:
        return dispatched_message(order)
    return _("Work order %(number)s registered; it must reach a worker by %(time)s.") % {
        "number": order.number, "time": timezone.localtime(order.dispatch_due_at).strftime("%H:%M")}


@staff_required
@permission_required("repairs.add_workorder", raise_exception=True)
def register(request):
    initial = {"source": Source.PHONE, "from_owner": True, "next_step": DISPATCH_NOW}
    unit = Unit.objects.select_related("estate").filter(pk=request.GET.get("unit") or 0).first()
    if unit:
        initial.update(estate=unit.estate_id, unit_number=unit.number)
    else:
        initial["estate"] = selectors.register_estate_id(user=request.user)
    form = RegisterForm(request.POST or None, initial=initial)
    can_dispatch = request.user.has_perm(DISPATCH)
    if not can_dispatch:  # judging and dispatching are not theirs: register only
        for name in ("next_step", "worker", "trade_override"):
            del form.fields[name]

    def page(form):
        prices = PriceItem.objects.filter(active=True).select_related("estate").order_by("estate__name", "trade", "name")
        return render_form(request, "repairs/desk/register.html", form, prices=prices, can_dispatch=can_dispatch,
                           dispatch_minutes=settings.WORK_ORDER_DISPATCH_MINUTES)

    if request.method != "POST":
        return page(form)
    return run_action(
        request, form=form, rerender=page, aliases={"owner": "from_owner"},
        run=lambda _none, data, user, now: _register(data, user, now),
        message=_registered,
        done_url=lambda order: reverse("repairs:detail", args=[order.pk]),
    )


# ---- the order page ----------------------------------------------------------


def _forms(order, bound=None):
    forms = {
        "judge": JudgeForm(), "dispatch": DispatchForm(order=order, initial={"worker": order.worker_id}), "void": VoidForm(),
        "verdict": VerdictForm(initial={"signer_name": order.requester_name, "rating": 5}),
        "settle": SettleForm(), "draw": DrawForm(), "damage": DamageForm(),
        "damage_settle": DamageSettleForm(), "payment": PaymentForm(),
    }
    if bound:
        forms.update(bound)
    return forms


def _is_own_worker(user, order) -> bool:
    return order.worker_id is not None and order.worker.user_id == user.pk


def _label_events(order) -> list:
    """The timeline, with the worker named in each dispatch event shown by name."""
    events = list(order.events.all())
    usernames = {e.data.get("worker") for e in events if isinstance(e.data, dict) and e.data.get("worker")}
    names = {}
    if usernames:
        names = {w.user.get_username(): w.display_name
                 for w in Worker.objects.filter(user__username__in=usernames).select_related("user")}
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        event.worker_name = names.get(data.get("worker"), data.get("worker") or "")
    return events


@staff_required
@permission_required(VIEW, raise_exception=True)
def detail(request, pk, bound=None, status=200):
    order = selectors.work_order_detail(order_id=pk, user=request.user)
    now = timezone.now()
    user = request.user
    can_dispatch = user.has_perm(DISPATCH)
    can_record = can_dispatch or _is_own_worker(user, order)
    allowed = order.allowed_next()
    payment = selectors.work_order_payment(order=order) if order.is_paid else None
    receipt = payment if isinstance(payment, Receipt) else None
    charge = payment if isinstance(payment, BankCollectionCharge) else None
    workers = selectors.workers_for_dispatch(order=order) if can_dispatch and Status.DISPATCHED in allowed else []
    shown = bound is None and reveal.take(request, f"workorder:{order.pk}")
    response = render(request, "repairs/desk/detail.html", {
        "order": order, "now": now, "forms": _forms(order, bound), "events": _label_events(order),
        "photos": selectors.photos_by_stage(order.all_photos),
        "workers": workers, "receipt": receipt, "charge": charge, "blank_damage_settle": DamageSettleForm(),
        "overdue_now": order.status in UNDISPATCHED and order.dispatch_due_at < now,
        "show": {
            "judge": can_dispatch and order.status == Status.REGISTERED,
            "dispatch": can_dispatch and order.status in (Status.ACCEPTED, Status.DISPATCHED),
            "void": can_dispatch and Status.VOIDED in allowed,
            "verdict": can_dispatch and order.status == Status.COMPLETED,
            "settle": user.has_perm(SETTLE) and order.status == Status.ESCALATED,
            "draw": can_record and order.status in UNDER_WAY,
            "return_tool": can_record,
            "damage": can_record and order.status in WORKED_ON,
            "damage_settle": user.has_perm(SETTLE),
            "payment": (can_dispatch and order.is_paid and order.agreed_price is not None
                        and order.status in (Status.COMPLETED, Status.SIGNED_OFF)
                        and order.payment_method == PaymentMethod.NONE),
        },
        "can_reveal_phone": services.may_call_customer(order=order, user=user),
        "revealed_phone": order.requester_phone if shown else None,
    }, status=status)
    return reveal.unstored(response) if shown else response


@never_cache
@staff_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def reveal_phone(request, pk):
    """Show the requester's number on the order's page, for the call; logged."""
    order = selectors.work_order_detail(order_id=pk, user=request.user)
    return reveal.reveal_in_place(
        request, key=f"workorder:{order.pk}",
        reveal=lambda **at: services.work_order_reveal_phone(order=order, user=request.user, **at),
        back_url=reverse("repairs:detail", args=[pk]),
    )


def _return_tool(order, data, user, now):
    draw = get_object_or_404(MaterialDraw, pk=data["draw"], work_order=order)
    return services.work_order_return_tool(draw=draw, actor=user, now=now)


def _settle_damage(order, data, user, now):
    incident = get_object_or_404(DamageIncident, pk=data["incident"], work_order=order)
    return services.damage_settle(incident=incident, compensation=data["compensation"],
                                  agreement=data["agreement"], actor=user, now=now)


def _collect(order, data, user, now):
    result = services.work_order_collect_payment(order=order, method=data["method"], actor=user, now=now)
    if data["method"] == PaymentMethod.CASH:
        return _("Cash received: receipt %(number)s for ¥%(amount)s.") % {
            "number": result.number, "amount": result.amount}
    return _("¥%(amount)s goes on the unit's next bill for bank collection.") % {"amount": result.amount}


# name: (form class, permission needed or None when the service decides, what to do).
# A "run" that returns a string has its own success message.
ACTIONS = {
    "judge": (JudgeForm, DISPATCH, lambda o, d, u, now: services.work_order_judge(
        order=o, accept=d["decision"] == "accept", explanation=d["explanation"], actor=u, now=now)),
    "dispatch": (DispatchForm, DISPATCH, lambda o, d, u, now: services.work_order_dispatch(
        order=o, worker=d["worker"], trade_override=d["trade_override"], actor=u, now=now)),
    "void": (VoidForm, DISPATCH, lambda o, d, u, now: services.work_order_void(
        order=o, reason=d["reason"], actor=u, now=now)),
    "verdict": (VerdictForm, DISPATCH, lambda o, d, u, now: services.work_order_customer_verdict(
        order=o, satisfied=d["satisfied"], rating=d["rating"], comment=d["comment"], signer_name=d["signer_name"],
        signed_on_paper=d["signed_on_paper"], actor=u, now=now)),
    "settle": (SettleForm, SETTLE, lambda o, d, u, now: services.work_order_settle(
        order=o, rework=d["decision"] == "rework", note=d["note"], actor=u, now=now)),
    "draw": (DrawForm, None, lambda o, d, u, now: services.work_order_draw(
        order=o, kind=d["kind"], name=d["name"], quantity=d["quantity"], unit_label=d["unit_label"],
        actor=u, now=now)),
    "return_tool": (ReturnToolForm, None, _return_tool),
    "damage": (DamageForm, None, lambda o, d, u, now: services.damage_report(
        order=o, description=d["description"], actor=u, now=now)),
    "damage_settle": (DamageSettleForm, SETTLE, _settle_damage),
    "payment": (PaymentForm, DISPATCH, _collect),
}
# Field names a service uses that the form calls differently.
ALIASES = {"verdict": {"signature": "signed_on_paper"}}


def _hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def dispatched_message(order) -> str:
    """What a dispatch did: the worker named, or the pool the order went to."""
    if order.worker_id:
        return _("Work order %(number)s dispatched to %(worker)s.") % {
            "number": order.number, "worker": order.worker.display_name}
    return _("Work order %(number)s is in the shared pool: the first %(trade)s worker to take it gets it.") % {
        "number": order.number, "trade": Trade(order.trade).label}


def _judged(order) -> str:
    if order.status == Status.REFUSED:
        return _("Work order %(number)s refused; the explanation is recorded for the customer.") % {
            "number": order.number}
    return _("Work order %(number)s accepted; dispatch it by %(time)s.") % {
        "number": order.number, "time": _hhmm(order.dispatch_due_at)}


def _verdict(order) -> str:
    if order.status == Status.SIGNED_OFF:
        return _("Work order %(number)s signed off by the customer.") % {"number": order.number}
    if order.status == Status.ESCALATED:
        return _("The customer is still not satisfied: work order %(number)s goes to the supervisors.") % {
            "number": order.number}
    return _("The customer is not satisfied: work order %(number)s is back for rework.") % {"number": order.number}


# What each action says it did: a function of the order the page is about and what its service returned.
SAID = {
    "judge": lambda o, result: _judged(result),
    "dispatch": lambda o, result: dispatched_message(result),
    "void": lambda o, result: _("Work order %(number)s voided.") % {"number": o.number},
    "verdict": lambda o, result: _verdict(result),
    "settle": lambda o, result: (
        _("One more rework ordered on work order %(number)s.") if result.status == Status.REWORK
        else _("Work order %(number)s settled and signed off.")) % {"number": o.number},
    "draw": lambda o, draw: _("Recorded on work order %(number)s: %(item)s.") % {"number": o.number, "item": draw},
    "return_tool": lambda o, draw: _("%(item)s returned to the store.") % {"item": draw.name},
    "damage": lambda o, result: _(
        "Damage reported on work order %(number)s; the supervisors have been told.") % {"number": o.number},
    "damage_settle": lambda o, incident: _("Compensation of ¥%(amount)s agreed on work order %(number)s.") % {
        "amount": incident.compensation, "number": o.number},
    "payment": lambda o, said: said,
}


@staff_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def action(request, pk, name):
    if name not in ACTIONS:
        raise Http404
    form_class, perm, run = ACTIONS[name]
    if perm and not request.user.has_perm(perm):
        raise PermissionDenied
    order = selectors.work_order_detail(order_id=pk, user=request.user)
    form = form_class(request.POST, order=order) if form_class is DispatchForm else form_class(request.POST)
    if form_class is ReturnToolForm and not form.is_valid():
        raise Http404
    return run_action(
        request, target=order, form=form, run=run, aliases=ALIASES.get(name),
        rerender=lambda form: detail(request, pk, bound={name: form}, status=400),
        back_url=reverse("repairs:detail", args=[pk]),
        message=lambda result: SAID[name](order, result),
    )


# ---- the printed work order -------------------------------------------------


@staff_required
@permission_required(VIEW, raise_exception=True)
def print_order(request, pk):
    order = selectors.work_order_detail(order_id=pk, user=request.user)
    return render(request, "repairs/desk/print.html", {
        "order": order, "now": timezone.now(),
        "copies": [("desk", _("Desk copy")), ("worker", _("Worker copy"))],
    })


# ---- the price list ----------------------------------------------------------


@staff_required
@permission_required("repairs.view_priceitem", raise_exception=True)
def price_list(request):
    estates = list(Estate.objects.order_by("name"))
    estate = next((e for e in estates if str(e.pk) == request.GET.get("estate")), estates[0] if estates else None)
    can_edit = request.user.has_perm("repairs.change_priceitem")
    items = selectors.price_list(estate=estate, active_only=not can_edit) if estate else []
    return render(request, "repairs/desk/price_list.html", {
        "estates": estates, "estate": estate, "items": items, "can_edit": can_edit,
        "can_add": request.user.has_perm("repairs.add_priceitem"),
    })


def _price_item_form(request, item=None):
    initial = {"active": True}
    if item is not None:
        initial = {"estate": item.estate_id, "name": item.name, "trade": item.trade, "price": item.price,
                   "unit_label": item.unit_label, "active": item.active}
    elif request.GET.get("estate"):
        initial["estate"] = request.GET["estate"]
    form = PriceItemForm(request.POST or None, initial=initial)
    if item is not None:
        form.fields["estate"].disabled = True
    if request.method != "POST":
        return render_form(request, "repairs/desk/price_form.html", form, item=item)
    return run_action(
        request, target=item, form=form,
        run=lambda item, data, user, now: services.price_item_save(
            estate=item.estate if item else data["estate"], name=data["name"], trade=data["trade"],
            price=data["price"], unit_label=data["unit_label"], active=data["active"], item=item, actor=user,
        ),
        rerender=lambda form: render_form(request, "repairs/desk/price_form.html", form, item=item),
        message=lambda saved: _("Price list saved: %(item)s.") % {"item": saved.name},
        done_url=lambda saved: f"{reverse('repairs:price_list')}?estate={saved.estate_id}",
    )


@staff_required
@permission_required("repairs.add_priceitem", raise_exception=True)
def price_item_new(request):
    return _price_item_form(request)


@staff_required
@permission_required("repairs.change_priceitem", raise_exception=True)
def price_item_edit(request, pk):
    return _price_item_form(request, get_object_or_404(PriceItem.objects.select_related("estate"), pk=pk))


# ---- from a complaint ------------------------------------------------------------


@staff_required
@permission_required("repairs.add_workorder", raise_exception=True)
@require_POST
def from_complaint(request, complaint_pk):
    from complaints.models import Complaint

    complaint = get_object_or_404(Complaint.objects.select_related("unit__estate", "owner"), pk=complaint_pk)
    back_url = reverse("complaints:detail", args=[complaint.pk])

    def said_on_the_complaint(form):
        # The form is a corner of the complaint's page: its errors go there as messages.
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(back_url)

    return run_action(
        request, target=complaint, form=FromComplaintForm(request.POST), rerender=said_on_the_complaint,
        run=lambda complaint, data, user, now: services.work_order_from_complaint(
            complaint=complaint, kind=data["kind"], trade=data["trade"], appointment_at=data["appointment_at"],
            actor=user, now=now,
        ),
        message=lambda order: _("Work order %(number)s opened for this complaint.") % {"number": order.number},
        back_url=back_url, done_url=lambda order: reverse("repairs:detail", args=[order.pk]),
    )


# ---- the customer's signature ------------------------------------------------------


@staff_required
@permission_required(VIEW, raise_exception=True)
def signature(request, pk):
    png = selectors.acceptance_signature(acceptance_id=pk, user=request.user)
    if not png:
        raise Http404
    response = HttpResponse(bytes(png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- photos ------------------------------------------------------------------------


@login_required
def photo(request, pk, photo_pk):
    """A photo of an order, for whoever may open the order: the desk, the order's worker,
    the order's owner (the worker's photos once the work is done). Anyone else: 404."""
    item = selectors.work_order_photo(order_id=pk, photo_id=photo_pk, user=request.user)
    return files.serve(request, item.file, filename=item.download_name, content_type=item.content_type)


urlpatterns = [
    path("", queue, name="queue"),
    path("new/", register, name="register"),
    path("prices/", price_list, name="price_list"),
    path("prices/new/", price_item_new, name="price_item_new"),
    path("prices/<int:pk>/edit/", price_item_edit, name="price_item_edit"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/print/", print_order, name="print"),
    path("<int:pk>/phone/", reveal_phone, name="reveal_phone"),
    path("<int:pk>/photos/<int:photo_pk>/", photo, name="photo"),
    path("<int:pk>/<slug:name>/", action, name="action"),
    path("from-complaint/<int:complaint_pk>/", from_complaint, name="from_complaint"),
    path("acceptances/<int:pk>/signature.png", signature, name="signature"),
]
