"""The owner registry: estate → building → unit, owners, who owned what when, who lives there."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from owners import crypto
from propertydesk import audit, limits, pii
from propertydesk.models import ContactChannel
from propertydesk.people import PINYIN




class Estate(models.Model):
    name = models.CharField(_("name"), max_length=100, db_collation=PINYIN, unique=True)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    service_phone = models.CharField(_("service centre phone"), max_length=30, blank=True)
    # The house language: an owner registered here reads in it unless they choose another.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Department(models.TextChoices):
    """The property company's departments. Complaints are routed to one (a category's
    own is complaints.models.CATEGORY_DEPARTMENT); its staff are StaffMembership rows."""

    ENGINEERING = "engineering", _("Engineering")
    SECURITY = "security", _("Security")
    CLEANING = "cleaning", _("Cleaning")
    LANDSCAPING = "landscaping", _("Landscaping")
    FINANCE = "finance", _("Finance")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")


class StaffMembership(models.Model):
    """A member of staff works in a department of an estate: whom a complaint routed to
    that department may be given to, and the estate a clerk's forms start on. Someone
    in two departments, or serving two estates, has a row for each."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("staff member"))
    estate = models.ForeignKey(Estate, on_delete=models.CASCADE, related_name="staff_memberships",
                               verbose_name=_("estate"))
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        ordering = ["estate", "department", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "estate", "department"],
                                               name="staff_membership_unique")]
        indexes = [models.Index(fields=["estate", "department"], name="staff_membership_department")]

    def __str__(self):
        return f"{self.user.get_username()} · {self.estate} · {self.get_department_display()}"


