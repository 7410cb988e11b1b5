"""Fees and dunning (domain §6; seeds 000 物业服务费用管理 and 002 五).

The month's calendar (Asia/Shanghai) is each estate's FeePolicy: by default bills on
the 10th, to be paid by the 15th, a first dunning notice on the 16th, a second on the
21st, last month's report on the 2nd. Money is Decimal, two places, rounded half up at
the line; sums are exact."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propertydesk import audit, limits, messages
from propertydesk.states import StateEvent, Transitions


def message_text(key: str, params: dict, written: str) -> str:
    """A stored text that is a message (key and parameters) in the active language, or
    the text as it was written when there is no key."""
    return messages.render(key, params)[0] if key else written


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card at the desk")
    BANK_COLLECTION = "bank_collection", _("Bank collection")
    ONLINE = "online", _("Online")


class Receipt(models.Model):
    """A numbered receipt. Numbers run per estate and year, without gaps or repeats:
    they come from one gapless sequence inside the paying transaction."""

    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="receipts", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="receipts",
                             verbose_name=_("unit"))
    payer_name = models.CharField(_("received from"), max_length=100)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    # What it was for: a message (purpose_key, purpose_params) rendered in the reader's
    # language, printed in the payer's; or, without a key, text shown as it was written.
    purpose = models.CharField(_("for"), max_length=200, blank=True)
    purpose_key = models.CharField(_("for (message)"), max_length=60, blank=True)
    purpose_params = models.JSONField(_("for (parameters)"), default=dict, blank=True)
    source = models.CharField(_("source record"), max_length=60, blank=True, help_text=_("e.g. workorder:123"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True,
                                       help_text=_("The payment was reversed; the number stays used."))

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive")]
        # A paid work order's page finds its receipt by source ("workorder:123").
        indexes = [models.Index(fields=["source", "-issued_at"], condition=~Q(source=""), name="receipt_source")]

    def __str__(self):
        return self.number

    @property
    def purpose_text(self) -> str:
        """What it was for, in the active language."""
        return message_text(self.purpose_key, self.purpose_params, self.purpose)


class BankCollectionCharge(models.Model):
    """A charge to be added to a unit's next bill and collected by the bank (004 2.6).
    The fees issue's bill run consumes the rows with no bill yet."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="bank_charges", verbose_name=_("unit"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    # As on Receipt: a message rendered for the reader, or text as written.
    description = models.CharField(_("description"), max_length=200, blank=True)
    description_key = models.CharField(_("description (message)"), max_length=60, blank=True)
    description_params = models.JSONField(_("description (parameters)"), default=dict, blank=True)
    source = models.CharField(_("source record"), max_length=60, unique=True)
    created_at = models.DateTimeField(_("recorded at"))
    billed_at = models.DateTimeField(_("put on a bill at"), null=True, blank=True)
    bill = models.ForeignKey("fees.Bill", on_delete=models.PROTECT, null=True, blank=True, related_name="bank_charges",
                             verbose_name=_("bill"))

    class Meta:
        verbose_name = _("bank collection charge")
        verbose_name_plural = _("bank collection charges")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit"], condition=Q(billed_at__isnull=True), name="bank_charge_unbilled")]

    def __str__(self):
        return f"{self.unit} ¥{self.amount}"

    @property
    def description_text(self) -> str:
        return message_text(self.description_key, self.description_params, self.description)


class Basis(models.TextChoices):
    PER_M2_MONTH = "per_m2_month", _("per m² of floor area per month")
    PER_UNIT_MONTH = "per_unit_month", _("per unit per month")
    ONE_OFF = "one_off", _("once per unit")


