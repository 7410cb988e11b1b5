"""Complaints and suggestions (domain §3): from the phone call to the satisfied owner."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.contrib.postgres.indexes import OpClass
from django.db.models import F, Q
from django.db.models.functions import Reverse, Upper
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

# The departments are the registry's (staff belong to them); complaints route to them. Named
# here too: messages stored before the move name their label complaints.models.Department.
from owners.models import Department  # noqa: F401
from propertydesk import audit, files, limits, messages, pii
from propertydesk.states import StateEvent, Transitions


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone hotline")
    WALK_IN = "walk_in", _("Walk-in at the desk")
    PORTAL = "portal", _("Owner portal")
    WECHAT = "wechat", _("WeChat / app")
    LETTER = "letter", _("Letter")
    MEETING = "meeting", _("Owner meeting")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class Category(models.TextChoices):
    REPAIR = "repair", _("Repair in the home")
    FACILITIES = "facilities", _("Common facilities (lifts, lights, doors)")
    WATER_POWER = "water_power", _("Water or power supply")
    SANITATION = "sanitation", _("Cleaning and rubbish")
    NOISE = "noise", _("Noise")
    SECURITY = "security", _("Security and access")
    PARKING = "parking", _("Parking and traffic")
    LANDSCAPING = "landscaping", _("Greenery")
    RENOVATION = "renovation", _("Neighbour's renovation")
    FEES = "fees", _("Fees and bills")
    STAFF = "staff", _("Staff attitude or conduct")
    NEIGHBOUR = "neighbour", _("Neighbour dispute")
    OTHER = "other", _("Other")


# Which department owns each kind of problem; the desk can route elsewhere.
CATEGORY_DEPARTMENT = {
    Category.REPAIR: Department.ENGINEERING,
    Category.FACILITIES: Department.ENGINEERING,
    Category.WATER_POWER: Department.ENGINEERING,
    Category.SANITATION: Department.CLEANING,
    Category.NOISE: Department.SECURITY,
    Category.SECURITY: Department.SECURITY,
    Category.PARKING: Department.SECURITY,
    Category.LANDSCAPING: Department.LANDSCAPING,
    Category.RENOVATION: Department.CUSTOMER_SERVICE,
    Category.FEES: Department.FINANCE,
    Category.STAFF: Department.CUSTOMER_SERVICE,
    Category.NEIGHBOUR: Department.CUSTOMER_SERVICE,
    Category.OTHER: Department.CUSTOMER_SERVICE,
}
# These can be turned into a work order (repairs issue).
REPAIR_CATEGORIES = {Category.REPAIR, Category.FACILITIES, Category.WATER_POWER}


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The only moves the services allow. Reassignment keeps a complaint "assigned" or
# moves an in-progress one back to "assigned"; "resolved → in progress" is a reopening
# (the owner was not satisfied); "resolved → closed" happens only through a satisfied
# callback (complaints.services.complaint_close_after_callback).
TRANSITIONS = Transitions(Status, {
    Status.RECEIVED: {Status.ASSIGNED},
    Status.ASSIGNED: {Status.ASSIGNED, Status.IN_PROGRESS},
    Status.IN_PROGRESS: {Status.ASSIGNED, Status.RESOLVED},
    Status.RESOLVED: {Status.IN_PROGRESS, Status.CLOSED},
    Status.CLOSED: set(),
}, refusal=_("A complaint that is %(current)s cannot become %(target)s."))
OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)
# The queue's order: open ones first, the nearest promise first; then the rest, newest first.
QUEUE_ORDER = (F("closed_at").desc(nulls_first=True), F("resolved_at").desc(nulls_first=True), F("promised_at"), F("id"))


class PauseReason(models.TextChoices):
    OWNER_AWAY = "owner_away", _("Waiting for the owner to be home")
    PARTS = "parts", _("Waiting for parts")
    THIRD_PARTY = "third_party", _("Waiting for a third party (utility company, developer)")
    OTHER = "other", _("Other")


class ComplaintPolicy(models.Model):
    """Per-estate numbers of the complaint rules; an estate without a row uses the
    defaults in settings.COMPLAINT_POLICY_DEFAULTS."""

    estate = models.OneToOneField(
        "owners.Estate", on_delete=models.CASCADE, related_name="complaint_policy", verbose_name=_("estate")
    )
    emergency_hours = models.PositiveSmallIntegerField(_("promise for emergencies (hours)"), validators=[MinValueValidator(1)])
    urgent_hours = models.PositiveSmallIntegerField(_("promise for urgent complaints (hours)"), validators=[MinValueValidator(1)])
    normal_hours = models.PositiveSmallIntegerField(_("promise for normal complaints (hours)"), validators=[MinValueValidator(1)])
    repeat_threshold = models.PositiveSmallIntegerField(_("complaints that make a repeat complainer"), validators=[MinValueValidator(2)])
    repeat_window_days = models.PositiveSmallIntegerField(_("repeat complainer window (days)"), validators=[MinValueValidator(1)])
    cluster_threshold = models.PositiveSmallIntegerField(_("complaints that make a common issue"), validators=[MinValueValidator(2)])
    cluster_window_days = models.PositiveSmallIntegerField(_("common issue window (days)"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("complaint policy")
        verbose_name_plural = _("complaint policies")

    def __str__(self):
        return str(self.estate)

    @classmethod
    def for_estate(cls, estate) -> ComplaintPolicy:
        policy = cls.objects.filter(estate=estate).first()
        return policy or cls(estate=estate, **settings.COMPLAINT_POLICY_DEFAULTS)

    def promise_hours(self, urgency: str) -> int:
        return {
            Urgency.EMERGENCY: self.emergency_hours,
            Urgency.URGENT: self.urgent_hours,
            Urgency.NORMAL: self.normal_hours,
        }[urgency]


class Complaint(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("unit"))
    owner = models.ForeignKey(
        "owners.Owner", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints",
        verbose_name=_("owner"),
    )
    contact_name = models.CharField(_("contact name"), max_length=100)
    contact_phone = EncryptedCharField(_("contact phone"), max_length=30, blank=True, null=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    location = models.CharField(_("where"), max_length=200, blank=True, help_text=_("If not in the home, e.g. lift of building 3"))
    description = models.CharField(_("what happened"), max_length=limits.ACCOUNT_LENGTH)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    department = models.CharField(_("department"), max_length=20, choices=Department.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="assigned_complaints", verbose_name=_("assigned to"),
    )

    received_at = models.DateTimeField(_("received at"))
    promised_at = models.DateTimeField(_("promised by"), help_text=_("Moves later by the time the clock was paused."))
    promise_note = models.CharField(_("why this promise"), max_length=200, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=limits.NOTE_LENGTH, blank=True)
    late_by = models.DurationField(_("late by"), null=True, blank=True)
    paused_since = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("taken by"),
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        permissions = [
            ("work_complaint", _("Can record progress, pause and resolve complaints")),
            ("reassign_complaint", _("Can reassign complaints")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "in_progress", "resolved", "closed"]) | ~Q(department=""),
                name="complaint_assigned_has_department",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | Q(resolved_at__isnull=False),
                name="complaint_resolved_has_time",
            ),
            models.CheckConstraint(
                condition=Q(paused_since__isnull=True) | Q(status__in=["received", "assigned", "in_progress"]),
                name="complaint_only_open_ones_pause",
            ),
        ]
        indexes = [
            models.Index(
                fields=["promised_at"], condition=Q(status__in=["received", "assigned", "in_progress"]),
                name="complaint_open_by_promise",
            ),
            # The hourly callbacks job's repair scan: resolved complaints awaiting their callback.
            models.Index(fields=["resolved_at"], condition=Q(status="resolved"), name="complaint_resolved_at"),
            models.Index(fields=["owner", "received_at"], name="complaint_owner_recent"),
            # The staff view (complaints.selectors.staff_complaint_figures): a period's resolved
            # complaints with a person named, grouped by that person, from the index alone.
            models.Index(fields=["resolved_at"], include=["assignee", "estate", "late_by"],
                         condition=Q(assignee__isnull=False), name="complaint_staff_resolved"),
            # The dashboard's figures of a month (complaints.selectors.dashboard_month_figures)
            # and its links: resolved or assigned in a period, from the index alone.
            models.Index(fields=["resolved_at"], include=["estate", "received_at", "late_by"],
                         name="complaint_resolved_figures"),
            models.Index(fields=["assigned_at"], include=["estate", "received_at"], name="complaint_assigned_figures"),
            # The desk's queue in its order (complaints.selectors.complaint_queue): open ones
            # (no resolved_at, no closed_at) lead, so the open, overdue and default views read
            # the first entries; the second serves one status and the status tabs' counts.
            models.Index(*QUEUE_ORDER, name="complaint_queue_order"),
            models.Index("status", *QUEUE_ORDER, name="complaint_queue_status"),
            models.Index(fields=["estate", "category", "received_at"], name="complaint_category_recent"),
            # The desk's daily and weekly reports: a day's complaints received, per estate, from
            # the index alone.
            models.Index(fields=["received_at"], include=["estate"], name="complaint_received"),
            # The queue's search box (complaints.selectors.complaint_queue, propertydesk.search):
            # a number by its start or its end, either case; the contact's name by its start.
            models.Index(OpClass(Upper("number"), name="text_pattern_ops"), name="complaint_number_prefix"),
            models.Index(OpClass(Reverse(Upper("number")), name="text_pattern_ops"), name="complaint_number_tail"),
            models.Index(OpClass("contact_name", name="varchar_pattern_ops"), name="complaint_contact_prefix"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.contact_phone = pii.normalize_phone(self.contact_phone) or None
        super().save(*args, **kwargs)

    @property
    def contact_phone_masked(self) -> str:
        return pii.mask_phone(self.contact_phone) if self.contact_phone else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    @property
    def can_become_work_order(self) -> bool:
        return self.category in REPAIR_CATEGORIES

    def is_overdue(self, now) -> bool:
        return self.is_open and not self.is_paused and self.promised_at < now

    def allowed_next(self) -> frozenset[str]:
        return TRANSITIONS[self.status]


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    REASSIGNED = "reassigned", _("Reassigned")
    STARTED = "started", _("Work started")
    PROGRESS = "progress", _("Progress")
    NOTE = "note", _("Internal note")
    PAUSED = "paused", _("Clock paused")
    RESUMED = "resumed", _("Clock resumed")
    PROMISE = "promise", _("Promise changed")
    OVERDUE = "overdue", _("Past its promise")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")


class ComplaintEvent(StateEvent):
    """The timeline: every change and every progress note. ``public`` events are shown
    to the owner; internal notes are not."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint"))
    kind = models.CharField(_("what"), max_length=20, choices=EventKind.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    # What the system says about the event, as data: the sentence is written when it is
    # read, in the reader's language (a Chinese owner never reads the desk's English).
    data = models.JSONField(_("details"), default=dict, blank=True)
    # A note the system wrote (another app's, e.g. "work order opened"), kept as a message
    # (propertydesk.messages.nested) and shown as ``message``; ``note`` keeps people's words.
    note_message = models.JSONField(_("system note"), default=dict, blank=True)
    public = models.BooleanField(_("visible to the owner"), default=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")

    def __str__(self):
        return f"{self.complaint} {self.kind}"

    @property
    def message(self) -> str:
        """The system's sentence for this event, in the active language ("" if none)."""
        from django.utils import formats, timezone
        from django.utils.dateparse import parse_datetime

        def when(key):
            moment = parse_datetime(self.data[key])
            return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")

        if self.note_message:
            return render_note(self.note_message)
        d = self.data
        if self.kind == EventKind.RECEIVED and "promised_at" in d:
            return _("We promise to handle it by %(time)s.") % {"time": when("promised_at")}
        if self.kind in (EventKind.ASSIGNED, EventKind.REASSIGNED) and "department" in d:
            who = Department(d["department"]).label
            if d.get("assignee"):
                who = f"{who} · {d['assignee']}"
            return _("Assigned to %(who)s.") % {"who": who}
        if self.kind == EventKind.PAUSED and "reason" in d:
            return str(PauseReason(d["reason"]).label)
        if self.kind == EventKind.RESUMED and "minutes" in d:
            return _("Paused for %(duration)s; the promise moves to %(time)s.") % {
                "duration": format_minutes(d["minutes"]), "time": when("promised_at")}
        if self.kind in (EventKind.PROMISE, EventKind.OVERDUE) and "promised_at" in d:
            if self.kind == EventKind.PROMISE:
                return _("New promise: %(time)s.") % {"time": when("promised_at")}
            return _("Promised by %(time)s.") % {"time": when("promised_at")}
        if self.kind == EventKind.CLOSED and not self.note:
            return _("Owner satisfied at the callback.")
        return ""


def render_note(note_message: dict) -> str:
    """A system note stored as ``messages.nested(key, params)``, in the active language."""
    subject, body = messages.render(note_message.get("$msg", ""), note_message.get("p"))
    return f"{subject} {body}".strip()


def format_minutes(minutes: int) -> str:
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}


class ComplaintPause(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("complaint"))
    reason = models.CharField(_("reason"), max_length=20, choices=PauseReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(fields=["complaint"], condition=Q(ended_at__isnull=True), name="complaint_one_open_pause"),
        ]

    @property
    def duration(self) -> timedelta | None:
        return self.ended_at - self.started_at if self.ended_at else None


def attachment_path(instance, filename):
    """``complaints/<yyyy>/<mm>/<random>.<ext>``: the name says nothing of the complaint
    or the owner and cannot be guessed. (Files stored before kept their old names, under
    ``complaints/<number>/``; they are served through the same view.)"""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ("jpg", "png", "pdf"):
        extension = "bin"
    return files.storage_name("complaints", now=instance.uploaded_at, extension=extension)


class ComplaintAttachment(models.Model):
    """A photo or PDF handed in with a complaint. Only ``complaint_register`` writes one,
    after ``propertydesk.files`` has checked and re-encoded it; it is read only through
    ``complaints:attachment``, which applies the complaint's own access rule."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("complaint"))
    file = models.FileField(_("file"), upload_to=attachment_path)
    # Blank for files stored before these were recorded: judged by the stored name then.
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    original_name = models.CharField(_("original name"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.download_name

    @property
    def served_type(self) -> str:
        return self.content_type or files.content_type_of(self.file.name)

    @property
    def is_image(self) -> bool:
        return self.served_type in files.INLINE_TYPES

    @property
    def is_pdf(self) -> bool:
        return self.served_type == files.PDF

    @property
    def download_name(self) -> str:
        return files.display_name(self.original_name or self.file.name)


class SuggestionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    ADOPTED = "adopted", _("Adopted")
    DECLINED = "declined", _("Declined")


SUGGESTION_TRANSITIONS = Transitions(SuggestionStatus, {
    SuggestionStatus.RECEIVED: {SuggestionStatus.UNDER_REVIEW},
    SuggestionStatus.UNDER_REVIEW: {SuggestionStatus.ADOPTED, SuggestionStatus.DECLINED},
    SuggestionStatus.ADOPTED: set(),
    SuggestionStatus.DECLINED: set(),
}, refusal=_("A suggestion that is %(current)s cannot become %(target)s."))


class Suggestion(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="suggestions", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="suggestions", verbose_name=_("unit"))
    owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, null=True, blank=True, related_name="suggestions", verbose_name=_("owner"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=200)
    content = models.CharField(_("suggestion"), max_length=limits.ACCOUNT_LENGTH)
    status = models.CharField(_("status"), max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.RECEIVED)
    received_at = models.DateTimeField(_("received at"))
    review_started_at = models.DateTimeField(_("review started at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    reply = models.CharField(_("reply to the owner"), max_length=limits.NOTE_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("taken by"),
    )

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-received_at"]
        permissions = [("decide_suggestion", _("Can adopt or decline suggestions"))]
        # The dashboard's adoption rate: suggestions decided in a month, from the index alone.
        indexes = [models.Index(fields=["decided_at"], include=["estate", "status"], name="suggestion_decided_figures"),
                   # The desk's daily and weekly reports: a day's suggestions received, per estate.
                   models.Index(fields=["received_at"], include=["estate"], name="suggestion_received")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["adopted", "declined"]) | (Q(decided_at__isnull=False) & ~Q(reply="")),
                name="suggestion_decision_has_reply",
            ),
        ]

    def __str__(self):
        return self.number


class SuggestionEvent(StateEvent):
    """A suggestion's moves: under review, then adopted or declined (the reply is the note)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="events",
                                   verbose_name=_("suggestion"))
    from_status = models.CharField(_("from"), max_length=20, choices=SuggestionStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=SuggestionStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("suggestion event")
        verbose_name_plural = _("suggestion events")


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(ComplaintPolicy, Complaint, ComplaintPause, ComplaintAttachment, Suggestion)
