"""The callback queue as .xlsx (propertydesk.exports): the rows the page shows over all its
pages, through the same filters (views.desk.queue_rows), the phone masked as the page
masks it."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from callbacks.templatetags.callbacks_tags import callback_phone, round_label
from callbacks.views import desk
from propertydesk.exports import Column, ListExport, QuerysetRows, form_filters, register
from propertydesk.people import person_name

BUCKET_LABELS = {"today": gettext_lazy("Due today"), "overdue": gettext_lazy("Overdue"),
                 "week": gettext_lazy("This week")}


def _source(c) -> str:
    if c.complaint_id:
        return c.complaint.number
    if c.work_order_id:
        return c.work_order.number
    return c.activity.title if c.activity_id else ""


def _callback(today):
    def cells(c):
        return [
            c.get_kind_display(), round_label(c.round) if c.round > 1 else "", c.get_status_display(), _source(c),
            c.estate.name, c.unit.number if c.unit_id else "", c.contact_name, callback_phone(c), c.event_at,
            c.due_on, _("Overdue") if c.is_overdue(today) else "",
            person_name(c.assignee) if c.assignee_id else _("nobody yet"), c.done_at,
        ]
    return cells


def callback_rows(params, *, user, now):
    today = timezone.localdate(now)
    form, status, bucket, _assignee, rows, _ranges, _figure = desk.queue_rows(params, user=user, today=today)
    filters = form_filters(form)
    if bucket and not status:
        filters.insert(0, (_("Due"), str(BUCKET_LABELS[bucket])))
    return QuerysetRows(rows.defer("owner__id_number"), _callback(today), filters=filters)


register(ListExport(
    name="callbacks", title=gettext_lazy("Callbacks"), permission="callbacks.view_callback",
    list_url="callbacks:queue", rows=callback_rows,
    columns=(
        Column(gettext_lazy("Callback for"), 14), Column(gettext_lazy("Round"), 8), Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Source"), 20), Column(gettext_lazy("Estate"), 16), Column(gettext_lazy("Room"), 12),
        Column(gettext_lazy("Who to call"), 12), Column(gettext_lazy("Phone"), 14), Column(gettext_lazy("Event at"), 17),
        Column(gettext_lazy("Due by"), 11), Column(gettext_lazy("Overdue"), 9), Column(gettext_lazy("Assigned to"), 12),
        Column(gettext_lazy("Done at"), 17),
    ),
))
