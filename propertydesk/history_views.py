"""A record's audit history, for supervisors (propertydesk/audit.py keeps it)."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from propertydesk import audit
from propertydesk.roles import is_supervisor


def tracked_model(label: str):
    """The tracked model named "app_label.modelname", or 404."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    if audit.event_model(model) is None:
        raise Http404
    return model


def local_path(request, value: str | None) -> str | None:
    """A link back to the page the reader came from: a path of this site only."""
    if value and value.startswith("/") and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return value
    return None


@login_required
def record_history(request, label: str, pk: int):
    """Newest first, a page at a time (``?before=`` the last row's id)."""
    if not is_supervisor(request.user):
        raise PermissionDenied
    model = tracked_model(label)
    raw = request.GET.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) < 19 else None
    page = audit.history_page(model=model, pk=pk, before=before)
    record = model._base_manager.filter(pk=pk).first()
    if record is None and not page.rows and before is None:
        raise Http404
    return render(request, "history.html", {
        "record": record, "record_pk": pk, "kind": model._meta.verbose_name, "label": label,
        "page": page, "first_page": before is None, "back": local_path(request, request.GET.get("back")),
    })