class FeeStandard(models.Model):
    """A fee standard (收费标准) of an estate, or of one building, which then replaces
    the estate's standard for the same item. Published to owners."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="fee_standards",
                               verbose_name=_("estate"))
    building = models.ForeignKey("owners.Building", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="fee_standards", verbose_name=_("building"),
                                 help_text=_("Blank: the whole estate."))
    item = models.CharField(_("fee item"), max_length=60)
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    rate = models.DecimalField(_("rate (yuan)"), max_digits=12, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0.01"))])
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    published_at = models.DateTimeField(_("published to owners at"), null=True, blank=True)

    class Meta:
        verbose_name = _("fee standard")
        verbose_name_plural = _("fee standards")
        ordering = ["estate", "item", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="fee_standard_dates_in_order"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fee_standard_rate_positive"),
        ]

    def __str__(self):
        return f"{self.item} ¥{self.rate} {self.get_basis_display()}"


LAST_DAY = 28  # the last day every month has


class FeePolicy(models.Model):
    """An estate's fee calendar and thresholds (domain §6). An estate without a row uses
    settings.FEE_POLICY_DEFAULTS. Read through ``selectors.fee_policy`` (or
    ``fee_policies`` and ``fee_policy_sql`` for many estates at once); set through
    ``services.fee_policy_save``. A change applies from the jobs' next run: bills
    already issued keep their pay-by date."""

    DAY_FIELDS = ("bill_day", "pay_by_day", "first_dunning_day", "second_dunning_day", "report_day")
    VALUE_FIELDS = (*DAY_FIELDS, "aging_buckets", "refuser_months", "refuser_months_after_lawyer")

    estate = models.OneToOneField("owners.Estate", on_delete=models.CASCADE, related_name="fee_policy",
                                  verbose_name=_("estate"))
    bill_day = models.PositiveSmallIntegerField(_("bills issued on day"), help_text=_("A day of the month, 1 to 28."))
    pay_by_day = models.PositiveSmallIntegerField(_("to be paid by day"),
                                                  help_text=_("After the bill day, before the first reminder."))
    first_dunning_day = models.PositiveSmallIntegerField(_("first reminder on day"))
    second_dunning_day = models.PositiveSmallIntegerField(_("second reminder on day"))
    report_day = models.PositiveSmallIntegerField(_("last month's report on day"))
    aging_buckets = ArrayField(
        models.PositiveSmallIntegerField(), verbose_name=_("arrears age buckets (months)"),
        help_text=_("The last month of each bucket, increasing; a last bucket holds everything longer. "
                    "1,3,6,12 makes 1, 2–3, 4–6, 7–12 and more than 12 months."),
    )
    refuser_months = models.PositiveSmallIntegerField(
        _("long-term refuser after (months)"), help_text=_("Refusing to pay for more than this many months."))
    refuser_months_after_lawyer = models.PositiveSmallIntegerField(
        _("long-term refuser once a lawyer's letter is sent (months)"),
        help_text=_("Refusing for this many months or more, once a lawyer's letter was sent."))

    class Meta:
        verbose_name = _("fee policy")
        verbose_name_plural = _("fee policies")
        constraints = [
            # The set-based jobs add the days to the first of the month: past the 28th
            # they would land in the next month.
            models.CheckConstraint(
                condition=Q(bill_day__range=(1, LAST_DAY), pay_by_day__range=(1, LAST_DAY),
                            first_dunning_day__range=(1, LAST_DAY), second_dunning_day__range=(1, LAST_DAY),
                            report_day__range=(1, LAST_DAY)),
                name="fee_policy_days_in_every_month"),
            models.CheckConstraint(
                condition=Q(pay_by_day__gt=models.F("bill_day"), first_dunning_day__gt=models.F("pay_by_day"),
                            second_dunning_day__gt=models.F("first_dunning_day")),
                name="fee_policy_calendar_in_order"),
        ]

    def __str__(self):
        return str(self.estate)

    @classmethod
    def with_defaults(cls, **fields) -> FeePolicy:
        """An unsaved policy holding the defaults in settings (``estate_id=`` names its estate)."""
        return cls(**{**settings.FEE_POLICY_DEFAULTS, **fields})

    @property
    def dunning_days(self) -> dict[int, int]:
        """{round: day}: the first and second payment reminders."""
        return {1: self.first_dunning_day, 2: self.second_dunning_day}

    def aging_ranges(self) -> list[tuple[str, int, int | None]]:
        """The age buckets as (key, lowest month, highest month or None): 1,3,6,12 gives
        ("1", 1, 1), ("2-3", 2, 3), ("4-6", 4, 6), ("7-12", 7, 12), ("12+", 13, None)."""
        ranges, low = [], 1
        for high in self.aging_buckets:
            ranges.append((str(high) if high == low else f"{low}-{high}", low, high))
            low = high + 1
        ranges.append((f"{low - 1}+", low, None))
        return ranges

    def bucket_of(self, months: int) -> str:
        ranges = self.aging_ranges()
        return next((key for key, low, high in ranges if months >= low and (high is None or months <= high)),
                    ranges[0][0])

    def errors(self) -> dict[str, list[str]]:
        """What is wrong with the values, by field; empty when they make a calendar."""
        errors: dict[str, list[str]] = {}
        days = {}
        for field in self.DAY_FIELDS:
            value = getattr(self, field)
            if value is None or not 1 <= value <= LAST_DAY:
                errors[field] = [_("A day of the month from 1 to 28 (every month has it).")]
            else:
                days[field] = value
        order = (("pay_by_day", "bill_day", _("The pay-by day comes after the bill day.")),
                 ("first_dunning_day", "pay_by_day", _("The first reminder comes after the pay-by day.")),
                 ("second_dunning_day", "first_dunning_day", _("The second reminder comes after the first.")))
        for later, earlier, message in order:
            if later in days and earlier in days and days[later] <= days[earlier]:
                errors[later] = [message]
        buckets = list(self.aging_buckets or [])
        if not buckets:
            errors["aging_buckets"] = [_("Give the last month of each bucket, e.g. 1,3,6,12.")]
        elif any(value is None or value < 1 for value in buckets) or any(
                later <= earlier for earlier, later in zip(buckets, buckets[1:])):
            errors["aging_buckets"] = [_("The buckets' months must increase, from 1 on, e.g. 1,3,6,12.")]
        if self.refuser_months is None or self.refuser_months < 1:
            errors["refuser_months"] = [_("At least one month.")]
        if self.refuser_months_after_lawyer is None or self.refuser_months_after_lawyer < 1:
            errors["refuser_months_after_lawyer"] = [_("At least one month.")]
        elif self.refuser_months and self.refuser_months_after_lawyer > self.refuser_months:
            errors["refuser_months_after_lawyer"] = [
                _("A lawyer's letter makes a refuser sooner: no more than the months without one.")]
        return errors

    def clean(self):
        errors = self.errors()
        if errors:
            raise ValidationError(errors)


class BillStatus(models.TextChoices):
    OPEN = "open", _("Owing")
    PART_PAID = "part_paid", _("Partly paid")
    PAID = "paid", _("Paid")


class Bill(models.Model):
    """One unit's bill (费用单) for one month, issued on the estate's bill day (FeePolicy).
    Addressed to the unit's owner on the day it is issued; the debt stays with the unit."""

    number = models.CharField(_("bill number"), max_length=40, unique=True)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="bills", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="bills", verbose_name=_("unit"))
    owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, null=True, blank=True, related_name="bills",
                              verbose_name=_("billed to"))
    period = models.DateField(_("month"), help_text=_("The first day of the month billed."))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    paid = models.DecimalField(_("paid (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(_("status"), max_length=10, choices=BillStatus.choices, default=BillStatus.OPEN)
    issued_at = models.DateTimeField(_("issued at"))
    due_on = models.DateField(_("pay by"))

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-period", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="bill_one_per_unit_and_month"),
            models.CheckConstraint(condition=Q(paid__gte=0) & Q(paid__lte=models.F("amount")), name="bill_paid_within_amount"),
        ]
        indexes = [
            # What each unit owes (the arrears, the dunning runs, a payment's allocation): the
            # owing bills only, with what the per-unit sums read (an index-only scan).
            models.Index(fields=["unit", "period"], include=["estate", "amount", "paid", "due_on"],
                         condition=Q(status__in=["open", "part_paid"]), name="bill_owing_totals"),
            models.Index(fields=["estate", "period"], name="bill_estate_period"),
            # The bills of a month (the desk's list, the month report) and the API's newest first.
            models.Index(fields=["-period", "unit"], name="bill_period_unit"),
            # The API's ?ordering=period, followed by the id (its cursor).
            models.Index(fields=["period", "id"], name="bill_period_order"),
            # A month's totals (the desk's list, the month report by estate) from the index alone.
            models.Index(fields=["period", "estate"], include=["amount", "paid", "status", "due_on"],
                         name="bill_month_totals"),
            # The desk's list of a month's bills, in the order the bill run numbered them
            # (estate, building, room): a page is a walk of this index, not a sort of the month.
            models.Index(fields=["period", "number"], name="bill_month_list"),
        ]

    def __str__(self):
        return self.number

    @property
    def owing(self) -> Decimal:
        return self.amount - self.paid


class LineKind(models.TextChoices):
    FEE = "fee", _("Fee")
    BANK_COLLECTION = "bank_collection", _("Paid service, bank collection")


class BillLine(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines", verbose_name=_("bill"))
    kind = models.CharField(_("kind"), max_length=20, choices=LineKind.choices, default=LineKind.FEE)
    standard = models.ForeignKey(FeeStandard, on_delete=models.PROTECT, null=True, blank=True, related_name="lines",
                                 verbose_name=_("fee standard"))
    # A fee line: the fee item as finance named it. A paid service's line: the charge's
    # message (description_key, description_params), rendered for the reader.
    description = models.CharField(_("description"), max_length=200, blank=True)
    description_key = models.CharField(_("description (message)"), max_length=60, blank=True)
    description_params = models.JSONField(_("description (parameters)"), default=dict, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal("1.00"))
    rate = models.DecimalField(_("rate (yuan)"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill", "kind", "id"]

    def __str__(self):
        return f"{self.description_text} ¥{self.amount}"

    @property
    def description_text(self) -> str:
        return message_text(self.description_key, self.description_params, self.description)


class Payment(models.Model):
    """Money received for a unit's bills, with its receipt. Settles the oldest bills
    first. Reversed (with a reason and a supervisor), never deleted."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="payments", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="payments", verbose_name=_("unit"))
    payer_name = models.CharField(_("received from"), max_length=100)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    receipt = models.OneToOneField(Receipt, on_delete=models.PROTECT, related_name="payment", verbose_name=_("receipt"))
    received_at = models.DateTimeField(pgettext_lazy("payment", "received at"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("received by"))
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reversal approved by"))
    reversal_reason = models.CharField(_("why reversed"), max_length=200, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("money received", "payment")
        verbose_name_plural = pgettext_lazy("money received", "payments")
        ordering = ["-received_at", "-id"]
        permissions = [("reverse_payment", _("Can reverse a payment"))]
        indexes = [
            # The API's and the takings' order, newest first (and, read backwards, the API's
            # ?ordering=received_at, followed by the id), and the month's payments by estate
            # and method (the month report) from the index alone.
            models.Index(fields=["-received_at", "-id"], include=["estate", "method", "amount", "reversed_at"],
                         name="payment_received_totals"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(reversed_at__isnull=True) | ~Q(reversal_reason=""),
                                   name="payment_reversal_has_reason"),
        ]

    def __str__(self):
        return f"{self.receipt.number} ¥{self.amount}"


class Allocation(models.Model):
    """How much of a payment went to which bill (oldest first)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations",
                                verbose_name=pgettext_lazy("money received", "payment"))
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("bill"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive")]


class NoticeChannel(models.TextChoices):
    PORTAL = "portal", _("Owner portal")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    WECHAT = "wechat", _("WeChat")
    PRINTED = "printed", _("Printed, delivered door to door")


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("To be sent")
    SENT = "sent", _("Sent")
    TO_PRINT = "to_print", _("To print and deliver")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


# A notice is made pending (its message goes through the outbox) or to print (delivered
# by hand at the door). It is sent when its delivery is (the portal inbox at once, SMS or
# e-mail when the gateway took it); failed when the outbox gave up, and sent after all if
# the desk's retry gets it through.
NOTICE_TRANSITIONS = Transitions(NoticeStatus, {
    NoticeStatus.PENDING: {NoticeStatus.SENT, NoticeStatus.FAILED},
    NoticeStatus.TO_PRINT: {NoticeStatus.DELIVERED},
    NoticeStatus.SENT: set(),
    NoticeStatus.DELIVERED: set(),
    NoticeStatus.FAILED: {NoticeStatus.SENT},
}, refusal=_("A dunning notice that is %(current)s cannot become %(target)s."))


class DunningNotice(models.Model):
    """A payment reminder (催款通知): round 1 and round 2 on the estate's dunning days
    (FeePolicy). At most one per unit, month and round, whatever the runs."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="dunning_notices",
                               verbose_name=_("estate"))
    # A unit's notices are found by the unique constraint's index (unit, period, round): a
    # second index of the unit alone would only cost every insert and update.
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="dunning_notices",
                             verbose_name=_("unit"), db_index=False)
    owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="dunning_notices", verbose_name=_("owner"))
    period = models.DateField(_("month"))
    round = models.PositiveSmallIntegerField(_("round"))
    amount_owed = models.DecimalField(_("owed (yuan)"), max_digits=12, decimal_places=2)
    channel = models.CharField(pgettext_lazy("how a notice is sent", "channel"), max_length=10,
                               choices=NoticeChannel.choices)
    status = models.CharField(_("delivery"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent or delivered at"), null=True, blank=True)
    # The message the notice went out as (its deliveries are in the outbox); none yet
    # while the notice waits to be queued, and none for a printed notice with no owner.
    notification = models.OneToOneField("propertydesk.Notification", on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="dunning_notice", verbose_name=_("message"))

    class Meta:
        verbose_name = _("dunning notice")
        verbose_name_plural = _("dunning notices")
        ordering = ["-period", "round", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period", "round"], name="dunning_one_per_unit_month_round"),
            models.CheckConstraint(condition=Q(round__in=[1, 2]), name="dunning_round_1_or_2"),
        ]
        indexes = [
            models.Index(fields=["status"], condition=Q(status="pending"), name="dunning_pending"),
            # The dunning page: a month's notices counted by round, channel and status from the
            # index alone, and its rows of one round.
            models.Index(fields=["period", "round"], include=["channel", "status", "unit"], name="dunning_month"),
            # dunning_deliver's batches: the notices not yet in the outbox, in id order, without
            # walking past every notice of earlier months on each batch.
            models.Index(fields=["id"], name="dunning_to_queue",
                         condition=Q(notification__isnull=True, owner__isnull=False,
                                     status__in=["pending", "to_print"])),
        ]

    def __str__(self):
        return f"{self.unit} {self.period:%Y-%m} #{self.round}"


class DunningNoticeEvent(StateEvent):
    """A notice sent by the job (no actor) or delivered at the door (by whom)."""

    notice = models.ForeignKey(DunningNotice, on_delete=models.CASCADE, related_name="events",
                               verbose_name=_("dunning notice"))
    from_status = models.CharField(_("from"), max_length=10, choices=NoticeStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=NoticeStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("dunning notice event")
        verbose_name_plural = _("dunning notice events")


class ArrearsReason(models.TextChoices):
    DISPUTE = "dispute", _("Dispute over the service")
    HARDSHIP = "hardship", _("Financial hardship")
    VACANT = "vacant", _("Vacant unit")
    REFUSAL = "refusal", _("Refuses to pay")


class ArrearsCase(models.Model):
    """A unit in arrears that the office follows up, with the reason (000)."""

    unit = models.OneToOneField("owners.Unit", on_delete=models.PROTECT, related_name="arrears_case",
                                verbose_name=_("unit"))
    reason = models.CharField(_("reason"), max_length=10, choices=ArrearsReason.choices)
    note = models.CharField(_("note"), max_length=limits.NOTE_LENGTH, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("opened by"))

    class Meta:
        verbose_name = _("arrears case")
        verbose_name_plural = _("arrears cases")

    def __str__(self):
        return f"{self.unit} · {self.get_reason_display()}"


class MeasureKind(models.TextChoices):
    """In escalating order (000)."""

    NOTICE = "notice", _("Written notice")
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Home visit")
    LAWYER = "lawyer", _("Lawyer's letter")
    LEGAL = "legal", _("Legal action")


MEASURE_ORDER = [MeasureKind.NOTICE, MeasureKind.PHONE, MeasureKind.VISIT, MeasureKind.LAWYER, MeasureKind.LEGAL]


class ArrearsMeasure(models.Model):
    case = models.ForeignKey(ArrearsCase, on_delete=models.PROTECT, related_name="measures", verbose_name=_("case"))
    kind = models.CharField(_("measure"), max_length=10, choices=MeasureKind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                           verbose_name=_("by"))
    note = models.CharField(_("outcome"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("arrears measure")
        verbose_name_plural = _("arrears measures")
        ordering = ["at", "id"]


# ---- income and spending statements, month reports --------------------------------------------

class IncomeStatement(models.Model):
    """An income and spending statement (收支情况) for owners (000): entered by finance,
    published to the owner portal."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="income_statements",
                               verbose_name=_("estate"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    title = models.CharField(_("title"), max_length=120)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered at"))
    published_at = models.DateTimeField(_("published to owners at"), null=True, blank=True)

    class Meta:
        verbose_name = _("income and spending statement")
        verbose_name_plural = _("income and spending statements")
        ordering = ["-period_end", "-id"]
        permissions = [("publish_incomestatement", _("Can publish an income and spending statement to owners"))]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="income_statement_dates_in_order"),
        ]

    def __str__(self):
        return self.title

    def total(self, kind: str) -> Decimal:
        return sum((line.amount for line in self.lines.all() if line.kind == kind), Decimal("0.00"))

    @property
    def income(self) -> Decimal:
        return self.total(StatementLineKind.INCOME)

    @property
    def spending(self) -> Decimal:
        return self.total(StatementLineKind.SPENDING)

    @property
    def balance(self) -> Decimal:
        return self.income - self.spending


class StatementLineKind(models.TextChoices):
    INCOME = "income", _("Income")
    SPENDING = "spending", _("Spending")


class IncomeStatementLine(models.Model):
    statement = models.ForeignKey(IncomeStatement, on_delete=models.CASCADE, related_name="lines",
                                  verbose_name=_("statement"))
    kind = models.CharField(_("income or spending"), max_length=10, choices=StatementLineKind.choices)
    category = models.CharField(_("category"), max_length=60)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.00"))])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "kind", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="statement_line_amount_not_negative")]

    def __str__(self):
        return f"{self.category} ¥{self.amount}"


class MonthReport(models.Model):
    """Last month's report, made on the report day (002 五; FeePolicy, the 2nd by default):
    one row per estate and one for all estates (estate empty). ``data`` holds the figures, money as strings (exact)."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="month_reports", verbose_name=_("estate"))
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    generated_at = models.DateTimeField(_("generated at"))
    data = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("month report")
        verbose_name_plural = _("month reports")
        ordering = ["-month", "estate"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "month"], name="month_report_one_per_estate_and_month"),
            # NULL is never equal to NULL: the all-estates row needs its own constraint.
            models.UniqueConstraint(fields=["month"], condition=Q(estate__isnull=True),
                                    name="month_report_one_overall_per_month"),
        ]

    def __str__(self):
        return f"{self.estate or '—'} {self.month:%Y-%m}"


class DebtLedger(models.Model):
    """One row: the day the stored debts (UnitDebt) are as of. The daily job
    ``fees.debts`` moves it to today; the services that change a bill keep the rows of
    its unit true for that day in the same transaction."""

    as_of = models.DateField(_("as of"), null=True, blank=True)

    class Meta:
        verbose_name = _("debt ledger")
        verbose_name_plural = _("debt ledger")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="debt_ledger_one_row")]


class UnitDebt(models.Model):
    """What a unit owes for bills past their pay-by day on ``DebtLedger.as_of``: the sum
    the arrears page would otherwise add up over every owing bill of every unit on each
    request. One row per unit that owes; a unit that owes nothing has none."""

    unit = models.OneToOneField("owners.Unit", on_delete=models.CASCADE, primary_key=True, related_name="+",
                                verbose_name=_("unit"))
    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="+", verbose_name=_("estate"))
    owed = models.DecimalField(_("owed (yuan)"), max_digits=14, decimal_places=2)
    oldest = models.DateField(_("oldest month owed"))
    bills = models.PositiveIntegerField(_("bills owing"))

    class Meta:
        verbose_name = _("unit debt")
        verbose_name_plural = _("unit debts")
        indexes = [models.Index(fields=["estate", "oldest"], name="unit_debt_estate_oldest")]

    def __str__(self):
        return f"{self.unit_id} ¥{self.owed}"


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(
    Receipt, BankCollectionCharge, FeeStandard, FeePolicy, Bill, BillLine, Payment, Allocation,
    DunningNotice, ArrearsCase, ArrearsMeasure, IncomeStatement, IncomeStatementLine
)
