"""The shift log's forms: an entry (its links typed as the desk knows them: a room number,
a complaint's or a work order's number), the handover's notes, a refusal's reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from desk.models import HandoverItem, LogEntry, Priority
from owners.models import Unit
from propertydesk.people import person_name
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


class TakingsForm(forms.Form):
    """The receiving shift's count of the takings handed over: per method the amount
    counted (cash by hand, so never filled in for them) and, if it differs, why."""

    def __init__(self, *args, takings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.methods = []
        for row in takings:
            counted = forms.DecimalField(
                label=row.label, max_digits=12, decimal_places=2, min_value=0, required=False,
                initial=None if row.by_hand else row.total,
                help_text=_("Counted by hand.") if row.by_hand else _("Checked against the payment records."))
            counted.widget.attrs.update({"step": "0.01", "class": "form-control form-control-sm text-end"})
            reason = forms.CharField(label=_("Why the amount differs"), required=False,
                                     max_length=HandoverItem._meta.get_field("reason").max_length)
            reason.widget.attrs.update({"class": "form-control form-control-sm"})
            self.fields[f"counted_{row.method}"] = counted
            self.fields[f"reason_{row.method}"] = reason
            self.methods.append(row)

    def rows(self):
        """(takings row, counted field, reason field) for the template."""
        return [(row, self[f"counted_{row.method}"], self[f"reason_{row.method}"]) for row in self.methods]

    def counted(self) -> dict:
        return {row.method: self.cleaned_data.get(f"counted_{row.method}") for row in self.methods}

    def reasons(self) -> dict:
        return {row.method: self.cleaned_data.get(f"reason_{row.method}", "") for row in self.methods}


class ReassignForm(forms.Form):
    """A supervisor gives a refused item to a shift (this one or a coming one) and, if they
    like, to one person of it."""

    shift = forms.ChoiceField(label=_("Shift"))
    person = forms.ModelChoiceField(label=_("Who signs for it"), queryset=None, required=False,
                                    empty_label=_("Anyone of that shift"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, shifts=(), people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shifts = {f"{s.day:%Y-%m-%d}/{s.key}": s for s in shifts}
        self.fields["shift"].choices = [(key, f"{s.day:%Y-%m-%d} {s.name}") for key, s in self.shifts.items()]
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = person_name

    def chosen_shift(self):
        return self.shifts[self.cleaned_data["shift"]]


class SettleCloseForm(forms.Form):
    note = forms.CharField(label=_("Why you close it"), max_length=2000)
