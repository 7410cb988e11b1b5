"""Forms of the desk's work-order pages. They only parse; the rules are in repairs/services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from owners.forms import UnitByNumberMixin
from owners.models import Estate
from propertydesk.forms import choose
from propertydesk.limits import max_length
from propertydesk.web import DATETIME_INPUT, BusinessDateField, BusinessDateTimeField
from repairs.models import (
    Acceptance,
    DamageIncident,
    DrawKind,
    Kind,
    PaymentMethod,
    PriceItem,
    Source,
    Status,
    Trade,
    Worker,
    WorkOrder,
    WorkOrderEvent,
)

OPEN = "open"
ALL = "all"
# What the registration form does after registering.
DISPATCH_NOW = "dispatch"
REGISTER_ONLY = "register"


def _any(choices):
    return [("", _("Any"))] + list(choices)


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Number, room or name"), required=False, max_length=100)
    # Blank means "open orders": the desk's working list. "all" shows closed ones too.
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Open")), (ALL, _("Any"))] + list(Status.choices))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_any(Kind.choices))
    trade = forms.ChoiceField(label=_("Trade"), required=False, choices=_any(Trade.choices))
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"), required=False, empty_label=_("Any"))
    late = forms.BooleanField(label=_("Late for dispatch"), required=False)
    undispatched = forms.BooleanField(label=_("Not dispatched yet"), required=False)
    appointment = BusinessDateField(label=_("Appointment on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class RegisterForm(UnitByNumberMixin, forms.Form):
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"))
    unit_number = forms.CharField(label=_("Room number"), max_length=30,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "3-1-1203"}))
    from_owner = forms.BooleanField(label=_("The owner asks for the work"), required=False, initial=True)
    requester_name = forms.CharField(label=_("Requested by"), max_length=100, required=False,
                                     help_text=_("If not the owner: a tenant or family member."))
    requester_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=choose(Kind.choices))
    trade = forms.ChoiceField(label=_("Trade needed"), choices=choose(Trade.choices))
    description = forms.CharField(label=_("What to do"), max_length=max_length(WorkOrder, "description"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    appointment_at = BusinessDateTimeField(label=_("Appointment"), required=False, widget=DATETIME_INPUT,
                                         help_text=_("When the customer wants the worker to come."))
    price_item = forms.ModelChoiceField(PriceItem.objects.none(), label=_("Price list item"), required=False,
                                        help_text=_("Required for a special paid service."))
    planned_end_at = BusinessDateTimeField(label=_("Planned to finish by (multi-day services)"), required=False,
                                         widget=DATETIME_INPUT,
                                         help_text=_("A special service that spans days also gets a callback half-way."))
    source = forms.ChoiceField(label=_("Source"), choices=[(Source.DESK, Source.DESK.label),
                                                           (Source.PHONE, Source.PHONE.label)],
                               initial=Source.PHONE)

    # Blank (a form sent without it) registers only, as the form did before it had the choice.
    next_step = forms.ChoiceField(label=_("Then"), widget=forms.RadioSelect, initial=DISPATCH_NOW, required=False, choices=[
        (DISPATCH_NOW, _("Accept and dispatch now")),
        (REGISTER_ONLY, _("Register only: judge and dispatch it on the order's page")),
    ])
    worker = forms.ModelChoiceField(Worker.objects.none(), label=_("Worker"), required=False,
                                    help_text=_("Empty: the estate's dispatch mode decides (the shared pool, or the "
                                                "next worker on duty). Where the desk dispatches, choose one."))
    trade_override = forms.CharField(label=_("Reason for the exception"), max_length=200, required=False,
                                     help_text=_("Only when the worker does not do this trade."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_item"].queryset = PriceItem.objects.filter(active=True).select_related("estate")
        self.fields["worker"].queryset = Worker.objects.select_related("user", "estate").order_by(
            "estate__name", "user__last_name", "user__first_name", "user__username")

    @property
    def dispatch_now(self) -> bool:
        return self.cleaned_data.get("next_step") == DISPATCH_NOW


class JudgeForm(forms.Form):
    decision = forms.ChoiceField(label=_("Can we do it?"), widget=forms.RadioSelect,
                                 choices=[("accept", _("Accept")), ("refuse", _("Refuse"))])
    explanation = forms.CharField(label=_("Explanation given to the customer"), required=False,
                                  max_length=max_length(WorkOrder, "refusal_reason"),
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text=_("Required when refusing."))


class DispatchForm(forms.Form):
    worker = forms.ModelChoiceField(Worker.objects.none(), label=_("Worker"), required=False)
    trade_override = forms.CharField(label=_("Reason for the exception"), max_length=200, required=False,
                                     help_text=_("Only when the worker does not do this trade."))

    def __init__(self, *args, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        if order is not None:
            self.fields["worker"].queryset = Worker.objects.filter(estate_id=order.estate_id).select_related("user")


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Why voided"), max_length=200)


class VerdictForm(forms.Form):
    satisfied = forms.TypedChoiceField(label=_("Is the customer satisfied?"), widget=forms.RadioSelect,
                                       choices=[("yes", _("Satisfied")), ("no", _("Not satisfied"))],
                                       coerce=lambda v: v == "yes")
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int, initial=5,
                                    choices=[(n, "★" * n) for n in range(5, 0, -1)])
    comment = forms.CharField(label=_("Customer's comment"), required=False, max_length=max_length(Acceptance, "comment"),
                              widget=forms.Textarea(attrs={"rows": 2}))
    signer_name = forms.CharField(label=_("Signed by"), max_length=100, required=False)
    signed_on_paper = forms.BooleanField(label=_("The customer signed the paper form"), required=False)


class SettleForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("rework", _("One more rework")), ("settle", _("Settle and sign off"))])
    note = forms.CharField(label=_("What was agreed with the customer"), max_length=max_length(WorkOrderEvent, "note"),
                           widget=forms.Textarea(attrs={"rows": 2}))


class DrawForm(forms.Form):
    kind = forms.ChoiceField(label=_("Material or tool"), choices=DrawKind.choices, initial=DrawKind.MATERIAL)
    name = forms.CharField(label=_("Item"), max_length=100)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=10, decimal_places=2, initial=1)
    unit_label = forms.CharField(label=_("Unit of measure"), max_length=20, required=False)


class ReturnToolForm(forms.Form):
    draw = forms.IntegerField(widget=forms.HiddenInput)


class DamageForm(forms.Form):
    description = forms.CharField(label=_("What was damaged or lost"),
                                  max_length=max_length(DamageIncident, "description"),
                                  widget=forms.Textarea(attrs={"rows": 2}))


class DamageSettleForm(forms.Form):
    incident = forms.IntegerField(widget=forms.HiddenInput)
    compensation = forms.DecimalField(label=_("Compensation (yuan)"), max_digits=12, decimal_places=2, min_value=0)
    agreement = forms.CharField(label=_("What was agreed with the customer"),
                                max_length=max_length(DamageIncident, "agreement"), widget=forms.Textarea(attrs={"rows": 2}))


class PaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("Payment"), widget=forms.RadioSelect,
                               choices=[(PaymentMethod.CASH, PaymentMethod.CASH.label),
                                        (PaymentMethod.BANK_COLLECTION, PaymentMethod.BANK_COLLECTION.label)])


class PriceItemForm(forms.Form):
    estate = forms.ModelChoiceField(Estate.objects.all(), label=_("Estate"))
    name = forms.CharField(label=_("Service"), max_length=100)
    trade = forms.ChoiceField(label=_("Trade"), choices=choose(Trade.choices))
    price = forms.DecimalField(label=_("Price (yuan)"), max_digits=12, decimal_places=2)
    unit_label = forms.CharField(label=_("Per"), max_length=20, help_text=_("e.g. job, metre, hour"))
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)


class FromComplaintForm(forms.Form):
    # A paid service needs a price-list item, which a complaint does not have.
    kind = forms.ChoiceField(label=_("Kind"), initial=Kind.MINOR_REPAIR,
                             choices=[c for c in Kind.choices if c[0] != Kind.SPECIAL_SERVICE])
    trade = forms.ChoiceField(label=_("Trade needed"), choices=Trade.choices)
    appointment_at = BusinessDateTimeField(label=_("Appointment"), required=False, widget=DATETIME_INPUT)
