"""SMS backends. Production plugs in a gateway by implementing ``send``; the default
logs the message (with the number masked), like Django's console e-mail backend."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from propertydesk.pii import mask_phone

logger = logging.getLogger("propertydesk.sms")


class BaseSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    sent: list[tuple[str, str]] = []  # kept for inspection in development

    def send(self, *, phone: str, text: str) -> None:
        LoggingSmsBackend.sent.append((phone, text))
        logger.info("SMS to %s: %s", mask_phone(phone), text)


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
