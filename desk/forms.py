"""The shift log's forms: an entry (its links typed as the desk knows them: a room number,
a complaint's or a work order's number), the handover's notes, a refusal's reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from desk.models import HandoverItem, LogEntry, Priority
from owners.models import Unit
from repairs.models import WorkOrder


class EntryForm(forms.Form):
    text = forms.CharField(label=_("What happened, what is to be done"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=40,
                           help_text=_("A room number such as 3-1-1203 (optional)."))
    complaint = forms.CharField(label=_("Complaint number"), required=False, max_length=40)
    work_order = forms.CharField(label=_("Work order number"), required=False, max_length=40)

    def __init__(self, *args, estate=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.estate = estate

    def _find(self, name, model, missing):
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        found = model.objects.filter(estate=self.estate, number=value).first()
        if found is None:
            raise forms.ValidationError(missing % {"number": value, "estate": self.estate})
        return found

    def clean_unit(self):
        return self._find("unit", Unit, _("%(estate)s has no unit %(number)s."))

    def clean_complaint(self):
        return self._find("complaint", Complaint, _("%(estate)s has no complaint %(number)s."))

    def clean_work_order(self):
        return self._find("work_order", WorkOrder, _("%(estate)s has no work order %(number)s."))


class HandoverForm(forms.Form):
    notes = forms.CharField(label=_("Notes for the next shift"), required=False,
                            max_length=LogEntry._meta.get_field("text").max_length,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("What is not an item: keys, papers handed over, what to tell the next shift."))
    shift = forms.CharField(widget=forms.HiddenInput, required=False)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Why you refuse it"), max_length=HandoverItem._meta.get_field("reason").max_length)
