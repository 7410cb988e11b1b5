"""The owner list as .xlsx (propertydesk.exports): the owners the page shows over all its
pages, through the same filters (views.owner_rows), phone and ID numbers masked as the
page masks them."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from owners import views
from owners.models import ContactChannel, OwnerPhone, SpecialNeed
from owners.selectors import current_ownerships
from propertydesk import pii
from propertydesk.exports import Column, ListExport, ValuesRows, form_filters, labels, register

OWNER_FIELDS = ("name", "phone_numbers", "phone_primary", "id_number", "unit_names", "preferred_channel",
                "special_needs", "special_needs_note", "user_id")


def _owner():
    """An owner's row from its values (OWNER_FIELDS): the phones in the order the page
    lists them (the primary first), the units as the page's prefetch orders them."""
    channel, needs, primary, yes = labels(ContactChannel.choices), labels(SpecialNeed.choices), _("primary"), _("yes")

    def cells(v):
        name, numbers, primaries, id_number, units, channel_, special_needs, note, user_id = v
        several = len(numbers) > 1
        return (
            name, "; ".join(pii.mask_phone(number) + (f" ({primary})" if is_primary and several else "")
                            for number, is_primary in zip(numbers, primaries, strict=True)),
            pii.mask_id_number(id_number) if id_number else None, "; ".join(units), channel[channel_],
            "; ".join(needs.get(need, need) for need in special_needs), note, yes if user_id else None,
        )
    return cells


def owner_rows(params, *, user, now):
    form, owners = views.owner_rows(params)
    # The phones and the current units of each owner as arrays of the one statement (a
    # prefetch per chunk built a record for each phone and ownership).
    phones = OwnerPhone.objects.filter(owner=OuterRef("pk")).order_by("-is_primary", "id")
    units = (current_ownerships().filter(owner=OuterRef("pk")).order_by("unit__estate__name", "unit__number")
             .annotate(shown=Concat("unit__number", Value(" "), "unit__estate__name")))
    owners = owners.annotate(phone_numbers=ArraySubquery(phones.values("number")),
                             phone_primary=ArraySubquery(phones.values("is_primary")),
                             unit_names=ArraySubquery(units.values("shown")))
    return ValuesRows(owners, OWNER_FIELDS, _owner(), filters=form_filters(form))


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
