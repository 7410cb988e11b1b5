import os
import socket
from urllib.parse import urlparse

import pytest

from tests.factories import UnitFactory, UserFactory, give_unit, make_owner

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str):
    """Skip a test whose outside part is missing, with the reason; under CI, fail instead."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may be skipped for a missing service)")
    pytest.skip(reason)


@pytest.fixture
def desk_user(db):
    return UserFactory(username="desk", role="front_desk")


@pytest.fixture
def supervisor_user(db):
    return UserFactory(username="supervisor", role="supervisor")


@pytest.fixture
def engineer_user(db):
    return UserFactory(username="engineer", role="engineering")


@pytest.fixture
def finance_user(db):
    return UserFactory(username="finance", role="finance")


@pytest.fixture
def owner_with_unit(db):
    owner = make_owner(name="李娜", phone="13912345678")
    unit = UnitFactory(number="3-1-1203")
    give_unit(owner, unit)
    owner.user = UserFactory(username="lina")
    owner.save(update_fields=["user"])
    return owner, unit


@pytest.fixture
def redis_url():
    """A reachable Redis: CELERY_BROKER_URL if it is redis://, else the local default."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1).close()
    except OSError:
        skip_or_fail(f"no Redis at {parsed.hostname}:{parsed.port or 6379}")
    return url
