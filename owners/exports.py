"""The owner list as .xlsx (propertydesk.exports): the owners the page shows over all its
pages, through the same filters (views.owner_rows), phone and ID numbers masked as the
page masks them."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from owners import views
from propertydesk.exports import Column, ListExport, QuerysetRows, form_filters, register


def _owner(o):
    phones = list(o.phones.all())
    return [
        o.name, "; ".join(p.masked + (f" ({_('primary')})" if p.is_primary and len(phones) > 1 else "")
                          for p in phones),
        o.id_number_masked, "; ".join(f"{own.unit.number} {own.unit.estate.name}" for own in o.current_ownerships),
        o.get_preferred_channel_display(), "; ".join(o.get_special_needs_display()), o.special_needs_note,
        _("yes") if o.user_id else "",
    ]


def owner_rows(params, *, user, now):
    form, owners = views.owner_rows(params)
    return QuerysetRows(owners, _owner, filters=form_filters(form))


register(ListExport(
    name="owners", title=gettext_lazy("Owners"), permission="owners.view_owner", list_url="owners:list",
    rows=owner_rows,
    columns=(
        Column(gettext_lazy("Name"), 14), Column(gettext_lazy("Phones"), 28), Column(gettext_lazy("ID number"), 22),
        Column(gettext_lazy("Current units"), 24), Column(gettext_lazy("Preferred channel"), 12),
        Column(gettext_lazy("Special needs"), 18), Column(gettext_lazy("Special needs note"), 24),
        Column(gettext_lazy("Has a portal login"), 10),
    ),
))
