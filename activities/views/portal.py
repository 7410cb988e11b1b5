"""The owner portal's activities: the estate's activities to come (read-only), with what
the owner's households have signed up for. Signing up is the desk's."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from activities import selectors
from activities.models import Participation
from owners.selectors import owned_units
from propertydesk.web import owner_required


@owner_required
def portal_list(request, owner):
    now = timezone.now()
    activities = list(selectors.upcoming_for_owner(owner=owner, now=now)[:50])
    mine = set(Participation.objects.filter(activity__in=[a.pk for a in activities],
                                            unit__in=owned_units(owner=owner)).values_list("activity_id", flat=True))
    for activity in activities:
        activity.signed_up = activity.pk in mine
    return render(request, "activities/portal/list.html", {"owner": owner, "activities": activities, "now": now})


urlpatterns = [path("portal/", portal_list, name="portal_list")]
