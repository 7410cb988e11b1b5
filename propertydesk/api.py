"""What every app's API shares: who may call an action, and how a service's refusal
reaches the caller."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, permissions, serializers

from propertydesk.roles import is_staff_member, owner_of


class StaffOrOwnerPermission(permissions.BasePermission):
    """Staff: the permissions the viewset names for the action (``staff_permissions``).
    Owners: reads and the actions in ``owner_actions``; the querysets keep them to
    their own records. Anyone else: nothing."""

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if view.action is None:
            # A method the route does not have (DELETE): let DRF answer 405, not 403.
            return True
        if is_staff_member(user):
            needed = view.staff_permissions.get(view.action)
            if needed is None:
                needed = view.staff_permissions["retrieve"] if request.method in permissions.SAFE_METHODS else None
            return needed is not None and user.has_perms(needed)
        if owner_of(user) is None:
            return False
        return request.method in permissions.SAFE_METHODS or view.action in getattr(view, "owner_actions", ())


def raise_as_drf(error: DjangoValidationError):
    """A service's field errors as a 400 keyed by field; a refused step (no field) as a
    400 under ``non_field_errors``."""
    if hasattr(error, "error_dict"):
        raise serializers.ValidationError(error.message_dict)
    raise serializers.ValidationError({"non_field_errors": error.messages})


@contextmanager
def service_errors():
    """Run a service call: its ValidationError becomes a 400 (see raise_as_drf), its
    PermissionDenied a 403 that keeps the service's message."""
    try:
        yield
    except DjangoValidationError as error:
        raise_as_drf(error)
    except DjangoPermissionDenied as error:
        raise exceptions.PermissionDenied(str(error) or None)


def context_is_staff(context) -> bool:
    """In a serializer: is the caller a member of staff (who sees staff-only fields)?"""
    request = context.get("request")
    return bool(request and is_staff_member(request.user))


def context_owner(context):
    """In a serializer: the calling owner, or None."""
    request = context.get("request")
    return owner_of(request.user) if request else None
