"""Pages that show several apps at once, so they sit above all of them: the desk's
start page, the owner's page at the desk (the registry, and the owner's complaints)
and the owner portal's home (units, callbacks to answer, fees owed). Thin: each
reads the apps' selectors and calls their services, and keeps the URL names of the
app it belongs to (``owners:detail``, ``portal:home``; see pages/urls.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from callbacks.selectors import owner_offered_callbacks
from complaints.selectors import owner_complaints
from fees.selectors import owner_owed
from owners import selectors, services
from owners.forms import OwnershipForm, PortalLoginForm
from owners.models import PiiField
from propertydesk.roles import is_staff_member
from propertydesk.web import apply_service_errors, owner_required, staff_required


@login_required
def desk(request):
    if not is_staff_member(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    hits = selectors.desk_search(query=query) if query else None
    return render(
        request,
        "desk.html",
        {"query": query, "hits": hits, "counts": None if query else selectors.registry_counts()},
    )


# ---- the owner's page at the desk ------------------------------------------


def _detail_context(request, owner, **extra):
    can_audit = request.user.has_perm("owners.view_piireveal")
    return {
        "owner": owner,
        "can_reveal": request.user.has_perm("owners.reveal_owner_pii"),
        "can_change": request.user.has_perm("owners.change_owner"),
        "ownership_form": OwnershipForm(initial={"start_date": timezone.localdate()}),
        "login_form": PortalLoginForm(),
        "reveals": selectors.owner_reveal_log(owner=owner) if can_audit else None,
        "complaints": owner_complaints(owner=owner)[:20],
        **extra,
    }


@staff_required
@permission_required("owners.view_owner", raise_exception=True)
def owner_detail(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    return render(request, "owners/owner_detail.html", _detail_context(request, owner))


@staff_required
@require_POST
def owner_reveal(request, pk):
    """Show the owner's full phone or ID number, once, on this response; the reveal is logged."""
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    field = request.POST.get("field", PiiField.PHONE)
    revealed = services.owner_reveal_pii(
        owner=owner, user=request.user, field=field, now=timezone.now(),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    return render(
        request, "owners/owner_detail.html", _detail_context(request, owner, revealed=revealed)
    )


@staff_required
@permission_required("owners.add_ownership", raise_exception=True)
@require_POST
def owner_add_unit(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    form = OwnershipForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["mode"] == OwnershipForm.MODE_TRANSFER:
                services.ownership_transfer(
                    unit=data["unit"], new_owners=[owner], transfer_date=data["start_date"],
                    reason=data["reason"], move_in_date=data["move_in_date"], actor=request.user,
                )
            else:
                services.ownership_start(
                    unit=data["unit"], owner=owner, start_date=data["start_date"],
                    move_in_date=data["move_in_date"], actor=request.user,
                )
        except ValidationError as error:
            apply_service_errors(form, error, {"transfer_date": "start_date", "owner": None})
        else:
            messages.success(
                request,
                _("%(owner)s is now registered as owner of %(unit)s.")
                % {"owner": owner.name, "unit": data["unit"].number},
            )
            return redirect("owners:detail", pk=owner.pk)
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    context = _detail_context(request, owner)
    context["ownership_form"] = form
    return render(request, "owners/owner_detail.html", context, status=400)


@staff_required
@permission_required("owners.change_owner", raise_exception=True)
@require_POST
def owner_portal_login(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    form = PortalLoginForm(request.POST)
    if form.is_valid():
        try:
            user = services.owner_portal_login_create(owner=owner, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Portal login %(username)s opened for %(name)s.")
                % {"username": user.username, "name": owner.name},
            )
            return redirect("owners:detail", pk=owner.pk)
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    return render(
        request, "owners/owner_detail.html", _detail_context(request, owner, login_form=form), status=400
    )


# ---- owner portal ---------------------------------------------------------


@owner_required
def portal_home(request, owner):
    units = selectors.owner_units(owner=owner)
    return render(request, "owners/portal_home.html", {
        "owner": owner, "units": units, "callbacks_offered": owner_offered_callbacks(owner=owner).count(),
        "fees_owed": owner_owed(owner=owner).total,
    })
