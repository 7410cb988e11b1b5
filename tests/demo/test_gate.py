"""The demo's gate: visitors, passes in every state and cards in each estate; the portal
owner sees a tenant's pass to confirm, and the tenant logs in."""

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from gate.models import CardApplication, ItemPass, Preregistration, Visit
from owners.models import Estate


def test_visitors_passes_and_cards_in_both_estates(seeded, db):
    for estate in Estate.objects.all():
        assert Visit.objects.filter(estate=estate, time_out__isnull=True).exists(), estate.name
        assert Visit.objects.filter(estate=estate, confirmed=False).exists()
        assert {"confirmed", "released"} <= set(ItemPass.objects.filter(estate=estate).values_list("status", flat=True))
        assert {"applied", "paid", "ready", "issued", "deactivated"} <= set(
            CardApplication.objects.filter(estate=estate).values_list("status", flat=True))


def test_the_portal_owner_has_a_pass_to_confirm_and_visitors_announced(seeded, db):
    owner = User.objects.get(username="owner")
    client = Client()
    client.force_login(owner)
    waiting = ItemPass.objects.get(status="awaiting_owner")
    assert waiting.number in client.get(reverse("gate:portal_passes")).content.decode()
    assert Preregistration.objects.filter(owner__user=owner).count() == 2
    client.force_login(User.objects.get(username="tenant"))
    assert waiting.number in client.get(reverse("gate:portal_passes")).content.decode()
