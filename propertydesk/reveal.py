"""A phone number revealed in place, on the page of the record it belongs to.

The reveal is a POST (logged by the record's service) that redirects back to the
record's page; that next page shows the number once. Between the two, the session holds
only which record was revealed, never the number, and the URL holds nothing: the page
reads the number again and answers ``Cache-Control: no-store``, so neither the browser's
cache nor its history keeps it. A reload shows the mask again."""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

SESSION_KEY = "revealed_record"
ANCHOR = "phone"
# The redirect's page follows at once; a reveal whose page was never opened (the browser
# went elsewhere) must not show the number on a visit much later.
FRESH_SECONDS = 60


def remember(request, key: str) -> None:
    request.session[SESSION_KEY] = [key, time.time()]


def take(request, key: str) -> bool:
    """True once, on the first page of ``key``'s record just after its reveal."""
    held = request.session.get(SESSION_KEY)
    if not isinstance(held, list) or len(held) != 2 or held[0] != key:
        return False
    del request.session[SESSION_KEY]
    return 0 <= time.time() - held[1] <= FRESH_SECONDS


def back_to(url: str) -> HttpResponseRedirect:
    """Back to the record's page, at its phone."""
    return HttpResponseRedirect(f"{url}#{ANCHOR}")


def unstored(response):
    """The page that shows a revealed number stays in no cache."""
    add_never_cache_headers(response)
    return response


def reveal_in_place(request, *, key: str, reveal, back_url: str) -> HttpResponseRedirect:
    """The POST of a reveal button: run ``reveal(now=, ip_address=)`` (the record's
    service, which checks who may and logs it; a refusal it raises as PermissionDenied
    is a 403), then back to the record's page, which shows the number once. A record
    with nothing to reveal is said as a message on that page."""
    try:
        reveal(now=timezone.now(), ip_address=request.META.get("REMOTE_ADDR"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        remember(request, key)
    return back_to(back_url)
