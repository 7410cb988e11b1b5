from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    Category, Channel, Complaint, ComplaintEvent, Department, PauseReason, Status, Suggestion, Urgency,
)
from owners.forms import BuildingsOfEstateMixin, UnitByNumberMixin
from owners.models import Building, Estate, Unit
from owners.selectors import department_staff
from propertydesk import web
from propertydesk.files import readable_size
from propertydesk.forms import CHOOSE, choose
from propertydesk.limits import max_length
from propertydesk.people import person_name, staff_order
from propertydesk.web import DATETIME_INPUT, BusinessDateTimeField


class MultipleFileField(web.MultipleFileField):
    def __init__(self, *args, **kwargs):
        # What propertydesk.files accepts where documents are expected; it checks the content.
        kwargs.setdefault("widget", web.MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}))
        kwargs.setdefault("help_text", _("Photos (JPEG, PNG or WebP) or PDF documents."))
        super().__init__(*args, **kwargs)


class IntakeForm(UnitByNumberMixin, forms.Form):
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), empty_label=CHOOSE)
    unit_number = forms.CharField(label=_("Room number"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "3-1-1203"}))
    from_owner = forms.BooleanField(label=_("The complaint comes from the owner"), required=False, initial=True)
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False, help_text=_("If not the owner: a tenant or family member."))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    # No default: a rushed desk must choose, not leave the first category by accident.
    category = forms.ChoiceField(label=_("Category"), choices=choose(Category.choices))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    description = forms.CharField(label=_("What happened"), max_length=max_length(Complaint, "description"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    promised_at = BusinessDateTimeField(label=_("Promise a time (optional)"), required=False, widget=DATETIME_INPUT,
                                      help_text=_("Leave empty for the standard promise of the urgency."))
    promise_note = forms.CharField(label=_("Why this promise"), max_length=200, required=False)
    attachments = MultipleFileField(label=_("Photos"), required=False)


class PortalComplaintForm(forms.Form):
    unit = forms.ModelChoiceField(Unit.objects.none(), label=_("Unit"))
    category = forms.ChoiceField(label=_("What is it about"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("How urgent"), choices=Urgency.choices, initial=Urgency.NORMAL)
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    description = forms.CharField(label=_("Tell us what happened"), max_length=max_length(Complaint, "description"),
                                  widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["attachments"].help_text = _(
            "Up to %(count)s photos (JPEG, PNG or WebP) or PDF documents, each at most %(size)s.") % {
            "count": settings.FILES_MAX_PHOTOS, "size": readable_size(settings.FILES_MAX_IMAGE_BYTES)}


class QueueFilterForm(BuildingsOfEstateMixin, forms.Form):
    q = forms.CharField(label=_("Number, room or name"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any")), ("open", _("Open"))] + list(Status.choices))
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=[("", _("Any"))] + list(Urgency.choices))
    department = forms.ChoiceField(label=_("Department"), required=False, choices=[("", _("Any"))] + list(Department.choices))
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", _("Any"))] + list(Category.choices))
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), required=False, empty_label=_("Any"))
    building = forms.ModelChoiceField(Building.objects.select_related("estate"), label=_("Building"), required=False,
                                      empty_label=_("Any"))
    overdue = forms.BooleanField(label=_("Past the promise"), required=False)
    near = forms.BooleanField(label=_("Near or past the promise"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.narrow_buildings()


def staff_choices():
    return get_user_model().objects.filter(is_active=True, groups__isnull=False).distinct().order_by(*staff_order())


class AssignForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    assignee = forms.ModelChoiceField(staff_choices(), label=_("Person"), required=False, error_messages={
        "invalid_choice": _("This person does not work in the chosen department: choose someone from its list.")})
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, estate_id: int | None = None, people: dict | None = None, **kwargs):
        """The people offered are the chosen department's in the complaint's estate (the
        posted department once sent, else the one proposed). ``people`` (the estate's
        departments with their [id, name], owners.selectors.department_people), when the
        page has read it anyway, draws the list without reading it again."""
        super().__init__(*args, **kwargs)
        department = (self.data.get("department") if self.is_bound else self.initial.get("department")) or ""
        field = self.fields["assignee"]
        if estate_id is None or department not in Department.values:
            field.queryset = staff_choices().none()
        else:
            field.queryset = department_staff(estate_id=estate_id, department=department)
        field.label_from_instance = person_name
        if people is not None and not self.is_bound:
            field.choices = [("", field.empty_label)] + [(pk, name) for pk, name in people.get(department, [])]


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("Progress"), max_length=max_length(ComplaintEvent, "note"),
                           widget=forms.Textarea(attrs={"rows": 2}))
    internal = forms.BooleanField(label=_("Internal note (the owner does not see it)"), required=False)


class PauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Waiting for"), choices=PauseReason.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("How it was resolved"), max_length=max_length(Complaint, "resolution"),
                                 widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("What the owner is still unhappy about"),
                             max_length=max_length(ComplaintEvent, "note"), widget=forms.Textarea(attrs={"rows": 2}))


class SuggestionForm(UnitByNumberMixin, forms.Form):
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), empty_label=CHOOSE)
    unit_number = forms.CharField(label=_("Room number"), max_length=30, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.WALK_IN)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    content = forms.CharField(label=_("Suggestion"), max_length=max_length(Suggestion, "content"),
                              widget=forms.Textarea(attrs={"rows": 4}))


class PortalSuggestionForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    content = forms.CharField(label=_("Your suggestion"), max_length=max_length(Suggestion, "content"),
                              widget=forms.Textarea(attrs={"rows": 5}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("adopt", _("Adopt")), ("decline", _("Decline"))], widget=forms.RadioSelect)
    reply = forms.CharField(label=_("Reply to the owner"), max_length=max_length(Suggestion, "reply"),
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("The owner reads this; thank them for the suggestion."))
