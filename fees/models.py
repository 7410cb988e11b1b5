"""Fees (domain §6). Built out in its own issue; the receipt sequence and the bank
collection charges are here already because paid services need them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
    purpose = models.CharField(_("for"), max_length=200)
    source = models.CharField(_("source record"), max_length=60, blank=True, help_text=_("e.g. workorder:123"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive")]

    def __str__(self):
        return self.number


class BankCollectionCharge(models.Model):
    """A charge to be added to a unit's next bill and collected by the bank (004 2.6).
    The fees issue's bill run consumes the rows with no bill yet."""

    estate = models.ForeignKey("owners.Estate", on_delete=models.PROTECT, related_name="+", verbose_name=_("estate"))
    unit = models.ForeignKey("owners.Unit", on_delete=models.PROTECT, related_name="bank_charges", verbose_name=_("unit"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    description = models.CharField(_("description"), max_length=200)
    source = models.CharField(_("source record"), max_length=60, unique=True)
    created_at = models.DateTimeField(_("recorded at"))
    billed_at = models.DateTimeField(_("put on a bill at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank collection charge")
        verbose_name_plural = _("bank collection charges")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit"], condition=Q(billed_at__isnull=True), name="bank_charge_unbilled")]

    def __str__(self):
        return f"{self.unit} ¥{self.amount}"
