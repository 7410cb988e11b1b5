"""Renovation (装修, domain §7, seed 002 装修流程): the owner's application with the
contractor's papers, the fees, the permit and the worker passes checked at the gate,
patrols and breaches, the acceptance inspection and the refund of the deposits.

Every write is a service in ``renovation/services.py``; every status change goes through
``propertydesk.states.move`` with the map below and writes a ``RenovationEvent``."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from encrypted_fields.fields import EncryptedCharField

from owners import crypto
from propertydesk import audit, files, limits, pii
from propertydesk.states import StateEvent, Transitions

# ---- the estate's renovation policy -----------------------------------------------------------

WINDOW_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_window(text: str) -> tuple[datetime.time, datetime.time] | None:
    """"08:00-12:00" as (08:00, 12:00); None unless it is one window of a day, start
    before end ("24:00" is the end of the day)."""
    match = WINDOW_RE.match((text or "").strip())
    if not match:
        return None
    start = datetime.time(int(match[1]), int(match[2]))
    end = datetime.time.max if match[3] == "24" else datetime.time(int(match[3]), int(match[4]))
    if match[3] == "24" and match[4] != "00":
        return None
    return (start, end) if start < end else None


class RenovationPolicy(models.Model):
    """An estate's renovation fees, refund periods and working hours (domain §7). An
    estate without a row follows settings.RENOVATION_POLICY_DEFAULTS. Read through
    ``selectors.renovation_policy`` (``renovation_policies`` for many estates); set
    through ``services.renovation_policy_save``. Fees and the refund date are fixed when
    they are taken or decided: a change applies to what comes after."""

    VALUE_FIELDS = ("owner_deposit", "contractor_deposit", "rubbish_fee_per_m2", "pass_fee", "refund_days",
                    "refund_months_floors_altered", "pass_warning_days", "inspection_working_days",
                    "work_windows", "days_off")

    estate = models.OneToOneField("owners.Estate", on_delete=models.CASCADE, related_name="renovation_policy",
                                  verbose_name=_("estate"))
    owner_deposit = models.DecimalField(_("owner's deposit (yuan)"), max_digits=12, decimal_places=2,
                                        validators=[MinValueValidator(Decimal("0.00"))])
    contractor_deposit = models.DecimalField(_("contractor's deposit (yuan)"), max_digits=12, decimal_places=2,
                                             validators=[MinValueValidator(Decimal("0.00"))])
    rubbish_fee_per_m2 = models.DecimalField(_("rubbish removal per m² (yuan)"), max_digits=12, decimal_places=2,
                                             validators=[MinValueValidator(Decimal("0.00"))])
    pass_fee = models.DecimalField(_("fee per worker pass (yuan)"), max_digits=12, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0.00"))])
    refund_days = models.PositiveSmallIntegerField(_("deposits refunded after passing (days)"))
    refund_months_floors_altered = models.PositiveSmallIntegerField(
        _("deposits refunded after passing when bathroom or kitchen floors were altered (months)"))
    pass_warning_days = models.PositiveSmallIntegerField(_("warn before a pass expires (days)"))
    inspection_working_days = models.PositiveSmallIntegerField(
        _("inspection done within (working days)"), validators=[MinValueValidator(1)])
    work_windows = ArrayField(
        models.CharField(max_length=11), verbose_name=_("working hours"),
        help_text=_("The windows of a day when noisy work is allowed, e.g. 08:00-12:00,14:00-18:00."),
    )
    days_off = ArrayField(models.DateField(), verbose_name=_("days off (holidays)"), default=list, blank=True,
                          help_text=_("No work on these days, e.g. 2026-10-01,2026-10-02."))

    class Meta:
        verbose_name = _("renovation policy")
        verbose_name_plural = _("renovation policies")
        constraints = [
            models.CheckConstraint(condition=Q(owner_deposit__gte=0, contractor_deposit__gte=0,
                                               rubbish_fee_per_m2__gte=0, pass_fee__gte=0),
                                   name="renovation_policy_money_not_negative"),
            models.CheckConstraint(condition=Q(inspection_working_days__gte=1),
                                   name="renovation_policy_inspection_days"),
        ]

    def __str__(self):
        return str(self.estate) if self.estate_id else str(_("defaults"))

    @classmethod
    def with_defaults(cls, **fields) -> RenovationPolicy:
        """An unsaved policy holding the defaults in settings (``estate_id=`` names its estate)."""
        defaults = settings.RENOVATION_POLICY_DEFAULTS
        return cls(**{**defaults, "work_windows": list(defaults["work_windows"]),
                      "days_off": [datetime.date.fromisoformat(str(d)) for d in defaults["days_off"]], **fields})

    def clean(self):
        errors = {}
        if not self.work_windows:
            errors["work_windows"] = [_("Give at least one window of working hours, e.g. 08:00-12:00.")]
        else:
            bad = [w for w in self.work_windows if parse_window(w) is None]
            if bad:
                errors["work_windows"] = [_("Write each window as HH:MM-HH:MM, the start before the end: %(bad)s")
                                          % {"bad": ", ".join(bad)}]
        if errors:
            raise ValidationError(errors)

    def windows(self) -> list[tuple[datetime.time, datetime.time]]:
        """The working windows of a day, in order."""
        return sorted(w for w in (parse_window(text) for text in self.work_windows) if w is not None)

    def is_day_off(self, day: datetime.date) -> bool:
        return day in set(self.days_off or ())

    def allows_work_at(self, local: datetime.datetime) -> bool:
        """May noisy work go on at this local (Shanghai) moment: not a day off, and inside
        one of the day's windows (its start included, its end not)."""
        if self.is_day_off(local.date()):
            return False
        moment = local.time().replace(tzinfo=None)
        return any(start <= moment < end for start, end in self.windows())

    def is_working_day(self, day: datetime.date) -> bool:
        """Monday to Friday, not a day off: what "within 2 working days" counts."""
        return day.weekday() < 5 and not self.is_day_off(day)

    def working_day_after(self, day: datetime.date, count: int) -> datetime.date:
        """The ``count``-th working day after ``day``."""
        while count > 0:
            day += datetime.timedelta(days=1)
            count -= self.is_working_day(day)
        return day


