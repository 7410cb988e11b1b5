"""The desk's activity pages (社区活动): the list (upcoming first, then held), the plan and
its corrections, an activity's page with its households (the unit picker, add and remove),
marking it held or cancelled, and the callbacks it made. Thin: parse, call a service or
selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities import selectors, services
from activities.forms import ActivityForm, CancelForm, ParticipationForm
from activities.models import Activity, ActivityStatus
from owners.models import Estate, Owner, Resident, Unit
from propertydesk.actions import render_form, run_action
from propertydesk.web import query_day, staff_required

_VIEW = "activities.view_activity"
_FIELDS = ("title", "kind", "place", "starts_at", "ends_at", "organiser", "capacity", "description")


@staff_required
@permission_required(_VIEW, raise_exception=True)
def activity_list(request):
    try:
        estate_id = int(request.GET.get("estate") or 0)
    except ValueError:
        estate_id = 0
    status = request.GET.get("status", "")
    held_from, held_to = query_day(request.GET.get("held_from")), query_day(request.GET.get("held_to"))
    activities = list(selectors.desk_activities(estate_id=estate_id or None, status=status, held_from=held_from,
                                                held_to=held_to)[:200])
    return render(request, "activities/list.html", {
        "activities": activities, "estates": Estate.objects.order_by("name"), "estate_id": estate_id,
        "status": status if status in ActivityStatus.values else "", "statuses": ActivityStatus.choices,
        "held_from": held_from, "held_to": held_to,
    })


@staff_required
@permission_required("activities.add_activity", raise_exception=True)
def activity_new(request):
    initial = {}
    estates = list(Estate.objects.order_by("name")[:2])
    if len(estates) == 1:
        initial["estate"] = estates[0].pk
    form = ActivityForm(request.POST or None, initial=initial)

    def page(form):
        return render_form(request, "activities/form.html", form, editing=None)

    if request.method != "POST":
        return page(form)
    return run_action(
        request, form=form, rerender=page,
        run=lambda _t, data, user, now: services.activity_plan(
            estate=data["estate"], now=now, actor=user, **{name: data[name] for name in _FIELDS}),
        message=lambda a: _("The activity is planned. Record the households as they sign up."),
        done_url=lambda a: reverse("activities:detail", args=[a.pk]),
    )


def _get(pk) -> Activity:
    try:
        return selectors.activity_for_desk(pk=pk)
    except Activity.DoesNotExist:
        raise Http404 from None


@staff_required
@permission_required("activities.change_activity", raise_exception=True)
def activity_edit(request, pk):
    activity = _get(pk)
    if activity.status != ActivityStatus.PLANNED:
        raise Http404
    initial = {name: getattr(activity, name) for name in _FIELDS}
    initial["estate"] = activity.estate_id
    form = ActivityForm(request.POST or None, initial=initial)
    form.fields["estate"].disabled = True

    def page(form):
        return render_form(request, "activities/form.html", form, editing=activity)

    if request.method != "POST":
        return page(form)
    return run_action(
        request, target=activity, form=form, rerender=page,
        run=lambda a, data, user, now: services.activity_change(
            activity=a, now=now, actor=user, **{name: data[name] for name in _FIELDS}),
        message=_("The activity is saved."), done_url=reverse("activities:detail", args=[activity.pk]))


def _who_choices(unit: Unit, owners) -> list[tuple[str, str]]:
    choices = [("", _("The household"))]
    choices += [(f"owner:{o.pk}", o.name) for o in owners]
    choices += [(f"resident:{r.pk}", f"{r.name} ({r.get_relation_display()})")
                for r in unit.residents.all() if r.move_out_date is None]
    return choices


@staff_required
@permission_required(_VIEW, raise_exception=True)
def activity_detail(request, pk, *, form=None, status=200):
    activity = _get(pk)
    find = (request.GET.get("find") or "").strip()[:30]
    picked = []
    if activity.status == ActivityStatus.PLANNED and find:
        for unit in selectors.unit_choices(activity=activity, query=find):
            owners = [o.owner for o in unit.current_ownerships]
            picked.append({"unit": unit, "owners": owners, "who": _who_choices(unit, owners)})
    rows = selectors.participations(activity=activity)
    return render(request, "activities/detail.html", {
        "activity": activity, "rows": rows, "find": find, "picked": picked,
        "came": sum(1 for r in rows if r.attended), "people": sum(r.people for r in rows if r.attended),
        "signed_up_people": sum(r.people for r in rows),
        "callbacks": list(selectors.activity_callbacks(activity=activity)) if activity.status == "held" else [],
        "cancel_form": form or CancelForm(), "now": timezone.now(),
        "can_change": request.user.has_perm("activities.change_activity"),
        "can_hold": request.user.has_perm("activities.hold_activity"),
    }, status=status)


@staff_required
@permission_required("activities.change_activity", raise_exception=True)
@require_POST
def participation_add(request, pk):
    """A household from the unit picker: signed up, or came (with who and how many)."""
    activity = _get(pk)
    form = ParticipationForm(request.POST)
    back = reverse("activities:detail", args=[activity.pk])
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)

    def run(a, data, user, now):
        unit = Unit.objects.filter(pk=data["unit"]).first()
        if unit is None:
            raise ValidationError(_("Choose the unit from the list."))
        kind, _sep, who_id = (data["who"] or "").partition(":")
        owner = Owner.objects.filter(pk=who_id).first() if kind == "owner" and who_id.isdigit() else None
        resident = Resident.objects.filter(pk=who_id).first() if kind == "resident" and who_id.isdigit() else None
        services.participation_record(activity=a, unit=unit, owner=owner, resident=resident, people=data["people"],
                                      attended=data["attended"], now=now, actor=user)
        return _("%(unit)s is recorded.") % {"unit": unit.number}

    return run_action(request, target=activity, form=None, back_url=back,
                      run=lambda a, _d, user, now: run(a, form.cleaned_data, user, now))


@staff_required
@permission_required("activities.change_activity", raise_exception=True)
@require_POST
def participation_remove(request, pk, unit_id):
    activity = _get(pk)
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return run_action(
        request, target=activity, form=None, back_url=reverse("activities:detail", args=[activity.pk]),
        run=lambda a, _d, user, now: services.participation_remove(activity=a, unit=unit, now=now, actor=user),
        message=_("%(unit)s is taken off the list.") % {"unit": unit.number})


def _button(service, perm: str, message, done_url=None):
    """A button on the activity's page that runs ``service`` on it (a refusal goes back to it)."""
    @staff_required
    @permission_required(perm, raise_exception=True)
    @require_POST
    def view(request, pk):
        activity = _get(pk)
        return run_action(
            request, target=activity, form=None, back_url=reverse("activities:detail", args=[activity.pk]),
            run=lambda a, _d, user, now: service(activity=a, now=now, actor=user), message=message,
            done_url=done_url)
    view.__name__ = service.__name__
    return view


