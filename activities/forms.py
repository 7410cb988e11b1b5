"""The desk's activity forms: the plan, a household recorded from the unit picker, the
reason a planned activity is cancelled."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, ActivityKind
from owners.models import Estate
from propertydesk import limits
from propertydesk.web import DATETIME_INPUT, BusinessDateTimeField


class ActivityForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.order_by("name"))
    title = forms.CharField(label=_("Title"), max_length=limits.max_length(Activity, "title"))
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    place = forms.CharField(label=_("Where"), required=False, max_length=limits.max_length(Activity, "place"))
    starts_at = BusinessDateTimeField(label=_("Starts at"), widget=DATETIME_INPUT)
    ends_at = BusinessDateTimeField(label=_("Ends at"), required=False, widget=DATETIME_INPUT)
    organiser = forms.CharField(label=_("Organiser"), required=False,
                                max_length=limits.max_length(Activity, "organiser"))
    capacity = forms.IntegerField(label=_("Places"), required=False, min_value=1, max_value=100000,
                                  help_text=_("People who can take part; blank: as many as come."))
    description = forms.CharField(label=_("Description"), required=False, max_length=limits.NOTE_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 4}))


class ParticipationForm(forms.Form):
    unit = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    who = forms.CharField(label=_("Who came"), required=False, max_length=30)
    people = forms.IntegerField(label=_("People"), min_value=1, max_value=100, initial=1)
    attended = forms.BooleanField(label=_("Came"), required=False, initial=True)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=limits.NOTE_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 2}))
