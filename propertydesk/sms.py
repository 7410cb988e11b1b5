"""SMS backends. A gateway is plugged in by implementing ``send``, which returns the
gateway's message id or raises. Every message carries the outbox's idempotency key, so a
gateway that is sent the same key twice (a resend after a crash) can recognise it.

``LoggingSmsBackend`` (development) logs the number masked and keeps nothing.
``RecordingSmsBackend`` (tests, and a staging gateway) is a gateway in Redis: it keeps
each message once by its key and counts every call, so a test can count exactly what an
owner would get, across processes (a real worker's sends included).
"""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.utils.module_loading import import_string

from propertydesk.pii import mask_phone

logger = logging.getLogger("propertydesk.sms")


class SmsError(Exception):
    """The gateway refused or could not take a message; the outbox retries it."""


class BaseSmsBackend:
    def send(self, *, phone: str, text: str, key: str) -> str:
        """Send ``text`` to ``phone``; return the gateway's message id."""
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    """Development only: logs the message with the number masked. Production refuses to
    start with it unless SMS_ALLOW_LOGGING_BACKEND is set (settings)."""

    def send(self, *, phone: str, text: str, key: str) -> str:
        logger.info("SMS %s to %s: %s", key, mask_phone(phone), text)
        return f"log:{key}"


class RecordingGateway:
    """A message store in Redis (settings.GATEWAY_RECORD_URL) that behaves like a gateway
    honouring idempotency keys. Keys are namespaced by the database's name, so two test
    databases on one Redis do not mix."""

    def __init__(self, channel: str):
        import redis

        self.channel = channel
        self.redis = redis.Redis.from_url(settings.GATEWAY_RECORD_URL)
        self.prefix = f"pd-gateway:{settings.DATABASES['default']['NAME']}:{channel}:"

    def accept(self, *, key: str, to: str, text: str) -> str:
        if settings.GATEWAY_RECORD_DELAY_MS:  # a real gateway's round trip, for crash tests
            time.sleep(settings.GATEWAY_RECORD_DELAY_MS / 1000)
        if self.redis.sismember(self.prefix + "failing", to):
            self.redis.incr(self.prefix + "refused")
            raise SmsError(f"gateway refused {mask_phone(to) if self.channel == 'sms' else to}")
        self.redis.incr(self.prefix + "calls")
        if self.redis.hsetnx(self.prefix + "messages", key, json.dumps({"to": to, "text": text})):
            self.redis.rpush(self.prefix + "order", key)
        return f"rec:{key}"

    # for tests
    def messages(self) -> dict[str, dict]:
        return {k.decode(): json.loads(v) for k, v in self.redis.hgetall(self.prefix + "messages").items()}

    def calls(self) -> int:
        return int(self.redis.get(self.prefix + "calls") or 0)

    def fail_for(self, *addresses: str) -> None:
        if addresses:
            self.redis.sadd(self.prefix + "failing", *addresses)

    def heal(self) -> None:
        self.redis.delete(self.prefix + "failing")

    def reset(self) -> None:
        keys = list(self.redis.scan_iter(match=self.prefix + "*"))
        if keys:
            self.redis.delete(*keys)


class RecordingSmsBackend(BaseSmsBackend):
    def send(self, *, phone: str, text: str, key: str) -> str:
        return RecordingGateway("sms").accept(key=key, to=phone, text=text)


def get_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