# ---- the renovation and its life -------------------------------------------------------------


class Status(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("renovation", "Submitted")
    RETURNED = "returned", pgettext_lazy("renovation", "Returned for changes")
    APPROVED = "approved", pgettext_lazy("renovation", "Approved, fees to pay")
    FEES_PAID = "fees_paid", pgettext_lazy("renovation", "Fees paid")
    IN_PROGRESS = "in_progress", pgettext_lazy("renovation", "Work in progress")
    ACCEPTANCE_REQUESTED = "acceptance_requested", pgettext_lazy("renovation", "Acceptance requested")
    PASSED = "passed", pgettext_lazy("renovation", "Passed inspection")
    DEPOSITS_DUE = "deposits_due", pgettext_lazy("renovation", "Deposits due for refund")
    REFUNDED = "refunded", pgettext_lazy("renovation", "Refunded and closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("renovation", "Withdrawn")


# The only moves the services allow (002 装修流程). The desk returns an incomplete
# application with reasons and the owner resubmits it; approval sends the owner to pay;
# the permit starts the work; a failed inspection sends the work back in progress until
# acceptance is requested again (a re-inspection); the deposits fall due after the
# refund period and the renovation closes when both are refunded. It may be withdrawn
# until the work starts.
TRANSITIONS = Transitions(Status, {
    Status.SUBMITTED: {Status.RETURNED, Status.APPROVED, Status.WITHDRAWN},
    Status.RETURNED: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.APPROVED: {Status.FEES_PAID, Status.WITHDRAWN},
    Status.FEES_PAID: {Status.IN_PROGRESS, Status.WITHDRAWN},
    Status.IN_PROGRESS: {Status.ACCEPTANCE_REQUESTED},
    Status.ACCEPTANCE_REQUESTED: {Status.PASSED, Status.IN_PROGRESS},
    Status.PASSED: {Status.DEPOSITS_DUE},
    Status.DEPOSITS_DUE: {Status.REFUNDED},
    Status.REFUNDED: set(),
    Status.WITHDRAWN: set(),
}, refusal=_("A renovation that is %(current)s cannot become %(target)s."))

# One of these per unit at a time (a constraint): everything but the closed ones.
ACTIVE_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.FEES_PAID, Status.IN_PROGRESS,
                   Status.ACCEPTANCE_REQUESTED, Status.PASSED, Status.DEPOSITS_DUE)
# The application may still change: documents, papers, workers, details.
APPLYING = (Status.SUBMITTED, Status.RETURNED)
# Workers come and go until the work is accepted.
WORKS = (Status.APPROVED, Status.FEES_PAID, Status.IN_PROGRESS, Status.ACCEPTANCE_REQUESTED)
# The permit is out: from the start of the work on.
PERMITTED = (Status.IN_PROGRESS, Status.ACCEPTANCE_REQUESTED, Status.PASSED, Status.DEPOSITS_DUE, Status.REFUNDED)


class Source(models.TextChoices):
    DESK = "desk", _("At the desk")
    PORTAL = "portal", _("Owner portal")


class Renovation(models.Model):
    """One renovation of a unit, from the owner's application (业主装修申请表) to the
    refund of the deposits."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="renovations",
                               verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="renovations",
                             verbose_name=_("unit"))
    owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, related_name="renovations",
                              verbose_name=_("owner (applicant)"))
    source = models.CharField(_("applied"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)

    scope = models.CharField(_("scope of works"), max_length=limits.ACCOUNT_LENGTH)
    floors_altered = models.BooleanField(_("bathroom or kitchen floors altered"), default=False)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))

    contractor_name = models.CharField(_("contractor (company)"), max_length=100)
    contractor_lead_name = models.CharField(_("contractor's lead"), max_length=100)
    contractor_lead_id_number = EncryptedCharField(_("lead's ID number"), max_length=40, blank=True, null=True)
    contractor_lead_phone = EncryptedCharField(_("lead's phone"), max_length=30, blank=True, null=True)

    applied_at = models.DateTimeField(_("applied at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    return_reasons = models.CharField(_("why it was returned"), max_length=limits.NOTE_LENGTH, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    fees_paid_at = models.DateTimeField(_("fees paid at"), null=True, blank=True)
    # Printed on the application and the permit (002: 如业主不交垃圾清运费，需在申请表、许可证上注明).
    rubbish_fee_declined = models.BooleanField(_("owner declined the rubbish removal fee"), default=False)
    permit_number = models.CharField(_("permit number"), max_length=40, blank=True)
    permit_issued_at = models.DateTimeField(_("permit issued at"), null=True, blank=True)
    permit_issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="+", verbose_name=_("permit issued by"))
    passed_at = models.DateTimeField(_("passed inspection at"), null=True, blank=True)
    deposits_due_on = models.DateField(_("deposits due for refund on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdraw_reason = models.CharField(_("why withdrawn"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("renovation")
        verbose_name_plural = _("renovations")
        ordering = ["-applied_at", "-id"]
        permissions = [
            ("approve_renovation", _("Can approve or return renovation applications")),
            ("take_renovation_fees", _("Can take renovation fees and deposits")),
            ("issue_renovation_permit", _("Can issue renovation permits and worker passes")),
            ("check_gate", _("Can check worker passes at the gate")),
            ("inspect_renovation", _("Can inspect finished renovations")),
            ("patrol_renovation", _("Can record renovation patrols and propose breaches")),
            ("approve_breach", _("Can approve penalties for renovation breaches")),
            ("refund_deposit", _("Can pay out renovation deposit refunds")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                                    name="renovation_one_active_per_unit"),
            models.UniqueConstraint(fields=["permit_number"], condition=~Q(permit_number=""),
                                    name="renovation_permit_number_unique"),
            models.CheckConstraint(condition=Q(planned_end__gte=models.F("planned_start")),
                                   name="renovation_planned_dates_ordered"),
            models.CheckConstraint(condition=~Q(status__in=[s.value for s in PERMITTED]) | ~Q(permit_number=""),
                                   name="renovation_permitted_has_permit"),
            models.CheckConstraint(
                condition=~Q(status__in=["passed", "deposits_due", "refunded"]) | Q(deposits_due_on__isnull=False),
                name="renovation_passed_has_refund_date"),
            models.CheckConstraint(condition=~Q(status="returned") | ~Q(return_reasons=""),
                                   name="renovation_return_explained"),
        ]
        indexes = [
            models.Index(fields=["status", "-applied_at"], name="renovation_board"),
            models.Index(fields=["deposits_due_on"], condition=Q(status="passed"), name="renovation_passed_due"),
            models.Index(fields=["planned_end"], condition=Q(status__in=["fees_paid", "in_progress"]),
                         name="renovation_working_end"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.contractor_lead_id_number = pii.normalize_id_number(self.contractor_lead_id_number) or None
        self.contractor_lead_phone = pii.normalize_phone(self.contractor_lead_phone) or None
        super().save(*args, **kwargs)

    @property
    def contractor_lead_id_masked(self) -> str:
        return pii.mask_id_number(self.contractor_lead_id_number) if self.contractor_lead_id_number else ""

    @property
    def contractor_lead_phone_masked(self) -> str:
        return pii.mask_phone(self.contractor_lead_phone) if self.contractor_lead_phone else ""

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def allowed_next(self) -> frozenset[str]:
        return TRANSITIONS[self.status]


class RenovationEvent(StateEvent):
    """A move of the renovation (from/to), or a step that is not one (``data["action"]``:
    a document uploaded, a paper signed, a fee taken, a worker added or removed…)."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="events",
                                   verbose_name=_("renovation"))
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("renovation event")
        verbose_name_plural = _("renovation events")

    def __str__(self):
        return f"{self.renovation} → {self.to_status or self.data.get('action', '')}"


