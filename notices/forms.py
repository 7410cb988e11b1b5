"""The desk's notice form: a draft in full, or (sent) its end alone."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from notices.models import Audience, Notice, NoticeKind
from owners.models import Estate
from propertydesk.web import DATETIME_INPUT, BusinessDateTimeField


class NoticeForm(forms.Form):
    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.order_by("name"))
    kind = forms.ChoiceField(label=_("Kind"), choices=NoticeKind.choices)
    emergency = forms.BooleanField(label=_("Emergency: send at once, and follow up who has not read it"),
                                   required=False)
    audience = forms.ChoiceField(label=_("Addressed to"), choices=Audience.choices, widget=forms.RadioSelect)
    buildings = forms.CharField(label=_("Buildings"), required=False, max_length=2000,
                                help_text=_("Building numbers, separated by commas (for chosen buildings)."))
    units = forms.CharField(label=_("Units"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("Room numbers such as 3-1-1203, separated by commas (for chosen units)."))
    title = forms.CharField(label=_("Title"), max_length=Notice._meta.get_field("title").max_length)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("{start}, {end} and {place} are replaced by the window and the place."))
    place = forms.CharField(label=_("Where"), required=False, max_length=200,
                            help_text=_("The buildings or area affected, as owners know them."))
    starts_at = BusinessDateTimeField(label=pgettext_lazy("notice window", "From"), required=False,
                                      widget=DATETIME_INPUT)
    ends_at = BusinessDateTimeField(label=_("Until"), required=False, widget=DATETIME_INPUT)


class NoticeEndForm(forms.Form):
    ends_at = BusinessDateTimeField(label=_("Until"), required=False, widget=DATETIME_INPUT)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
