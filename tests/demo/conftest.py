import pytest


@pytest.fixture
def seeded(demo_seeded):
    """The demo estate (tests/conftest.py, loaded once per run): what seed_demo printed
    and the demo's "now"."""
    return demo_seeded[:2]


@pytest.fixture
def as_of(seeded):
    return seeded[1]
