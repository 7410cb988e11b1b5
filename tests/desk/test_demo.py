"""The demo's shift log: a few days of entries and handovers in each estate, one item
refused (the supervisors have it), the last handover's items waiting on the today page."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from desk.models import Handover, HandoverItem, ItemStatus, LogEntry
from owners.models import Estate
from propertydesk.models import Notification


@pytest.fixture
def seeded(demo_seeded):
    return demo_seeded[:2]


def test_days_of_entries_and_handovers_with_one_refusal_and_items_waiting(seeded, db):
    for estate in Estate.objects.all():
        handovers = Handover.objects.filter(estate=estate)
        assert handovers.count() >= 5, estate.name
        assert {"day", "night"} <= set(handovers.values_list("shift_key", flat=True))
        assert LogEntry.objects.filter(estate=estate, unit__isnull=False).exists()
        assert LogEntry.objects.filter(estate=estate, status="closed").exists()
        items = HandoverItem.objects.filter(handover__estate=estate)
        assert set(items.values_list("status", flat=True)) == set(ItemStatus.values), estate.name
    assert Handover.objects.filter(takings_count__gt=0).exists()
    assert Notification.objects.filter(kind="desk.item_refused", recipient__username="supervisor").exists()

    client = Client()
    client.force_login(User.objects.get(username="desk"))
    assert 'id="today-handover"' in client.get(reverse("desk")).content.decode()
    assert 'id="open-entries"' in client.get(reverse("desk:log")).content.decode()
