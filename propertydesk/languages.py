"""Whose language a message is read in. Owners keep theirs in the registry
(``Owner.language``, the estate's by default); staff in their ``UserPreference``;
anyone without one reads the house language (settings.LANGUAGE_CODE)."""

from __future__ import annotations

from django.conf import settings

from propertydesk.models import UserPreference

CODES = {code for code, _name in settings.LANGUAGES}


def valid(language: str | None) -> str | None:
    return language if language in CODES else None


def owner_language(owner) -> str:
    return valid(getattr(owner, "language", None)) or settings.LANGUAGE_CODE


def user_languages(user_ids) -> dict[int, str]:
    """Each user's chosen language, in one query; a user who chose none is absent."""
    return dict(UserPreference.objects.filter(user_id__in=set(user_ids)).values_list("user_id", "language"))


def user_language(user) -> str | None:
    """The language ``user`` chose, or None. No query for a user read with their
    preference (the request's user, propertydesk.auth.load_user)."""
    if user is None or not getattr(user, "pk", None):
        return None
    if user.__class__.preference.is_cached(user):  # __class__: the request.user behind its lazy proxy
        try:
            return user.preference.language
        except UserPreference.DoesNotExist:  # read with the user: none chosen
            return None
    return user_languages([user.pk]).get(user.pk)


def set_user_language(user, language: str) -> None:
    if valid(language) and getattr(user, "pk", None):
        preference, _created = UserPreference.objects.update_or_create(user=user, defaults={"language": language})
        user.preference = preference  # what this request reads from now on


def notification_language(notification, *, owner_lang=None, user_langs=None) -> str:
    """The language a message is sent in: its owner's, else its staff recipient's."""
    if notification.owner_id:
        return owner_lang or owner_language(notification.owner)
    chosen = (user_langs or {}).get(notification.recipient_id) if user_langs is not None \
        else user_language(notification.recipient)
    return chosen or settings.LANGUAGE_CODE
