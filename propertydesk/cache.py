"""The shared cache (``CACHE_URL``): Django's Redis cache, which treats a Redis that does
not answer as an empty cache instead of raising.

Django's ``RedisCache`` raises on a connection error, and the session store reads and
writes through it (``cached_db``): a login while Redis was down was a 500 (creating a
session asks the cache whether its key exists). The database holds every session, so
a miss costs a query and nothing else. After a failed call the cache is skipped for
``RETRY_AFTER_SECONDS`` in this process, so a Redis that times out (rather than
refusing at once) costs one request its timeout, not every request.

What a Redis outage does cost: a write or delete made while it was away is not in the
cache when it returns. Sessions are written through to the database first, and a
logout deletes the database's row first; a session's cached copy expires with the
session (``SESSION_IDLE_TIMEOUT_MINUTES`` at most).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0

# What each call answers when Redis does not: a miss, nothing stored, nothing deleted.
_FALLBACK = {
    "add": False, "get": None, "set": None, "touch": False, "delete": False, "get_many": {},
    "has_key": False, "set_many": [], "delete_many": None, "clear": False,
}


class _TolerantClient(RedisCacheClient):
    down_until = 0.0  # time.monotonic(); per process


def _tolerant(name: str):
    original = getattr(RedisCacheClient, name)

    def call(self, *args, **kwargs):
        miss = args[1] if name == "get" else _FALLBACK[name]  # get(key, default)
        if time.monotonic() < _TolerantClient.down_until:
            return miss
        try:
            return original(self, *args, **kwargs)
        except (RedisError, OSError) as exc:
            if time.monotonic() >= _TolerantClient.down_until:
                logger.warning("cache unreachable (%s: %s); sessions read from the database for %.0f s",
                               type(exc).__name__, exc, RETRY_AFTER_SECONDS)
            _TolerantClient.down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return miss

    call.__name__ = name
    return call


for _name in _FALLBACK:
    setattr(_TolerantClient, _name, _tolerant(_name))


class TolerantRedisCache(RedisCache):
    """``CACHES["default"]["BACKEND"]`` with ``CACHE_URL`` (settings.py)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _TolerantClient
