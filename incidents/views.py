"""The desk's incident pages (突发事件): the list (open first), opening one (the kind
first, its script prefilled from the estate's plan), and an incident's page with its
checklist, script, notice and close. Thin: parse, call a service or selector, render."""

from __future__ import annotations


from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incidents import selectors, services
from incidents.forms import CloseForm, IncidentOpenForm, IncidentUpdateForm, UntickForm
from incidents.models import Incident, IncidentStatus, IncidentStep
from owners.models import Estate
from propertydesk.actions import render_form, run_action
from propertydesk.web import staff_required

_VIEW = "incidents.view_incident"
_HANDLE = "incidents.handle_incident"


@staff_required
@permission_required(_VIEW, raise_exception=True)
def incident_list(request):
    try:
        estate_id = int(request.GET.get("estate") or 0)
    except ValueError:
        estate_id = 0
    status = request.GET.get("status", "")
    incidents = list(selectors.desk_incidents(estate_id=estate_id or None, status=status)[:100])
    return render(request, "incidents/list.html", {
        "incidents": incidents, "estates": Estate.objects.order_by("name"), "estate_id": estate_id,
        "status": status if status in IncidentStatus.values else "", "statuses": IncidentStatus.choices,
    })


@staff_required
@permission_required("incidents.add_incident", raise_exception=True)
def incident_new(request):
    estates = list(Estate.objects.order_by("name"))
    initial = {"started_at": timezone.localtime().replace(second=0, microsecond=0)}
    if len(estates) == 1:
        initial["estate"] = estates[0].pk
    form = IncidentOpenForm(request.POST or None, initial=initial, estates=estates)

    def page(form):
        return render_form(request, "incidents/form.html", form, scripts=selectors.plan_scripts(estates=estates))

    if request.method != "POST":
        return page(form)
    return run_action(
        request, form=form, rerender=page,
        run=lambda _t, data, user, now: services.incident_open(
            estate=data["estate"], kind=data["kind"], whole_estate=data["whole_estate"],
            buildings=data["buildings"], place=data["place"], description=data["description"],
            started_at=data["started_at"], expected_end=data["expected_end"], script=data["script"],
            now=now, actor=user),
        message=lambda i: _("The incident is open and the supervisors are told. Follow the plan step by step."),
        done_url=lambda i: reverse("incidents:detail", args=[i.pk]),
    )


def _get(pk) -> Incident:
    try:
        return selectors.incident_for_desk(pk=pk)
    except Incident.DoesNotExist:
        raise Http404 from None


def _detail(request, incident, *, update_form=None, close_form=None, untick_form=None, untick_step=None):
    status = 400 if any(f is not None and f.errors for f in (update_form, close_form, untick_form)) else 200
    update_form = update_form or IncidentUpdateForm(initial={"script": incident.script,
                                                             "expected_end": incident.expected_end})
    # the script is written in the estate's language, whatever the reader's
    update_form.fields["script"].widget.attrs["lang"] = incident.estate.language
    return render(request, "incidents/detail.html", {
        "incident": incident, "steps": list(incident.steps.all()),
        "buildings": [b.number for b in incident.buildings.all()],
        "can_handle": request.user.has_perm(_HANDLE) and incident.is_open,
        "can_notice": request.user.has_perm("notices.add_notice"),
        "update_form": update_form,
        "close_form": close_form or CloseForm(), "untick_form": untick_form or UntickForm(),
        "untick_step": untick_step,
    }, status=status)


@staff_required
@permission_required(_VIEW, raise_exception=True)
def incident_detail(request, pk):
    return _detail(request, _get(pk))


def _back(incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


@staff_required
@permission_required(_HANDLE, raise_exception=True)
@require_POST
def incident_update(request, pk):
    incident = _get(pk)
    return run_action(
        request, target=incident, form=IncidentUpdateForm(request.POST), back_url=_back(incident),
        rerender=lambda form: _detail(request, incident, update_form=form),
        run=lambda i, data, user, now: services.incident_update(
            incident=i, script=data["script"], expected_end=data["expected_end"], now=now, actor=user),
        message=_("The script and the expected end are saved."))


def _step(incident, step_pk) -> IncidentStep:
    step = next((s for s in incident.steps.all() if s.pk == step_pk), None)
    if step is None:
        raise Http404
    return step


@staff_required
@permission_required(_HANDLE, raise_exception=True)
@require_POST
def step_tick(request, pk, step_pk):
    incident = _get(pk)
    step = _step(incident, step_pk)
    return run_action(request, target=step, form=None, back_url=_back(incident),
                      run=lambda s, _d, user, now: services.incident_step_tick(step=s, now=now, actor=user),
                      message="")


@staff_required
@permission_required(_HANDLE, raise_exception=True)
@require_POST
def step_untick(request, pk, step_pk):
    incident = _get(pk)
    step = _step(incident, step_pk)
    return run_action(
        request, target=step, form=UntickForm(request.POST), back_url=_back(incident),
        rerender=lambda form: _detail(request, incident, untick_form=form, untick_step=step),
        run=lambda s, data, user, now: services.incident_step_untick(step=s, note=data["note"], now=now,
                                                                     actor=user),
        message=_("The tick is taken back."))


@staff_required
@permission_required(_HANDLE, raise_exception=True)
@permission_required("notices.add_notice", raise_exception=True)
@require_POST
def incident_notice(request, pk):
    incident = _get(pk)
    return run_action(
        request, target=incident, form=None, back_url=_back(incident),
        run=lambda i, _d, user, now: services.incident_notice_generate(incident=i, now=now, actor=user),
        message=_("A draft notice to the buildings affected is written from the incident. Check it, then publish "
                  "it."),
        done_url=lambda n: reverse("notices:detail", args=[n.pk]))


@staff_required
@permission_required(_HANDLE, raise_exception=True)
@require_POST
def incident_close(request, pk):
    incident = _get(pk)
    return run_action(
        request, target=incident, form=CloseForm(request.POST), back_url=_back(incident),
        rerender=lambda form: _detail(request, incident, close_form=form),
        run=lambda i, data, user, now: services.incident_close(incident=i, summary=data["summary"], now=now,
                                                               actor=user),
        message=_("The incident is closed."))


app_name = "incidents"
urlpatterns = [
    path("", incident_list, name="list"),
    path("new/", incident_new, name="new"),
    path("<int:pk>/", incident_detail, name="detail"),
    path("<int:pk>/update/", incident_update, name="update"),
    path("<int:pk>/steps/<int:step_pk>/tick/", step_tick, name="tick"),
    path("<int:pk>/steps/<int:step_pk>/untick/", step_untick, name="untick"),
    path("<int:pk>/notice/", incident_notice, name="notice"),
    path("<int:pk>/close/", incident_close, name="close"),
]