# ---- what the application needs: documents, workers, signed papers ----------------------------


class DocumentKind(models.TextChoices):
    DRAWINGS = "drawings", _("Construction drawings")
    BUSINESS_LICENCE = "business_licence", _("Contractor's business licence (stamped copy)")
    CONTRACT = "contract", _("Renovation contract (copy)")
    QUALIFICATION = "qualification", _("Contractor's qualification certificate (stamped copy)")
    TAX_REGISTRATION = "tax_registration", _("Contractor's tax registration (stamped copy)")
    LEAD_ID = "lead_id", _("Contractor lead's ID card (copy)")
    WORKER_ID = "worker_id", _("Worker's ID card (copy)")
    WORKER_PHOTO = "worker_photo", _("Worker's photo")


# The contractor's papers every application needs (002 装修流程 一), in the checklist's order.
REQUIRED_DOCUMENTS = (DocumentKind.DRAWINGS, DocumentKind.BUSINESS_LICENCE, DocumentKind.CONTRACT,
                      DocumentKind.QUALIFICATION, DocumentKind.TAX_REGISTRATION, DocumentKind.LEAD_ID)
WORKER_DOCUMENTS = (DocumentKind.WORKER_ID, DocumentKind.WORKER_PHOTO)
# Two photos of each worker (装修人员、施工人员照片2张/人).
PHOTOS_PER_WORKER = 2


