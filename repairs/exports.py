"""The work-order queue as .xlsx (propertydesk.exports): the rows the page shows over all
its pages, through the same filters (views.desk.queue_rows)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from propertydesk.exports import Column, ListExport, People, ValuesRows, form_filters, labels, narrowing, register
from repairs import selectors
from repairs.models import UNDISPATCHED, Kind, Status, Trade
from repairs.views import desk


ORDER_FIELDS = (
    "number", "registered_at", "estate__name", "unit__number", "kind", "trade", "price_item__name", "requester_name",
    "status", "dispatch_due_at", "dispatched_at", "dispatch_late_by", "worker__user_id", "worker__user__first_name",
    "worker__user__last_name", "worker__user__username", "appointment_at", "completed_at", "agreed_price",
    "rework_count", "description",
)


def _order(now):
    """A work order's row from its values (ORDER_FIELDS), the labels read once."""
    kind, trade, status, people = labels(Kind.choices), labels(Trade.choices), labels(Status.choices), People()
    pool, not_dispatched, dispatched_late = _("In the pool"), _("NOT DISPATCHED"), _("Dispatched late")

    def cells(v):
        (number, registered_at, estate, room, kind_, trade_, service, requester, status_, dispatch_due_at,
         dispatched_at, late_by, worker_id, first, last, username, appointment_at, completed_at, price, reworks,
         description) = v
        if worker_id is not None:
            worker = people.name(worker_id, first, last, username)
        else:
            worker = pool if status_ == Status.DISPATCHED else None
        late = None
        if status_ in UNDISPATCHED and dispatch_due_at < now:
            late = not_dispatched
        elif late_by:
            late = dispatched_late
        return (number, registered_at, estate, room, kind[kind_], trade[trade_], service, requester, status[status_],
                dispatch_due_at, dispatched_at, late, worker, appointment_at, completed_at, price, reworks or None,
                description)
    return cells


def work_order_rows(params, *, user, now):
    form, _filters, orders, ranges, completed_late, figure = desk.queue_rows(params, user=user)
    # The requester's phone is not in the list (nor in the file), nor is the owner: neither
    # is read (nor decrypted).
    filters = form_filters(form) + narrowing(
        ranges=ranges, notes=[_("Completed after the deadline")] if completed_late else [], figure=figure,
        figure_labels=selectors.STAFF_FIGURES)
    return ValuesRows(orders, ORDER_FIELDS, _order(now), filters=filters)


register(ListExport(
    name="work-orders", title=gettext_lazy("Work orders"), permission="repairs.view_workorder",
    list_url="repairs:queue", rows=work_order_rows,
    columns=(
        Column(gettext_lazy("Number"), 20), Column(gettext_lazy("Registered at"), 17), Column(gettext_lazy("Estate"), 16),
        Column(gettext_lazy("Room"), 12), Column(gettext_lazy("Kind"), 12), Column(gettext_lazy("Trade"), 12),
        Column(gettext_lazy("Service"), 16), Column(gettext_lazy("Requested by"), 12), Column(gettext_lazy("Status"), 12),
        Column(gettext_lazy("Dispatch by"), 17), Column(gettext_lazy("Dispatched at"), 17),
        Column(gettext_lazy("Dispatch"), 14), Column(gettext_lazy("Worker"), 12), Column(gettext_lazy("Appointment"), 17),
        Column(gettext_lazy("Completed at"), 17), Column(gettext_lazy("Agreed price (yuan)"), 12),
        Column(gettext_lazy("Reworks"), 8), Column(gettext_lazy("What to do"), 40),
    ),
))
