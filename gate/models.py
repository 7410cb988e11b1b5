"""The gate (门岗, domain §8, seed 002 §一–五): visitors registered at the desk (访客登记),
item release passes (物品放行) and access-card and parking applications (门禁卡/停车位).

Visitors' and carriers' ID numbers are encrypted at rest as owners' are (a blind index
beside each), shown masked, and every reveal is logged (``GateReveal``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from encrypted_fields.fields import EncryptedCharField

from owners import crypto
from propertydesk import audit, pii
from propertydesk.states import StateEvent, Transitions


class EncryptedIdNumber(models.Model):
    """An ID number stored as owners' are: encrypted, with its blind index, shown masked."""

    id_number = EncryptedCharField(_("ID number"), max_length=40, blank=True, null=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.id_number = pii.normalize_id_number(self.id_number) or None
        self.id_number_hash = crypto.id_number_index(self.id_number) if self.id_number else ""
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return pii.mask_id_number(self.id_number) if self.id_number else ""


# ---- visitors ----------------------------------------------------------------------------------

class ConfirmedHow(models.TextChoices):
    PHONE = "phone", _("By phone")
    INTERCOM = "intercom", _("By intercom (door bell)")
    IN_PERSON = "in_person", _("In person")
    PREREGISTERED = "preregistered", _("Pre-registered in the portal")


class Visit(EncryptedIdNumber):
    """A visitor registered at the desk: who, to which unit, whether the resident said yes
    (and how), in and out."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="visits", verbose_name=_("unit"))
    visitor_name = models.CharField(_("visitor"), max_length=100)
    confirmed = models.BooleanField(_("confirmed by the resident"), default=False)
    confirmed_how = models.CharField(_("confirmed how"), max_length=20, choices=ConfirmedHow.choices, blank=True)
    time_in = models.DateTimeField(_("time in"))
    time_out = models.DateTimeField(_("time out"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="+", verbose_name=_("registered by"))

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        ordering = ["-time_in", "-id"]
        permissions = [("reveal_gate_pii", _("Can reveal visitors' and carriers' ID numbers"))]
        indexes = [
            models.Index(fields=["estate", "-time_in"], name="visit_estate_time_in"),
            # every estate's, newest first: the day's list without an estate chosen
            models.Index(fields=["-time_in", "-id"], name="visit_newest"),
            models.Index(fields=["time_in"], condition=Q(time_out__isnull=True), name="visit_still_in"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(time_out__isnull=True) | Q(time_out__gte=models.F("time_in")),
                                   name="visit_out_after_in"),
        ]

    def __str__(self):
        return f"{self.visitor_name} → {self.unit_id}"


class Preregistration(models.Model):
    """A visitor announced by an owner in the portal for one day: the desk types its code
    to fill the registration, once."""

    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("announced by"))
    visitor_name = models.CharField(_("visitor"), max_length=100)
    day = models.DateField(_("day of the visit"))
    code = models.CharField(_("code"), max_length=12, unique=True)
    created_at = models.DateTimeField(_("announced at"))
    visit = models.OneToOneField(Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="preregistration",
                                 verbose_name=_("visit"))

    class Meta:
        verbose_name = _("pre-registered visitor")
        verbose_name_plural = _("pre-registered visitors")
        ordering = ["-day", "-id"]

    def __str__(self):
        return self.code


class GateRevealField(models.TextChoices):
    VISITOR_ID = "visitor_id", _("Visitor's ID number")
    CARRIER_ID = "carrier_id", _("Carrier's ID number")


class GateReveal(models.Model):
    """Every time someone unmasks a visitor's or a carrier's ID number (as PiiReveal for owners)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("user"))
    field = models.CharField(_("field"), max_length=20, choices=GateRevealField.choices)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="reveals",
                              verbose_name=_("visitor"))
    item_pass = models.ForeignKey("ItemPass", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="reveals", verbose_name=_("item pass"))
    revealed_at = models.DateTimeField(_("revealed at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=10, default="web")

    class Meta:
        verbose_name = _("ID number reveal")
        verbose_name_plural = _("ID number reveals")
        ordering = ["-revealed_at"]

    def __str__(self):
        return f"{self.user} → {self.field}"


# ---- residents in the portal -------------------------------------------------------------------

class TenantStatus(models.TextChoices):
    INVITED = "invited", _("waiting for activation")
    ACTIVE = "active", pgettext_lazy("tenant login", "active")
    ENDED = "ended", pgettext_lazy("tenant login", "ended")


# The desk registers a tenant and their login waits for them to set a password with the
# code sent by SMS; the desk ends it when the lease is over (or the lease's end does).
TENANT_TRANSITIONS = Transitions(TenantStatus, {
    TenantStatus.INVITED: {TenantStatus.ACTIVE, TenantStatus.ENDED},
    TenantStatus.ACTIVE: {TenantStatus.ENDED},
    TenantStatus.ENDED: set(),
}, refusal=_("A tenant's login that is %(current)s cannot become %(target)s."))


class TenantEndReason(models.TextChoices):
    LEASE_OVER = "lease_over", _("The lease is over")
    LEASE_END_DATE = "lease_end_date", _("The lease's end date has passed")
    OTHER = "other", _("Other")


class ResidentLogin(EncryptedIdNumber):
    """A portal login for a resident who is not an owner (a tenant): they apply for item
    passes and cards for the unit they live in. Owners' logins are Owner.user.

    The desk registers the tenant (``services.tenant_register``): the login has no
    password until the tenant sets one with the one-time code sent to their phone; it ends
    (the user made inactive, their API tokens revoked) when the desk says the lease is over
    or the lease's end date has passed (the daily ``gate.tenant_leases``)."""

    resident = models.OneToOneField("owners.Resident", on_delete=models.CASCADE, related_name="gate_login",
                                    verbose_name=_("resident"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gate_resident",
                                verbose_name=_("portal login"))
    status = models.CharField(_("status"), max_length=20, choices=TenantStatus.choices, default=TenantStatus.ACTIVE)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE,
                                help_text=_("Pages and messages are in this language."))
    lease_ends_on = models.DateField(_("lease ends on"), null=True, blank=True)
    activation_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    activation_expires_at = models.DateTimeField(_("activation code valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("why ended"), max_length=20, choices=TenantEndReason.choices, blank=True)

    class Meta:
        verbose_name = _("resident's portal login")
        verbose_name_plural = _("residents' portal logins")
        indexes = [models.Index(fields=["lease_ends_on"], condition=~Q(status="ended"), name="tenant_lease_open")]

    def __str__(self):
        return str(self.user)


class TenantEvent(StateEvent):
    login = models.ForeignKey(ResidentLogin, on_delete=models.CASCADE, related_name="events",
                              verbose_name=_("resident's portal login"))
    from_status = models.CharField(_("from"), max_length=20, choices=TenantStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=TenantStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("tenant login event")
        verbose_name_plural = _("tenant login events")


# ---- item release passes -----------------------------------------------------------------------

class PassStatus(models.TextChoices):
    AWAITING_OWNER = "awaiting_owner", _("waiting for the owner")
    CONFIRMED = "confirmed", pgettext_lazy("item pass", "confirmed")
    RELEASED = "released", pgettext_lazy("item pass", "released")
    CANCELLED = "cancelled", pgettext_lazy("item pass", "cancelled")


# A tenant's pass waits for the owner (002 6.10: 需业主签字确认); an owner's is confirmed at
# once. The guard releases a confirmed pass on its day; either may be cancelled before.
PASS_TRANSITIONS = Transitions(PassStatus, {
    PassStatus.AWAITING_OWNER: {PassStatus.CONFIRMED, PassStatus.CANCELLED},
    PassStatus.CONFIRMED: {PassStatus.RELEASED, PassStatus.CANCELLED},
    PassStatus.RELEASED: set(),
    PassStatus.CANCELLED: set(),
}, refusal=_("An item pass that is %(current)s cannot become %(target)s."))


class AppliedVia(models.TextChoices):
    PORTAL = "portal", _("Portal")
    DESK = "desk", _("At the desk")


class OwnerConfirmedHow(models.TextChoices):
    APPLICANT = "applicant", _("The owner applied")
    PORTAL = "portal", _("In the portal")
    SIGNATURE = "signature", _("Signed at the desk")


class PassCheck(models.TextChoices):
    """What the guard's page says of a pass, computed from its state and ``now``."""

    VALID = "valid", _("Valid: let the goods out")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed by the owner")
    EXPIRED = "expired", pgettext_lazy("item pass", "Expired")
    NOT_YET = "not_yet", _("Not valid yet")
    USED = "used", _("Used: the goods have left")
    CANCELLED = "cancelled", pgettext_lazy("item pass check", "Cancelled")
    UNKNOWN = "unknown", _("No pass has this number")


class ItemPass(models.Model):
    """物品放行: goods a resident takes out of the estate on one day, with their lines."""

    number = models.CharField(_("pass number"), max_length=40, unique=True)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="item_passes",
                             verbose_name=_("unit"))
    day = models.DateField(_("day"))
    applicant_name = models.CharField(_("applicant"), max_length=100)
    applicant_owner = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("applying owner"))
    applicant_resident = models.ForeignKey("owners.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("applying resident"))
    applied_via = models.CharField(_("applied"), max_length=10, choices=AppliedVia.choices)
    status = models.CharField(_("status"), max_length=20, choices=PassStatus.choices)
    created_at = models.DateTimeField(_("applied at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_how = models.CharField(_("confirmed how"), max_length=10, choices=OwnerConfirmedHow.choices, blank=True)
    owner_signature = models.BinaryField(_("owner's signature"), null=True, blank=True, editable=False)
    carrier_name = models.CharField(_("carrier"), max_length=100, blank=True)
    carrier_id_number = EncryptedCharField(_("carrier's ID number"), max_length=40, blank=True, null=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("released by"))

    class Meta:
        verbose_name = _("item pass")
        verbose_name_plural = _("item passes")
        ordering = ["-day", "-id"]
        permissions = [("check_item_pass", _("Can check item passes and release goods"))]
        indexes = [models.Index(fields=["estate", "-day"], name="itempass_estate_day"),
                   models.Index(fields=["-day", "-id"], name="itempass_newest")]
        constraints = [
            models.CheckConstraint(condition=Q(applicant_owner__isnull=True) | Q(applicant_resident__isnull=True),
                                   name="itempass_one_applicant"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.carrier_id_number = pii.normalize_id_number(self.carrier_id_number) or None
        super().save(*args, **kwargs)

    @property
    def carrier_id_masked(self) -> str:
        return pii.mask_id_number(self.carrier_id_number) if self.carrier_id_number else ""


class ItemPassLine(models.Model):
    item_pass = models.ForeignKey(ItemPass, on_delete=models.CASCADE, related_name="lines",
                                  verbose_name=_("item pass"))
    description = models.CharField(_("item"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["id"]

    def __str__(self):
        return f"{self.description} × {self.quantity}"


class ItemPassEvent(StateEvent):
    item_pass = models.ForeignKey(ItemPass, on_delete=models.CASCADE, related_name="events",
                                  verbose_name=_("item pass"))
    from_status = models.CharField(_("from"), max_length=20, choices=PassStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=PassStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("item pass event")
        verbose_name_plural = _("item pass events")


# ---- access cards and parking ------------------------------------------------------------------

class GatePolicy(models.Model):
    """An estate's card fee and days to make a card. An estate without a row follows
    settings.GATE_POLICY_DEFAULTS. The fee and the ready day are fixed at application."""

    VALUE_FIELDS = ("card_fee", "parking_fee", "ready_days")

    estate = models.OneToOneField("owners.Estate", on_delete=models.CASCADE, related_name="gate_policy",
                                  verbose_name=_("estate"))
    card_fee = models.DecimalField(_("fee per access card (yuan)"), max_digits=12, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0.00"))])
    parking_fee = models.DecimalField(_("fee per parking permit (yuan)"), max_digits=12, decimal_places=2,
                                      validators=[MinValueValidator(Decimal("0.00"))])
    ready_days = models.PositiveSmallIntegerField(_("ready after (days)"))

    class Meta:
        verbose_name = _("gate policy")
        verbose_name_plural = _("gate policies")

    def __str__(self):
        return str(self.estate)

    @classmethod
    def with_defaults(cls, *, estate_id) -> GatePolicy:
        return cls(estate_id=estate_id, **settings.GATE_POLICY_DEFAULTS)


class CardKind(models.TextChoices):
    ACCESS_CARD = "access_card", _("Access card")
    PARKING = "parking", _("Parking permit")


class CardStatus(models.TextChoices):
    APPLIED = "applied", _("waiting for payment")
    PAID = "paid", pgettext_lazy("card", "paid, being made")
    READY = "ready", pgettext_lazy("card", "ready to collect")
    ISSUED = "issued", pgettext_lazy("card", "handed over")
    DEACTIVATED = "deactivated", pgettext_lazy("card", "deactivated")
    CANCELLED = "cancelled", pgettext_lazy("card", "cancelled")


# 002 6.6: 缴纳每张50元的工本费，三天后凭收据来领取. A lost card is deactivated; its
# replacement is a new application.
CARD_TRANSITIONS = Transitions(CardStatus, {
    CardStatus.APPLIED: {CardStatus.PAID, CardStatus.CANCELLED},
    CardStatus.PAID: {CardStatus.READY},
    CardStatus.READY: {CardStatus.ISSUED},
    CardStatus.ISSUED: {CardStatus.DEACTIVATED},
    CardStatus.DEACTIVATED: set(),
    CardStatus.CANCELLED: set(),
}, refusal=_("A card that is %(current)s cannot become %(target)s."))


class DeactivationReason(models.TextChoices):
    LOST = "lost", _("Lost")
    MOVED_OUT = "moved_out", _("Moved out")
    OTHER = "other", _("Other")


class CardApplication(models.Model):
    """An access card (门禁卡) or a parking permit (停车) for a unit and its holder."""

    number = models.CharField(_("application number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CardKind.choices)
    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="gate_cards",
                             verbose_name=_("unit"))
    applicant = models.ForeignKey("owners.Owner", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("applicant"))
    # A tenant applying for the unit they live in: the card is the owner of record's
    # (``applicant``), the tenant is told when it is ready.
    applicant_resident = models.ForeignKey("owners.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("applying tenant"))
    holder_name = models.CharField(_("card holder"), max_length=100)
    plate_number = models.CharField(_("plate number"), max_length=20, blank=True)
    fee = models.DecimalField(_("fee (yuan)"), max_digits=12, decimal_places=2)
    ready_on = models.DateField(_("ready on"))
    status = models.CharField(_("status"), max_length=20, choices=CardStatus.choices, default=CardStatus.APPLIED)
    card_number = models.CharField(_("card number"), max_length=40, blank=True)
    receipt = models.OneToOneField("fees.Receipt", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("receipt"))
    applied_at = models.DateTimeField(_("applied at"))
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivation_reason = models.CharField(_("why deactivated"), max_length=20, choices=DeactivationReason.choices,
                                           blank=True)

    class Meta:
        verbose_name = _("card application")
        verbose_name_plural = _("card applications")
        ordering = ["-applied_at", "-id"]
        permissions = [("take_card_fee", _("Can take card fees"))]
        indexes = [models.Index(fields=["unit", "-applied_at"], name="card_unit_newest"),
                   models.Index(fields=["-applied_at", "-id"], name="card_newest")]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="parking") | ~Q(plate_number=""), name="card_parking_has_plate"),
        ]

    def __str__(self):
        return self.number

    @property
    def active(self) -> bool:
        return self.status in (CardStatus.PAID, CardStatus.READY, CardStatus.ISSUED)


class CardEvent(StateEvent):
    card = models.ForeignKey(CardApplication, on_delete=models.CASCADE, related_name="events",
                             verbose_name=_("card application"))
    from_status = models.CharField(_("from"), max_length=20, choices=CardStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CardStatus.choices, blank=True)

    class Meta(StateEvent.Meta):
        verbose_name = _("card event")
        verbose_name_plural = _("card events")


# The audit history of the business records (propertydesk/audit.py says what is left out).
audit.track(Visit, Preregistration, ResidentLogin, ItemPass, ItemPassLine, GatePolicy, CardApplication)