def document_path(instance, filename):
    """``renovation/<yyyy>/<mm>/<random>.<ext>``: the name says nothing of the unit or
    the person and cannot be guessed (propertydesk.files.storage_name)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ("jpg", "png", "pdf"):
        extension = "bin"
    moment = getattr(instance, "uploaded_at", None) or getattr(instance, "recorded_at", None)
    return files.storage_name("renovation", now=moment, extension=extension)


class StoredFile(models.Model):
    """A file that came through ``propertydesk.files`` (checked and re-encoded), read only
    through a view that applies the renovation's access rule."""

    file = models.FileField(_("file"), upload_to=document_path)
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("original name"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))

    class Meta:
        abstract = True

    @property
    def is_image(self) -> bool:
        return self.content_type in files.INLINE_TYPES

    @property
    def download_name(self) -> str:
        return files.display_name(self.original_name or self.file.name)

    def store(self, clean: files.CleanFile) -> None:
        self.file = clean.as_file()
        self.content_type = clean.content_type
        self.original_name = clean.download_name
        self.size = clean.size


class RenovationWorker(models.Model):
    """A worker of the contractor's team: a pass is issued in his name once his pass
    fee is paid. Removing him revokes his pass; the row stays."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="workers",
                                   verbose_name=_("renovation"))
    name = models.CharField(_("name"), max_length=100)
    id_number = EncryptedCharField(_("ID number"), max_length=40)
    id_number_hash = models.CharField(max_length=64, editable=False)
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True, null=True)
    added_at = models.DateTimeField(_("added at"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("added by"))
    # His pass fee: when it was paid, and the charge that paid it (none when the estate
    # charges nothing for a pass). No pass is issued before.
    pass_fee_paid_at = models.DateTimeField(_("pass fee paid at"), null=True, blank=True)
    pass_charge = models.ForeignKey("RenovationCharge", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="workers_paid_for", verbose_name=_("pass fee paid with"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("removed by"))
    remove_reason = models.CharField(_("why removed"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("renovation worker")
        verbose_name_plural = _("renovation workers")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["renovation", "id_number_hash"], condition=Q(removed_at__isnull=True),
                                    name="renovation_worker_once"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        self.id_number = pii.normalize_id_number(self.id_number)
        self.id_number_hash = crypto.id_number_index(self.id_number)
        self.phone = pii.normalize_phone(self.phone) or None

    @property
    def id_number_masked(self) -> str:
        return pii.mask_id_number(self.id_number) if self.id_number else ""

    @property
    def is_current(self) -> bool:
        return self.removed_at is None


class RenovationDocument(StoredFile):
    """A paper the application needs (drawings, the contractor's licences, the lead's ID),
    or a worker's ID copy or photo: a photo or a PDF, a worker's photo a photo only."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="documents",
                                   verbose_name=_("renovation"))
    worker = models.ForeignKey(RenovationWorker, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="documents", verbose_name=_("worker"))
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))

    class Meta:
        verbose_name = _("renovation document")
        verbose_name_plural = _("renovation documents")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["worker_id", "worker_photo"], worker__isnull=False)
                | (~Q(kind__in=["worker_id", "worker_photo"]) & Q(worker__isnull=True)),
                name="renovation_document_worker_kinds"),
        ]

    def __str__(self):
        return f"{self.renovation} · {self.get_kind_display()}"


