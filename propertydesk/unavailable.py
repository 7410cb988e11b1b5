"""The server error handler (``handler500`` in pages/urls.py): a database that does not
answer is a 503 the reader can act on, not a 500.

When PostgreSQL is down or restarting, every request that reaches the database raises
``OperationalError`` (or ``InterfaceError`` on a connection it dropped), wherever that
happens: a view, the session, the user's roles. Django turns any of them into a call of
this handler. The page says the service will be back shortly, with ``Retry-After``; the
API answers ``{"detail": ...}`` as its other errors do. Neither touches the database:
the page is a template rendered without a request (no context processors, no session,
no messages), in the language the request asks for (its cookie or the browser's), which
LocaleMiddleware reads without the database. The next request after the server is back
gets a fresh connection (CONN_HEALTH_CHECKS); nothing needs restarting.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 15


def database_unavailable(exc: BaseException | None) -> bool:
    """Did ``exc`` (or what it was raised from) come from a database that does not answer?"""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        exc, seen = exc.__cause__, seen + 1
    return False


def server_error(request, template_name: str = "500.html"):
    if not database_unavailable(sys.exc_info()[1]):
        return defaults.server_error(request, template_name)
    language = translation.get_language_from_request(request)
    with translation.override(language):
        message = _("The service is briefly unavailable. Please try again in a moment.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            html = loader.render_to_string("503.html", {"message": message})
            response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    return response
