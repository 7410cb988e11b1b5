"""Registry pages for staff and the owner portal. Thin: parse, call a service or selector, render.
The owner's page and the portal's home show other apps' records too, so they live in
pages/, above the apps."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from owners import selectors, services
from owners.forms import (
    MoveOutForm,
    OwnerFilterForm,
    OwnerForm,
    ResidentForm,
)
from owners.models import Owner, Ownership, Resident
from propertydesk.web import apply_service_errors, owner_required, staff_required

PHONE_ERRORS = {"phones": "phone"}


@staff_required
@permission_required("owners.view_owner", raise_exception=True)
def owner_list(request):
    form = OwnerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    owners = selectors.owner_list(
        query=filters.get("q") or "",
        estate_id=getattr(filters.get("estate"), "pk", None),
        building_id=getattr(filters.get("building"), "pk", None),
        special_needs=filters.get("special_needs"),
        has_login=filters.get("has_login"),
    )
    page = Paginator(owners, 25).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "owners/owner_list.html",
        {"form": form, "page": page, "query_string": query_string.urlencode()},
    )


def _phones_from(form) -> list[services.PhoneInput]:
    phones = []
    for name in ("phone", "phone2"):
        if form.cleaned_data.get(name):
            phones.append(
                services.PhoneInput(
                    number=form.cleaned_data[name],
                    label=form.cleaned_data.get(f"{name}_label") or "mobile",
                )
            )
    return phones


@staff_required
@permission_required("owners.add_owner", raise_exception=True)
def owner_create(request):
    form = OwnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            owner = services.owner_create(
                name=data["name"], id_type=data["id_type"], id_number=data["id_number"],
                phones=_phones_from(form), address=data["address"], email=data["email"],
                preferred_channel=data["preferred_channel"], special_needs=data["special_needs"],
                special_needs_note=data["special_needs_note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error, PHONE_ERRORS)
        else:
            messages.success(request, _("Owner %(name)s registered.") % {"name": owner.name})
            return redirect("owners:detail", pk=owner.pk)
    return render(request, "owners/owner_form.html", {"form": form, "owner": None})


@staff_required
@permission_required("owners.change_owner", raise_exception=True)
def owner_edit(request, pk):
    owner = get_object_or_404(Owner.objects.prefetch_related("phones"), pk=pk)
    initial = {
        "name": owner.name, "id_type": owner.id_type, "address": owner.address,
        "email": owner.email, "preferred_channel": owner.preferred_channel,
        "special_needs": owner.special_needs, "special_needs_note": owner.special_needs_note,
    }
    form = OwnerForm(request.POST or None, owner=owner, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.owner_update(
                owner=owner, name=data["name"], id_type=data["id_type"],
                new_id_number=data["id_number"], address=data["address"], email=data["email"],
                preferred_channel=data["preferred_channel"], special_needs=data["special_needs"],
                special_needs_note=data["special_needs_note"], add_phones=_phones_from(form),
                remove_phone_ids=[int(i) for i in data.get("remove_phones", [])],
            )
        except ValidationError as error:
            apply_service_errors(form, error, PHONE_ERRORS)
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": owner.name})
            return redirect("owners:detail", pk=owner.pk)
    return render(request, "owners/owner_form.html", {"form": form, "owner": owner})


@staff_required
@permission_required("owners.view_unit", raise_exception=True)
def unit_detail(request, pk):
    unit = selectors.unit_detail(unit_id=pk, user=request.user)
    resident_form = ResidentForm(request.POST or None, initial={"move_in_date": timezone.localdate()})
    if request.method == "POST":
        if not request.user.has_perm("owners.add_resident"):
            raise PermissionDenied
        if resident_form.is_valid():
            try:
                services.resident_add(unit=unit, **resident_form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(resident_form, error)
            else:
                messages.success(request, _("Resident added."))
                return redirect("owners:unit", pk=unit.pk)
    return render(
        request,
        "owners/unit_detail.html",
        {"unit": unit, "resident_form": resident_form, "move_out_form": MoveOutForm(),
         "can_change": request.user.has_perm("owners.change_resident")},
        status=400 if resident_form.errors else 200,
    )


@staff_required
@permission_required("owners.change_resident", raise_exception=True)
@require_POST
def resident_move_out(request, pk):
    resident = get_object_or_404(Resident, pk=pk)
    form = MoveOutForm(request.POST)
    if form.is_valid():
        try:
            services.resident_move_out(resident=resident, **form.cleaned_data)
        except ValidationError as error:
            messages.error(
                request, _("%(name)s: %(error)s") % {"name": resident.name, "error": " ".join(error.messages)}
            )
        else:
            messages.success(request, _("%(name)s moved out.") % {"name": resident.name})
    else:
        messages.error(request, _("Move-out date: %(error)s") % {"error": " ".join(form.errors.get("move_out_date", []))})
    return redirect("owners:unit", pk=resident.unit_id)


@staff_required
@permission_required("owners.change_ownership", raise_exception=True)
@require_POST
def ownership_moves(request, pk):
    ownership = get_object_or_404(Ownership, pk=pk)
    form = MoveOutForm(request.POST)
    if form.is_valid():
        try:
            services.ownership_record_move(
                ownership=ownership, move_in_date=ownership.move_in_date,
                move_out_date=form.cleaned_data["move_out_date"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Move-out recorded."))
    return redirect("owners:unit", pk=ownership.unit_id)


# ---- owner portal ---------------------------------------------------------


@owner_required
def portal_unit(request, owner, pk):
    # Another owner's unit is a 404: we don't even confirm it exists.
    unit = get_object_or_404(selectors.owner_units(owner=owner), pk=pk)
    return render(request, "owners/portal_unit.html", {"owner": owner, "unit": unit})
