"""Notices (公告, domain §8): what the service centre announces to the owners of an estate,
of some of its buildings or of some units — a planned water or power outage (停水停电),
lift maintenance, a safety notice, a fee publication — ordinary or emergency.

A notice is written as a draft, then published: at that moment its households (the units
of its audience that have a current owner) are written once, and every current owner of
them gets the notice in the portal inbox and by their channel, in one set-based statement a
batch (notices/services.py). Each household's first reading is its read receipt. After
publishing only the end of what it announces may change; it is ended or withdrawn."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propertydesk import audit, limits
from propertydesk.states import StateEvent, Transitions


class NoticeKind(models.TextChoices):
    OUTAGE = "outage", _("Water or power outage")
    LIFT = "lift", _("Lift maintenance")
    SAFETY = "safety", _("Safety notice")
    FEES = "fees", _("Fee publication")
    OTHER = "other", pgettext_lazy("notice kind", "Other")


class Audience(models.TextChoices):
    ESTATE = "estate", _("The whole estate")
    BUILDINGS = "buildings", _("Chosen buildings")
    UNITS = "units", _("Chosen units")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("notice", "draft")
    PUBLISHED = "published", pgettext_lazy("notice", "published")
    ENDED = "ended", pgettext_lazy("notice", "ended")
    WITHDRAWN = "withdrawn", pgettext_lazy("notice", "withdrawn")


# A draft is published (sent) or dropped; a published notice is ended (what it announced is
# over) or withdrawn (it was wrong: the owners see it marked so).
TRANSITIONS = Transitions(NoticeStatus, {
    NoticeStatus.DRAFT: {NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN},
    NoticeStatus.PUBLISHED: {NoticeStatus.ENDED, NoticeStatus.WITHDRAWN},
    NoticeStatus.ENDED: set(),
    NoticeStatus.WITHDRAWN: set(),
}, refusal=_("A notice that is %(current)s cannot become %(target)s."))

# Owners see a notice once it is sent, whatever happened to it since.
SENT_STATUSES = (NoticeStatus.PUBLISHED, NoticeStatus.ENDED, NoticeStatus.WITHDRAWN)
# The desk keeps the list of households to call or knock for these.
CHASED_KINDS = (NoticeKind.OUTAGE,)

# What a template's or the desk's text may hold, filled when the notice is shown: the
# window and the place stay true when the end is moved after publishing.
PLACEHOLDER_RE = re.compile(r"\{(start|end|place)\}")


class Notice(models.Model):
    Kind, Status = NoticeKind, NoticeStatus

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="notices",
                               verbose_name=_("estate"))
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    emergency = models.BooleanField(_("emergency"), default=False)
    audience = models.CharField(_("addressed to"), max_length=10, choices=Audience.choices,
                                default=Audience.ESTATE)
    buildings = models.ManyToManyField("owners.Building", blank=True, related_name="+",
                                       verbose_name=_("buildings"))
    units = models.ManyToManyField("owners.Unit", blank=True, related_name="+", verbose_name=_("units"))
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=limits.NOTE_LENGTH)
    place = models.CharField(_("where"), max_length=200, blank=True)
    starts_at = models.DateTimeField(pgettext_lazy("notice window", "from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=NoticeStatus.choices,
                              default=NoticeStatus.DRAFT)
    created_at = models.DateTimeField(_("written at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("written by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    # Counted when it is published and as households read it: the desk's list shows them
    # without counting thousands of rows per notice.
    households = models.PositiveIntegerField(_("households"), default=0)
    read_households = models.PositiveIntegerField(_("households that have read it"), default=0)
    messages_sent = models.PositiveIntegerField(_("owners told"), default=0)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-id"]
        permissions = [("publish_notice", _("Can publish, end and withdraw notices"))]
        indexes = [models.Index(fields=["estate", "-id"], name="notice_estate_newest")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__isnull=True) | models.Q(starts_at__isnull=True)
                                   | models.Q(ends_at__gt=models.F("starts_at")), name="notice_window_ordered"),
        ]

    def __str__(self):
        return self.title

    def fill(self, text: str) -> str:
        """``text`` with its placeholders filled from this notice (in the active time zone)."""
        def moment(value):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "…"
        values = {"start": moment(self.starts_at), "end": moment(self.ends_at), "place": self.place or "…"}
        return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], text)

    @property
    def shown_title(self) -> str:
        return self.fill(self.title)

    @property
    def shown_body(self) -> str:
        return self.fill(self.body)

    def is_current(self, now) -> bool:
        return self.status == NoticeStatus.PUBLISHED and (self.ends_at is None or self.ends_at > now)

    @property
    def chased(self) -> bool:
        """The desk follows up the households that have not read it (call or knock)."""
        return self.emergency or self.kind in CHASED_KINDS


class NoticeEvent(StateEvent):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="events", verbose_name=_("notice"))
    from_status = models.CharField(_("from"), max_length=10, choices=NoticeStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=NoticeStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("notice event")
        verbose_name_plural = _("notice events")


class NoticeHousehold(models.Model):
    """A household (unit) a published notice was addressed to, written when it was
    published, and its read receipt: the first time an owner of the unit opened it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="household_rows",
                               verbose_name=_("notice"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey("owners.Owner", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("read by"))

    class Meta:
        verbose_name = _("household addressed")
        verbose_name_plural = _("households addressed")
        constraints = [models.UniqueConstraint(fields=["notice", "unit"], name="notice_household_once")]
        indexes = [
            # the owner's notices: by their units
            models.Index(fields=["unit", "notice"], name="notice_household_unit"),
            # the desk's list of households still to reach
            models.Index(fields=["notice", "unit"], condition=models.Q(read_at__isnull=True),
                         name="notice_household_unread"),
        ]

    def __str__(self):
        return f"{self.notice_id} → {self.unit_id}"


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(Notice)
