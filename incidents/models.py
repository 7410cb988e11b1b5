"""Incidents (突发事件, seed 000 §八 应急预案, domain §8): a water or power outage, a lift
entrapment, a fire alarm. The desk opens one with where, when and what; the estate's
emergency plan for that kind is copied into it as a checklist, each step ticked with who
and when; while it is open its callers' script is shown beside the complaint intake for
the buildings it affects; a notice to those buildings is generated from it; it is closed
with a summary."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propertydesk import audit, limits
from propertydesk.states import StateEvent, Transitions


class IncidentKind(models.TextChoices):
    WATER_OUTAGE = "water_outage", _("Water outage")
    POWER_OUTAGE = "power_outage", _("Power outage")
    LIFT_ENTRAPMENT = "lift_entrapment", _("Lift entrapment")
    FIRE_ALARM = "fire_alarm", _("Fire alarm")
    OTHER = "other", pgettext_lazy("incident kind", "Other")


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident", "open")
    CLOSED = "closed", pgettext_lazy("incident", "closed")


# An incident is handled until it is over, then closed with a summary; closing is final
# (a new event is a new incident).
TRANSITIONS = Transitions(IncidentStatus, {
    IncidentStatus.OPEN: {IncidentStatus.CLOSED},
    IncidentStatus.CLOSED: set(),
}, refusal=_("An incident that is %(current)s cannot become %(target)s."))


class EmergencyPlan(models.Model):
    """An estate's plan (应急预案) for one kind of incident: its ordered steps and the
    callers' script the desk starts from. Made from the seed's wording for every estate
    (incidents.services.plans_ensure) and edited by the estate in the admin."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="emergency_plans",
                               verbose_name=_("estate"))
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    script = models.TextField(_("callers' script"), max_length=limits.NOTE_LENGTH, blank=True,
                              help_text=_("What the desk tells callers while such an incident is open."))

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["estate__name", "kind"]
        constraints = [models.UniqueConstraint(fields=["estate", "kind"], name="emergency_plan_once")]

    def __str__(self):
        return f"{self.estate.name} · {self.get_kind_display()}"


class PlanStep(models.Model):
    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="steps",
                             verbose_name=_("emergency plan"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("step"), max_length=300)

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


class Incident(models.Model):
    Kind, Status = IncidentKind, IncidentStatus

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="incidents",
                               verbose_name=_("estate"))
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    # The whole estate, or the buildings named.
    whole_estate = models.BooleanField(_("the whole estate"), default=False)
    buildings = models.ManyToManyField("owners.Building", blank=True, related_name="+",
                                       verbose_name=_("buildings affected"))
    place = models.CharField(_("where"), max_length=200)
    description = models.TextField(pgettext_lazy("incident", "what happened"), max_length=limits.ACCOUNT_LENGTH)
    started_at = models.DateTimeField(pgettext_lazy("incident", "started at"))
    expected_end = models.DateTimeField(_("expected end"), null=True, blank=True)
    script = models.TextField(_("callers' script"), max_length=limits.NOTE_LENGTH)
    status = models.CharField(_("status"), max_length=10, choices=IncidentStatus.choices,
                              default=IncidentStatus.OPEN)
    opened_at = models.DateTimeField(pgettext_lazy("incident", "opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=pgettext_lazy("incident", "opened by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    summary = models.TextField(pgettext_lazy("incident", "summary"), max_length=limits.ACCOUNT_LENGTH, blank=True)
    notice = models.ForeignKey("notices.Notice", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("notice"))

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-started_at", "-id"]
        permissions = [("handle_incident", _("Can open, handle and close incidents"))]
        indexes = [
            # the intake's notes and the desk's banner: the open incidents of an estate
            models.Index(fields=["estate"], condition=models.Q(status="open"), name="incident_open"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(expected_end__isnull=True)
                                   | models.Q(expected_end__gt=models.F("started_at")),
                                   name="incident_end_after_start"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.place}"

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN


class IncidentEvent(StateEvent):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("incident"))
    from_status = models.CharField(_("from"), max_length=10, choices=IncidentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=IncidentStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")


class IncidentStep(models.Model):
    """A step of the plan, copied into the incident when it was opened (a later change to
    the plan does not rewrite what was done), ticked with who and when."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps",
                                 verbose_name=_("incident"))
    position = models.PositiveSmallIntegerField(_("order"))
    text = models.CharField(_("step"), max_length=300)
    done_at = models.DateTimeField(pgettext_lazy("incident", "done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("done by"))
    # Why a tick was taken back (it was ticked by mistake): kept, the step shows it.
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("checklist step")
        verbose_name_plural = _("checklist steps")
        ordering = ["position", "id"]

    def __str__(self):
        return self.text


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(EmergencyPlan, PlanStep, Incident, IncidentStep)
