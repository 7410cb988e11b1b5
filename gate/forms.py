"""The gate's forms: a visitor at the desk, a pre-registration, an item pass (its goods one
line each), the guard's release, a card application and its steps."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from fees.models import PaymentMethod
from django.conf import settings

from gate.models import (
    CardApplication,
    CardKind,
    ConfirmedHow,
    DeactivationReason,
    ItemPass,
    TenantEndReason,
    Visit,
)
from gate.services import PassLine
from owners.models import Estate
from propertydesk import limits
from propertydesk.signature import SIGNATURE_MAX_LENGTH
from propertydesk.web import DATE_INPUT, BusinessDateField

_QUANTITY = re.compile(r"^(?P<what>.*?)[\s×xX*]+(?P<n>\d{1,4})\s*(件|个|台|张|箱|pcs?)?$")


def parse_lines(text: str) -> list[PassLine]:
    """One item a line, its quantity at the end (旧沙发 × 1, 纸箱 6); without one, 1."""
    lines = []
    for raw in (text or "").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        match = _QUANTITY.match(raw)
        if match and match.group("what").strip():
            lines.append(PassLine(match.group("what").strip(), int(match.group("n"))))
        else:
            lines.append(PassLine(raw, 1))
    return lines


class VisitForm(forms.Form):
    code = forms.CharField(label=_("Pre-registration code"), required=False, max_length=20,
                           help_text=_("If the owner announced the visitor in the portal: the code fills the rest."))
    unit = forms.CharField(label=_("Unit visited"), required=False, max_length=40,
                           help_text=_("Room number, e.g. 3-1-1203."))
    # Set by a link from the unit's page or the desk's search: the same room number may
    # exist in two estates.
    estate = forms.ModelChoiceField(Estate.objects.all(), required=False, widget=forms.HiddenInput)
    visitor_name = forms.CharField(label=_("Visitor's name"), required=False,
                                   max_length=limits.max_length(Visit, "visitor_name"))
    id_number = forms.CharField(label=_("ID number"), max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    confirmed = forms.TypedChoiceField(label=_("Did the resident confirm?"), coerce=lambda v: v == "yes",
                                       choices=[("yes", _("Yes, let in")), ("no", _("No, not let in"))],
                                       widget=forms.RadioSelect, initial="yes")
    confirmed_how = forms.ChoiceField(label=_("Confirmed how"), required=False,
                                      choices=[("", "—")] + [c for c in ConfirmedHow.choices
                                                             if c[0] != ConfirmedHow.PREREGISTERED])
    note = forms.CharField(label=_("Note"), required=False, max_length=limits.max_length(Visit, "note"))


class PreregistrationForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, empty_label=None)
    visitor_name = forms.CharField(label=_("Visitor's name"), max_length=100)
    day = BusinessDateField(label=_("Day of the visit"), widget=DATE_INPUT)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ItemPassForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, empty_label=None)
    day = BusinessDateField(label=_("Day the goods leave"), widget=DATE_INPUT)
    lines = forms.CharField(label=_("Goods"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("One item a line with its quantity, e.g. 旧沙发 × 1."))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class DeskItemPassForm(forms.Form):
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("Room number, e.g. 3-1-1203."))
    # Set by a link from the unit's page or the desk's search: the same room number may
    # exist in two estates.
    estate = forms.ModelChoiceField(Estate.objects.all(), required=False, widget=forms.HiddenInput)
    applicant = forms.CharField(label=_("Applicant's name"), max_length=100,
                                help_text=_("An owner or a resident of the unit, as the registry has them."))
    day = BusinessDateField(label=_("Day the goods leave"), widget=DATE_INPUT)
    lines = forms.CharField(label=_("Goods"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("One item a line with its quantity, e.g. 旧沙发 × 1."))


class ReleaseForm(forms.Form):
    carrier_name = forms.CharField(label=_("Carrier's name"), max_length=limits.max_length(ItemPass, "carrier_name"))
    carrier_id_number = forms.CharField(label=_("Carrier's ID number"), max_length=40,
                                        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class SignatureConfirmForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Owner who signs"), queryset=None, empty_label=None)
    signature = forms.CharField(label=_("Owner's signature"), required=False, max_length=SIGNATURE_MAX_LENGTH,
                                widget=forms.HiddenInput)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class CardForm(forms.Form):
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("Room number, e.g. 3-1-1203."))
    kind = forms.ChoiceField(label=_("Kind"), choices=CardKind.choices)
    holder_name = forms.CharField(label=_("Card holder"), max_length=limits.max_length(CardApplication, "holder_name"))
    plate_number = forms.CharField(label=_("Plate number"), required=False,
                                   max_length=limits.max_length(CardApplication, "plate_number"),
                                   help_text=_("For a parking permit."))


class CardPayForm(forms.Form):
    method = forms.ChoiceField(label=_("Paid by"), choices=[c for c in PaymentMethod.choices
                                                            if c[0] in (PaymentMethod.CASH, PaymentMethod.CARD)])


class CardReadyForm(forms.Form):
    card_number = forms.CharField(label=_("Card number"), required=False,
                                  max_length=limits.max_length(CardApplication, "card_number"))


class CardDeactivateForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=DeactivationReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class TenantForm(forms.Form):
    """The desk registers a tenant of the unit and gives them a portal login."""

    name = forms.CharField(label=_("Tenant's name"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30,
                            help_text=_("The activation code is sent to this number by SMS."))
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=40,
                                help_text=_("Optional. Stored encrypted, shown masked."),
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    lease_ends_on = BusinessDateField(label=_("Lease ends on"), widget=DATE_INPUT,
                                      help_text=_("The login stops working after this day."))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE,
                                 help_text=_("The SMS and the portal are in this language."))
    username = forms.CharField(label=_("Login name"), max_length=150)


class TenantEndForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=[c for c in TenantEndReason.choices
                                                        if c[0] != TenantEndReason.LEASE_END_DATE])
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ActivationForm(forms.Form):
    username = forms.CharField(label=_("Login name"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))
    code = forms.CharField(label=_("Code from the SMS"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}))
    password = forms.CharField(label=_("New password"), max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=_("New password again"), max_length=128,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        return data