class Paper(models.TextChoices):
    APPLICATION = "application", _("Owner's renovation application")
    FIRE_SAFETY = "fire_safety", _("Fire safety responsibility letter")
    AGREEMENT = "agreement", _("Renovation management agreement")


class Party(models.TextChoices):
    OWNER = "owner", pgettext_lazy("renovation party", "Owner")
    CONTRACTOR = "contractor", pgettext_lazy("renovation party", "Contractor")
    PROPERTY = "property", pgettext_lazy("renovation party", "Property management company")


# Who signs each paper (002 装修流程 二): the owner the application, the contractor the
# fire safety letter, all three the management agreement.
PAPER_PARTIES: dict[str, tuple[str, ...]] = {
    Paper.APPLICATION: (Party.OWNER,),
    Paper.FIRE_SAFETY: (Party.CONTRACTOR,),
    Paper.AGREEMENT: (Party.OWNER, Party.CONTRACTOR, Party.PROPERTY),
}


class SignMethod(models.TextChoices):
    SCAN = "scan", _("Scan of the signed paper")
    PAD = "pad", _("Signed on the pad")


class SignedPaper(StoredFile):
    """A signed paper on record: a scan of the paper as signed by all its parties (no
    party named), or one party's signature drawn on the pad; who signed, when, and who
    recorded it."""

    renovation = models.ForeignKey(Renovation, on_delete=models.CASCADE, related_name="papers",
                                   verbose_name=_("renovation"))
    paper = models.CharField(_("paper"), max_length=20, choices=Paper.choices)
    party = models.CharField(_("signed for"), max_length=20, choices=Party.choices, blank=True)
    method = models.CharField(_("how"), max_length=10, choices=SignMethod.choices)
    signer_name = models.CharField(_("signed by"), max_length=200)
    signed_at = models.DateTimeField(_("signed at"))
    signature_png = models.BinaryField(_("signature image"), null=True, blank=True, editable=False)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    # A pad signature has no file.
    file = models.FileField(_("file"), upload_to=document_path, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)

    class Meta:
        verbose_name = _("signed paper")
        verbose_name_plural = _("signed papers")
        ordering = ["signed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(method="pad") & ~Q(party="") & Q(signature_png__isnull=False))
                | (Q(method="scan") & Q(party="") & ~Q(file="")),
                name="signed_paper_scan_or_pad"),
        ]

    def __str__(self):
        return f"{self.renovation} · {self.get_paper_display()}"


