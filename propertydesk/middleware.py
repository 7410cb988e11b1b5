"""Pages in the reader's language. LocaleMiddleware picks a language from the URL, the
cookie and the browser; a logged-in reader's own choice overrides it, so the desk and the
portal show pages, the inbox and timelines in the language the user (or, for an owner's
login, the owner record) chose, whichever browser they open them in."""

from __future__ import annotations

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
