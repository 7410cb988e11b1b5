"""The renovation board as .xlsx (propertydesk.exports): every open renovation the board
shows, by state in the order of the process (the board shows each state's first rows;
the file has them all), through the board's estate filter."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from propertydesk.exports import Column, ListExport, QuerysetRows, form_filters, register
from renovation import selectors
from renovation.forms import BoardFilterForm
from renovation.models import Status


def _renovation(today):
    def cells(r):
        late = r.planned_end < today and r.status in (Status.FEES_PAID, Status.IN_PROGRESS)
        return [
            r.number, r.get_status_display(), selectors.waits_for(r, failed_before=r.refixing), r.estate.name,
            r.unit.number, r.owner.name, r.applied_at, r.planned_start, r.planned_end,
            _("yes") if late else "", r.contractor_name, r.contractor_lead_name, r.permit_number, r.scope,
        ]
    return cells


def renovation_rows(params, *, user, now):
    form = BoardFilterForm(params or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.board_rows(user=user, estate=filters.get("estate")).defer("owner__id_number")
    if filters.get("waiting") == BoardFilterForm.DESK:  # as the board: the states that wait for the desk
        rows = rows.filter(status__in=selectors.DESK_WAITS)
    return QuerysetRows(rows, _renovation(timezone.localdate(now)), filters=form_filters(form))


register(ListExport(
    name="renovations", title=gettext_lazy("Renovations"), permission="renovation.view_renovation",
    list_url="renovation:board", rows=renovation_rows,
    columns=(
        Column(gettext_lazy("Number"), 20), Column(gettext_lazy("Status"), 14), Column(gettext_lazy("Waiting for"), 36),
        Column(gettext_lazy("Estate"), 16), Column(gettext_lazy("Room"), 12), Column(gettext_lazy("Owner"), 12),
        Column(gettext_lazy("Applied at"), 17), Column(gettext_lazy("Planned start"), 11),
        Column(gettext_lazy("Planned end"), 11), Column(gettext_lazy("Past the planned end"), 10),
        Column(gettext_lazy("Contractor"), 18), Column(gettext_lazy("Contractor's lead"), 12),
        Column(gettext_lazy("Permit number"), 18), Column(gettext_lazy("Scope of works"), 40),
    ),
))
