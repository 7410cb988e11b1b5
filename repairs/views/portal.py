"""The owner portal's repairs and paid services: my requests, a new repair or a booking
from the price list, the published prices, one request and cancelling it. Thin: parse,
call a service or selector, render. Another owner's order is a 404, never a 403."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from owners.selectors import owner_units
from propertydesk.actions import render_form, run_action
from propertydesk.web import owner_required
from repairs import selectors, services
from repairs.models import UNDISPATCHED, Kind, Source, Status
from repairs.portal_forms import REPAIR, SERVICE, PortalWorkOrderForm


@owner_required
def portal_list(request, owner):
    return render(request, "repairs/portal/list.html", {
        "owner": owner, "orders": selectors.owner_work_orders(owner=owner),
    })


@owner_required
def portal_new(request, owner):
    kind = request.POST.get("kind") or request.GET.get("kind")
    kind = SERVICE if kind == SERVICE else REPAIR
    units = owner_units(owner=owner)
    items = selectors.owner_price_items(owner=owner)
    initial = {}
    if request.method != "POST":
        chosen = items.filter(pk=request.GET["item"]).first() if request.GET.get("item", "").isdigit() else None
        if chosen is not None and kind == SERVICE:
            initial["price_item"] = chosen.pk
            unit = next((u for u in units if u.estate_id == chosen.estate_id), None)
            if unit is not None:
                initial["unit"] = unit.pk
    form = PortalWorkOrderForm(request.POST or None, request.FILES or None, kind=kind, units=units, items=items,
                               initial=initial)

    def page(form):
        return render_form(
            request, "repairs/portal/form.html", form, owner=owner, kind=kind, has_units=bool(units),
            has_items=bool(items), several_estates=len({u.estate_id for u in units}) > 1,
            unit_estates={u.pk: u.estate_id for u in units},
        )

    def register(owner, data, user, now):
        item = data.get("price_item")
        return services.work_order_register(
            unit=data["unit"], owner=owner,
            kind=Kind.SPECIAL_SERVICE if kind == SERVICE else Kind.MINOR_REPAIR,
            trade=item.trade if item else data["trade"], price_item=item,
            description=data["description"] or (item.name if item else ""),
            appointment_at=data["appointment_at"], source=Source.PORTAL, now=now, actor=user,
            photos=data["photos"],
        )

    def thanks(order):
        if kind == SERVICE:
            return _("Thank you. Your booking %(number)s is registered; we will confirm the "
                     "appointment with you.") % {"number": order.number}
        return _("Thank you. Your repair request %(number)s is registered; we will send "
                 "a worker.") % {"number": order.number}

    if request.method != "POST":
        return page(form)
    return run_action(
        request, target=owner, form=form, run=register, rerender=page, message=thanks,
        aliases={"owner": "unit", "trade": "trade" if kind == REPAIR else "price_item"},
        done_url=lambda order: reverse("repairs:portal_detail", args=[order.pk]),
    )


@owner_required
def portal_prices(request, owner):
    estates = {}
    for item in selectors.owner_price_items(owner=owner):
        estates.setdefault(item.estate, []).append(item)
    return render(request, "repairs/portal/prices.html", {"owner": owner, "estates": list(estates.items())})


# The progress tracker's steps and the time each was reached. Accepted is still
# "registered" for the owner; rework puts the worker back on site.
STEPS = [
    ("registered", gettext_lazy("Registered"), "registered_at"),
    ("dispatched", gettext_lazy("Worker assigned"), "dispatched_at"),
    ("taken", gettext_lazy("Worker on the way"), "taken_at"),
    ("on_site", gettext_lazy("Worker on site"), "arrived_at"),
    ("completed", gettext_lazy("Work done"), "completed_at"),
    ("signed_off", gettext_lazy("Signed off"), "signed_off_at"),
]
STEP_OF = {
    Status.REGISTERED: 0, Status.ACCEPTED: 0, Status.DISPATCHED: 1, Status.TAKEN: 2, Status.ON_SITE: 3,
    Status.REWORK: 3, Status.COMPLETED: 4, Status.ESCALATED: 4, Status.SIGNED_OFF: 5,
}


def _progress(order) -> list[dict]:
    current = STEP_OF.get(order.status)
    if current is None:  # refused or voided: no tracker
        return []
    done_all = order.status == Status.SIGNED_OFF
    return [
        {"key": key, "label": label, "at": getattr(order, field) if index <= current else None,
         "state": "done" if index < current or done_all else "current" if index == current else "todo"}
        for index, (key, label, field) in enumerate(STEPS)
    ]


@owner_required
def portal_detail(request, owner, pk):
    order = selectors.owner_work_order_detail(owner=owner, order_id=pk)
    return render(request, "repairs/portal/detail.html", {
        "owner": owner, "order": order, "steps": _progress(order),
        "photos": selectors.photos_by_stage(order.all_photos),
        "can_cancel": order.status in UNDISPATCHED,
        "acceptances": list(order.acceptances.all()),
        "payment": selectors.work_order_payment(order=order) if order.is_paid else None,
    })


@owner_required
@require_POST
def portal_cancel(request, owner, pk):
    order = get_object_or_404(selectors.owner_work_orders(owner=owner), pk=pk)
    try:
        return run_action(
            request, target=order, form=None,
            run=lambda order, _data, user, now: services.work_order_cancel_by_owner(
                order=order, owner=owner, reason=request.POST.get("reason", "")[:200], now=now),
            message=_("Your request %(number)s is cancelled.") % {"number": order.number},
            back_url=reverse("repairs:portal_detail", args=[order.pk]),
        )
    except PermissionDenied:
        raise Http404 from None


urlpatterns = [
    path("portal/", portal_list, name="portal_list"),
    path("portal/new/", portal_new, name="portal_new"),
    path("portal/prices/", portal_prices, name="portal_prices"),
    path("portal/<int:pk>/", portal_detail, name="portal_detail"),
    path("portal/<int:pk>/cancel/", portal_cancel, name="portal_cancel"),
]
