"""What every app's pages share: who may open a page, the date and time boxes, and how a
service's refusal lands on a form. In the core so that no app borrows them from
another."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext

from propertydesk import limits
from propertydesk.files import readable_size
from propertydesk.roles import is_staff_member, owner_of

# ISO format whatever the language: a browser date box reads nothing else.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BusinessDateField(forms.DateField):
    """A day in the estate's records: outside limits.EARLIEST_DAY..LATEST_DAY it is an
    error on the field (year 9999 typed in a date box overflowed the first time a page
    added a day to it)."""

    default_validators = [limits.validate_business_date]


class BusinessDateTimeField(forms.DateTimeField):
    """A moment in the estate's records, held to the same days as BusinessDateField."""

    default_validators = [limits.validate_business_date]


class HistoryDateField(forms.DateField):
    """A day of someone's history in the registry (owner since, moved in), from
    limits.EARLIEST_HISTORY_DAY."""

    default_validators = [limits.validate_history_date]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _photos_help() -> str:
    return gettext("Up to %(count)s photos (JPEG, PNG or WebP), each at most %(size)s.") % {
        "count": settings.FILES_MAX_PHOTOS, "size": readable_size(settings.FILES_MAX_IMAGE_BYTES)}


class MultipleFileField(forms.FileField):
    """Several files from one box (a phone takes or picks a few photos at once), as a
    list; the service checks each through propertydesk.files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class PhotosField(MultipleFileField):
    """A few photos from one box. Empty is allowed; the service counts them against
    FILES_MAX_PHOTOS, with messages naming the field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("help_text", lazy(_photos_help, str)())
        super().__init__(*args, **kwargs)


def query_day(value: str | None, fmt: str = "%Y-%m-%d") -> datetime.date | None:
    """A day from the query string (``?day=2026-11-20``, ``?month=2026-11`` with
    ``fmt="%Y-%m"``), or None when it is not one or lies outside the business dates."""
    try:
        day = datetime.datetime.strptime(value or "", fmt).date()
    except ValueError:
        return None
    return day if limits.in_business_range(day) else None


def staff_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def owner_required(view):
    """A portal page: the view gets the calling owner after the request."""

    @login_required
    def wrapped(request, *args, **kwargs):
        owner = owner_of(request.user)
        if owner is None:
            raise PermissionDenied
        return view(request, owner, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def apply_service_errors(form: forms.Form, error: ValidationError, aliases: dict | None = None) -> None:
    """Attach a service's ValidationError to the form fields it names."""
    aliases = aliases or {}
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            field = aliases.get(field, field)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class DayRange:
    """A list's filter on the moment something happened, from the query string:
    ``<name>_from`` and ``<name>_to``, days both included (``?resolved_from=2026-11-01&
    resolved_to=2026-11-30``), as [start, end) moments in the current time zone. The
    dashboard's figures link to their lists with these."""

    def __init__(self, params, name: str, label):
        self.name, self.label = name, label
        self.first = query_day(params.get(f"{name}_from"))
        self.last = query_day(params.get(f"{name}_to"))

    def __bool__(self) -> bool:
        return self.first is not None or self.last is not None

    @property
    def bounds(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        from django.utils import timezone

        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.first, datetime.time.min, tzinfo=tz) if self.first else None
        end = (datetime.datetime.combine(self.last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
               if self.last else None)
        return start, end

    def filter(self, field: str) -> dict:
        """The queryset filter on ``field`` (a DateTimeField) for this range."""
        start, end = self.bounds
        out = {}
        if start is not None:
            out[f"{field}__gte"] = start
        if end is not None:
            out[f"{field}__lt"] = end
        return out

    @property
    def params(self) -> list[tuple[str, str]]:
        """The query string's pairs, for a form's hidden fields."""
        out = []
        if self.first:
            out.append((f"{self.name}_from", f"{self.first:%Y-%m-%d}"))
        if self.last:
            out.append((f"{self.name}_to", f"{self.last:%Y-%m-%d}"))
        return out


def day_ranges(params, labels: dict) -> list[DayRange]:
    """The ranges of ``labels`` ({name: label}) given in the query string."""
    return [r for r in (DayRange(params, name, label) for name, label in labels.items()) if r]


def moments_of(ranges: list[DayRange]) -> dict:
    """The queryset filter of every range, each on the field ``<name>_at``."""
    out = {}
    for range_ in ranges:
        out.update(range_.filter(f"{range_.name}_at"))
    return out


def params_of(ranges: list[DayRange]) -> list[tuple[str, str]]:
    """The ranges' query-string pairs, for a list's form to keep them."""
    return [pair for range_ in ranges for pair in range_.params]
