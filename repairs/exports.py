"""The work-order queue as .xlsx (propertydesk.exports): the rows the page shows over all
its pages, through the same filters (views.desk.queue_rows)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from propertydesk.exports import Column, ListExport, QuerysetRows, form_filters, register
from repairs.models import UNDISPATCHED, Status
from repairs.views import desk


def _order(now):
    def cells(o):
        if o.worker_id:
            worker = o.worker.display_name
        elif o.status == Status.DISPATCHED:
            worker = _("In the pool")
        else:
            worker = ""
        late = ""
        if o.status in UNDISPATCHED and o.dispatch_due_at < now:
            late = _("NOT DISPATCHED")
        elif o.dispatch_late_by:
            late = _("Dispatched late")
        return [
            o.number, o.registered_at, o.estate.name, o.unit.number, o.get_kind_display(), o.get_trade_display(),
            o.price_item.name if o.price_item_id else "", o.requester_name, o.get_status_display(),
            o.dispatch_due_at, o.dispatched_at, late, worker, o.appointment_at, o.completed_at, o.agreed_price,
            o.rework_count or "", o.description,
        ]
    return cells


def work_order_rows(params, *, user, now):
    form, _filters, orders, _ranges, _late, _figure = desk.queue_rows(params, user=user)
    # The requester's phone is not in the list (nor in the file), nor is the owner: neither
    # is read (nor decrypted).
    return QuerysetRows(orders.defer("requester_phone").prefetch_related(None).prefetch_related(
        "worker__user", "price_item"), _order(now), filters=form_filters(form))


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
