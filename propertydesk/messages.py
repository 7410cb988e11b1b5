"""Messages are stored as a key and parameters, and rendered when they are read, in the
reader's language: the inbox and the timeline in the language of the page, e-mail and
SMS in the recipient's (``propertydesk.languages``).

Each app declares its messages in its ``messages.py``, imported by its AppConfig's
``ready()``::

    define(
        Message("complaint.received", _("Complaint %(number)s received"),
                _("We will handle it by %(time)s and keep you informed.")),
    )

and a service stores ``{"number": c.number, "time": at(c.promised_at)}``. Parameter values
are JSON. Values that read differently in another language are wrapped when stored:
``at`` (a moment, shown in local time), ``day``, ``month``, ``label`` (a choice, shown by
its label), ``text`` (a fixed sentence of ours, translated when shown), ``nested`` (another
message, e.g. a system note on a timeline). Anything else —
numbers, unit numbers, amounts, a clerk's own words — is shown as it was written.

A message whose body is not one sentence (a digest's list) gives a function instead of a
template: it gets the rendered parameters and runs in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext, pgettext

Template = Promise | str | Callable[[dict[str, Any]], str] | None


@dataclass(frozen=True)
class Message:
    key: str
    subject: Template
    body: Template = None


_REGISTRY: dict[str, Message] = {}


def define(*messages: Message) -> None:
    for message in messages:
        known = _REGISTRY.get(message.key)
        if known is not None and known != message:
            raise ValueError(f"message {message.key!r} is defined twice")
        _REGISTRY[message.key] = message


def get(key: str) -> Message | None:
    return _REGISTRY.get(key)


def registered() -> dict[str, Message]:
    return dict(_REGISTRY)


# ---- parameters that read differently by language -------------------------------------------

def at(moment: datetime | None) -> dict | None:
    """A moment, shown in the project's time zone as YYYY-MM-DD HH:MM."""
    return None if moment is None else {"$at": moment.isoformat()}


def day(value: date | None) -> dict | None:
    return None if value is None else {"$day": value.isoformat()}


def month(value: date) -> dict:
    return {"$month": value.replace(day=1).isoformat()}


def label(choice: models.Choices | None = None, *, choices: type[models.Choices] | None = None,
          value: str = "") -> dict | str:
    """A choice, shown by its label in the reader's language: ``label(Department.ENGINEERING)``
    or ``label(choices=Department, value=complaint.department)``."""
    cls = type(choice) if choice is not None else choices
    value = choice.value if choice is not None else value
    if not value:
        return ""
    return {"$label": f"{cls.__module__}.{cls.__qualname__}", "v": value}


def text(msgid: str | Promise, *, context: str = "") -> dict:
    """One of our own fixed sentences (marked with gettext_lazy), translated when shown."""
    msgid = msgid._args[0] if isinstance(msgid, Promise) else msgid  # the untranslated text
    return {"$text": msgid, **({"ctx": context} if context else {})}


def nested(key: str, params: dict[str, Any] | None = None) -> dict:
    """Another message (its subject) as a parameter: a system note shown inside a
    progress message, or on a timeline, in the reader's language."""
    return {"$msg": key, "p": params or {}}


def _show(value: Any) -> Any:
    if isinstance(value, list):
        return [_show(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$at" in value:
        return date_format(timezone.localtime(datetime.fromisoformat(value["$at"])), "Y-m-d H:i")
    if "$day" in value:
        return value["$day"]
    if "$month" in value:
        return value["$month"][:7]
    if "$label" in value:
        try:
            return str(import_string(value["$label"])(value["v"]).label)
        except (ImportError, ValueError):
            return value["v"]
    if "$msg" in value:
        subject, body = render(value["$msg"], value.get("p"))
        return subject if not body else f"{subject} {body}"
    if "$text" in value:
        return pgettext(value["ctx"], value["$text"]) if value.get("ctx") else gettext(value["$text"])
    return {key: _show(item) for key, item in value.items()}


def _fill(template: Template, values: dict[str, Any]) -> str:
    if template is None:
        return ""
    if callable(template) and not isinstance(template, Promise):
        return str(template(values))
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)


def render(key: str, params: dict[str, Any] | None, language: str | None = None) -> tuple[str, str]:
    """The subject and body of message ``key`` with ``params``, in ``language`` (the
    active language when None). A key no app defines shows the ``subject`` and ``body``
    parameters, if any, so nothing already stored becomes unreadable."""
    params = params or {}
    if params.get("$legacy"):  # written before messages were rendered when read
        return str(params.get("subject", "")), str(params.get("body", ""))
    with translation.override(language) if language else nullcontext():
        values = {name: _show(value) for name, value in params.items()}
        message = _REGISTRY.get(key)
        if message is None:
            return str(values.get("subject", key)), str(values.get("body", ""))
        return _fill(message.subject, values), _fill(message.body, values)
