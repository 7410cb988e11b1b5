"""The POST half of every page that runs a service (a complaint's actions, the intake
form, a payment, a fee standard, an owner's record…): one way to validate the form, call
the service and report back."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from propertydesk.web import apply_service_errors


def run_action(request, *, form, run: Callable, rerender: Callable | None = None, target=None,
               back_url: str | None = None, done_url: str | Callable | None = None,
               message: str | Callable | None = None, aliases: dict | None = None):
    """Validate ``form`` (None for a plain button), then call
    ``run(target, data, user, now)``, ``target`` being the record the page is about
    (None on a page that makes one).

    Field errors, the form's or the service's (``aliases`` renames the service's field
    names to the form's), re-render the page with the form bound: ``rerender(form)``,
    which answers 400. A refused step (an error that names no field) becomes a message
    and goes back to ``back_url``; without one, it is shown on the form like its other
    errors (a page that makes something has nowhere to go back to).

    Success says ``message`` (a string, or a function of what ``run`` returned; empty:
    nothing), by default the string ``run`` returns, or "Saved."; then goes to
    ``done_url`` (a URL, or a function of what ``run`` returned: the record a create
    page made), by default ``back_url``."""
    if form is None and back_url is None:
        raise TypeError("run_action: a plain button needs a back_url for a refusal")
    if form is not None and not form.is_valid():
        return rerender(form)
    try:
        result = run(target, form.cleaned_data if form is not None else {}, request.user, timezone.now())
    except ValidationError as error:
        if form is not None and (hasattr(error, "error_dict") or back_url is None):
            apply_service_errors(form, error, aliases)
            return rerender(form)
        messages.error(request, " ".join(error.messages))
        return redirect(back_url)
    text = message(result) if callable(message) else message
    if text is None:
        text = result if isinstance(result, str) else _("Saved.")
    if text:
        messages.success(request, text)
    return redirect(done_url(result) if callable(done_url) else done_url or back_url)


def render_form(request, template: str, form, **context):
    """A page with its form (``form`` in the template): 400 while the form has errors."""
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)
