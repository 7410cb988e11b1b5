"""The POST half of an object page's actions (a complaint's, a work order's, a
callback's): one way to validate the form, call the service and report back."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from propertydesk.web import apply_service_errors


def run_action(request, *, target, form, run: Callable, rerender: Callable, done_url: str,
               aliases: dict | None = None):
    """Validate ``form`` (None for a plain button), call ``run(target, data, user, now)``.
    Field errors, the form's or the service's, re-render the page with the form bound
    (``rerender(form)``, a 400). A refused step becomes a message. Success: the string
    ``run`` returns, or "Saved.", and back to ``done_url``."""
    if form is not None and not form.is_valid():
        return rerender(form)
    try:
        result = run(target, form.cleaned_data if form is not None else {}, request.user, timezone.now())
    except ValidationError as error:
        if form is not None and hasattr(error, "error_dict"):
            apply_service_errors(form, error, aliases)
            return rerender(form)
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, result if isinstance(result, str) else _("Saved."))
    return redirect(done_url)