# ---- fees and deposits ------------------------------------------------------------------------


class ChargeKind(models.TextChoices):
    OWNER_DEPOSIT = "owner_deposit", _("Owner's renovation deposit")
    CONTRACTOR_DEPOSIT = "contractor_deposit", _("Contractor's deposit")
    RUBBISH_FEE = "rubbish_fee", _("Rubbish removal fee")
    PASS_FEE = "pass_fee", _("Worker pass fee")


DEPOSITS = (ChargeKind.OWNER_DEPOSIT, ChargeKind.CONTRACTOR_DEPOSIT)


class RenovationCharge(models.Model):
    """A fee or deposit taken for the renovation, each with its own receipt from the fees
    app's one receipt sequence. A deposit is never edited: deductions and its refund are
    rows of their own."""

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="charges",
                                   verbose_name=_("renovation"))
    kind = models.CharField(_("for"), max_length=20, choices=ChargeKind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal("1"),
                                   help_text=_("m² of floor area, or passes"))
    rate = models.DecimalField(_("rate (yuan)"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    receipt = models.OneToOneField("fees.Receipt", on_delete=models.PROTECT, related_name="renovation_charge",
                                   verbose_name=_("receipt"))
    payer_name = models.CharField(_("paid by"), max_length=100)
    paid_at = models.DateTimeField(_("paid at"))
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("taken by"))

    class Meta:
        verbose_name = _("renovation fee or deposit")
        verbose_name_plural = _("renovation fees and deposits")
        ordering = ["paid_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["renovation", "kind"],
                                    condition=Q(kind__in=["owner_deposit", "contractor_deposit", "rubbish_fee"]),
                                    name="renovation_charge_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="renovation_charge_positive"),
        ]

    def __str__(self):
        return f"{self.renovation} · {self.get_kind_display()} ¥{self.amount}"

    @property
    def is_deposit(self) -> bool:
        return self.kind in DEPOSITS


class RefundMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class DepositRefund(models.Model):
    """The refund of a deposit: a payment out of its own, with a voucher number from the
    estate's refund sequence (gapless, per year), the penalties deducted and what was paid."""

    deposit = models.OneToOneField(RenovationCharge, on_delete=models.PROTECT, related_name="refund",
                                   verbose_name=_("deposit"))
    voucher_number = models.CharField(_("refund voucher number"), max_length=40, unique=True)
    deducted = models.DecimalField(_("penalties deducted (yuan)"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("refunded (yuan)"), max_digits=12, decimal_places=2)
    method = models.CharField(_("paid by"), max_length=20, choices=RefundMethod.choices)
    payee_name = models.CharField(_("paid to"), max_length=100)
    paid_at = models.DateTimeField(_("paid at"))
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("paid out by"))

    class Meta:
        verbose_name = _("deposit refund")
        verbose_name_plural = _("deposit refunds")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0, deducted__gte=0), name="deposit_refund_not_negative"),
        ]

    def __str__(self):
        return self.voucher_number


# ---- permit and passes ------------------------------------------------------------------------


class RevokeReason(models.TextChoices):
    WORKER_REMOVED = "worker_removed", _("Worker removed from the team")
    RENOVATION_ENDED = "renovation_ended", _("Renovation ended")
    WITHDRAWN = "withdrawn", pgettext_lazy("renovation", "Renovation withdrawn")


