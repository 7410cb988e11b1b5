"""The callback queue as .xlsx (propertydesk.exports): the rows the page shows over all its
pages, through the same filters (views.desk.queue_rows), the phone masked as the page
masks it."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from callbacks import selectors
from callbacks.models import Kind, Status
from callbacks.templatetags.callbacks_tags import round_label
from callbacks.views import desk
from owners.models import OwnerPhone
from propertydesk import pii
from propertydesk.exports import Column, ListExport, People, ValuesRows, form_filters, labels, narrowing, register

BUCKET_LABELS = {"today": gettext_lazy("Due today"), "overdue": gettext_lazy("Overdue"),
                 "week": gettext_lazy("This week"), "due": gettext_lazy("Due by today")}


CALLBACK_FIELDS = (
    "kind", "round", "status", "complaint__number", "work_order__number", "activity__title", "estate__name",
    "unit__number", "contact_name", "complaint__contact_phone", "work_order__requester_phone", "owner_phone",
    "event_at", "due_on", "assignee_id", "assignee__first_name", "assignee__last_name", "assignee__username",
    "done_at",
)


def _callback(today):
    """A callback's row from its values (CALLBACK_FIELDS), the labels read once; who to
    call masked as the page masks it (callback_phone): the phone given with the complaint
    or the work order, else the owner's primary phone."""
    kind, status, people, rounds = labels(Kind.choices), labels(Status.choices), People(), {}
    overdue, nobody = _("Overdue"), _("nobody yet")

    def cells(v):
        (kind_, round_, status_, complaint, work_order, activity, estate, room, contact, contact_phone,
         requester_phone, owner_phone, event_at, due_on, assignee_id, first, last, username, done_at) = v
        if round_ > 1 and round_ not in rounds:
            rounds[round_] = round_label(round_)
        phone = contact_phone or requester_phone
        return (kind[kind_], rounds.get(round_), status[status_], complaint or work_order or activity, estate, room,
                contact, pii.mask_phone(phone) if phone else (pii.mask_phone(owner_phone) if owner_phone else None),
                event_at, due_on, overdue if status_ == Status.DUE and due_on < today else None,
                people.name(assignee_id, first, last, username) or nobody, done_at)
    return cells


def callback_rows(params, *, user, now):
    today = timezone.localdate(now)
    form, status, bucket, _assignee, rows, ranges, figure = desk.queue_rows(params, user=user, today=today)
    filters = form_filters(form)
    if bucket and not status:
        filters.insert(0, (_("Due"), str(BUCKET_LABELS[bucket])))
    filters += narrowing(ranges=ranges, figure=figure, figure_labels=selectors.STAFF_FIGURES)
    # The owner's primary phone as the page's prefetch reads it (with_owner_phones), one
    # column of the one statement.
    primary = OwnerPhone.objects.filter(owner=OuterRef("owner"), is_primary=True).order_by("pk").values("number")[:1]
    return ValuesRows(rows.annotate(owner_phone=Subquery(primary)), CALLBACK_FIELDS, _callback(today),
                      filters=filters)


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
