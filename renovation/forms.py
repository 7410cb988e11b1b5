"""Forms of the desk's renovation pages. They only parse; the rules are in
renovation/services.py (which names the fields these forms name)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from owners.forms import UnitByNumberMixin
from owners.models import Estate
from propertydesk import web
from propertydesk.limits import max_length
from propertydesk.signature import SIGNATURE_MAX_LENGTH
from propertydesk.web import DATE_INPUT, DATETIME_INPUT, BusinessDateField, BusinessDateTimeField
from renovation.models import (
    DEPOSITS,
    Breach,
    DepositRefund,
    DocumentKind,
    Inspection,
    Paper,
    Party,
    Patrol,
    RefundMethod,
    Renovation,
    RenovationCharge,
    RenovationEvent,
    RenovationWorker,
    SignedPaper,
)
from renovation.services import FEE_METHODS

# What propertydesk.files takes; it judges the content, these only steer the file picker.
DOCUMENT_TYPES = "image/jpeg,image/png,image/webp,application/pdf"
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class MultipleFileField(web.MultipleFileField):
    """Several files in one box; empty is allowed here and refused by the service when a
    file is needed (its message names the field)."""

    def __init__(self, *args, photos_only: bool = False, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", web.MultipleFileInput(attrs={"accept": PHOTO_TYPES if photos_only else DOCUMENT_TYPES}))
        kwargs.setdefault("help_text", _("Photos (JPEG, PNG or WebP).") if photos_only
                          else _("Photos (JPEG, PNG or WebP) or PDF documents."))
        super().__init__(*args, **kwargs)


def _yes(value) -> bool:
    return value == "yes"


# ---- lists -------------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    DESK = "desk"

    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), required=False, empty_label=_("Any"))
    # The desk's today page links to the states that wait for the desk.
    waiting = forms.ChoiceField(label=_("Waiting for"), required=False,
                                choices=[("", _("Anyone")), (DESK, _("The desk"))])


class DepositFilterForm(forms.Form):
    STATES = [("", _("Any")), ("held", _("Held")), ("due", _("Due for refund")), ("refunded", _("Refunded"))]

    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), required=False, empty_label=_("Any"))
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)


# ---- the application ---------------------------------------------------------------------------


class UnitPickForm(UnitByNumberMixin, forms.Form):
    """The first step of a new application: which unit (then its owner is chosen)."""

    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"))
    unit_number = forms.CharField(label=_("Room number"), max_length=30,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "3-1-1203"}))


class _ApplicationFields(forms.Form):
    scope = forms.CharField(label=_("Scope of works"), max_length=max_length(Renovation, "scope"),
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What is done in which rooms, e.g. kitchen and bathroom retiled."))
    floors_altered = forms.BooleanField(label=_("The bathroom or kitchen floor is altered"), required=False,
                                        help_text=_("The deposits are then refunded months after the inspection, "
                                                    "not days."))
    planned_start = BusinessDateField(label=_("Planned start"), widget=DATE_INPUT)
    planned_end = BusinessDateField(label=_("Planned end"), widget=DATE_INPUT)
    contractor_name = forms.CharField(label=_("Contractor (company)"),
                                      max_length=max_length(Renovation, "contractor_name"))
    contractor_lead_name = forms.CharField(label=_("Contractor's lead on site"),
                                           max_length=max_length(Renovation, "contractor_lead_name"))
    contractor_lead_phone = forms.CharField(label=_("Lead's phone"), max_length=30)
    contractor_lead_id_number = forms.CharField(label=_("Lead's ID number"), max_length=40)


class ApplicationForm(UnitByNumberMixin, _ApplicationFields):
    """The desk applies on behalf of an owner of the unit: the unit by its number, then
    one of its current owners."""

    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), widget=forms.HiddenInput)
    unit_number = forms.CharField(label=_("Room number"), max_length=30, widget=forms.HiddenInput)
    owner = forms.TypedChoiceField(label=_("The owner who applies"), coerce=int, widget=forms.RadioSelect)

    field_order = ["estate", "unit_number", "owner"]

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {owner.pk: owner for owner in owners}
        self.fields["owner"].choices = [(owner.pk, owner.name) for owner in owners]

    def clean(self):
        data = super().clean()
        data["owner"] = self.owners.get(data.get("owner"))
        return data


class ChangeForm(_ApplicationFields):
    """The desk corrects the application while it is open. The lead's phone and ID number
    are not shown again (they are shown masked): typed in, they replace the old ones."""

    contractor_lead_phone = forms.CharField(label=_("Lead's new phone"), max_length=30, required=False,
                                            help_text=_("Empty: unchanged."))
    contractor_lead_id_number = forms.CharField(label=_("Lead's new ID number"), max_length=40, required=False,
                                                help_text=_("Empty: unchanged."))


# ---- documents, workers, papers ------------------------------------------------------------------


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices, widget=forms.HiddenInput)
    worker = forms.IntegerField(required=False, widget=forms.HiddenInput)
    uploads = MultipleFileField(label=_("Files"))


class DocumentRemoveForm(forms.Form):
    document = forms.IntegerField(widget=forms.HiddenInput)


class WorkerAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=max_length(RenovationWorker, "name"))
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    id_copies = MultipleFileField(label=_("ID card copy"))
    photos = MultipleFileField(label=_("Two photos"), photos_only=True)


class WorkerRemoveForm(forms.Form):
    worker = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why does he leave the team?"),
                             max_length=max_length(RenovationWorker, "remove_reason"))


class SignForm(forms.Form):
    paper = forms.ChoiceField(choices=Paper.choices, widget=forms.HiddenInput)
    party = forms.ChoiceField(choices=Party.choices, widget=forms.HiddenInput)
    signature = forms.CharField(label=_("Signature"), required=False, max_length=SIGNATURE_MAX_LENGTH,
                                widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Signed by"), required=False,
                                  max_length=max_length(SignedPaper, "signer_name"),
                                  help_text=_("Empty: the owner's, the lead's or your own name."))


class ScanForm(forms.Form):
    paper = forms.ChoiceField(label=_("Paper"), choices=Paper.choices, widget=forms.HiddenInput)
    scan = forms.FileField(label=_("Scan of the signed paper"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
                           help_text=_("A photo or a PDF of the paper with every signature on it."))
    signer_names = forms.CharField(label=_("Signed by"), max_length=max_length(SignedPaper, "signer_name"),
                                   help_text=_("The names as written on the paper."))
    signed_at = BusinessDateTimeField(label=_("Signed at"), required=False, widget=DATETIME_INPUT,
                                      help_text=_("Empty: now."))


# ---- the decision -----------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=max_length(RenovationEvent, "note"),
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reasons = forms.CharField(label=_("What the owner must add or correct"),
                              max_length=max_length(Renovation, "return_reasons"),
                              widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why is it withdrawn?"), max_length=max_length(Renovation, "withdraw_reason"),
                             widget=forms.Textarea(attrs={"rows": 2}))


# ---- fees, permit, passes ------------------------------------------------------------------------


def _fee_methods():
    return [(method.value, method.label) for method in FEE_METHODS]


class FeesForm(forms.Form):
    method = forms.ChoiceField(label=_("Paid by"), choices=_fee_methods, widget=forms.RadioSelect)
    decline_rubbish_fee = forms.BooleanField(
        label=_("The owner declines the rubbish removal fee"), required=False,
        help_text=_("Noted on the application and printed on the permit."))
    owner_payer_name = forms.CharField(label=_("The owner's payments: payer"), required=False,
                                       max_length=max_length(RenovationCharge, "payer_name"),
                                       help_text=_("Empty: the owner's name."))
    contractor_payer_name = forms.CharField(label=_("The contractor's payments: payer"), required=False,
                                            max_length=max_length(RenovationCharge, "payer_name"),
                                            help_text=_("Empty: the contractor's name."))


class PassFeesForm(forms.Form):
    method = forms.ChoiceField(label=_("Paid by"), choices=_fee_methods, widget=forms.RadioSelect)
    payer_name = forms.CharField(label=_("Payer"), required=False,
                                 max_length=max_length(RenovationCharge, "payer_name"),
                                 help_text=_("Empty: the contractor's name."))


class ExtendForm(forms.Form):
    planned_end = BusinessDateField(label=_("New planned end"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Why does the work take longer?"), max_length=max_length(RenovationEvent, "note"))


class PassReturnForm(forms.Form):
    worker_pass = forms.IntegerField(widget=forms.HiddenInput)
    lost = forms.BooleanField(label=_("The card is lost"), required=False)


# ---- patrols and breaches --------------------------------------------------------------------------


class PatrolForm(forms.Form):
    in_order = forms.TypedChoiceField(label=_("Is everything in order?"), choices=YES_NO, coerce=_yes,
                                      widget=forms.RadioSelect)
    findings = forms.CharField(label=_("Findings"), required=False, max_length=max_length(Patrol, "findings"),
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Required when something is not in order."))
    photos = MultipleFileField(label=_("Photos"), photos_only=True)


class BreachForm(forms.Form):
    rule = forms.CharField(label=_("Rule broken"), max_length=max_length(Breach, "rule"),
                           help_text=_("e.g. noisy work at lunchtime, rubbish left in the stairwell."))
    evidence = forms.CharField(label=_("Evidence"), max_length=max_length(Breach, "evidence"),
                               widget=forms.Textarea(attrs={"rows": 2}))
    penalty = forms.DecimalField(label=_("Penalty (yuan)"), max_digits=12, decimal_places=2)
    deposit_kind = forms.ChoiceField(label=_("Deducted from"), choices=[(k.value, k.label) for k in DEPOSITS])
    photos = MultipleFileField(label=_("Photos"), photos_only=True)


class BreachDecisionForm(forms.Form):
    breach = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=max_length(Breach, "decision_note"))


class BreachRejectForm(BreachDecisionForm):
    note = forms.CharField(label=_("Why is it rejected?"), required=False,
                           max_length=max_length(Breach, "decision_note"),
                           help_text=_("The rejection says why; nothing is deducted."))


# ---- completion and refunds --------------------------------------------------------------------------


class InspectionForm(forms.Form):
    passed = forms.TypedChoiceField(label=_("Verdict"), coerce=_yes, widget=forms.RadioSelect,
                                    choices=[("yes", _("Passed")), ("no", _("Failed: items to fix"))])
    items_to_fix = forms.CharField(label=_("Items to fix"), required=False,
                                   max_length=max_length(Inspection, "items_to_fix"),
                                   widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Required when it failed."))
    note = forms.CharField(label=_("Inspector's note"), required=False, max_length=max_length(Inspection, "note"),
                           widget=forms.Textarea(attrs={"rows": 2}))


class RefundForm(forms.Form):
    method = forms.ChoiceField(label=pgettext_lazy("refund", "Paid by"), choices=RefundMethod.choices,
                               initial=RefundMethod.BANK_TRANSFER)
    payee_name = forms.CharField(label=_("Paid to"), required=False, max_length=max_length(DepositRefund, "payee_name"),
                                 help_text=_("Empty: whoever paid the deposit."))
    back = forms.ChoiceField(choices=[("detail", "detail"), ("deposits", "deposits")], required=False,
                             widget=forms.HiddenInput)

