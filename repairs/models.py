"""Work orders and paid special services (domain §4, seeds 002 and 004)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Reverse, Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from encrypted_fields.fields import EncryptedCharField

from propertydesk import audit, files, limits, pii
from propertydesk.people import person_name
from propertydesk.states import StateEvent, Transitions


class Kind(models.TextChoices):
    MINOR_REPAIR = "minor_repair", _("Minor repair")
    MAJOR_WORKS = "major_works", _("Major repair works")
    SPECIAL_SERVICE = "special_service", _("Special paid service")
    ROUTINE = "routine", _("Routine service")


class Source(models.TextChoices):
    DESK = "desk", _("At the desk")
    PHONE = "phone", _("By phone")
    PORTAL = "portal", _("Owner portal")
    COMPLAINT = "complaint", _("From a complaint")


class Trade(models.TextChoices):
    PLUMBING = "plumbing", _("Plumbing")
    ELECTRICAL = "electrical", _("Electrical")
    CARPENTRY = "carpentry", _("Carpentry")
    LOCKSMITH = "locksmith", _("Locks and doors")
    APPLIANCES = "appliances", _("Appliances")
    MASONRY = "masonry", _("Masonry and tiling")
    CLEANING = "cleaning", pgettext_lazy("trade", "Cleaning")
    GENERAL = "general", _("General handyman")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    DISPATCHED = "dispatched", _("Dispatched")
    TAKEN = "taken", _("Taken by the worker")
    ON_SITE = "on_site", _("On site")
    COMPLETED = "completed", _("Completed")
    REWORK = "rework", _("Rework")
    ESCALATED = "escalated", _("Escalated to a supervisor")
    SIGNED_OFF = "signed_off", _("Signed off by the customer")
    VOIDED = "voided", _("Voided")


# The only moves the services allow (004 2.3–2.5). Judging accepts or refuses;
# dispatching puts the order in a worker's hands (or the shared pool); the customer
# signs off a completed job or sends it back for rework; a second failure goes to a
# supervisor, who orders more rework or settles it. The customer may cancel until the
# work is done: the order is voided (核销), never deleted.
TRANSITIONS = Transitions(Status, {
    Status.REGISTERED: {Status.ACCEPTED, Status.REFUSED, Status.VOIDED},
    Status.ACCEPTED: {Status.DISPATCHED, Status.VOIDED},
    Status.DISPATCHED: {Status.TAKEN, Status.DISPATCHED, Status.VOIDED},
    Status.TAKEN: {Status.ON_SITE, Status.VOIDED},
    Status.ON_SITE: {Status.COMPLETED, Status.VOIDED},
    Status.COMPLETED: {Status.SIGNED_OFF, Status.REWORK, Status.ESCALATED},
    Status.REWORK: {Status.COMPLETED},
    Status.ESCALATED: {Status.REWORK, Status.SIGNED_OFF},
    Status.SIGNED_OFF: {Status.REWORK},  # only when a callback finds the owner unsatisfied
    Status.REFUSED: set(),
    Status.VOIDED: set(),
}, refusal=_("A work order that is %(current)s cannot become %(target)s."))
UNDISPATCHED = (Status.REGISTERED, Status.ACCEPTED)
# Work still to do: the queue's default view.
OPEN_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.DISPATCHED, Status.TAKEN, Status.ON_SITE,
                 Status.COMPLETED, Status.REWORK, Status.ESCALATED)


class DispatchMode(models.TextChoices):
    DESK = "desk", _("The desk assigns a worker")
    POOL = "pool", _("Workers take orders from a shared pool")
    ROUND_ROBIN = "round_robin", _("Round robin among the workers on duty")


class DispatchRule(models.Model):
    """How orders of one kind are dispatched in one estate, and the dispatch deadline.
    Without a row: the desk assigns, within settings.WORK_ORDER_DISPATCH_MINUTES."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.CASCADE, related_name="dispatch_rules", verbose_name=_("estate"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    mode = models.CharField(_("dispatch mode"), max_length=20, choices=DispatchMode.choices, default=DispatchMode.DESK)
    minutes = models.PositiveSmallIntegerField(_("must reach the worker within (minutes)"), default=15,
                                               validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch rules")
        constraints = [models.UniqueConstraint(fields=["estate", "kind"], name="dispatch_rule_unique")]

    def __str__(self):
        return f"{self.estate} · {self.get_kind_display()}"

    @classmethod
    def for_order(cls, *, estate, kind) -> DispatchRule:
        rule = cls.objects.filter(estate=estate, kind=kind).first()
        return rule or cls(estate=estate, kind=kind, minutes=settings.WORK_ORDER_DISPATCH_MINUTES)


class Worker(models.Model):
    """A member of engineering or service staff who takes work orders."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worker", verbose_name=_("user"))
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="workers", verbose_name=_("estate"))
    trades = ArrayField(models.CharField(max_length=20, choices=Trade.choices), verbose_name=_("trades"), default=list)
    on_duty = models.BooleanField(_("on duty"), default=True)
    last_assigned_at = models.DateTimeField(_("last given an order"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["user__username"]

    def __str__(self):
        return self.user.get_username()

    def can_do(self, trade: str) -> bool:
        return trade in self.trades

    @property
    def trade_labels(self) -> list[str]:
        return [str(Trade(trade).label) for trade in self.trades if trade in Trade.values]

    @property
    def display_name(self) -> str:
        return person_name(self.user)


class PriceItem(models.Model):
    """A line of the special-service price list (特约服务项目价格表), published to owners."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="price_items", verbose_name=_("estate"))
    name = models.CharField(_("service"), max_length=100)
    trade = models.CharField(_("trade"), max_length=20, choices=Trade.choices)
    price = models.DecimalField(_("price (yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))])
    unit_label = models.CharField(_("per"), max_length=20, help_text=_("e.g. job, metre, hour"))
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list")
        ordering = ["estate", "trade", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="price_item_unique")]

    def __str__(self):
        return f"{self.name} ¥{self.price}/{self.unit_label}"


class PaymentMethod(models.TextChoices):
    NONE = "none", _("No charge")
    CASH = "cash", _("Cash at completion")
    BANK_COLLECTION = "bank_collection", _("Bank collection with the next bill")


class WorkOrder(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("unit"))
    owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders", verbose_name=_("owner"))
    requester_name = models.CharField(_("requested by"), max_length=100)
    requester_phone = EncryptedCharField(_("phone"), max_length=30, blank=True, null=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="work_orders", verbose_name=_("complaint"))
    trade = models.CharField(_("trade needed"), max_length=20, choices=Trade.choices)
    description = models.CharField(_("what to do"), max_length=limits.ACCOUNT_LENGTH)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    planned_end_at = models.DateTimeField(_("planned to finish by (multi-day services)"), null=True, blank=True)
    price_item = models.ForeignKey(PriceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="work_orders",
                                   verbose_name=_("price list item"))

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    registered_at = models.DateTimeField(_("registered at"))
    dispatch_due_at = models.DateTimeField(_("must reach the worker by"))
    dispatch_mode = models.CharField(_("dispatch mode"), max_length=20, choices=DispatchMode.choices)
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    refusal_reason = models.CharField(_("explanation given to the customer"), max_length=limits.NOTE_LENGTH, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    dispatch_late_by = models.DurationField(_("dispatched late by"), null=True, blank=True)
    dispatch_alerted_at = models.DateTimeField(_("late-dispatch alert sent at"), null=True, blank=True)
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("worker"))
    trade_override = models.CharField(_("why outside the worker's trade"), max_length=200, blank=True)
    taken_at = models.DateTimeField(_("taken at (接单时间)"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    price_confirmed_at = models.DateTimeField(_("price confirmed at"), null=True, blank=True)
    agreed_price = models.DecimalField(_("agreed price (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("reworks"), default=0)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("why voided"), max_length=200, blank=True)
    payment_method = models.CharField(_("payment"), max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.NONE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("registered by"))

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-registered_at"]
        permissions = [
            ("dispatch_workorder", _("Can judge and dispatch work orders")),
            ("work_workorder", _("Can take and carry out work orders")),
            ("settle_workorder", _("Can settle escalated work orders")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["dispatched", "taken", "on_site", "completed", "rework", "escalated", "signed_off"])
                | Q(dispatched_at__isnull=False),
                name="workorder_dispatched_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["taken", "on_site", "completed", "rework", "escalated", "signed_off"])
                | Q(worker__isnull=False),
                name="workorder_taken_has_worker",
            ),
            models.CheckConstraint(condition=~Q(status="refused") | ~Q(refusal_reason=""), name="workorder_refusal_explained"),
        ]
        indexes = [
            # The registration form starts on the estate its clerk last registered an order in.
            models.Index(fields=["created_by", "-registered_at"], include=["estate"], name="workorder_last_by_clerk"),
            models.Index(fields=["dispatch_due_at"], condition=Q(status__in=["registered", "accepted"]),
                         name="workorder_undispatched"),
            # The late-dispatch sweep (every 5 minutes): the orders not dispatched and not yet
            # alerted only, not the thousands alerted already.
            models.Index(fields=["dispatch_due_at"], condition=Q(status__in=["registered", "accepted"],
                                                                 dispatch_alerted_at__isnull=True),
                         name="workorder_not_alerted"),
            models.Index(fields=["worker", "status"], name="workorder_worker_status"),
            # The desk's today page and the queue's day filter: the appointments of a day.
            models.Index(fields=["appointment_at"], condition=Q(appointment_at__isnull=False),
                         name="workorder_appointment"),
            # The desk's queue, newest first (repairs.selectors.work_order_queue): the default
            # view of open orders, every order, one status (and the status tabs' counts).
            models.Index(fields=["-registered_at", "-id"], condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                         name="workorder_queue_open"),
            models.Index(fields=["-registered_at", "-id"], name="workorder_queue_order"),
            models.Index(fields=["status", "-registered_at", "-id"], name="workorder_queue_status"),
            # The queue's "dispatched within the deadline this month" (kpi_dispatch_on_time).
            models.Index(fields=["dispatched_at"], include=["dispatch_late_by"], name="workorder_dispatched"),
            # The staff view (repairs.selectors.staff_work_order_figures): a period's orders
            # taken and completed, by their worker.
            models.Index(fields=["taken_at"], include=["worker", "estate"], condition=Q(worker__isnull=False),
                         name="workorder_staff_taken"),
            models.Index(fields=["completed_at"], include=["worker", "estate"], condition=Q(worker__isnull=False),
                         name="workorder_staff_completed"),
            # The hourly callbacks job's repair scans: finished jobs, and special services on site.
            models.Index(fields=["completed_at", "id"], condition=Q(status__in=["completed", "signed_off"]),
                         name="workorder_done_at"),
            models.Index(fields=["arrived_at"], condition=Q(kind="special_service", planned_end_at__isnull=False),
                         name="workorder_special_arrived"),
            # The queue's search box (repairs.selectors.work_order_queue, propertydesk.search):
            # a number by its start or its end, the requester's name by its start, either case.
            models.Index(OpClass(Upper("number"), name="text_pattern_ops"), name="workorder_number_prefix"),
            models.Index(OpClass(Reverse(Upper("number")), name="text_pattern_ops"), name="workorder_number_tail"),
            models.Index(OpClass(Upper("requester_name"), name="text_pattern_ops"), name="workorder_requester_prefix"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.requester_phone = pii.normalize_phone(self.requester_phone) or None
        super().save(*args, **kwargs)

    @property
    def requester_phone_masked(self) -> str:
        return pii.mask_phone(self.requester_phone) if self.requester_phone else ""

    @property
    def is_paid(self) -> bool:
        return self.kind == Kind.SPECIAL_SERVICE

    @property
    def is_late_for_dispatch(self) -> bool:
        return self.dispatch_late_by is not None or self.dispatch_alerted_at is not None

    def allowed_next(self) -> frozenset[str]:
        return TRANSITIONS[self.status]


class WorkOrderEvent(StateEvent):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("work order"))
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        # The staff view (repairs.selectors.staff_work_order_figures): a period's reworks, and
        # its first dispatches by who made them.
        indexes = [
            models.Index(fields=["at"], include=["work_order"], condition=Q(to_status="rework"),
                         name="workorder_event_rework"),
            models.Index(fields=["at"], include=["actor", "work_order"],
                         condition=Q(from_status="accepted", to_status="dispatched", actor__isnull=False),
                         name="workorder_event_dispatch_by"),
        ]

    def __str__(self):
        return f"{self.work_order} → {self.to_status}"


class DrawKind(models.TextChoices):
    MATERIAL = "material", _("Material used")
    TOOL = "tool", _("Tool borrowed")


class MaterialDraw(models.Model):
    """Materials and tools drawn from the store for an order (004 2.4.3); a borrowed
    tool is returned to the store when the job is done (004 2.6.1.1)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="draws", verbose_name=_("work order"))
    kind = models.CharField(_("material or tool"), max_length=10, choices=DrawKind.choices, default=DrawKind.MATERIAL)
    name = models.CharField(_("item"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0.01"))])
    unit_label = models.CharField(_("unit of measure"), max_length=20, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("drawn by"))
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("material or tool drawn")
        verbose_name_plural = _("materials and tools drawn")
        ordering = ["drawn_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="draw_quantity_positive"),
            models.CheckConstraint(condition=Q(kind="tool") | Q(returned_at__isnull=True), name="draw_only_tools_returned"),
        ]

    def __str__(self):
        return f"{self.name} × {self.quantity:g}{self.unit_label}"

    @property
    def is_out(self) -> bool:
        return self.kind == DrawKind.TOOL and self.returned_at is None


class DamageStatus(models.TextChoices):
    REPORTED = "reported", _("Reported to the supervisor")
    SETTLED = "settled", _("Compensation agreed")


class DamageIncident(models.Model):
    """Damage to, or loss of, the customer's property during the work (004 2.5.4): the
    worker reports it, the management office agrees the compensation with the customer."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="damages", verbose_name=_("work order"))
    description = models.CharField(_("what was damaged or lost"), max_length=limits.NOTE_LENGTH)
    status = models.CharField(_("status"), max_length=10, choices=DamageStatus.choices, default=DamageStatus.REPORTED)
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("reported by"))
    compensation = models.DecimalField(_("compensation (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(Decimal("0.00"))])
    agreement = models.CharField(_("what was agreed with the customer"), max_length=limits.NOTE_LENGTH, blank=True)
    settled_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("agreed by"))

    class Meta:
        verbose_name = _("damage incident")
        verbose_name_plural = _("damage incidents")
        ordering = ["-reported_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="reported") | (Q(compensation__isnull=False) & Q(settled_at__isnull=False)),
                name="damage_settled_has_compensation",
            ),
        ]

    def __str__(self):
        return f"{self.work_order} · {self.description[:40]}"


class SignedOn(models.TextChoices):
    PAD = "pad", _("Signed on the worker's phone")
    PAPER = "paper", _("Signed on the paper form")
    NONE = "none", _("Not signed")


class Acceptance(models.Model):
    """The customer's verdict on the work (验收, 004 2.5): tried, rated, signed. One per
    verdict, so a rework leaves the first, unhappy one on the record."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="acceptances", verbose_name=_("work order"))
    at = models.DateTimeField(_("at"))
    satisfied = models.BooleanField(_("satisfied"))
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"), validators=[MinValueValidator(1)])
    comment = models.CharField(_("customer's comment"), max_length=limits.NOTE_LENGTH, blank=True)
    signer_name = models.CharField(_("signed by"), max_length=100, blank=True)
    signed_on = models.CharField(_("signature"), max_length=10, choices=SignedOn.choices)
    signature_png = models.BinaryField(_("signature image"), null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("customer acceptance")
        verbose_name_plural = _("customer acceptances")
        ordering = ["at", "id"]
        # A period's verdicts: the staff view (repairs.selectors.staff_work_order_figures) and
        # the dashboard's average rating of a month.
        indexes = [models.Index(fields=["at"], include=["work_order", "rating"], name="acceptance_at")]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="acceptance_rating_1_5"),
            models.CheckConstraint(condition=~Q(signed_on="pad") | Q(signature_png__isnull=False),
                                   name="acceptance_pad_has_image"),
            models.CheckConstraint(condition=Q(satisfied=False) | ~Q(signed_on="none"),
                                   name="acceptance_satisfied_is_signed"),
        ]

    def __str__(self):
        return f"{self.work_order} · {self.rating}/5"


class PhotoStage(models.TextChoices):
    REQUEST = "request", _("With the request")
    BEFORE = "before", _("Before the work")
    AFTER = "after", _("After the work")


# What the owner sees of the worker's photos, and when: the finished work, once it is done.
WORKER_STAGES = (PhotoStage.BEFORE, PhotoStage.AFTER)
DONE_STATUSES = (Status.COMPLETED, Status.REWORK, Status.ESCALATED, Status.SIGNED_OFF)


def photo_path(instance, filename):
    """``repairs/<yyyy>/<mm>/<random>.<ext>``: the name says nothing of the order or the
    owner and cannot be guessed (propertydesk.files.storage_name)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ("jpg", "png"):
        extension = "bin"
    return files.storage_name("repairs", now=instance.taken_at, extension=extension)


class WorkOrderPhoto(models.Model):
    """A photo on a work order: the owner's with the request, the worker's before and
    after the work. Written only by the services, after ``propertydesk.files`` has
    checked and re-encoded it (no EXIF, no GPS); read only through
    ``repairs:photo``, which applies the order's own access rule."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos",
                                   verbose_name=_("work order"))
    stage = models.CharField(_("when"), max_length=10, choices=PhotoStage.choices)
    file = models.FileField(_("file"), upload_to=photo_path)
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("original name"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    taken_at = models.DateTimeField(_("added at"))
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("added by"))

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")
        ordering = ["taken_at", "id"]

    def __str__(self):
        return f"{self.work_order} · {self.get_stage_display()}"

    @property
    def download_name(self) -> str:
        return files.display_name(self.original_name or self.file.name)


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(
    DispatchRule, Worker, PriceItem, WorkOrder, MaterialDraw, DamageIncident, Acceptance,
    WorkOrderPhoto
)