class WorkerPass(models.Model):
    """A worker pass (施工人员出入证): the room or contractor, the worker's name, ID number
    (encrypted; masked on print), photo, valid dates, serial number and the permit's
    number. Revoked when the worker leaves or the renovation ends; the card's return is
    recorded."""

    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="passes",
                                   verbose_name=_("renovation"))
    worker = models.ForeignKey(RenovationWorker, on_delete=models.PROTECT, related_name="passes",
                               verbose_name=_("worker"))
    holder_name = models.CharField(_("worker"), max_length=100)
    holder_id_number = EncryptedCharField(_("ID number"), max_length=40)
    room = models.CharField(_("room"), max_length=30)
    contractor_name = models.CharField(_("contractor"), max_length=100)
    photo = models.ForeignKey(RenovationDocument, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("photo"))
    permit_number = models.CharField(_("permit number"), max_length=40)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("why revoked"), max_length=20, choices=RevokeReason.choices, blank=True)
    returned_at = models.DateTimeField(_("card returned at"), null=True, blank=True)
    returned_lost = models.BooleanField(_("card lost"), default=False)
    return_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                           blank=True, related_name="+", verbose_name=_("return recorded by"))

    class Meta:
        verbose_name = _("worker pass")
        verbose_name_plural = _("worker passes")
        ordering = ["serial"]
        constraints = [
            models.UniqueConstraint(fields=["worker"], condition=Q(revoked_at__isnull=True),
                                    name="worker_pass_one_live"),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="worker_pass_dates"),
            models.CheckConstraint(condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                                   name="worker_pass_revoke_reason"),
        ]
        indexes = [
            # The daily job: live passes by their last day.
            models.Index(fields=["valid_to"], condition=Q(revoked_at__isnull=True), name="worker_pass_live_to"),
        ]

    def __str__(self):
        return self.serial

    @property
    def holder_id_masked(self) -> str:
        return pii.mask_id_number(self.holder_id_number) if self.holder_id_number else ""

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    @property
    def is_out(self) -> bool:
        """The card is still with the worker (not returned nor recorded lost)."""
        return self.returned_at is None


class GateResult(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    NOT_YET_VALID = "not_yet_valid", _("Not yet valid")
    REVOKED = "revoked", _("Revoked")
    OUTSIDE_HOURS = "outside_hours", _("Outside working hours")
    UNKNOWN = "unknown", _("Unknown pass")
    FORGED = "forged", _("Forged QR code")


class GateCheck(models.Model):
    """One check of a pass at the gate: when, by whom, what was shown and the answer."""

    checked_at = models.DateTimeField(_("checked at"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("checked by"))
    code = models.CharField(_("serial or code shown"), max_length=120)
    worker_pass = models.ForeignKey(WorkerPass, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="checks", verbose_name=_("worker pass"))
    result = models.CharField(_("answer"), max_length=20, choices=GateResult.choices)

    class Meta:
        verbose_name = _("gate check")
        verbose_name_plural = _("gate checks")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["-checked_at", "-id"], name="gate_check_recent")]

    def __str__(self):
        return f"{self.code} · {self.result}"


# ---- patrols, breaches, deductions ------------------------------------------------------------


