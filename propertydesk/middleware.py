"""Pages in the reader's language. LocaleMiddleware picks a language from the URL, the
cookie and the browser; a logged-in reader's own choice overrides it, so the desk and the
portal show pages, the inbox and timelines in the language the user (or, for an owner's
login, the owner record) chose, whichever browser they open them in."""

from __future__ import annotations

import time

from django.utils import translation

from propertydesk import languages
from propertydesk.roles import owner_of


def reader_language(user) -> str | None:
    """The language a logged-in user reads pages in: their own preference, else for an
    owner's login the owner's language; None for anyone else (the request decides)."""
    if user is None or not user.is_authenticated:
        return None
    chosen = languages.user_language(user)
    if chosen:
        return chosen
    owner = owner_of(user)
    return languages.owner_language(owner) if owner is not None else None


class ReaderLanguageMiddleware:
    """After LocaleMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = reader_language(getattr(request, "user", None))
        if language and language != translation.get_language():
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class SessionIdleTimeoutMiddleware:
    """Ends a session that has seen no request for SESSION_IDLE_TIMEOUT_MINUTES.

    SESSION_COOKIE_AGE is the idle limit and a session's expiry is counted from its last
    save; this middleware saves it again (moving the expiry on) when a request comes more
    than a minute after the last save, instead of on every request as
    SESSION_SAVE_EVERY_REQUEST would. A session older than the limit is gone from the
    store, so the next request is anonymous and a page sends it to the login page."""

    KEY = "_seen_at"
    GRANULARITY_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session the request already loaded: no store read for anonymous visitors.
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            seen_at = session.get(self.KEY, 0)
            if session.modified or now - seen_at >= self.GRANULARITY_SECONDS:
                session[self.KEY] = now
        return response


def mark_session_seen(sender, request, user, **kwargs):
    """At login (user_logged_in), which writes the session anyway: the first requests after
    it need not write it again."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SessionIdleTimeoutMiddleware.KEY] = int(time.time())
