from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propertydesk import limits
from propertydesk.states import Transitions


class JobRunStatus(models.TextChoices):
    CLAIMED = "claimed", pgettext_lazy("job run", "claimed")
    RUNNING = "running", pgettext_lazy("job run", "running")
    DONE = "done", pgettext_lazy("job run", "done")
    FAILED = "failed", pgettext_lazy("job run", "failed")
    ABANDONED = "abandoned", pgettext_lazy("job run", "abandoned")
    MISSED = "missed", pgettext_lazy("job run", "missed")


class JobRun(models.Model):
    """One slot of a scheduled job (the job's name and the moment its crontab named)
    and how running it went: claimed by the tick or ``runjob``, running, done, failed,
    abandoned (its worker died), or missed (found too late for the job's catch-up
    window). One row per slot: a retry of the slot updates the same row, so a double
    fire or two ticks at once run it once (propertydesk/jobs.py)."""

    Status = JobRunStatus
    UNFINISHED = (JobRunStatus.CLAIMED, JobRunStatus.RUNNING)

    name = models.CharField(_("job"), max_length=100, db_index=True)
    # Null only on runs recorded before slots existed.
    slot = models.DateTimeField(_("slot"), null=True, blank=True)
    as_of = models.DateTimeField(_("as of"))
    status = models.CharField(_("status"), max_length=10, choices=JobRunStatus.choices, default=JobRunStatus.CLAIMED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # host:pid:start of the process running it (propertydesk.liveness).
    worker = models.CharField(pgettext_lazy("job run", "worker process"), max_length=255, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=limits.ACCOUNT_LENGTH, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-claimed_at"]
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="job_run_one_per_slot")]
        indexes = [models.Index(fields=["status"], condition=models.Q(status__in=["claimed", "running"]),
                                name="job_run_unfinished")]

    def __str__(self):
        return f"{self.name} @ {self.slot or self.as_of:%Y-%m-%d %H:%M}"

    @property
    def ok(self) -> bool | None:
        if self.status == JobRunStatus.DONE:
            return True
        if self.status in (JobRunStatus.FAILED, JobRunStatus.ABANDONED):
            return False
        return None


class Sequence(models.Model):
    """Gapless counters for document numbers (complaints, work orders, receipts).

    ``next_value`` increments inside the caller's transaction: the row stays locked
    until it commits, so concurrent callers queue and a rolled-back caller leaves no gap.
    """

    key = models.CharField(max_length=100, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self):
        return f"{self.key} = {self.value}"


class ContactChannel(models.TextChoices):
    """How someone prefers to be reached (an owner's choice in the registry). Here, beside
    the inbox, because the notification layer decides what each choice means for delivery."""

    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Owner portal")
    LETTER = "letter", _("Letter")


class Notification(models.Model):
    """One message to a staff user or an owner: what it says is a message key
    (``kind``, registered in ``propertydesk.messages``) and its parameters, rendered
    when it is read, in the reader's language. It is the inbox entry; how it left by
    e-mail, SMS or letter is in its ``deliveries`` (the outbox)."""

    recipient = models.ForeignKey(
        "auth.User", on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications", verbose_name=_("recipient"),
    )
    # Set for messages to an owner, who may have no portal login (then SMS or e-mail only).
    owner = models.ForeignKey(
        "owners.Owner", on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications", verbose_name=_("owner"),
    )
    kind = models.CharField(_("kind"), max_length=50)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Makes "send once" a database fact: a second send with the same key is a no-op.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | models.Q(owner__isnull=False),
                name="notification_has_someone",
            ),
        ]

    def __str__(self):
        return self.subject

    def render(self, language: str | None = None) -> tuple[str, str]:
        """Subject and body in ``language`` (the active language if None)."""
        from django.utils import translation

        from propertydesk.messages import render

        key = language or translation.get_language()
        cache = self.__dict__.setdefault("_rendered", {})
        if key not in cache:
            cache[key] = render(self.kind, self.params, language)
        return cache[key]

    @property
    def subject(self) -> str:
        return self.render()[0]

    @property
    def body(self) -> str:
        return self.render()[1]


