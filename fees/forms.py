from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fees.models import Basis, BillStatus, Payment, PaymentMethod
from owners.forms import BuildingsOfEstateMixin
from owners.models import Building, Estate
from propertydesk.limits import max_length
from propertydesk.web import DATE_INPUT, BusinessDateField


class UnitFindForm(forms.Form):
    """The fee desk's first question: which room? Estate + room number, or its start:
    the page lists the rooms it matches."""

    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), empty_label=None)
    unit_number = forms.CharField(label=_("Room number"), max_length=30,
                                  widget=forms.TextInput(attrs={"placeholder": _("e.g. 3-1-1203"),
                                                                "autocomplete": "off", "autofocus": True}))

    def clean_unit_number(self):
        return self.cleaned_data["unit_number"].strip().upper()


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01",
                                                                "inputmode": "decimal"}))
    method = forms.ChoiceField(label=_("Paid by"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH,
                               widget=forms.RadioSelect)
    payer_name = forms.CharField(label=_("Received from"), max_length=max_length(Payment, "payer_name"),
                                 help_text=_("The name printed on the receipt."))


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Why is it reversed?"), max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": _("e.g. taken for the wrong room")}))


STATUS_FILTER = [("", _("Any status")), ("owing", _("Still owing (owing or partly paid)"))] + list(BillStatus.choices)


class BillFilterForm(BuildingsOfEstateMixin, forms.Form):
    period = BusinessDateField(label=_("Month"), required=False, input_formats=["%Y-%m"],
                             widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), required=False,
                                    empty_label=_("All estates"))
    building = forms.ModelChoiceField(Building.objects.select_related("estate"), label=_("Building"),
                                      required=False, empty_label=_("All buildings"))
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
    q = forms.CharField(label=_("Room number"), required=False, max_length=30,
                        widget=forms.TextInput(attrs={"placeholder": _("e.g. 1-1-101")}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_buildings()

    def clean_period(self):
        period = self.cleaned_data.get("period")
        return period.replace(day=1) if period else None


class FeeStandardForm(forms.Form):
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), empty_label=None)
    building = forms.ModelChoiceField(Building.objects.select_related("estate"), label=_("Building"),
                                      required=False, empty_label=_("The whole estate"),
                                      help_text=_("A building's own standard replaces the estate's for the same item."))
    item = forms.CharField(label=_("Fee item"), max_length=60,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. property management fee")}))
    basis = forms.ChoiceField(label=_("Basis"), choices=Basis.choices)
    rate = forms.DecimalField(label=_("Rate (yuan)"), max_digits=12, decimal_places=2,
                              widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}))
    effective_from = BusinessDateField(label=_("Effective from"), widget=DATE_INPUT)
    effective_to = BusinessDateField(label=_("Effective to"), widget=DATE_INPUT, required=False,
                                   help_text=_("Blank: until further notice."))

    def clean_rate(self):
        rate = self.cleaned_data["rate"]
        if rate is not None and rate <= 0:
            raise ValidationError(_("The rate must be more than zero."))
        return rate

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", ValidationError(_("The end comes before the start.")))
        return data
