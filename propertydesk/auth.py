"""Who is asking: the logged-in user, read once per request with what every page asks of them.

Every page wants the user's roles (the navigation, ``staff_required``), their permissions
(``has_perm``, ``{% if perms.… %}``), their owner record (the portal, the inbox), their
worker record (the navigation), and their own language (``ReaderLanguageMiddleware``).
Read one by one that is six or seven queries before the page's own. ``load_user()`` reads
them in one: the user joined with the owner, worker and preference rows, and the names of
the user's groups and permissions as arrays beside it. Nothing is kept between requests,
so a change (a user taken out of a group, a permission taken from a role, a language
chosen) holds from the next request on.

``ReaderBackend`` is Django's ModelBackend (the same passwords, the same
``is_active`` rule) whose ``get_user()`` is ``load_user()``; ``AuthenticationMiddleware``
calls it for the session's user, the API's token authentication for the token's.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q, Value
from django.db.models.functions import Concat

from propertydesk.roles import ROLE_LABELS

# The one-to-one rows hanging off a user that pages read: the owner a portal login belongs
# to (owners.Owner.user), the worker record of staff who take work orders
# (repairs.Worker.user) and the user's own settings (UserPreference). Named as data, as
# roles.owner_of and roles.worker_of do: the core imports no app.
RELATED = ("owner_profile", "worker", "preference")


def _group_names():
    return ArraySubquery(Group.objects.filter(user=OuterRef("pk")).order_by("name").values("name"))


def _permission_names():
    """"app_label.codename" of every permission the user has, directly or through a group
    (what ModelBackend reads in two queries)."""
    UserModel = get_user_model()
    through_groups = Group.permissions.through.objects.filter(
        group__user=OuterRef(OuterRef("pk"))).values("permission_id")
    direct = UserModel.user_permissions.through.objects.filter(
        user_id=OuterRef(OuterRef("pk"))).values("permission_id")
    return ArraySubquery(
        Permission.objects.filter(Q(pk__in=through_groups) | Q(pk__in=direct))
        .order_by()
        .annotate(dotted=Concat("content_type__app_label", Value("."), "codename"))
        .values("dotted")
    )


def load_user(user_id):
    """The user with primary key ``user_id`` and what pages ask of them, in one query; None
    if there is no such user."""
    UserModel = get_user_model()
    user = (
        UserModel._default_manager.select_related(*RELATED)
        .annotate(_group_names=_group_names(), _permission_names=_permission_names())
        .filter(pk=user_id)
        .first()
    )
    if user is None:
        return None
    # What propertydesk.roles.roles_of and ModelBackend.get_all_permissions keep on the
    # user for the rest of the request.
    user._role_names = [name for name in user._group_names if name in ROLE_LABELS]
    if not user.is_superuser:  # a superuser has every permission; Django answers that itself
        user._perm_cache = set(user._permission_names)
    return user


class ReaderBackend(ModelBackend):
    """ModelBackend whose session user comes from ``load_user()`` (one query)."""

    def get_user(self, user_id):
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