class Building(models.Model):
    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("estate")
    )
    number = models.CharField(_("building number"), max_length=20)
    name = models.CharField(_("name"), max_length=50, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["estate__name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="building_number_unique"),
        ]

    def __str__(self):
        return f"{self.estate.name} {self.label}"

    @property
    def label(self):
        return self.name or _("Building %(number)s") % {"number": self.number}


class Unit(models.Model):
    """A room (房号) such as 3-1-1203: building 3, entrance 1, room 1203."""

    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="units", verbose_name=_("estate")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building")
    )
    number = models.CharField(_("room number"), max_length=30)
    floor = models.SmallIntegerField(_("floor"))
    area = models.DecimalField(
        _("floor area (m²)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1.00"))],
        help_text=_("Building area (建筑面积) in square metres; it drives fees."),
    )
    notes = models.CharField(_("notes"), max_length=limits.NOTE_LENGTH, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["estate__name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="unit_number_unique"),
            models.CheckConstraint(condition=Q(area__gt=0), name="unit_area_positive"),
        ]
        indexes = [
            # Desk lookup by the start of a room number: "3-1-12" finds 3-1-1201…3-1-1299.
            models.Index(
                OpClass(Upper("number"), name="varchar_pattern_ops"), name="unit_number_prefix"
            ),
            # The API's ?ordering=number|floor|area, each followed by the id (its cursor).
            models.Index(fields=["number", "id"], name="unit_number_order"),
            models.Index(fields=["floor", "id"], name="unit_floor_order"),
            models.Index(fields=["area", "id"], name="unit_area_order"),
        ]

    def __str__(self):
        return f"{self.estate.name} {self.number}"

    def save(self, *args, **kwargs):
        # estate is denormalised from the building so room numbers can be unique per estate.
        self.estate_id = self.building.estate_id
        super().save(*args, **kwargs)


class SpecialNeed(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly, living alone")
    YOUNG_CHILDREN = "young_children", _("Young children")
    DISABILITY = "disability", _("Disability")
    ILLNESS = "illness", _("Serious illness")
    PREGNANCY = "pregnancy", _("Pregnancy")
    HEARING = "hearing", _("Hard of hearing")
    LANGUAGE = "language", _("Needs another language")
    OTHER = "other", _("Other")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAU = "hk_macau", _("Mainland travel permit for HK/Macau residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    OTHER = "other", _("Other")


class Owner(models.Model):
    name = models.CharField(_("name"), max_length=100, db_collation=PINYIN)
    id_type = models.CharField(
        _("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    # Encrypted at rest; id_number_hash finds and de-duplicates without decrypting.
    id_number = EncryptedCharField(_("ID number"), max_length=40, blank=True, null=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    address = models.CharField(_("correspondence address"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_channel = models.CharField(
        _("preferred contact channel"),
        max_length=20,
        choices=ContactChannel.choices,
        default=ContactChannel.PHONE,
    )
    # What the owner reads: the portal, the inbox, e-mail, SMS, receipts and bills.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE,
        help_text=_("Pages, messages, receipts and bills are in this language."),
    )
    special_needs = ArrayField(
        models.CharField(max_length=30, choices=SpecialNeed.choices),
        verbose_name=_("special needs"),
        default=list,
        blank=True,
    )
    special_needs_note = models.CharField(
        _("special needs and preferences"),
        max_length=500,
        blank=True,
        help_text=_("What staff must know when serving this owner."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owner_profile",
        verbose_name=_("portal login"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("owner")
        verbose_name_plural = _("owners")
        ordering = ["name", "id"]
        permissions = [
            ("reveal_owner_pii", _("Can reveal owner phone and ID numbers")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="owner_id_number_unique",
            ),
        ]
        indexes = [
            models.Index(OpClass("name", name="varchar_pattern_ops"), name="owner_name_prefix"),
            # The registry's order (name, then id), which the API's cursor walks.
            models.Index(fields=["name", "id"], name="owner_name_order"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        """The ID number as stored, and its search hash. save() calls it; a bulk load
        (bulk_create skips save()) calls it on each row first."""
        self.id_number = pii.normalize_id_number(self.id_number) or None
        self.id_number_hash = crypto.id_number_index(self.id_number) if self.id_number else ""

    @property
    def id_number_masked(self) -> str:
        return pii.mask_id_number(self.id_number) if self.id_number else ""

    @property
    def has_special_needs(self) -> bool:
        return bool(self.special_needs or self.special_needs_note)

    def get_special_needs_display(self) -> list[str]:
        labels = dict(SpecialNeed.choices)
        return [str(labels.get(need, need)) for need in self.special_needs]


class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class OwnerPhone(models.Model):
    owner = models.ForeignKey(
        Owner, on_delete=models.CASCADE, related_name="phones", verbose_name=_("owner")
    )
    label = models.CharField(
        _("label"), max_length=10, choices=PhoneLabel.choices, default=PhoneLabel.MOBILE
    )
    number = EncryptedCharField(_("phone number"), max_length=30)
    number_hash = models.CharField(max_length=64, editable=False)
    tail_hash = models.CharField(max_length=64, editable=False)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "number_hash"], name="owner_phone_unique"),
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_primary=True), name="owner_one_primary_phone"
            ),
        ]
        # Matched only for equality: plain btree indexes, no pattern-ops twins.
        indexes = [
            models.Index(fields=["number_hash"], name="ownerphone_number_hash"),
            models.Index(fields=["tail_hash"], name="ownerphone_tail_hash"),
        ]

    def __str__(self):
        return self.masked

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        """The number as stored and its search hashes (see Owner.normalize)."""
        self.number = pii.normalize_phone(self.number)
        self.number_hash = crypto.phone_index(self.number)
        self.tail_hash = crypto.phone_tail_index(self.number)

    @property
    def masked(self) -> str:
        return pii.mask_phone(self.number)


class EndReason(models.TextChoices):
    SALE = "sale", _("Sold / transferred")
    INHERITANCE = "inheritance", _("Inheritance")
    CORRECTION = "correction", _("Registry correction")
    OTHER = "other", _("Other")


class Ownership(models.Model):
    """Who owned a unit, from when to when. Transfers end a row; they never overwrite it."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("unit")
    )
    owner = models.ForeignKey(
        Owner, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("owner")
    )
    start_date = models.DateField(_("owner since"))
    end_date = models.DateField(_("owner until"), null=True, blank=True)
    move_in_date = models.DateField(_("move-in date"), null=True, blank=True)
    move_out_date = models.DateField(_("move-out date"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        ordering = ["unit", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "owner"],
                condition=Q(end_date__isnull=True),
                name="ownership_one_current_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="ownership_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit"], condition=Q(end_date__isnull=True), name="ownership_current"
            ),
        ]

    def __str__(self):
        return f"{self.owner} – {self.unit}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class ResidentRelation(models.TextChoices):
    FAMILY = "family", _("Owner's family")
    TENANT = "tenant", _("Tenant")
    CARETAKER = "caretaker", _("Caretaker")
    OTHER = "other", _("Other")


class Resident(models.Model):
    """Someone living in a unit (住户): the owner's family, a tenant, a caretaker."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="residents", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=100, db_collation=PINYIN)
    relation = models.CharField(
        _("relation"), max_length=20, choices=ResidentRelation.choices, default=ResidentRelation.FAMILY
    )
    phone = EncryptedCharField(_("phone number"), max_length=30, blank=True, null=True)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_tail_hash = models.CharField(max_length=64, blank=True, editable=False)
    move_in_date = models.DateField(_("move-in date"))
    move_out_date = models.DateField(_("move-out date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["unit", "move_out_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(move_out_date__isnull=True)
                | Q(move_out_date__gte=models.F("move_in_date")),
                name="resident_dates_ordered",
            ),
        ]
        # A tenant calling the desk is found by phone like an owner is.
        indexes = [
            models.Index(fields=["phone_hash"], name="resident_phone_hash"),
            models.Index(fields=["phone_tail_hash"], name="resident_phone_tail_hash"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        """The phone as stored and its search hashes (see Owner.normalize)."""
        self.phone = pii.normalize_phone(self.phone) or None
        self.phone_hash = crypto.phone_index(self.phone) if self.phone else ""
        self.phone_tail_hash = crypto.phone_tail_index(self.phone) if self.phone else ""

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone) if self.phone else ""


class PiiField(models.TextChoices):
    PHONE = "phone", _("Phone numbers")
    ID_NUMBER = "id_number", _("ID number")


class RevealReason(models.TextChoices):
    """Why a number was unmasked: on the owner's page (no reason asked), or to call the
    person of a record, on that record's page."""

    OWNER_PAGE = "", _("Owner page")
    COMPLAINT = "complaint", _("To call about a complaint")
    WORK_ORDER = "work_order", _("To call about a work order")
    CALLBACK = "callback", _("To make a callback")
    ASSIGNED_ORDER = "assigned_order", _("To call the customer of his own work order")


class PiiReveal(models.Model):
    """Every time someone unmasks an owner's phone or ID number: who, when, which record.
    A number revealed on a record's page names the record; its owner may be none (a
    work order asked for by someone who is not an owner)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    owner = models.ForeignKey(
        Owner, on_delete=models.PROTECT, related_name="pii_reveals", verbose_name=_("owner"), null=True, blank=True
    )
    field = models.CharField(_("field"), max_length=20, choices=PiiField.choices)
    revealed_at = models.DateTimeField(_("revealed at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=10, default="web")
    reason = models.CharField(_("reason"), max_length=20, choices=RevealReason.choices, blank=True,
                              default=RevealReason.OWNER_PAGE)
    record_number = models.CharField(_("record"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")
        ordering = ["-revealed_at"]

    def __str__(self):
        return f"{self.user} → {self.owner or self.record_number} ({self.field})"


class RegistryCheck(models.Model):
    """The daily registry integrity check: one row per day, re-running replaces it."""

    check_date = models.DateField(_("date"), unique=True)
    units_without_owner = models.PositiveIntegerField(_("units without a current owner"))
    owners_without_phone = models.PositiveIntegerField(_("owners without a phone"))
    owners_without_unit = models.PositiveIntegerField(_("owners without a current unit"))
    details = models.JSONField(_("details"), default=dict)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("registry check")
        verbose_name_plural = _("registry checks")
        ordering = ["-check_date"]

    def __str__(self):
        return str(self.check_date)


class OwnerAnonymisation(models.Model):
    """A departed owner's personal data replaced by neutral values (PIPL art. 47): who did
    it, when and why. One per owner: the service does nothing a second time. The owner's
    number (``owner_id``) stays, so bills, receipts and totals still add up to the same."""

    owner = models.OneToOneField(Owner, on_delete=models.PROTECT, related_name="anonymisation",
                                 verbose_name=_("owner"))
    anonymised_at = models.DateTimeField(_("anonymised at"))
    anonymised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("anonymised by"))
    reason = models.CharField(_("reason"), max_length=200)
    # How many rows of each kind were rewritten ({"complaints.Complaint": 3, ...}).
    rows = models.JSONField(_("rows rewritten"), default=dict)

    class Meta:
        verbose_name = _("owner anonymisation")
        verbose_name_plural = _("owner anonymisations")
        ordering = ["-anonymised_at"]
        permissions = [("anonymise_owner", _("Can anonymise a departed owner"))]

    def __str__(self):
        return f"#{self.owner_id} · {self.anonymised_at:%Y-%m-%d}"


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(Estate, StaffMembership, Building, Unit, Owner, OwnerPhone, Ownership, Resident)
