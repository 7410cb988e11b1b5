"""Community activities (社区活动, seed 000 三 社区文化建设 and 六.5 社区活动参与度; seed 001 一.4
and 二.4: the callback a month after, 70 % of them done).

The service centre plans an activity (a Mid-Autumn party, a sports day, a talk), the desk
records who signs up and who came, one row per household (unit), and marks it held when it
is over: then the callbacks app makes one callback per household that took part, due a
month later (``activities.signals.activity_finished``). A planned activity may be cancelled
instead; it makes no callback. Participation per estate and month is a dashboard figure:
households that took part in an activity held in the period / households of the estate."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propertydesk import audit, limits
from propertydesk.states import StateEvent, Transitions


class ActivityKind(models.TextChoices):
    CULTURAL = "cultural", _("Cultural (party, performance)")
    SPORTS = "sports", _("Sports")
    FAMILY = "family", _("Parents and children")
    TALK = "talk", _("Talk or course")
    VOLUNTEER = "volunteer", _("Volunteering")
    OTHER = "other", pgettext_lazy("activity kind", "Other")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("activity", "planned")
    HELD = "held", pgettext_lazy("activity", "held")
    CANCELLED = "cancelled", pgettext_lazy("activity", "cancelled")


# Held and cancelled are final: a held activity's callbacks are owed, a cancelled one owes none.
TRANSITIONS = Transitions(ActivityStatus, {
    ActivityStatus.PLANNED: {ActivityStatus.HELD, ActivityStatus.CANCELLED},
    ActivityStatus.HELD: set(),
    ActivityStatus.CANCELLED: set(),
}, refusal=_("An activity that is %(current)s cannot become %(target)s."))


class Activity(models.Model):
    Kind, Status = ActivityKind, ActivityStatus

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="activities",
                               verbose_name=_("estate"))
    title = models.CharField(_("activity"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices, default=ActivityKind.OTHER)
    place = models.CharField(_("where"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    organiser = models.CharField(_("organiser"), max_length=100, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True,
                                           help_text=_("Blank: as many as come."))
    description = models.TextField(_("description"), max_length=limits.NOTE_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ActivityStatus.choices,
                              default=ActivityStatus.PLANNED)
    # The Shanghai day it was held: the day the dashboard's participation counts it in.
    held_on = models.DateField(_("held on"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created_at = models.DateTimeField(_("planned at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("planned by"))

    class Meta:
        verbose_name = _("community activity")
        verbose_name_plural = _("community activities")
        ordering = ["-starts_at", "-id"]
        permissions = [("hold_activity", _("Can mark activities held or cancelled"))]
        indexes = [
            models.Index(fields=["estate", "held_on"], condition=Q(status="held"), name="activity_held_on"),
            models.Index(fields=["estate", "starts_at"], condition=Q(status="planned"), name="activity_upcoming"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                                   name="activity_window_ordered"),
            models.CheckConstraint(condition=~Q(status="held") | Q(finished_at__isnull=False),
                                   name="activity_held_has_time"),
        ]

    def __str__(self):
        return self.title


class ActivityEvent(StateEvent):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("activity"))
    from_status = models.CharField(_("from"), max_length=10, choices=ActivityStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=ActivityStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")


class Participation(models.Model):
    """A household (unit) at an activity: signed up, and whether it came, with the owner or
    resident who came and how many people. One row per unit and activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participations",
                                 verbose_name=_("activity"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("owner"))
    resident = models.ForeignKey("owners.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("resident"))
    people = models.PositiveSmallIntegerField(_("people"), default=1, validators=[MinValueValidator(1)])
    attended = models.BooleanField(_("came"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("participating household")
        verbose_name_plural = _("participating households")
        ordering = ["activity", "unit__number"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "unit"], name="participation_once_per_unit"),
            models.CheckConstraint(condition=Q(owner__isnull=True) | Q(resident__isnull=True),
                                   name="participation_owner_or_resident"),
            models.CheckConstraint(condition=Q(people__gte=1), name="participation_people_positive"),
        ]
        indexes = [models.Index(fields=["unit", "activity"], condition=Q(attended=True),
                                name="participation_attended")]

    def __str__(self):
        return f"{self.activity} · {self.unit_id}"


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(Activity, Participation)
