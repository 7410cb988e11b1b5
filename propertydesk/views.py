import math

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from axes.helpers import get_client_username, get_cool_off
from rest_framework import exceptions, serializers
from rest_framework.authtoken import serializers as token_serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from propertydesk import limits, roles
from propertydesk.roles import ENGINEERING, FINANCE, FRONT_DESK, SUPERVISOR, is_staff_member, owner_of, roles_of, worker_of
from propertydesk.selectors import INBOX_KINDS, inbox_counts, inbox_for, message_link
from propertydesk.tokens import token_issue


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class AuthTokenSerializer(token_serializers.AuthTokenSerializer):
    """DRF's, with the lengths a sign-in can have (the same name keeps the schema's)."""

    username = serializers.CharField(label=gettext_lazy("Username"), write_only=True, max_length=150)
    password = serializers.CharField(label=gettext_lazy("Password"), style={"input_type": "password"}, trim_whitespace=False, write_only=True,
                                     max_length=limits.PASSWORD_LENGTH)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): the lock-out
    page with 429 and Retry-After, as the API token endpoint answers. Each refused try
    restarts the cool-off, so it ends a full cool-off from now."""
    cool_off = get_cool_off(request)
    context = {"username": get_client_username(request, credentials) or ""}
    if cool_off:
        context["cooloff_timedelta"] = cool_off
    response = render(request, "registration/locked_out.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    return response


class ObtainTokenView(ObtainAuthToken):
    """POST username and password, get the API token: the one the user holds, or a fresh
    one if it expired (or was revoked at logout or a password change).

    django-axes locks a username and address out after repeated failures, but it flags
    the lock-out on DRF's request, which its middleware never sees: the caller got the
    same 400 as for a wrong password. Here the lock-out is a 429 with Retry-After."""

    serializer_class = AuthTokenSerializer

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                # Each refused try restarts the cool-off, so it ends a full cool-off from now.
                cool_off = get_cool_off(request)
                raise exceptions.Throttled(
                    wait=None if cool_off is None else cool_off.total_seconds(),
                    detail=_("Too many failed sign-ins for this username from this address."),
                ) from None
            raise
        token = token_issue(user=serializer.validated_data["user"], now=timezone.now())
        return Response({"token": token.key})


# The supervisors' start page: their dashboard (pages.dashboard).
SUPERVISOR_START = "dashboard"
# A member of staff starts on the page of their role (the first role listed that they
# have): supervisors on their dashboard, the front desk on its today page, finance on the
# fee desk, engineering on their own work orders.
_ROLE_STARTS = ((SUPERVISOR, SUPERVISOR_START), (FRONT_DESK, "desk"), (FINANCE, "fees:home"),
                (ENGINEERING, "repairs:my_orders"))
# Without one of those roles (a superuser, say): the first page of their work they may open.
_STAFF_STARTS = (
    ("owners.view_owner", "desk"),
    ("fees.view_bill", "fees:home"),
    ("repairs.view_workorder", "repairs:queue"),
    ("complaints.view_complaint", "complaints:queue"),
)


def _staff_start(user) -> str:
    if user.is_superuser:
        return SUPERVISOR_START
    roles = roles_of(user)
    for role, page in _ROLE_STARTS:
        if role in roles and (page != "repairs:my_orders" or worker_of(user) is not None):
            return page
    return next((page for perm, page in _STAFF_STARTS if user.has_perm(perm)), "desk")


@login_required
def home(request):
    if worker_of(request.user) is not None and not request.user.has_perm("repairs.dispatch_workorder"):
        return redirect("repairs:my_orders")
    if is_staff_member(request.user):
        return redirect(_staff_start(request.user))
    if owner_of(request.user) is not None:
        return redirect("portal:home")
    if request.user.is_superuser:
        return redirect("admin:index")
    for landing in roles.LANDINGS:
        if (url_name := landing(request.user)) is not None:
            return redirect(url_name)
    raise PermissionDenied


# The inbox's filter tabs, in this order.
_INBOX_TABS = (("complaints", gettext_lazy("Complaints and suggestions"), "bi-chat-square-text"),
               ("work_orders", gettext_lazy("Work orders"), "bi-wrench-adjustable"),
               ("callbacks", gettext_lazy("Callbacks"), "bi-telephone-outbound"),
               ("fees", gettext_lazy("Fees"), "bi-cash-coin"),
               ("renovation", gettext_lazy("Renovation"), "bi-house-gear"))


@login_required
def inbox(request):
    """The in-portal inbox: staff messages and, for an owner, the owner's messages; a tab
    per kind, and each message linked to the record it is about."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in INBOX_KINDS else ""
    if request.method == "POST":
        inbox_for(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("inbox")
    counts = inbox_counts(request.user, kind=kind)
    paginator = Paginator(inbox_for(request.user, kind=kind), 30)
    paginator.count = counts["shown"]  # counted beside the unread ones, not again
    page = paginator.get_page(request.GET.get("page"))
    for note in page.object_list:
        note.link = message_link(note)
    # The unread count given here stands for the navigation's (never read, it is lazy).
    return render(request, "inbox.html", {"page": page, "nav_unread": counts["unread"], "kind": kind,
                                          "tabs": _INBOX_TABS, "query_string": f"kind={kind}" if kind else ""})


def healthz(request):
    """For container health checks: the app answers and its database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
