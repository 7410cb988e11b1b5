"""The complaint queue and the suggestions as .xlsx (propertydesk.exports): the rows the
pages show over all their pages, through the same filters (views.queue_rows,
views.suggestion_rows)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import selectors, views
from complaints.models import OPEN_STATUSES, Category, Channel, Department, Status, SuggestionStatus, Urgency
from owners.models import Estate
from propertydesk.exports import Column, ListExport, People, ValuesRows, form_filters, labels, narrowing, register


COMPLAINT_FIELDS = (
    "number", "received_at", "estate__name", "unit__number", "channel", "category", "urgency", "status", "department",
    "assignee_id", "assignee__first_name", "assignee__last_name", "assignee__username", "promised_at", "paused_since",
    "reopen_count", "contact_name", "location", "description", "resolved_at", "closed_at",
)


def _complaint(now):
    """A complaint's row from its values (COMPLAINT_FIELDS), the labels read once."""
    channel, category, urgency = labels(Channel.choices), labels(Category.choices), labels(Urgency.choices)
    status, department, people = labels(Status.choices), labels(Department.choices), People()
    yes, paused = _("yes"), _("paused")

    def cells(v):
        (number, received_at, estate, room, channel_, category_, urgency_, status_, department_, assignee_id, first,
         last, username, promised_at, paused_since, reopened, contact, location, description, resolved_at,
         closed_at) = v
        overdue = status_ in OPEN_STATUSES and paused_since is None and promised_at < now
        return (number, received_at, estate, room, channel[channel_], category[category_], urgency[urgency_],
                status[status_], department[department_], people.name(assignee_id, first, last, username), promised_at,
                yes if overdue else None, paused if paused_since is not None else None, reopened or None, contact,
                location, description, resolved_at, closed_at)
    return cells


def complaint_rows(params, *, user, now):
    form, complaints, ranges, late, figure = views.queue_rows(params, user=user, now=now)
    # The contact's phone is not in the list (nor in the file), nor is the owner: neither is
    # read (nor decrypted).
    filters = form_filters(form) + narrowing(
        ranges=ranges, notes=[_("Resolved after the promise")] if late else [], figure=figure,
        figure_labels=selectors.STAFF_FIGURES)
    return ValuesRows(complaints, COMPLAINT_FIELDS, _complaint(now), filters=filters)


register(ListExport(
    name="complaints", title=gettext_lazy("Complaints"), permission="complaints.view_complaint",
    list_url="complaints:queue", rows=complaint_rows,
    columns=(
        Column(gettext_lazy("Number"), 20), Column(gettext_lazy("Received at"), 17), Column(gettext_lazy("Estate"), 16),
        Column(gettext_lazy("Room"), 12), Column(gettext_lazy("Channel"), 10), Column(gettext_lazy("Category"), 14),
        Column(gettext_lazy("Urgency"), 10), Column(gettext_lazy("Status"), 12), Column(gettext_lazy("Department"), 14),
        Column(gettext_lazy("Handled by"), 12), Column(gettext_lazy("Promised by"), 17),
        Column(gettext_lazy("Past the promise"), 10), Column(gettext_lazy("Clock"), 8),
        Column(gettext_lazy("Times reopened"), 8), Column(gettext_lazy("Contact"), 12), Column(gettext_lazy("Where"), 16),
        Column(gettext_lazy("What happened"), 40), Column(gettext_lazy("Resolved at"), 17),
        Column(gettext_lazy("Closed at"), 17),
    ),
))


SUGGESTION_FIELDS = ("number", "received_at", "estate__name", "unit__number", "owner__name", "channel", "subject",
                     "content", "status", "decided_at", "decided_by_id", "decided_by__first_name",
                     "decided_by__last_name", "decided_by__username", "reply")


def _suggestion():
    channel, status, people = labels(Channel.choices), labels(SuggestionStatus.choices), People()

    def cells(v):
        (number, received_at, estate, room, owner, channel_, subject, content, status_, decided_at, decided_by,
         first, last, username, reply) = v
        return (number, received_at, estate, room, owner, channel[channel_], subject, content, status[status_],
                decided_at, people.name(decided_by, first, last, username), reply)
    return cells


def suggestion_rows(params, *, user, now):
    status, suggestions, ranges = views.suggestion_rows(params, user=user)
    shown = dict(SuggestionStatus.choices)
    filters = [(_("Status"), str(shown[status]))] if status in shown else []
    estate = params.get("estate", "")
    if estate.isdigit():
        name = Estate.objects.filter(pk=int(estate)).values_list("name", flat=True).first()
        filters.append((_("Estate"), name or f"#{estate}"))
    return ValuesRows(suggestions, SUGGESTION_FIELDS, _suggestion(), filters=filters + narrowing(ranges=ranges))


register(ListExport(
    name="suggestions", title=gettext_lazy("Suggestions"), permission="complaints.view_suggestion",
    list_url="complaints:suggestions", rows=suggestion_rows,
    columns=(
        Column(gettext_lazy("Number"), 20), Column(gettext_lazy("Received at"), 17), Column(gettext_lazy("Estate"), 16),
        Column(gettext_lazy("Room"), 12), Column(gettext_lazy("Owner"), 12), Column(gettext_lazy("Channel"), 10),
        Column(gettext_lazy("Subject"), 24), Column(gettext_lazy("Suggestion"), 40), Column(gettext_lazy("Status"), 12),
        Column(gettext_lazy("Decided at"), 17), Column(gettext_lazy("Decided by"), 12),
        Column(gettext_lazy("Reply to the owner"), 40),
    ),
))
