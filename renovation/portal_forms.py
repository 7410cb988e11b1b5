"""Forms of the owner portal's renovation pages. They only parse what the phone sent:
every rule (dates, one renovation per unit, ID numbers, files) is the services'."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from owners.models import Unit
from propertydesk import limits, web
from propertydesk.limits import max_length
from propertydesk.signature import SIGNATURE_MAX_LENGTH
from propertydesk.web import DATE_INPUT, BusinessDateField
from renovation.models import PAPER_PARTIES, DocumentKind, Paper, Party, Renovation, RenovationWorker, SignedPaper

# What propertydesk.files takes, as a phone's file picker understands it: the camera and
# the photo library for pictures, the files app for PDFs too. The server judges the content.
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
DOCUMENT_TYPES = PHOTO_TYPES + ",application/pdf"


class MultipleFileField(web.MultipleFileField):
    """Several files from one input (a phone takes or picks a few photos at once)."""

    def __init__(self, *args, photos_only: bool = False, **kwargs):
        kwargs.setdefault("widget", web.MultipleFileInput(attrs={"accept": PHOTO_TYPES if photos_only else DOCUMENT_TYPES}))
        kwargs.setdefault("help_text", _("Photos (JPEG, PNG or WebP).") if photos_only
                          else _("Photos (JPEG, PNG or WebP) or PDF documents."))
        super().__init__(*args, **kwargs)


def _date_min_today(field: forms.Field) -> None:
    field.widget.attrs["min"] = timezone.localdate().isoformat()


class ApplicationForm(forms.Form):
    """The owner's renovation application (业主装修申请表), or its correction."""

    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Unit"), empty_label=None)
    scope = forms.CharField(
        label=_("What will be done"), max_length=max_length(Renovation, "scope"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: new kitchen and bathroom tiles, wooden floor in the living room, no walls moved."),
        error_messages={"required": _("Describe the works.")},
    )
    floors_altered = forms.BooleanField(
        label=_("The bathroom or kitchen floor is altered"), required=False,
        help_text=_("New waterproofing, tiles or drains on the bathroom or kitchen floor. The deposits are then "
                    "refunded some months after the inspection, once no leak has shown."),
    )
    planned_start = BusinessDateField(label=_("Work starts on"), widget=DATE_INPUT,
                                      error_messages={"required": _("Choose the day the work starts.")})
    planned_end = BusinessDateField(label=_("Work ends on"), widget=DATE_INPUT,
                                    error_messages={"required": _("Choose the day the work ends.")})
    contractor_name = forms.CharField(
        label=_("Contractor (company)"), max_length=max_length(Renovation, "contractor_name"),
        error_messages={"required": _("Name the contractor (the company).")},
    )
    contractor_lead_name = forms.CharField(
        label=_("The contractor's lead on site"), max_length=max_length(Renovation, "contractor_lead_name"),
        error_messages={"required": _("Name the contractor's lead on site.")},
    )
    contractor_lead_phone = forms.CharField(
        label=_("Lead's mobile phone"), max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        error_messages={"required": _("Enter the lead's mobile phone.")},
    )
    contractor_lead_id_number = forms.CharField(
        label=_("Lead's ID card number"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Enter the lead's ID card number.")},
    )

    def __init__(self, *args, units=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.estate.name} · {unit.number}"
        if editing:
            # A correction keeps the unit; the ID number stays unless a new one is typed.
            del self.fields["unit"]
            self.fields["contractor_lead_id_number"].required = False
            self.fields["contractor_lead_id_number"].help_text = _("Leave it empty to keep the number on file.")
        for name in ("planned_start", "planned_end"):
            _date_min_today(self.fields[name])


class UploadForm(forms.Form):
    """Files for one document of the application, or for one worker (his ID copy or photos)."""

    kind = forms.ChoiceField(choices=DocumentKind.choices, widget=forms.HiddenInput,
                             error_messages={"invalid_choice": _("Choose which document this is.")})
    worker = forms.IntegerField(required=False, widget=forms.HiddenInput)
    uploads = MultipleFileField(label=_("Files"), error_messages={"required": _("Choose a file to upload.")})


class WorkerForm(forms.Form):
    """A worker of the contractor's team, with his ID copy and two photos."""

    name = forms.CharField(label=_("Worker's name"), max_length=max_length(RenovationWorker, "name"),
                           error_messages={"required": _("Enter the worker's name.")})
    id_number = forms.CharField(
        label=_("ID card number"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": _("Enter the worker's ID card number.")},
    )
    phone = forms.CharField(label=_("Mobile phone (optional)"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}))
    id_copies = MultipleFileField(label=_("ID card (both sides)"), required=False)
    photos = MultipleFileField(label=_("Two photos of the worker"), required=False, photos_only=True,
                               help_text=_("Head and shoulders, face clearly visible, as on the pass."))


class SignForm(forms.Form):
    """One party's signature on one paper, drawn on the pad."""

    paper = forms.ChoiceField(choices=Paper.choices, widget=forms.HiddenInput,
                              error_messages={"invalid_choice": _("Choose the paper.")})
    party = forms.ChoiceField(choices=[(p.value, p.label) for p in (Party.OWNER, Party.CONTRACTOR)],
                              widget=forms.HiddenInput,
                              error_messages={"invalid_choice": _("Only the owner and the contractor sign here.")})
    signature = forms.CharField(label=_("Signature"), required=False, max_length=SIGNATURE_MAX_LENGTH,
                                widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Name of the person signing"), required=False,
                                  max_length=max_length(SignedPaper, "signer_name"))

    def clean(self):
        data = super().clean()
        paper, party = data.get("paper"), data.get("party")
        if paper and party and party not in PAPER_PARTIES[paper]:
            self.add_error("party", _("%(paper)s is not signed by the %(party)s.")
                           % {"paper": Paper(paper).label, "party": str(Party(party).label).lower()})
        return data


class ScanForm(forms.Form):
    """The scan of a paper signed on paper by all its parties."""

    paper = forms.ChoiceField(choices=Paper.choices, widget=forms.HiddenInput,
                              error_messages={"invalid_choice": _("Choose the paper.")})
    scan = forms.FileField(label=_("Photo or PDF of the signed paper"),
                           widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_TYPES}),
                           error_messages={"required": _("Choose a file to upload.")})
    signer_names = forms.CharField(label=_("Who signed it"), max_length=max_length(SignedPaper, "signer_name"),
                                   help_text=_("The names as written on the paper."),
                                   error_messages={"required": _("Write who signed the paper.")})


class NoteForm(forms.Form):
    """A short note with a step: resubmitting, withdrawing, asking for the inspection,
    taking a worker off the team (every such note is a NOTE_LENGTH column)."""

    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=limits.NOTE_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 2}))