activity_hold = _button(services.activity_hold, "activities.hold_activity", lambda a: _(
    "The activity is held: %(n)d callbacks are due in a month.") % {"n": a.callbacks.count()})
activity_announce = _button(
    services.activity_announce, "notices.add_notice",
    lambda n: _("A draft notice announces the activity. Check it, then publish it."),
    done_url=lambda n: reverse("notices:detail", args=[n.pk]))


@staff_required
@permission_required("activities.hold_activity", raise_exception=True)
@require_POST
def activity_cancel(request, pk):
    activity = _get(pk)
    form = CancelForm(request.POST)
    return run_action(
        request, target=activity, form=form, back_url=reverse("activities:detail", args=[activity.pk]),
        rerender=lambda form: activity_detail(request, pk, form=form, status=400),
        run=lambda a, data, user, now: services.activity_cancel(activity=a, reason=data["reason"], now=now,
                                                                actor=user),
        message=_("The activity is cancelled; the households that signed up are told."))


urlpatterns = [
    path("", activity_list, name="list"),
    path("new/", activity_new, name="new"),
    path("<int:pk>/", activity_detail, name="detail"),
    path("<int:pk>/edit/", activity_edit, name="edit"),
    path("<int:pk>/households/", participation_add, name="add_household"),
    path("<int:pk>/households/<int:unit_id>/remove/", participation_remove, name="remove_household"),
    path("<int:pk>/hold/", activity_hold, name="hold"),
    path("<int:pk>/cancel/", activity_cancel, name="cancel"),
    path("<int:pk>/announce/", activity_announce, name="announce"),
]
