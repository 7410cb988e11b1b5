"""The demo's incidents: both estates have their plans and two incidents handled and closed
(the power cut's notice ended); the first has a power cut going on now, whose script the
intake shows for its building, with its notice waiting as a draft."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from incidents.models import EmergencyPlan, Incident
from owners.models import Estate, Unit


@pytest.fixture
def seeded(demo_seeded):
    return demo_seeded[:2]


def test_every_estate_has_its_plans_and_two_incidents_closed_with_a_summary(seeded, db):
    for estate in Estate.objects.all():
        assert EmergencyPlan.objects.filter(estate=estate).count() == 5
        closed = Incident.objects.filter(estate=estate, status="closed")
        assert sorted(closed.values_list("kind", flat=True)) == ["lift_entrapment", "power_outage"]
        for incident in closed:
            assert incident.summary and not incident.steps.filter(done_at__isnull=True).exists()
        assert closed.get(kind="power_outage").notice.status == "ended"


def test_the_power_cut_going_on_shows_in_the_intake_for_its_building_and_on_the_desks_day(seeded, db):
    going = Incident.objects.get(status="open")
    assert going.notice.status == "draft" and going.steps.filter(done_at__isnull=False).count() == 2
    client = Client()
    client.force_login(User.objects.get(username="desk"))
    inside = Unit.objects.filter(building__in=going.buildings.all()).first()
    outside = Unit.objects.filter(estate=going.estate).exclude(building__in=going.buildings.all()).first()
    notes = reverse("complaints:intake_notes")
    assert going.script in client.get(notes, {"unit": inside.pk}).content.decode()
    assert going.script not in client.get(notes, {"unit": outside.pk}).content.decode()
    assert 'id="open-incidents"' in client.get(reverse("desk")).content.decode()
