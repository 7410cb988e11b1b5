"""The owner portal's activities: the estate's activities to come, with what the owner's
households have signed up for, and signing a household up (before the activity starts)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities import selectors, services
from activities.models import Participation
from owners.selectors import owned_units
from propertydesk.web import owner_required


@owner_required
def portal_list(request, owner):
    now = timezone.now()
    activities = list(selectors.upcoming_for_owner(owner=owner, now=now)[:50])
    units = list(owned_units(owner=owner).order_by("number"))
    mine = set(Participation.objects.filter(activity__in=[a.pk for a in activities], unit__in=[u.pk for u in units])
               .values_list("activity_id", flat=True))
    for activity in activities:
        activity.signed_up = activity.pk in mine
        activity.my_units = [u for u in units if u.estate_id == activity.estate_id]
        activity.open = activity.starts_at > now
    return render(request, "activities/portal/list.html", {"owner": owner, "activities": activities, "now": now})


@owner_required
@require_POST
def portal_sign_up(request, owner, pk):
    activity = get_object_or_404(selectors.upcoming_for_owner(owner=owner, now=timezone.now()), pk=pk)
    unit = owned_units(owner=owner).filter(pk=request.POST.get("unit") or 0, estate_id=activity.estate_id).first()
    try:
        people = int(request.POST.get("people") or 1)
    except ValueError:
        people = 0
    try:
        if unit is None:
            raise ValidationError(_("Choose one of your units."))
        services.participation_sign_up(activity=activity, owner=owner, unit=unit, people=people, now=timezone.now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You have signed up for %(title)s.") % {"title": activity.title})
    return redirect(reverse("activities:portal_list"))


urlpatterns = [
    path("portal/", portal_list, name="portal_list"),
    path("portal/<int:pk>/sign-up/", portal_sign_up, name="portal_sign_up"),
]
