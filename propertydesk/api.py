"""What every app's API shares: who may call an action, how a service's refusal
reaches the caller, the actions on one record, id filters, named choice fields,
people's names and the keyset pagination of every list."""

from __future__ import annotations

import datetime
import json
from base64 import b64decode, b64encode
from contextlib import contextmanager
from urllib import parse

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, filters, pagination, permissions, renderers, serializers
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


def money_field(**kwargs) -> serializers.DecimalField:
    """An amount of money the API reports (yuan, two decimals), read-only."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, **kwargs)


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


# ---- keyset pagination ---------------------------------------------------------------


class KeysetOrderingFilter(filters.OrderingFilter):
    """``?ordering=received_at`` among the view's ``ordering_fields`` (its own, non-null
    columns: the cursor compares their values); KeysetPagination adds the id that
    makes the order unique."""

    def get_valid_fields(self, queryset, view, context=None):
        # No ordering_fields: nothing to choose (not, as DRF would, every serializer field).
        return [(name, name) for name in getattr(view, "ordering_fields", None) or ()]


def _unique_ordering(ordering) -> tuple[str, ...]:
    """The ordering with ``pk`` written ``id``, ending with the id (in the direction of
    the last field) so that no two rows tie."""
    fields = [("-id" if name == "-pk" else "id") if name.lstrip("-") == "pk" else name for name in ordering]
    if not fields or fields[-1].lstrip("-") != "id":
        fields.append("-id" if fields and fields[-1].startswith("-") else "id")
    return tuple(fields)


class KeysetPagination(pagination.CursorPagination):
    """Every API list: 50 rows a page (``?page_size=`` up to 200), in the view's
    ``ordering`` (newest first, ``-id``, unless it keeps another), with ``next`` and
    ``previous`` links that carry the last row's values of the whole ordering. A page
    is one query that starts where the last one stopped (``WHERE (key) > (last key)``
    on an index), however deep; there is no total count, which would read every row.

    DRF's CursorPagination positions on the first field only and skips ties with an
    OFFSET (capped at 1000, so more ties than that never page on): this one compares
    every field of the ordering, which ends with the id."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_ordering(self, request, queryset, view):
        return _unique_ordering(super().get_ordering(request, queryset, view))

    # -- the position: the values of every ordering field, as strings

    def _get_position_from_instance(self, instance, ordering):
        values = []
        for name in ordering:
            value = getattr(instance, name.lstrip("-"))
            values.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
        return tuple(values)

    def encode_cursor(self, cursor):
        tokens = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            # The id alone as DRF writes it (p=12345); a longer key as a JSON list.
            position = list(cursor.position)
            tokens["p"] = position[0] if len(position) == 1 else json.dumps(position, separators=(",", ":"))
        encoded = b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
        return pagination.replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"), keep_blank_values=True)
            offset = pagination._positive_int(tokens.get("o", ["0"])[0], cutoff=self.offset_cutoff)
            reverse = bool(int(tokens.get("r", ["0"])[0]))
            position = tokens.get("p", [None])[0]
            if position is not None:
                position = tuple(json.loads(position)) if position.startswith("[") else (position,)
        except (TypeError, ValueError, UnicodeError):
            raise exceptions.NotFound(self.invalid_cursor_message) from None
        return pagination.Cursor(offset=offset, reverse=reverse, position=position)

    def _after(self, queryset, position, reverse):
        """The rows after ``position`` in the ordering (before it, for a reverse cursor):
        (a, b, id) > (x, y, z) written out field by field, and ``a >= x`` besides, which
        an index on (a, …) answers as a range."""
        if not isinstance(position, tuple) or len(position) != len(self.ordering):
            raise exceptions.NotFound(self.invalid_cursor_message)
        meta = queryset.model._meta
        keys = []
        try:
            for name, raw in zip(self.ordering, position, strict=True):
                field = meta.get_field(name.lstrip("-"))
                if not isinstance(raw, str):
                    raise DjangoValidationError("not a string")
                descending = name.startswith("-") != reverse
                keys.append((field.attname, descending, field.to_python(raw)))
        except (DjangoValidationError, LookupError, ValueError, TypeError):
            raise exceptions.NotFound(self.invalid_cursor_message) from None
        after = Q()
        for index, (attname, descending, value) in enumerate(keys):
            equal = {name: prior for name, _descending, prior in keys[:index]}
            after |= Q(**equal, **{f"{attname}__{'lt' if descending else 'gt'}": value})
        attname, descending, value = keys[0]
        return queryset.filter(Q(**{f"{attname}__{'lte' if descending else 'gte'}": value}), after)

    def paginate_queryset(self, queryset, request, view=None):
        # DRF's, but filtering on the whole position (_after) instead of the first field.
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        offset, reverse, current_position = (0, False, None) if self.cursor is None else self.cursor
        queryset = queryset.order_by(*(pagination._reverse_ordering(self.ordering) if reverse else self.ordering))
        if current_position is not None:
            queryset = self._after(queryset, current_position, reverse)
        results = list(queryset[offset:offset + self.page_size + 1])
        self.page = results[:self.page_size]
        has_following = len(results) > len(self.page)
        following = self._get_position_from_instance(results[-1], self.ordering) if has_following else None
        if reverse:
            self.page = list(reversed(self.page))
            self.has_next = current_position is not None or offset > 0
            self.has_previous = has_following
            self.next_position, self.previous_position = current_position, following
        else:
            self.has_next = has_following
            self.has_previous = current_position is not None or offset > 0
            self.next_position, self.previous_position = following, current_position
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page


@extend_schema_field(OpenApiTypes.STR)
class DisplayField(serializers.Field):
    """``status_display``: the label of a choice field's value in the request's language.

    What ``CharField(source="get_status_display")`` answers, at a list's speed: DRF
    inspects the bound method's signature for every row, and Django rebuilds the
    choices' dict on every call; this looks the label up in one dict per serializer."""

    def __init__(self, choice_field: str, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.choice_field = choice_field
        self._labels: dict[tuple[str | None, type], dict] = {}

    def to_representation(self, instance):
        key = (translation.get_language(), type(instance))
        labels = self._labels.get(key)
        if labels is None:
            field = instance._meta.get_field(self.choice_field)
            labels = self._labels[key] = {value: str(label) for value, label in field.flatchoices}
        value = getattr(instance, self.choice_field)
        return labels[value] if value in labels else str(value)


class FileRenderer(renderers.BaseRenderer):
    """Lets a file's GET be asked for with any Accept header; a refusal still answers
    JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data, "application/json", renderer_context)


# A file's GET in the schema (with ``renderer_classes=FILE_RENDERERS`` on the action): the
# file renderer's ?format= is no parameter of these, the file is what it is.
FILE_RENDERERS = [renderers.JSONRenderer, FileRenderer]
FILE_RESPONSE = dict(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY,
                                                                                   description="The file.")},
                     parameters=[OpenApiParameter("format", exclude=True)])
