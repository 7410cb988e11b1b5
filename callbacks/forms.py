"""Forms of the desk's callback pages. They only parse; the rules are in callbacks/services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from callbacks.models import MAX_RULE_DAYS, MAX_RULE_MONTHS, CallbackResult, Kind, Method, Satisfaction, SpotCheck, Status
from owners.models import Estate
from propertydesk.forms import choose
from propertydesk.limits import max_length
from propertydesk.people import person_name
from repairs.signature import SIGNATURE_MAX_LENGTH

MINE = "mine"
NOBODY = "none"
ALL = "all"
# "due": due today or overdue (the desk's today page links to it; no tab of its own).
BUCKETS = ("today", "overdue", "week", "due")
# Staff reach the owner face to face or by phone; "online" is the owner answering in the portal.
STAFF_METHODS = [(Method.FACE_TO_FACE, Method.FACE_TO_FACE.label), (Method.PHONE, Method.PHONE.label)]
RESULT_LENGTH = {name: max_length(CallbackResult, name)
                 for name in ("quality", "effect", "shortcomings", "suggestions", "owner_words")}


def _any(choices):
    return [("", _("Any"))] + list(choices)


class QueueFilterForm(forms.Form):
    # Blank: what is still due, the desk's working list.
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Still due")), (Status.DONE, Status.DONE.label),
                                        (Status.CANCELLED, Status.CANCELLED.label), (ALL, _("Any"))])
    kind = forms.ChoiceField(label=_("Callback for"), required=False, choices=_any(Kind.choices))
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), required=False, empty_label=_("Any"))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Anyone")), (MINE, _("Me")), (NOBODY, _("Nobody yet"))] + [
            (str(user.pk), person_name(user)) for user in staff]


class PerformForm(forms.Form):
    method = forms.ChoiceField(label=_("How was the owner reached?"), choices=STAFF_METHODS,
                               widget=forms.RadioSelect)
    quality = forms.CharField(label=_("Quality of the work"), required=False, max_length=RESULT_LENGTH["quality"],
                              widget=forms.Textarea(attrs={"rows": 2}))
    effect = forms.CharField(label=_("Effect of the service"), required=False, max_length=RESULT_LENGTH["effect"],
                             widget=forms.Textarea(attrs={"rows": 2}))
    satisfaction = forms.ChoiceField(label=_("Is the owner satisfied?"), choices=Satisfaction.choices,
                                     widget=forms.RadioSelect)
    shortcomings = forms.CharField(label=_("Shortcomings"), required=False, max_length=RESULT_LENGTH["shortcomings"],
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("Required when the owner is unsatisfied."))
    suggestions = forms.CharField(label=_("The owner's suggestions"), required=False, max_length=RESULT_LENGTH["suggestions"],
                                  widget=forms.Textarea(attrs={"rows": 2}))
    owner_words = forms.CharField(label=_("The owner's own words"), required=False, max_length=RESULT_LENGTH["owner_words"],
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("By phone: write down what the owner said, as they said it."))
    signature = forms.CharField(label=_("Owner's signature"), required=False, max_length=SIGNATURE_MAX_LENGTH,
                                widget=forms.HiddenInput)
    signer_name = forms.CharField(label=_("Signed by"), max_length=100, required=False)


class CorrectForm(forms.Form):
    reason = forms.CharField(label=_("Why is the record corrected?"), max_length=200)
    quality = forms.CharField(label=_("Quality of the work"), required=False, max_length=RESULT_LENGTH["quality"],
                              widget=forms.Textarea(attrs={"rows": 2}))
    effect = forms.CharField(label=_("Effect of the service"), required=False, max_length=RESULT_LENGTH["effect"],
                             widget=forms.Textarea(attrs={"rows": 2}))
    shortcomings = forms.CharField(label=_("Shortcomings"), required=False, max_length=RESULT_LENGTH["shortcomings"], widget=forms.Textarea(attrs={"rows": 2}))
    suggestions = forms.CharField(label=_("The owner's suggestions"), required=False, max_length=RESULT_LENGTH["suggestions"],
                                  widget=forms.Textarea(attrs={"rows": 2}))
    owner_words = forms.CharField(label=_("The owner's own words"), required=False, max_length=RESULT_LENGTH["owner_words"],
                                  widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Who makes the callback"))

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [(MINE, _("Me")), (NOBODY, _("Nobody yet"))] + [
            (str(user.pk), person_name(user)) for user in staff]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=200,
                             help_text=_("For example: the owner has moved away."))


class SpotCheckForm(forms.Form):
    method = forms.ChoiceField(label=_("How was the owner reached?"), choices=STAFF_METHODS,
                               widget=forms.RadioSelect, initial=Method.PHONE)
    agrees = forms.TypedChoiceField(label=_("Does the owner confirm the record?"), widget=forms.RadioSelect,
                                    choices=[("yes", _("Yes, it is what they said")),
                                             ("no", _("No, they say something else"))],
                                    coerce=lambda value: value == "yes")
    note = forms.CharField(label=_("Note"), required=False, max_length=max_length(SpotCheck, "note"),
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Required when the owner does not confirm the record."))


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Callback for"), choices=choose(Kind.choices))
    days = forms.IntegerField(label=_("Days after the event"), min_value=0, max_value=MAX_RULE_DAYS, initial=0)
    months = forms.IntegerField(label=_("Calendar months after the event"), min_value=0, max_value=MAX_RULE_MONTHS,
                                initial=0)
    by_day_of_next_month = forms.IntegerField(label=_("At the latest by this day of the next month"),
                                              required=False, min_value=1, max_value=28)
    required_rate = forms.DecimalField(label=_("Required rate (%)"), required=False, min_value=0, max_value=100,
                                       max_digits=5, decimal_places=2, help_text=_("Blank: decided case by case."))
    required_rate_bank = forms.DecimalField(label=_("Required rate for bank collection (%)"), required=False,
                                            min_value=0, max_value=100, max_digits=5, decimal_places=2,
                                            help_text=_("Special services paid by bank collection only."))
