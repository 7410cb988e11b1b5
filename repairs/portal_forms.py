"""Forms of the owner portal's repair and paid-service pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from owners.models import Unit
from propertydesk.limits import max_length
from propertydesk.web import BusinessDateTimeField, PhotosField
from repairs.models import PriceItem, Trade, WorkOrder

REPAIR, SERVICE = "repair", "service"

# The trades as an owner would name the problem, not as the workshop files them.
OWNER_TRADE_CHOICES = [
    (Trade.PLUMBING, _("Water: taps, pipes, drains, toilet")),
    (Trade.ELECTRICAL, _("Electricity: sockets, switches, lights")),
    (Trade.LOCKSMITH, _("Locks and keys")),
    (Trade.CARPENTRY, _("Doors, windows, cupboards")),
    (Trade.MASONRY, _("Walls, floors, tiles")),
    (Trade.APPLIANCES, _("Household appliances")),
    (Trade.GENERAL, _("Something else, or not sure")),
]


class PriceItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item):
        return item.name


class PortalWorkOrderForm(forms.Form):
    """A repair (``kind="repair"``) or a paid service from the price list (``kind="service"``)."""

    kind = forms.ChoiceField(choices=[(REPAIR, REPAIR), (SERVICE, SERVICE)], widget=forms.HiddenInput)
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Unit"), empty_label=None)
    trade = forms.ChoiceField(label=_("What needs fixing?"), choices=OWNER_TRADE_CHOICES, widget=forms.RadioSelect)
    price_item = PriceItemChoiceField(
        PriceItem.objects.none(), label=_("Choose a service"), widget=forms.RadioSelect, empty_label=None,
        error_messages={
            "required": _("Choose a service from the price list."),
            "invalid_choice": _("This service is not on this estate's price list."),
        },
    )
    description = forms.CharField(label=_("Describe the problem"), max_length=max_length(WorkOrder, "description"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    appointment_at = BusinessDateTimeField(
        label=_("Preferred appointment"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave it empty and we will call you to agree a time."),
    )
    photos = PhotosField(label=_("Photos of the problem (optional)"))

    def __init__(self, *args, kind: str = REPAIR, units=None, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = SERVICE if kind == SERVICE else REPAIR
        self.fields["kind"].initial = self.kind
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.estate.name} · {unit.number}"
        self.fields["appointment_at"].widget.attrs["min"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        if self.kind == SERVICE:
            del self.fields["trade"]
            self.fields["price_item"].queryset = items if items is not None else PriceItem.objects.none()
            self.fields["description"].required = False
            self.fields["description"].label = _("Notes for the worker (optional)")
            self.fields["description"].widget.attrs["rows"] = 3
            self.fields["appointment_at"].label = _("Appointment")
            self.fields["appointment_at"].required = True
            self.fields["appointment_at"].help_text = _("When should the worker come? We confirm the time with you.")
            self.fields["appointment_at"].error_messages["required"] = _("Choose when the worker should come.")
        else:
            del self.fields["price_item"]

    def clean_kind(self):
        return self.kind
