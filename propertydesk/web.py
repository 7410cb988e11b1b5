"""What every app's pages share: who may open a page, the date and time boxes, and how a
service's refusal lands on a form. In the core so that no app borrows them from
another."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError

from propertydesk.roles import is_staff_member, owner_of

# ISO format whatever the language: a browser date box reads nothing else.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


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
