"""The desk's incident forms: opening one (the kind first), the script and expected end,
a step's tick taken back, the close."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from incidents.models import Incident, IncidentKind
from owners.models import Estate
from propertydesk import limits
from propertydesk.web import DATETIME_INPUT, BusinessDateTimeField


class IncidentOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.order_by("name"))
    whole_estate = forms.BooleanField(label=_("The whole estate is affected"), required=False)
    buildings = forms.CharField(label=_("Buildings affected"), required=False, max_length=2000,
                                help_text=_("Building numbers, separated by commas."))
    place = forms.CharField(label=_("Where"), max_length=limits.max_length(Incident, "place"),
                            help_text=_("As precisely as you know it: the building, the lift, the pump room."))
    started_at = BusinessDateTimeField(label=_("Started at"), widget=DATETIME_INPUT)
    expected_end = BusinessDateTimeField(label=_("Expected end"), required=False, widget=DATETIME_INPUT)
    description = forms.CharField(label=pgettext_lazy("incident", "What happened"), widget=forms.Textarea(attrs={"rows": 3}),
                                  max_length=limits.ACCOUNT_LENGTH)
    script = forms.CharField(label=_("Callers' script"), required=False, max_length=limits.NOTE_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("What the desk tells callers from these buildings while it is open. "
                                         "Empty: the estate's plan's script for the kind."))

    def __init__(self, *args, estates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if estates is not None:   # the estates the view has read already: listed without reading them again
            field = self.fields["estate"]
            field.choices = [("", field.empty_label)] + [(estate.pk, str(estate)) for estate in estates]


class IncidentUpdateForm(forms.Form):
    script = forms.CharField(label=_("Callers' script"), max_length=limits.NOTE_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 4}))
    expected_end = BusinessDateTimeField(label=_("Expected end"), required=False, widget=DATETIME_INPUT)


class UntickForm(forms.Form):
    note = forms.CharField(label=_("Why the tick is taken back"), max_length=300, required=False)


class CloseForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), max_length=limits.ACCOUNT_LENGTH, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What happened, what was done, when it was over."))
