"""The guard's gate check (门岗查验), a phone page: the serial on a worker's pass typed in,
or its QR code scanned with the camera (static/js/renovation/gate.js), answered in large
colour with the worker's name and photo, the unit, the contractor, the dates and the
permit. Every check is logged by services.gate_check; the answer is shown after a
redirect (a reload does not check, nor log, twice). For users who may check the gate:
the front desk and supervisors."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propertydesk import files
from propertydesk.web import apply_service_errors, staff_required
from renovation import selectors, services
from renovation.models import DocumentKind, GateResult

CHECK_GATE = "renovation.check_gate"
RECENT = 10

# How each answer looks: green lets the worker in, red turns him away, amber says come
# back at the right time.
LOOKS = {
    GateResult.VALID: ("success", "bi-check-circle-fill"),
    GateResult.EXPIRED: ("danger", "bi-calendar-x-fill"),
    GateResult.NOT_YET_VALID: ("warning", "bi-hourglass-split"),
    GateResult.REVOKED: ("danger", "bi-slash-circle-fill"),
    GateResult.OUTSIDE_HOURS: ("warning", "bi-clock-fill"),
    GateResult.FORGED: ("danger", "bi-shield-fill-x"),
    GateResult.UNKNOWN: ("danger", "bi-question-circle-fill"),
}
# What the guard does next, for each answer.
ADVICE = {
    GateResult.VALID: _("Let the worker in if the face matches the photo."),
    GateResult.EXPIRED: _("Do not let him in. The owner or the contractor extends the work at the service centre."),
    GateResult.NOT_YET_VALID: _("Not yet: the pass is valid from its first day."),
    GateResult.REVOKED: _("Do not let him in, and keep the card for the service centre if you can."),
    GateResult.OUTSIDE_HOURS: _("No noisy work now: only inside the estate's working hours, not on days off."),
    GateResult.FORGED: _("This QR code was not made by us. Do not let him in and call the service centre."),
    GateResult.UNKNOWN: _("No pass has this number. Check the number on the card, or call the service centre."),
}


class GateForm(forms.Form):
    code = forms.CharField(
        # Longer than a serial or a QR code's text: anything scanned is checked (and logged, cut
        # to the log's column) rather than refused unlogged.
        label=_("Pass number"), max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                      "enterkeyhint": "go"}),
        error_messages={"required": _("Enter the pass's serial number or scan its QR code."),
                        "max_length": _("That is not a pass number: check what was typed or scanned.")},
    )


def _page(request, form, status=200):
    check_id = request.GET.get("check", "")
    answer = selectors.gate_check_answer(check_id=check_id, user=request.user) if check_id.isdigit() else None
    look = LOOKS.get(answer.result) if answer else None
    return render(request, "renovation/gate/gate.html", {
        "form": form, "answer": answer, "look": look, "advice": ADVICE.get(answer.result) if answer else "",
        "worker_pass": answer.worker_pass if answer else None,
        "recent": selectors.gate_checks_by(user=request.user, limit=RECENT), "looks": LOOKS,
    }, status=status)


@staff_required
@permission_required(CHECK_GATE, raise_exception=True)
def gate(request):
    if request.method != "POST":
        return _page(request, GateForm())
    form = GateForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        answer = services.gate_check(code=form.cleaned_data["code"], now=timezone.now(), actor=request.user)
    except ValidationError as error:
        apply_service_errors(form, error)
        return _page(request, form, status=400)
    return redirect(f"{reverse('renovation:gate')}?check={answer.check.pk}")


@staff_required
@permission_required(CHECK_GATE, raise_exception=True)
def gate_photo(request, pk):
    """A worker's photo, as the gate shows it beside the answer."""
    document = selectors.renovation_document(document_id=pk, user=request.user)
    if document.kind != DocumentKind.WORKER_PHOTO:
        raise Http404
    return files.serve(request, document.file, filename=document.download_name, content_type=document.content_type)


urlpatterns = [
    path("gate/", gate, name="gate"),
    path("gate/photos/<int:pk>/", gate_photo, name="gate_photo"),
]
