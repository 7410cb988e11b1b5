"""The owner's online callback: the desk offers it (a link in the owner's inbox), the
owner says how satisfied they are, and that counts as the callback done. Thin: parse,
call callbacks.services.callback_perform, render. A callback that is not this owner's,
or was never offered to them, is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from callbacks import selectors, services
from callbacks.models import CallbackResult, Method, Satisfaction, Status
from propertydesk.actions import run_action
from propertydesk.limits import max_length
from propertydesk.web import owner_required

# The four answers as the big buttons show them: an icon and a colour each.
FACES = {
    Satisfaction.VERY_SATISFIED: ("bi-emoji-laughing", "success"),
    Satisfaction.SATISFIED: ("bi-emoji-smile", "primary"),
    Satisfaction.NEUTRAL: ("bi-emoji-neutral", "secondary"),
    Satisfaction.UNSATISFIED: ("bi-emoji-frown", "danger"),
}


class PortalAnswerForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you?"), choices=Satisfaction.choices, widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how satisfied you are."),
                        "invalid_choice": gettext_lazy("Choose how satisfied you are.")},
    )
    quality = forms.CharField(
        label=gettext_lazy("The quality of the work"), required=False, max_length=max_length(CallbackResult, "quality"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Optional. For example: tidy, thorough, on time."),
    )
    effect = forms.CharField(
        label=gettext_lazy("Is the problem solved?"), required=False, max_length=max_length(CallbackResult, "effect"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Optional. How things are now."),
    )
    shortcomings = forms.CharField(
        label=gettext_lazy("What was not good?"), required=False,
        max_length=max_length(CallbackResult, "shortcomings"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required if you are unsatisfied: we reopen the matter and put it right, "
                               "then ask you again."),
    )
    suggestions = forms.CharField(
        label=gettext_lazy("Your suggestions"), required=False,
        max_length=max_length(CallbackResult, "suggestions"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Optional. Anything we could do better."),
    )

    def clean(self):
        # The service says the same to the desk; the owner gets it in their own words.
        data = super().clean()
        if data.get("satisfaction") == Satisfaction.UNSATISFIED and not (data.get("shortcomings") or "").strip():
            self.add_error("shortcomings", _("Please tell us what was not good, so that we can put it right."))
        return data


def _faces(form: PortalAnswerForm) -> list[dict]:
    chosen = form["satisfaction"].value() if form.is_bound else None
    return [
        {"value": value, "label": label, "icon": FACES[value][0], "colour": FACES[value][1],
         "checked": chosen == value}
        for value, label in Satisfaction.choices
    ]


def _page(request, owner, callback, form, status=200):
    result = selectors.latest_result(callback=callback) if callback.status == Status.DONE else None
    return render(request, "callbacks/portal/answer.html", {
        "owner": owner, "callback": callback, "source": callback.source, "form": form, "faces": _faces(form),
        "result": result, "result_face": FACES.get(result.satisfaction) if result else None,
    }, status=status)


@owner_required
def portal_answer(request, owner, pk):
    callback = selectors.owner_callback(owner=owner, callback_id=pk)
    if request.method != "POST":
        return _page(request, owner, callback, PortalAnswerForm())
    if callback.status != Status.DUE:
        # A second answer (the back button, a double tap) changes nothing.
        if callback.status == Status.DONE:
            messages.error(request, _("You have answered already, thank you. If anything has changed, please "
                                      "contact the customer service centre."))
        else:
            messages.error(request, _("This callback is no longer needed."))
        return redirect("callbacks:portal_answer", pk=callback.pk)
    back_url = reverse("callbacks:portal_answer", args=[callback.pk])
    try:
        return run_action(
            request, target=callback, form=PortalAnswerForm(request.POST),
            run=lambda callback, data, user, now: services.callback_perform(
                callback=callback, method=Method.ONLINE, satisfaction=data["satisfaction"], quality=data["quality"],
                effect=data["effect"], shortcomings=data["shortcomings"], suggestions=data["suggestions"],
                now=now, actor=user,
            ),
            rerender=lambda form: _page(request, owner, callback, form, status=400),
            # The page now thanks the owner and shows the answer: no flash message on top.
            message="", back_url=back_url,
        )
    except PermissionDenied:
        raise Http404 from None


@owner_required
def portal_list(request, owner):
    return render(request, "callbacks/portal/list.html", {
        "owner": owner, "callbacks": selectors.owner_offered_callbacks(owner=owner).select_related("work_order__price_item")
        .order_by("due_on", "pk"),
    })


urlpatterns = [
    path("portal/", portal_list, name="portal_list"),
    path("portal/<int:pk>/", portal_answer, name="portal_answer"),
]
