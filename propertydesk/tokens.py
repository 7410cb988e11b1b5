"""API tokens: how long one lives and what ends it early.

A token dies ``API_TOKEN_TTL_HOURS`` after it was issued, when its user logs out and
when their password changes; the token endpoint then issues a fresh one."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token


def token_is_expired(token: Token, *, now: datetime.datetime) -> bool:
    return token.created <= now - datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_issue(*, user, now: datetime.datetime) -> Token:
    """The user's live token: the one they hold, or a fresh one in place of an expired one."""
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and token_is_expired(token, now=now):
            token.delete()
            token = Token.objects.create(user=user)
    return token


def tokens_revoke(*, user) -> int:
    return tokens_revoke_for(users=[user])


def tokens_revoke_for(*, users) -> int:
    """Every API token of ``users`` (users or their ids) revoked, in one statement."""
    deleted, _ = Token.objects.filter(user__in=users).delete()
    return deleted


def revoke_on_logout(sender, request, user, **kwargs):
    if user is not None:
        tokens_revoke(user=user)


def revoke_on_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save on the user: the stored hash is about to change, so the password did.

    Why here and not in the password-change view or a signal of Django's (it has none
    for passwords; ``password_validation.password_changed`` is a validator hook): every
    path that changes a password ends in ``save()`` — the change and reset forms, the
    admin, ``manage.py changepassword``, an owner's activation, a hash written directly
    — and this sees all of them. Saves that name their fields without "password"
    (``last_login`` at each login) cost no query. A hasher upgrade at login also
    rewrites the hash and so ends the token once: the safe direction."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    stored = get_user_model().objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        tokens_revoke(user=instance)


def connect_signals():
    from django.contrib.auth.signals import user_logged_out
    from django.db.models.signals import pre_save

    user_logged_out.connect(revoke_on_logout, dispatch_uid="propertydesk.tokens.logout")
    pre_save.connect(revoke_on_password_change, sender=settings.AUTH_USER_MODEL,
                     dispatch_uid="propertydesk.tokens.password")
