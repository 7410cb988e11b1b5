"""The owner portal's notices: the notices sent to my units, and one notice (opening it
is the household's read receipt). Another owner's notice is a 404, never a 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from notices import selectors, services
from propertydesk.web import owner_required


@owner_required
def portal_list(request, owner):
    now = timezone.now()
    notices = list(selectors.owner_notices(owner=owner)[:100])
    return render(request, "notices/portal/list.html", {"owner": owner, "notices": notices, "now": now})


@owner_required
def portal_detail(request, owner, pk):
    notice = get_object_or_404(selectors.owner_notices(owner=owner), pk=pk)
    if not notice.is_read:
        services.notice_read(notice=notice, owner=owner, now=timezone.now())
    return render(request, "notices/portal/detail.html", {"owner": owner, "notice": notice, "now": timezone.now()})


urlpatterns = [
    path("portal/", portal_list, name="portal_list"),
    path("portal/<int:pk>/", portal_detail, name="portal_detail"),
]
