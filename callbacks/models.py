"""Callbacks (回访, domain §5; seed 001 回访管理操作规程, 004 2.7).

The system decides who gets a callback: every resolved complaint and finished job
has one, created by its source event (and repaired by the hourly job if an event
was lost). Staff perform it, never delete or skip it; a submitted result is never
edited (a correction is a new, linked record); cancelling needs a supervisor and a
reason. An unsatisfied owner sends the source back for rectification, and once it is
resolved again a new callback is due, chained to the last one.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propertydesk import audit, limits
from propertydesk.states import StateEvent, Transitions


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint resolved")
    MINOR_REPAIR = "minor_repair", _("Minor repair completed")
    MAJOR_WORKS = "major_works", _("Major repair works completed")
    SPECIAL_MIDTERM = "special_midterm", _("Special service, mid-term")
    SPECIAL_COMPLETION = "special_completion", _("Special service completed")
    ACTIVITY = "activity", _("Community activity")
    OTHER = "other", _("Other management service")


class Status(models.TextChoices):
    DUE = "due", _("Due")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# A callback is performed once or cancelled by a supervisor; either is final (a
# correction is a new result, an unsatisfied owner a new callback).
TRANSITIONS = Transitions(Status, {
    Status.DUE: {Status.DONE, Status.CANCELLED},
    Status.DONE: set(),
    Status.CANCELLED: set(),
}, refusal=_("A callback that is %(current)s cannot become %(target)s."))


class Method(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("Face to face, with a look on site")
    PHONE = "phone", pgettext_lazy("callback", "By phone")
    ONLINE = "online", _("Online, by the owner")


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Payment(models.TextChoices):
    """How a special service was paid: the required rates differ (004 2.7.1)."""

    NONE = "", _("—")
    CASH = "cash", _("Cash")
    BANK_COLLECTION = "bank_collection", _("Bank collection")


# The longest a rule may wait: a year in days, two years in months (the longest rule is a month).
MAX_RULE_DAYS, MAX_RULE_MONTHS = 366, 24


class CallbackRule(models.Model):
    """When a callback of a kind is due and how many must be done, per estate. A new
    row with a later ``effective_from`` changes the rule for callbacks created from
    then on; callbacks already due keep their date."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="callback_rules",
                               verbose_name=_("estate"))
    kind = models.CharField(_("callback for"), max_length=20, choices=Kind.choices)
    days = models.PositiveSmallIntegerField(_("days after the event"), default=0)
    months = models.PositiveSmallIntegerField(_("calendar months after the event"), default=0)
    by_day_of_next_month = models.PositiveSmallIntegerField(
        _("at the latest by this day of the next month"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )
    required_rate = models.DecimalField(_("required rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
                                        help_text=_("Blank: decided case by case."))
    required_rate_bank = models.DecimalField(
        _("required rate for bank collection (%)"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    effective_from = models.DateTimeField(_("effective from"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("callback rule")
        verbose_name_plural = _("callback rules")
        ordering = ["estate", "kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "kind", "effective_from"], name="callback_rule_unique"),
            models.CheckConstraint(condition=Q(days__gt=0) | Q(months__gt=0) | Q(by_day_of_next_month__isnull=False),
                                   name="callback_rule_has_a_due_date"),
        ]

    def __str__(self):
        return f"{self.estate} · {self.get_kind_display()}"


class Callback(models.Model):
    """One follow-up owed to an owner about one source event."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="callbacks",
                               verbose_name=_("estate"))
    kind = models.CharField(_("callback for"), max_length=20, choices=Kind.choices)
    # Exactly one source; ``source_key`` names it and the round, and is unique, so an
    # event handled twice (the signal and the hourly job, or two job runs) makes one.
    source_key = models.CharField(_("source"), max_length=80, unique=True)
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="callbacks", verbose_name=_("complaint"))
    work_order = models.ForeignKey("repairs.WorkOrder", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="callbacks", verbose_name=_("work order"))
    activity = models.ForeignKey("activities.Activity", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="callbacks", verbose_name=_("activity"))
    round = models.PositiveSmallIntegerField(_("round"), default=1,
                                             help_text=_("2 and more: after the owner was unsatisfied"))
    previous = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="next",
                                    verbose_name=_("follows the callback"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="callbacks",
                             verbose_name=_("unit"))
    owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="callbacks", verbose_name=_("owner"))
    contact_name = models.CharField(_("who to call back"), max_length=100, blank=True)
    event_at = models.DateTimeField(_("event at"))
    due_on = models.DateField(_("due by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DUE)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="callbacks", verbose_name=_("assigned to"))
    created_at = models.DateTimeField(_("created at"))
    created_by_job = models.BooleanField(_("created by the hourly check"), default=False,
                                         help_text=_("Its source event had been missed."))
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)
    offered_online_at = models.DateTimeField(_("offered to the owner online at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    rectification_ordered_at = models.DateTimeField(_("sent back for rectification at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("cancelled by"))
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_on", "pk"]
        permissions = [
            ("perform_callback", _("Can perform callbacks")),
            ("cancel_callback", _("Can cancel a callback, with a reason")),
            ("spotcheck_callback", _("Can spot-check callbacks")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(complaint__isnull=False, work_order__isnull=True, activity__isnull=True)
                           | Q(complaint__isnull=True, work_order__isnull=False, activity__isnull=True)
                           | Q(complaint__isnull=True, work_order__isnull=True, activity__isnull=False)),
                name="callback_has_one_source",
            ),
            models.CheckConstraint(condition=~Q(status="done") | Q(done_at__isnull=False), name="callback_done_has_time"),
            models.CheckConstraint(condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                                   name="callback_cancel_has_reason"),
        ]
        indexes = [
            models.Index(fields=["due_on"], condition=Q(status="due"), name="callback_due"),
            # The hourly job's flagging: the due callbacks not yet flagged overdue (an idle run
            # reads nothing, not every due callback).
            models.Index(fields=["due_on"], condition=Q(status="due", overdue_flagged_at__isnull=True),
                         name="callback_not_flagged"),
            models.Index(fields=["estate", "kind", "event_at"], name="callback_rates"),
            # The desk's queue (callbacks.selectors.callback_queue): due ones by due date, one
            # person's ("mine"), and every callback (read backwards, latest due first).
            models.Index(fields=["due_on", "id"], condition=Q(status="due"), name="callback_queue_due"),
            models.Index(fields=["assignee", "due_on", "id"], condition=Q(status="due"), name="callback_queue_mine"),
            models.Index(fields=["due_on", "id"], name="callback_queue_order"),
            # The hourly job's repair scan: does a finished job have its callback (one not
            # sent back for rectification, the mid-term one aside)? Answered from the index.
            models.Index(fields=["work_order"], name="callback_open_chain_order",
                         condition=Q(work_order__isnull=False, rectification_ordered_at__isnull=True)
                         & ~Q(kind="special_midterm")),
            # The same scan for activities held: has each attending household its callback?
            # By activity and unit, from the index (by the unit alone it read 12,906 households'
            # callbacks one unit at a time: 0.8 s on an idle hour at scale).
            models.Index(fields=["activity", "unit"], name="callback_activity_unit",
                         condition=Q(activity__isnull=False)),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.source_label}"

    @property
    def source(self):
        return self.complaint or self.work_order or self.activity

    @property
    def source_label(self) -> str:
        source = self.source
        return getattr(source, "number", None) or str(source)

    def is_overdue(self, today) -> bool:
        return self.status == Status.DUE and self.due_on < today


class CallbackEvent(StateEvent):
    """A callback's moves: done (by whoever recorded it) or cancelled (the reason is the note)."""

    callback = models.ForeignKey(Callback, on_delete=models.PROTECT, related_name="events",
                                 verbose_name=_("callback"))
    from_status = models.CharField(_("from"), max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=Status.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("callback event")
        verbose_name_plural = _("callback events")


class CallbackResult(models.Model):
    """What the owner said (001 四): written once. A correction is a new result that
    points at the one it corrects; the callback shows the latest."""

    callback = models.ForeignKey(Callback, on_delete=models.PROTECT, related_name="results",
                                 verbose_name=_("callback"))
    corrects = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="corrected_by", verbose_name=_("corrects"))
    correction_reason = models.CharField(_("why corrected"), max_length=200, blank=True)
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    quality = models.CharField(_("quality of the work"), max_length=limits.NOTE_LENGTH, blank=True)
    effect = models.CharField(_("effect of the service"), max_length=limits.NOTE_LENGTH, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices)
    shortcomings = models.CharField(_("shortcomings"), max_length=limits.NOTE_LENGTH, blank=True)
    suggestions = models.CharField(_("the owner's suggestions"), max_length=limits.NOTE_LENGTH, blank=True)
    owner_words = models.CharField(_("the owner's own words"), max_length=limits.NOTE_LENGTH, blank=True,
                                   help_text=_("By phone: write down what the owner said, as they said it."))
    signer_name = models.CharField(_("signed by"), max_length=100, blank=True)
    signature_png = models.BinaryField(_("owner's signature"), null=True, blank=True, editable=False)
    at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("callback result")
        verbose_name_plural = _("callback results")
        ordering = ["at", "pk"]
        # The staff view (callbacks.selectors.staff_callback_figures): a period's callbacks
        # done, by who recorded the answer (corrections aside).
        indexes = [
            models.Index(fields=["at"], include=["recorded_by", "callback"],
                         condition=Q(corrects__isnull=True, recorded_by__isnull=False), name="callback_result_staff"),
            # The dashboard's owner satisfaction: the answers of a month.
            models.Index(fields=["at"], include=["callback", "satisfaction"], name="callback_result_figures"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(method="face_to_face") | Q(signature_png__isnull=False),
                                   name="callback_face_to_face_signed"),
            models.CheckConstraint(condition=~Q(method="phone") | ~Q(owner_words=""),
                                   name="callback_phone_has_owner_words"),
            models.CheckConstraint(condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                                   name="callback_correction_has_reason"),
        ]

    def __str__(self):
        return f"{self.callback} · {self.get_satisfaction_display()}"

    @property
    def unsatisfied(self) -> bool:
        return self.satisfaction == Satisfaction.UNSATISFIED


class SpotCheck(models.Model):
    """A supervisor re-contacts the owner of a done callback (004 2.7.4: at least 3 a
    month) and records whether the owner agrees with what was recorded."""

    callback = models.ForeignKey(Callback, on_delete=models.PROTECT, related_name="spot_checks",
                                 verbose_name=_("callback"))
    at = models.DateTimeField(_("at"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("checked by"))
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    agrees = models.BooleanField(_("the owner confirms the record"))
    note = models.CharField(_("note"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.callback} · {self.at:%Y-%m-%d}"


class RateCheck(models.Model):
    """The monthly check on the 10th: last month's callbacks of a kind against the
    required rate, per estate (one row per estate, month, kind and payment)."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="callback_rate_checks",
                               verbose_name=_("estate"))
    month = models.DateField(_("month"))
    kind = models.CharField(_("callback for"), max_length=20, choices=Kind.choices)
    payment = models.CharField(_("paid by"), max_length=20, choices=Payment.choices, blank=True, default="")
    owed = models.PositiveIntegerField(_("callbacks owed"))
    done = models.PositiveIntegerField(_("done"))
    required_rate = models.DecimalField(_("required rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("callback rate check")
        verbose_name_plural = _("callback rate checks")
        ordering = ["-month", "estate", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "month", "kind", "payment"], name="callback_rate_check_unique"),
        ]

    @property
    def rate(self) -> Decimal | None:
        return None if not self.owed else (Decimal(self.done) * 100 / self.owed).quantize(Decimal("0.1"))

    @property
    def meets(self) -> bool:
        return self.rate is None or self.required_rate is None or self.rate >= self.required_rate


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(CallbackRule, Callback, CallbackResult, SpotCheck)
