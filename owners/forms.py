from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from owners.models import (
    Building,
    EndReason,
    Estate,
    IdType,
    Owner,
    PhoneLabel,
    ResidentRelation,
    SpecialNeed,
    Unit,
)
from owners.validators import validate_phone, validate_resident_id
from propertydesk import limits
from propertydesk.forms import ANY
from propertydesk.limits import max_length
from propertydesk.models import ContactChannel
from propertydesk.web import DATE_INPUT, HistoryDateField


class OwnerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or phone"), required=False, max_length=100)
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), required=False, empty_label=ANY)
    building = forms.ModelChoiceField(
        Building.objects.select_related("estate"), label=_("Building"), required=False, empty_label=ANY
    )
    special_needs = forms.TypedChoiceField(
        label=_("Special needs"),
        required=False,
        choices=[("", _("Any")), ("1", _("With special needs")), ("0", _("Without"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    has_login = forms.TypedChoiceField(
        label=_("Portal login"),
        required=False,
        choices=[("", _("Any")), ("1", _("Has a login")), ("0", _("No login"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )


class OwnerForm(forms.Form):
    """Create or edit an owner. Stored phone and ID numbers are never put back into the
    form: editing shows them masked, and a blank ID field keeps the stored number."""

    name = forms.CharField(label=_("Name"), max_length=100)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    phone_label = forms.ChoiceField(label=_("Phone type"), choices=PhoneLabel.choices, required=False)
    phone2 = forms.CharField(label=_("Second phone"), max_length=30, required=False)
    phone2_label = forms.ChoiceField(
        label=_("Second phone type"), choices=PhoneLabel.choices, required=False, initial=PhoneLabel.HOME
    )
    address = forms.CharField(label=_("Correspondence address"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    preferred_channel = forms.ChoiceField(
        label=_("Preferred contact channel"), choices=ContactChannel.choices, initial=ContactChannel.PHONE
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE, required=False,
        help_text=_("Pages, messages, receipts and bills are in this language."),
    )
    special_needs = forms.MultipleChoiceField(
        label=_("Special needs"),
        choices=SpecialNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    special_needs_note = forms.CharField(
        label=_("Special needs and preferences"),
        required=False,
        max_length=max_length(Owner, "special_needs_note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What staff must know when serving this owner."),
    )

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        if owner is not None:
            if owner.id_number:
                self.fields["id_number"].help_text = _(
                    "Stored: %(masked)s. Leave blank to keep it."
                ) % {"masked": owner.id_number_masked}
            self.fields["phone"].label = _("Add a phone")
            self.fields["phone2"].label = _("Add another phone")
            self.fields["remove_phones"] = forms.MultipleChoiceField(
                label=_("Remove phones"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(str(p.pk), f"{p.masked} ({p.get_label_display()})") for p in owner.phones.all()],
            )

    def clean_phone(self):
        return self._clean_a_phone("phone")

    def clean_phone2(self):
        return self._clean_a_phone("phone2")

    def _clean_a_phone(self, name):
        value = self.cleaned_data.get(name, "").strip()
        if value:
            validate_phone(value)
        return value

    def clean(self):
        data = super().clean()
        # Checked here too, so a bad ID shows up in the same round as the other errors.
        if data.get("id_type") == IdType.RESIDENT_ID and data.get("id_number"):
            try:
                validate_resident_id(data["id_number"])
            except ValidationError as error:
                self.add_error("id_number", error)
        if self.owner is None and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Enter at least one phone number, so the desk can reach the owner."))
        return data


class UnitByNumberMixin:
    """Resolves the form's estate + room number into ``cleaned_data["unit"]`` (None when
    either is blank), naming the room field when no such room exists."""

    def clean(self):
        data = super().clean()
        estate, number = data.get("estate"), (data.get("unit_number") or "").strip().upper()
        data["unit"] = None
        if estate and number:
            data["unit"] = Unit.objects.filter(estate=estate, number__iexact=number).select_related("estate").first()
            if data["unit"] is None:
                self.add_error(
                    "unit_number", _("There is no room %(number)s in %(estate)s.") % {"number": number, "estate": estate}
                )
        return data


class OwnershipForm(UnitByNumberMixin, forms.Form):
    """Register the owner of a unit: a transfer (the current owners' ownership ends) or a co-owner."""

    MODE_TRANSFER = "transfer"
    MODE_CO_OWNER = "co_owner"

    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"))
    unit_number = forms.CharField(label=_("Room number"), max_length=30, help_text=_("e.g. 3-1-1203"))
    start_date = HistoryDateField(label=_("Owner since"), widget=DATE_INPUT)
    move_in_date = HistoryDateField(label=_("Move-in date"), widget=DATE_INPUT, required=False)
    mode = forms.ChoiceField(
        label=_("How"),
        choices=[
            (MODE_TRANSFER, _("Transfer: the current owners' ownership ends on that date")),
            (MODE_CO_OWNER, _("Co-owner: add beside the current owners")),
        ],
        widget=forms.RadioSelect,
        initial=MODE_TRANSFER,
    )
    reason = forms.ChoiceField(label=_("Reason the previous ownership ends"), choices=EndReason.choices)


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    relation = forms.ChoiceField(label=_("Relation"), choices=ResidentRelation.choices)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    move_in_date = HistoryDateField(label=_("Move-in date"), widget=DATE_INPUT)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class MoveOutForm(forms.Form):
    move_out_date = HistoryDateField(label=_("Move-out date"), widget=DATE_INPUT)


class PortalLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Login name"), max_length=150,
        help_text=_("Not the phone or ID number: a login name is stored unencrypted."),
    )
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput(render_value=False), max_length=limits.PASSWORD_LENGTH,
        help_text=_("Hand it to the owner in person; they can change it after logging in."),
    )


class BuildingsOfEstateMixin:
    """A filter form with ``estate`` and ``building``: the buildings offered are the
    chosen estate's, or every estate's while they are at most FILTER_MAX_BUILDINGS (a
    company's hundreds of buildings in one list help nobody and take long to draw)."""

    def narrow_buildings(self) -> None:
        field = self.fields["building"]
        estate = self.data.get("estate") if self.is_bound else None
        if estate and str(estate).isdigit():
            field.queryset = field.queryset.filter(estate_id=estate)
        elif Building.objects.count() > settings.FILTER_MAX_BUILDINGS:
            field.queryset = field.queryset.none()
            field.empty_label = _("Choose the estate first")
