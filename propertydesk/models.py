from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One run of a scheduled job, by beat or by hand (``runjob``)."""

    name = models.CharField(_("job"), max_length=100, db_index=True)
    as_of = models.DateTimeField(_("as of"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), null=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.name} @ {self.as_of:%Y-%m-%d %H:%M}"

    def finish(self, *, ok: bool, summary: str) -> None:
        self.finished_at = timezone.now()
        self.ok = ok
        self.summary = summary
        self.save(update_fields=["finished_at", "ok", "summary"])


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
    """One message in a user's in-portal inbox. E-mail and SMS copies are sent on
    commit by propertydesk.notifications; the inbox row is always written."""

    recipient = models.ForeignKey(
        "auth.User", on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications", verbose_name=_("recipient"),
    )
    # Set for messages to an owner, who may have no portal login (then SMS or e-mail only).
    owner = models.ForeignKey(
        "owners.Owner", on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications", verbose_name=_("owner"),
    )
    channels = models.CharField(_("sent by"), max_length=50, default="inbox")
    kind = models.CharField(_("kind"), max_length=50)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
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
