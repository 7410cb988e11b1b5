"""Pages that show several apps at once, so they sit above all of them: the desk's
start page, the owner's page at the desk (the registry, and the owner's complaints)
and the owner portal's home (units, callbacks to answer, fees owed). Thin: each
reads the apps' selectors and calls their services, and keeps the URL names of the
app it belongs to (``owners:detail``, ``portal:home``; see pages/urls.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from callbacks.selectors import owner_offered_callbacks
from complaints.selectors import owner_complaints
from fees.selectors import owner_owed
from owners import selectors, services
from owners.forms import OwnershipForm, PortalLoginForm
from owners.models import PiiField
from propertydesk.actions import run_action
from propertydesk.roles import is_staff_member
from propertydesk.web import owner_required, staff_required


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


def _add_unit(owner, data, user, now):
    if data["mode"] == OwnershipForm.MODE_TRANSFER:
        return services.ownership_transfer(
            unit=data["unit"], new_owners=[owner], transfer_date=data["start_date"],
            reason=data["reason"], move_in_date=data["move_in_date"], actor=user,
        )
    return services.ownership_start(
        unit=data["unit"], owner=owner, start_date=data["start_date"],
        move_in_date=data["move_in_date"], actor=user,
    )


def _owner_page_with(request, pk, **forms):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    return render(request, "owners/owner_detail.html", _detail_context(request, owner, **forms), status=400)


@staff_required
@permission_required("owners.add_ownership", raise_exception=True)
@require_POST
def owner_add_unit(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    form = OwnershipForm(request.POST)
    return run_action(
        request, target=owner, form=form, run=_add_unit, aliases={"transfer_date": "start_date", "owner": None},
        rerender=lambda form: _owner_page_with(request, pk, ownership_form=form),
        message=lambda _made: _("%(owner)s is now registered as owner of %(unit)s.")
        % {"owner": owner.name, "unit": form.cleaned_data["unit"].number},
        done_url=reverse("owners:detail", args=[owner.pk]),
    )


@staff_required
@permission_required("owners.change_owner", raise_exception=True)
@require_POST
def owner_portal_login(request, pk):
    owner = selectors.owner_detail(owner_id=pk, user=request.user)
    return run_action(
        request, target=owner, form=PortalLoginForm(request.POST),
        run=lambda owner, data, user, now: services.owner_portal_login_create(owner=owner, **data),
        rerender=lambda form: _owner_page_with(request, pk, login_form=form),
        message=lambda login: _("Portal login %(username)s opened for %(name)s.")
        % {"username": login.username, "name": owner.name},
        done_url=reverse("owners:detail", args=[owner.pk]),
    )


# ---- owner portal ---------------------------------------------------------


@owner_required
def portal_home(request, owner):
    units = selectors.owner_units(owner=owner)
    return render(request, "owners/portal_home.html", {
        "owner": owner, "units": units, "callbacks_offered": owner_offered_callbacks(owner=owner).count(),
        "fees_owed": owner_owed(owner=owner).total,
    })