class Patrol(models.Model):
    """A patrol visit to the works (巡查): what staff found, with photos."""

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="patrols",
                                   verbose_name=_("renovation"))
    at = models.DateTimeField(_("visited at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    in_order = models.BooleanField(_("all in order"))
    findings = models.CharField(_("findings"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(in_order=True) | ~Q(findings=""),
                                              name="patrol_findings_written")]

    def __str__(self):
        return f"{self.renovation} · {self.at:%Y-%m-%d}"


class BreachStatus(models.TextChoices):
    PROPOSED = "proposed", _("Penalty proposed")
    APPROVED = "approved", _("Penalty approved")
    REJECTED = "rejected", _("Penalty rejected")


class Breach(models.Model):
    """A breach of the renovation rules (违规): the rule, the evidence and the penalty
    proposed; a supervisor approves it (then it is deducted from the deposit named) or
    rejects it."""

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="breaches",
                                   verbose_name=_("renovation"))
    patrol = models.ForeignKey(Patrol, on_delete=models.PROTECT, null=True, blank=True, related_name="breaches",
                               verbose_name=_("found on patrol"))
    rule = models.CharField(_("rule broken"), max_length=200)
    evidence = models.CharField(_("evidence"), max_length=limits.NOTE_LENGTH)
    deposit_kind = models.CharField(_("deducted from"), max_length=20,
                                    choices=[(k.value, k.label) for k in DEPOSITS])
    penalty = models.DecimalField(_("penalty (yuan)"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=BreachStatus.choices,
                              default=BreachStatus.PROPOSED)
    proposed_at = models.DateTimeField(_("proposed at"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("proposed by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decision_note = models.CharField(_("decision note"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("renovation breach")
        verbose_name_plural = _("renovation breaches")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(penalty__gt=0), name="breach_penalty_positive"),
            models.CheckConstraint(condition=Q(status="proposed") | Q(decided_at__isnull=False),
                                   name="breach_decided_has_time"),
        ]

    def __str__(self):
        return f"{self.renovation} · {self.rule[:40]}"


class EvidencePhoto(StoredFile):
    """A photo taken on a patrol, or of a breach."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, null=True, blank=True, related_name="photos",
                               verbose_name=_("patrol"))
    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, null=True, blank=True, related_name="photos",
                               verbose_name=_("breach"))
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("uploaded by"))

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(patrol__isnull=False, breach__isnull=True)
                                   | Q(patrol__isnull=True, breach__isnull=False),
                                   name="evidence_photo_of_one"),
        ]


class Deduction(models.Model):
    """An approved penalty taken from a deposit. The deposit row is never changed: its
    refund pays the deposit less its deductions, never less than nothing."""

    deposit = models.ForeignKey(RenovationCharge, on_delete=models.PROTECT, related_name="deductions",
                                verbose_name=_("deposit"))
    breach = models.OneToOneField(Breach, on_delete=models.PROTECT, related_name="deduction",
                                  verbose_name=_("breach"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    at = models.DateTimeField(_("deducted at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("approved by"))

    class Meta:
        verbose_name = _("deposit deduction")
        verbose_name_plural = _("deposit deductions")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="deduction_positive")]

    def __str__(self):
        return f"{self.deposit} − ¥{self.amount}"


# ---- completion -------------------------------------------------------------------------------


class Inspection(models.Model):
    """The owner's acceptance request (装修验收申请表) and engineering's inspection of it
    (二次装修验收表): passed, or failed with the items to fix. A failed inspection is
    followed by a new request, which is the re-inspection."""

    renovation = models.ForeignKey(Renovation, on_delete=models.PROTECT, related_name="inspections",
                                   verbose_name=_("renovation"))
    requested_at = models.DateTimeField(_("acceptance requested at"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("requested by"))
    request_note = models.CharField(_("owner's note"), max_length=limits.NOTE_LENGTH, blank=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("inspector"))
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    items_to_fix = models.CharField(_("items to fix"), max_length=limits.NOTE_LENGTH, blank=True)
    note = models.CharField(_("inspector's note"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("renovation inspection")
        verbose_name_plural = _("renovation inspections")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["renovation"], condition=Q(inspected_at__isnull=True),
                                    name="inspection_one_open"),
            models.CheckConstraint(condition=Q(inspected_at__isnull=True, passed__isnull=True)
                                   | Q(inspected_at__isnull=False, passed__isnull=False),
                                   name="inspection_verdict_with_time"),
            models.CheckConstraint(condition=~Q(passed=False) | ~Q(items_to_fix=""),
                                   name="inspection_failed_lists_items"),
        ]
        indexes = [models.Index(fields=["requested_at"], condition=Q(inspected_at__isnull=True),
                                name="inspection_open")]

    def __str__(self):
        return f"{self.renovation} · {self.requested_at:%Y-%m-%d}"


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(
    RenovationPolicy, Renovation, RenovationWorker, RenovationDocument, SignedPaper, RenovationCharge,
    DepositRefund, WorkerPass, Patrol, Breach, EvidencePhoto, Deduction, Inspection
)
