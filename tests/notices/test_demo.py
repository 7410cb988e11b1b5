"""The demo's notices: every state in both estates, an emergency some households have not
read, and the portal owner sees theirs."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from notices.models import Notice, NoticeHousehold
from owners.models import Estate


@pytest.fixture
def seeded(demo_seeded):
    return demo_seeded[:2]


def test_every_state_in_both_estates_and_an_emergency_with_unread_households(seeded, db):
    for estate in Estate.objects.all():
        states = set(Notice.objects.filter(estate=estate).values_list("status", flat=True))
        assert states == {"draft", "published", "ended", "withdrawn"}, estate.name
        # the one sent and still current (an incident's notice may be another emergency, ended or a draft)
        emergency = Notice.objects.get(estate=estate, emergency=True, status="published")
        assert 0 < emergency.read_households < emergency.households
        assert NoticeHousehold.objects.filter(notice=emergency, read_at__isnull=True).count() == \
            emergency.households - emergency.read_households


def test_the_portal_owner_has_an_unread_emergency_on_their_home(seeded, db):
    client = Client()
    client.force_login(User.objects.get(username="owner"))
    home = client.get(reverse("portal:home")).content.decode()
    assert 'id="latest-notice"' in home and 'id="notices-unread"' in home
    assert "紧急停水通知" in client.get(reverse("notices:portal_list")).content.decode()