class DeliveryChannel(models.TextChoices):
    INBOX = "inbox", _("Portal inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    LETTER = "letter", _("Printed letter")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("To be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")
    GIVEN_UP = "given_up", _("Given up")


# Pending → sending (claimed by a worker) → sent, or failed (retried with backoff:
# failed → sending) → given up after the last attempt. A worker that died leaves its
# claim in "sending", which a later claim takes over (sending → sending). The desk's
# retry button puts a given-up delivery back to pending. A letter is sent by hand.
DELIVERY_TRANSITIONS = Transitions(DeliveryStatus, {
    DeliveryStatus.PENDING: {DeliveryStatus.SENDING, DeliveryStatus.SENT},
    DeliveryStatus.SENDING: {DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED,
                             DeliveryStatus.GIVEN_UP},
    DeliveryStatus.FAILED: {DeliveryStatus.SENDING, DeliveryStatus.PENDING, DeliveryStatus.GIVEN_UP},
    DeliveryStatus.GIVEN_UP: {DeliveryStatus.PENDING},
    DeliveryStatus.SENT: set(),
}, refusal=_("A delivery that is %(current)s cannot become %(target)s."))


class Delivery(models.Model):
    """One message leaving by one channel: the outbox row, written in the same
    transaction as the change that causes it and sent by ``propertydesk.outbox``.
    The address is looked up when it is sent (the registry's current phone or e-mail),
    so the outbox keeps no copy of it."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries",
                                     verbose_name=_("message"))
    channel = models.CharField(_("channel"), max_length=10, choices=DeliveryChannel.choices)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    # Sent to the gateway with the message: a resend after a crash carries the same key.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "id"], name="delivery_open",
                         condition=~models.Q(status__in=["sent", "given_up"])),
            models.Index(fields=["channel", "status"], name="delivery_channel_status"),
        ]

    def __str__(self):
        return f"{self.channel} {self.idempotency_key} ({self.status})"


class DeliveryEvent(models.Model):
    """One move of a delivery: claimed, sent (the provider's id), failed (the error), given up, retried by hand."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("delivery"))
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("by"))
    from_status = models.CharField(_("from"), max_length=10, choices=DeliveryStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=DeliveryStatus.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["at", "id"]


class UserPreference(models.Model):
    """A staff user's (or an owner's login's) own settings: the language messages and
    pages are shown in."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, primary_key=True,
                                related_name="preference", verbose_name=_("user"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return f"{self.user_id}: {self.language}"


class DownloadStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("download", "waiting")
    RUNNING = "running", pgettext_lazy("download", "being written")
    READY = "ready", pgettext_lazy("download", "ready")
    FAILED = "failed", pgettext_lazy("download", "failed")


def download_path(instance, filename):
    """``exports/<yyyy>/<mm>/<random>.xlsx``: the name says nothing of whose list it is."""
    from propertydesk.files import storage_name

    return storage_name("exports", now=instance.requested_at, extension="xlsx")


class Download(models.Model):
    """A list's .xlsx too large to write while its reader waits (propertydesk.exports):
    asked for by one user, written by a Celery worker, read by that user alone from
    their "My downloads" page, deleted ``EXPORT_RETENTION_HOURS`` after it was asked
    for by the daily ``propertydesk.downloads_sweep``."""

    Status = DownloadStatus
    UNFINISHED = (DownloadStatus.QUEUED, DownloadStatus.RUNNING)

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="downloads",
                             verbose_name=_("user"))
    export = models.CharField(_("list"), max_length=50)
    query = models.CharField(_("filters"), max_length=limits.ACCOUNT_LENGTH, blank=True)
    # The filters as the reader saw them, in the file's language: [[label, value], ...].
    filters = models.JSONField(_("filters as shown"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=DownloadStatus.choices,
                              default=DownloadStatus.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=download_path, blank=True)
    filename = models.CharField(_("file name"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=limits.ACCOUNT_LENGTH, blank=True)
    requested_at = models.DateTimeField(_("asked for at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("deleted after"))

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        indexes = [
            models.Index(fields=["user", "-requested_at"], name="download_mine"),
            models.Index(fields=["expires_at"], name="download_expiry"),
        ]

    def __str__(self):
        return f"{self.export} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == DownloadStatus.READY:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
