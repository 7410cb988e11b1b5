"""What every app's API shares: who may call an action, how a service's refusal
reaches the caller, the actions on one record, id filters, named choice fields and
people's names."""

from __future__ import annotations

import datetime
from contextlib import contextmanager

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers
from rest_framework.authentication import TokenAuthentication

from propertydesk import limits
from propertydesk.auth import load_user
from propertydesk.people import person_name
from propertydesk.roles import is_staff_member, owner_of
from propertydesk.tokens import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused (401) once API_TOKEN_TTL_HOURS have passed since it was issued."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token, now=timezone.now()):
            raise exceptions.AuthenticationFailed(
                _("This token has expired. Ask for a new one with your username and password.")
            )
        # Read again with roles, permissions, owner and worker, as a session's user is: one
        # query instead of one for each that the call asks about.
        return load_user(user.pk) or user, token


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


class StaffOnlyPermission(StaffOrOwnerPermission):
    """The staff half of StaffOrOwnerPermission: owners get nothing (callback rules, the
    arrears list: the service centre's own business)."""

    def has_permission(self, request, view):
        if request.user and request.user.is_authenticated and not is_staff_member(request.user):
            return False
        return super().has_permission(request, view)


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


def user_name(user) -> str | None:
    """A member of staff's name as the pages print it (陈丽华, "Jane Doe"), or None."""
    return None if user is None else person_name(user)


# The schema of a method field that may answer null (a staff-only field in an owner's view,
# a person not yet named): ``@extend_schema_field(NULLABLE_INT)`` above ``-> int | None``.
# A bare OpenApiTypes.INT would promise a number every time.
NULLABLE_INT = serializers.IntegerField(allow_null=True, read_only=True)
NULLABLE_STR = serializers.CharField(allow_null=True, read_only=True)
NULLABLE_BOOL = serializers.BooleanField(allow_null=True, read_only=True)


def named_choice_field(component_name: str, choices):
    """A ChoiceField over ``choices`` that the schema shows as one named enum component.
    Work orders, complaints, callbacks, bills and notices all have a "status", "kind" or
    "method" of their own; left to drf-spectacular, choice sets sharing a field name
    across serializers collide in its enum naming."""

    @extend_schema_field(serializers.ChoiceField(choices=choices.choices), component_name=component_name)
    class NamedChoiceField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    NamedChoiceField.__name__ = NamedChoiceField.__qualname__ = component_name.removesuffix("Enum") + "Field"
    return NamedChoiceField


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """``?estate=3``: a record's id, an integer in the schema too."""

    field_class = forms.IntegerField


class ListFiltersOnly:
    """For a viewset: the filters are for the list; an action on record 12 finds it
    whatever the query string says."""

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset


class RecordActions(ListFiltersOnly):
    """For a viewset with POST actions on one record (assign, resolve, perform, take…):
    parse the body, call the service with the caller and the clock, answer with the
    record as it is now (the viewset's ``_detail(pk)``)."""

    def act(self, serializer_class, run, *, record=None, who: dict | None = None):
        """Validate the body with ``serializer_class`` (None: no body; its context has the
        ``record``) and call ``run(record, data, who)`` under service_errors(). ``record``
        defaults to the URL's, ``who`` to ``actor`` (the caller) and ``now``. Returns the
        record, the data and what ``run`` returned."""
        record = self.get_object() if record is None else record
        data = {}
        if serializer_class is not None:
            context = {**self.get_serializer_context(), "record": record}
            serializer = serializer_class(data=self.request.data, context=context)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        with service_errors():
            result = run(record, data, who if who is not None else {"actor": self.request.user, "now": timezone.now()})
        return record, data, result

    def act_and_show(self, serializer_class, run, **kwargs):
        record, _data, _result = self.act(serializer_class, run, **kwargs)
        return self._detail(record.pk)


# The offsets real clocks use (Baker Island to Kiribati). PostgreSQL refuses any beyond
# ±15:59 with an error, so ``?received_after=…-21:59`` was a 500.
EARLIEST_OFFSET, LATEST_OFFSET = datetime.timedelta(hours=-12), datetime.timedelta(hours=14)


class BusinessDateField(serializers.DateField):
    """A day in the estate's records (limits.EARLIEST_DAY..LATEST_DAY): year 9999 or 0001
    is a 400 on the field."""

    default_validators = [limits.validate_business_date]


class BusinessDateTimeField(serializers.DateTimeField):
    """A moment in the estate's records, held to the same days as BusinessDateField."""

    default_validators = [limits.validate_business_date]


class DayFilter(django_filters.DateFilter):
    """``?due_after=2026-11-01``: a day outside the business dates is a 400 naming the filter."""

    field_class = forms.DateField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validators=[limits.validate_business_date], **kwargs)


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment whose UTC offset is one a clock can show, returned in UTC, on
    a business day (limits.EARLIEST_DAY..LATEST_DAY)."""

    default_validators = [limits.validate_business_date]
    default_error_messages = {
        "offset": _("Give a UTC offset between -12:00 and +14:00."),
        "range": _("This moment is out of range."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        offset = value.utcoffset()
        if offset is not None and not EARLIEST_OFFSET <= offset <= LATEST_OFFSET:
            raise DjangoValidationError(self.error_messages["offset"], code="offset")
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise DjangoValidationError(self.error_messages["range"], code="range") from None


class MomentFilter(django_filters.IsoDateTimeFilter):
    """``?received_after=2026-11-01T00:00:00+08:00``: a bad offset or a moment past the
    calendar's ends is a 400 naming the filter, not a database error."""

    field_class = MomentField
