"""The complaint queue and the suggestions as .xlsx (propertydesk.exports): the rows the
pages show over all their pages, through the same filters (views.queue_rows,
views.suggestion_rows)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import views
from complaints.models import SuggestionStatus
from propertydesk.exports import Column, ListExport, QuerysetRows, form_filters, register
from propertydesk.people import person_name


def _complaint(now):
    def cells(c):
        overdue = c.is_open and not c.is_paused and c.promised_at < now
        return [
            c.number, c.received_at, c.estate.name, c.unit.number, c.get_channel_display(), c.get_category_display(),
            c.get_urgency_display(), c.get_status_display(), c.get_department_display() if c.department else "",
            person_name(c.assignee) if c.assignee_id else "", c.promised_at,
            _("yes") if overdue else "", _("paused") if c.is_paused else "", c.reopen_count or "",
            c.contact_name, c.location, c.description, c.resolved_at, c.closed_at,
        ]
    return cells


def complaint_rows(params, *, user, now):
    form, complaints, _ranges, _late, _figure = views.queue_rows(params, user=user, now=now)
    # The contact's phone is not in the list (nor in the file), nor is the owner: neither is
    # read (nor decrypted).
    return QuerysetRows(complaints.defer("contact_phone").prefetch_related(None).prefetch_related("assignee"),
                        _complaint(now), filters=form_filters(form))


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


def _suggestion(s):
    return [s.number, s.received_at, s.estate.name, s.unit.number if s.unit_id else "",
            s.owner.name if s.owner_id else "", s.get_channel_display(), s.subject, s.content,
            s.get_status_display(), s.decided_at, person_name(s.decided_by) if s.decided_by_id else "", s.reply]


def suggestion_rows(params, *, user, now):
    status, suggestions, _ranges = views.suggestion_rows(params, user=user)
    shown = dict(SuggestionStatus.choices)
    return QuerysetRows(suggestions.defer("owner__id_number"), _suggestion,
                        filters=[(_("Status"), str(shown[status]))] if status in shown else [])


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
