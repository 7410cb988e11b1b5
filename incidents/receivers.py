"""incidents' answers to the lower apps' signals: the complaint intake asks what to show
for the unit being taken in, and an open incident of its building answers with its
callers' script."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.signals import IntakeNote, intake_notes
from incidents import selectors, services
from owners.models import Estate


@receiver(intake_notes, dispatch_uid="incidents.intake_notes")
def incident_scripts(sender, *, estate, building, unit, now, **kwargs) -> list[IntakeNote]:
    if building is None:
        return []
    return [
        IntakeNote(
            title=_("%(kind)s: %(place)s") % {"kind": incident.get_kind_display(), "place": incident.place},
            text=incident.script, since=incident.started_at, until=incident.expected_end,
            url=reverse("incidents:detail", args=[incident.pk]), kind="incident",
            language=estate.language)
        for incident in selectors.open_incidents_for_building(estate_id=estate.pk, building_id=building.pk)
    ]


@receiver(post_save, sender=Estate, dispatch_uid="incidents.estate_plans")
def estate_plans(sender, instance, created, raw=False, **kwargs) -> None:
    """A new estate gets the default emergency plans at once, to edit in the admin."""
    if created and not raw:
        services.plans_ensure(estate=instance)
