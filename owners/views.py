"""Registry pages for staff and the owner portal. Thin: parse, call a service or selector, render.
The owner's page, the unit's page and the portal's home show other apps' records too, so
they live in pages/, above the apps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from owners import selectors, services
from owners.forms import (
    MoveOutForm,
    OwnerFilterForm,
    OwnerForm,
)
from owners.models import Owner, Ownership, Resident
from propertydesk.actions import run_action
from propertydesk.web import owner_required, staff_required

PHONE_ERRORS = {"phones": "phone"}


def owner_rows(params):
    """The owner list's filter form on ``params`` (a query string) and the owners it
    selects, in the list's order: for the page and its .xlsx (owners/exports.py)."""
    form = OwnerFilterForm(params or None)
    filters = form.cleaned_data if form.is_valid() else {}
    owners = selectors.owner_list(
        query=filters.get("q") or "",
        estate_id=getattr(filters.get("estate"), "pk", None),
        building_id=getattr(filters.get("building"), "pk", None),
        special_needs=filters.get("special_needs"),
        has_login=filters.get("has_login"),
    )
    return form, owners


@staff_required
@permission_required("owners.view_owner", raise_exception=True)
def owner_list(request):
    form, owners = owner_rows(request.GET)
    page = Paginator(owners, 25).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "owners/owner_list.html",
        {"form": form, "page": page, "query_string": query_string.urlencode()},
    )


def _phones_from(data) -> list[services.PhoneInput]:
    phones = []
    for name in ("phone", "phone2"):
        if data.get(name):
            phones.append(services.PhoneInput(number=data[name], label=data.get(f"{name}_label") or "mobile"))
    return phones


def _owner_form(request, form, owner):
    return render(request, "owners/owner_form.html", {"form": form, "owner": owner})


@staff_required
@permission_required("owners.add_owner", raise_exception=True)
def owner_create(request):
    form = OwnerForm(request.POST or None)
    if request.method != "POST":
        return _owner_form(request, form, None)
    return run_action(
        request, form=form, aliases=PHONE_ERRORS,
        run=lambda _none, data, user, now: services.owner_create(
            name=data["name"], id_type=data["id_type"], id_number=data["id_number"], phones=_phones_from(data),
            address=data["address"], email=data["email"], preferred_channel=data["preferred_channel"],
            special_needs=data["special_needs"], special_needs_note=data["special_needs_note"],
            language=data["language"],
        ),
        rerender=lambda form: _owner_form(request, form, None),
        message=lambda owner: _("Owner %(name)s registered.") % {"name": owner.name},
        done_url=lambda owner: reverse("owners:detail", args=[owner.pk]),
    )


@staff_required
@permission_required("owners.change_owner", raise_exception=True)
def owner_edit(request, pk):
    owner = get_object_or_404(Owner.objects.prefetch_related("phones"), pk=pk)
    initial = {
        "name": owner.name, "id_type": owner.id_type, "address": owner.address,
        "email": owner.email, "preferred_channel": owner.preferred_channel,
        "special_needs": owner.special_needs, "special_needs_note": owner.special_needs_note,
        "language": owner.language,
    }
    form = OwnerForm(request.POST or None, owner=owner, initial=initial)
    if request.method != "POST":
        return _owner_form(request, form, owner)
    return run_action(
        request, target=owner, form=form, aliases=PHONE_ERRORS,
        run=lambda owner, data, user, now: services.owner_update(
            owner=owner, name=data["name"], id_type=data["id_type"],
            new_id_number=data["id_number"], address=data["address"], email=data["email"],
            preferred_channel=data["preferred_channel"], special_needs=data["special_needs"],
            special_needs_note=data["special_needs_note"], add_phones=_phones_from(data),
            remove_phone_ids=[int(i) for i in data.get("remove_phones", [])],
            language=data["language"],
        ),
        rerender=lambda form: _owner_form(request, form, owner),
        message=lambda _saved: _("Changes to %(name)s saved.") % {"name": owner.name},
        done_url=reverse("owners:detail", args=[owner.pk]),
    )


def _move_out(resident, data, user, now):
    try:
        return services.resident_move_out(resident=resident, **data)
    except ValidationError as error:
        # Said on the unit page, above its list of residents: name whom it is about.
        said = _("%(name)s: %(error)s") % {"name": resident.name, "error": " ".join(error.messages)}
        raise ValidationError(said) from None


def _move_out_date_missing(request, form, back_url):
    messages.error(request, _("Move-out date: %(error)s") % {"error": " ".join(form.errors.get("move_out_date", []))})
    return redirect(back_url)


@staff_required
@permission_required("owners.change_resident", raise_exception=True)
@require_POST
def resident_move_out(request, pk):
    resident = get_object_or_404(Resident, pk=pk)
    back_url = reverse("owners:unit", args=[resident.unit_id])
    return run_action(
        request, target=resident, form=MoveOutForm(request.POST), run=_move_out,
        rerender=lambda form: _move_out_date_missing(request, form, back_url),
        message=_("%(name)s moved out.") % {"name": resident.name}, back_url=back_url,
    )


@staff_required
@permission_required("owners.change_ownership", raise_exception=True)
@require_POST
def ownership_moves(request, pk):
    ownership = get_object_or_404(Ownership, pk=pk)
    back_url = reverse("owners:unit", args=[ownership.unit_id])
    return run_action(
        request, target=ownership, form=MoveOutForm(request.POST),
        run=lambda ownership, data, user, now: services.ownership_record_move(
            ownership=ownership, move_in_date=ownership.move_in_date, move_out_date=data["move_out_date"],
        ),
        # The button sits in the history table: a missing date leaves the page as it was.
        rerender=lambda form: redirect(back_url),
        message=_("Move-out recorded."), back_url=back_url,
    )


# ---- owner portal ---------------------------------------------------------


@owner_required
def portal_unit(request, owner, pk):
    # Another owner's unit is a 404: we don't even confirm it exists.
    unit = get_object_or_404(selectors.owner_units(owner=owner), pk=pk)
    return render(request, "owners/portal_unit.html", {"owner": owner, "unit": unit})
