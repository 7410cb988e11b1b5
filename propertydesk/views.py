from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.core.paginator import Paginator
from django.utils import timezone
from rest_framework.authtoken.views import ObtainAuthToken

from propertydesk.roles import is_staff_member, owner_of, worker_of
from propertydesk.selectors import inbox_for


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get the API token (created on first use)."""


@login_required
def home(request):
    if worker_of(request.user) is not None and not request.user.has_perm("repairs.dispatch_workorder"):
        return redirect("repairs:my_orders")
    if is_staff_member(request.user):
        return redirect("desk")
    if owner_of(request.user) is not None:
        return redirect("portal:home")
    if request.user.is_superuser:
        return redirect("admin:index")
    raise PermissionDenied


@login_required
def inbox(request):
    """The in-portal inbox: staff messages and, for an owner, the owner's messages."""
    notes = inbox_for(request.user)
    if request.method == "POST":
        notes.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("inbox")
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "inbox.html", {"page": page})


def healthz(request):
    """For container health checks: the app answers and its database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
