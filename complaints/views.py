"""Complaint and suggestion pages for the desk and the owner portal. Thin: parse,
call a service or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from complaints import selectors, services, signals
from complaints.forms import (
    AssignForm,
    DecideForm,
    IntakeForm,
    PauseForm,
    PortalComplaintForm,
    PortalSuggestionForm,
    ProgressForm,
    QueueFilterForm,
    ReopenForm,
    ResolveForm,
    SuggestionForm,
)
from complaints.models import Channel, ComplaintPolicy, Department, Urgency
from owners.models import Unit
from owners.selectors import department_people, owner_of_record, owner_units, unit_owners
from propertydesk import files, periods, reveal
from propertydesk.actions import render_form, run_action
from propertydesk.paging import CappedPaginator
from propertydesk.people import person_name
from propertydesk.roles import is_staff_member, owner_of
from propertydesk.web import day_ranges, moments_of, owner_required, params_of, staff_required

# ---- desk ------------------------------------------------------------------


# The queue's filters on when things happened (the dashboard's links): ?resolved_from=…&resolved_to=…
MOMENTS = {"received": gettext_lazy("Received"), "assigned": gettext_lazy("Assigned"),
           "resolved": gettext_lazy("Resolved")}


def queue_rows(params, *, user, now):
    """The queue's filter form on ``params`` (a query string), the complaints it selects
    in the queue's order, and the dashboard's and staff view's narrowing (day ranges,
    "resolved late", a figure): for the page and its .xlsx (complaints/exports.py)."""
    form = QueueFilterForm(params or None)
    filters = form.cleaned_data if form.is_valid() else {}
    ranges = day_ranges(params, MOMENTS)
    moments = moments_of(ranges)
    late = params.get("late") == "1"
    complaints = selectors.complaint_queue(
        user=user, now=now, status=filters.get("status") or "",
        urgency=filters.get("urgency") or "", department=filters.get("department") or "",
        estate_id=getattr(filters.get("estate"), "pk", None),
        building_id=getattr(filters.get("building"), "pk", None), overdue=bool(filters.get("overdue")),
        near=bool(filters.get("near")), category=filters.get("category") or "",
        query=filters.get("q") or "", moments=moments, late=late,
    )
    # A figure of the staff view opens this list narrowed to what it counts.
    figure = periods.figure_from_query(params, figures=selectors.STAFF_FIGURES)
    if figure is not None:
        complaints = selectors.staff_figure_complaints(complaints, figure=figure)
    return form, complaints, ranges, late, figure


def suggestion_rows(params, *, user):
    """The suggestions of the list's status tab and the dashboard's narrowing (decided in
    a period, of one estate), in the list's order: for the page and its .xlsx."""
    suggestions = selectors.suggestion_queryset_for(user).order_by("-received_at", "-pk")
    status = params.get("status", "")
    if status:
        suggestions = suggestions.filter(status=status)
    # The dashboard's links: decided in a period, of one estate.
    ranges = day_ranges(params, {"decided": gettext_lazy("Decided")})
    for range_ in ranges:
        suggestions = suggestions.filter(**range_.filter("decided_at"))
    estate = params.get("estate", "")
    if estate.isdigit():
        suggestions = suggestions.filter(estate_id=int(estate))
    return status, suggestions, ranges


@staff_required
@permission_required("complaints.view_complaint", raise_exception=True)
def queue(request):
    now = timezone.now()
    form, complaints, ranges, late, figure = queue_rows(request.GET, user=request.user, now=now)
    page = CappedPaginator(complaints, 30).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(request, "complaints/queue.html", {
        "form": form, "page": page, "now": now, "query_string": query_string.urlencode(),
        "counts": selectors.status_counts(user=request.user),
        "figure_filter": periods.figure_banner(figure, labels=selectors.STAFF_FIGURES),
        "day_ranges": ranges, "day_range_notes": [_("Resolved after the promise")] if late else [],
        "kept_params": params_of(ranges) + ([("late", "1")] if late else []),
    })


@staff_required
@permission_required("complaints.add_complaint", raise_exception=True)
def intake(request):
    initial = {"channel": Channel.PHONE, "urgency": Urgency.NORMAL}
    unit = Unit.objects.select_related("estate").filter(pk=request.GET.get("unit") or 0).first()
    if unit:
        initial.update(estate=unit.estate_id, unit_number=unit.number)
    form = IntakeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method != "POST":
        return render_form(request, "complaints/intake.html", form)
    return run_action(
        request, form=form, aliases={"owner": "from_owner"},
        run=lambda _none, data, user, now: services.complaint_register(
            unit=data["unit"], owner=owner_of_record(unit=data["unit"]) if data["from_owner"] else None,
            channel=data["channel"], category=data["category"],
            urgency=data["urgency"], description=data["description"], location=data["location"],
            contact_name=data["contact_name"], contact_phone=data["contact_phone"],
            promised_at=data["promised_at"], promise_note=data["promise_note"],
            attachments=data["attachments"], actor=user, now=now,
        ),
        rerender=lambda form: render_form(request, "complaints/intake.html", form),
        message=lambda complaint: _("Complaint %(number)s registered; promised by %(time)s.") % {
            "number": complaint.number, "time": timezone.localtime(complaint.promised_at).strftime("%Y-%m-%d %H:%M")},
        done_url=lambda complaint: reverse("complaints:detail", args=[complaint.pk]),
    )


@staff_required
@permission_required("complaints.add_complaint", raise_exception=True)
def intake_notes(request):
    """What the desk should tell a caller about the unit being taken in (an HTML part the
    intake's script puts beside the form): whatever the apps above answer to
    ``complaints.signals.intake_notes`` for the unit's building, e.g. an open incident's
    callers' script."""
    unit = Unit.objects.select_related("estate", "building").filter(
        pk=request.GET.get("unit", "") if request.GET.get("unit", "").isdigit() else 0).first()
    notes = [] if unit is None else signals.notes_for(
        estate=unit.estate, building=unit.building, unit=unit, now=timezone.now())
    return render(request, "complaints/_intake_notes.html", {"notes": notes, "unit": unit})


@staff_required
@permission_required("complaints.add_complaint", raise_exception=True)
def unit_lookup(request):
    """Autocomplete for the intake form: units by room-number prefix, with their owners,
    special needs, the repeat-complainer flag and the standard promise per urgency."""
    estate_id, number = request.GET.get("estate"), (request.GET.get("q") or "").strip().upper()
    if not estate_id or not number:
        return JsonResponse({"results": []})
    now = timezone.now()
    units = (
        Unit.objects.filter(estate_id=estate_id, number__istartswith=number)
        .select_related("estate").order_by("number")[:10]
    )
    results = []
    for unit in units:
        owners = unit_owners(unit=unit)
        policy = ComplaintPolicy.for_estate(unit.estate)
        repeat = {o.pk: selectors.repeat_complaints(owner=o, estate=unit.estate, as_of=now) for o in owners}
        results.append({
            "id": unit.pk, "number": unit.number, "area": str(unit.area),
            "owners": [{
                "id": o.pk, "name": o.name, "url": reverse("owners:detail", args=[o.pk]),
                "special_needs": o.get_special_needs_display(), "special_needs_note": o.special_needs_note,
                "repeat_complainer": repeat[o.pk][1], "recent_complaints": repeat[o.pk][0],
            } for o in owners],
            "promise_hours": {u: policy.promise_hours(u) for u in Urgency.values},
            "repeat_window_days": policy.repeat_window_days,
        })
    return JsonResponse({"results": results})


def _action_forms(complaint, bound=None, people=None):
    forms = {
        # The department the category belongs to, as the intake routes it, until one is chosen.
        "assign": AssignForm(estate_id=complaint.estate_id, people=people, initial={
            "department": complaint.department or services.default_department(complaint.category),
            "assignee": complaint.assignee_id,
        }),
        "progress": ProgressForm(), "pause": PauseForm(), "resolve": ResolveForm(), "reopen": ReopenForm(),
    }
    if bound:
        forms.update(bound)
    return forms


@staff_required
@permission_required("complaints.view_complaint", raise_exception=True)
def detail(request, pk, bound=None, status=200):
    complaint = selectors.complaint_detail(complaint_id=pk, user=request.user)
    now = timezone.now()
    repeat = (
        selectors.repeat_complaints(owner=complaint.owner, estate=complaint.estate, as_of=now)[1]
        if complaint.owner_id else False
    )
    shown = bound is None and reveal.take(request, f"complaint:{complaint.pk}")
    # Whom it may be given to: the estate's departments and their people, for the list and its script.
    people = (department_people(estate_id=complaint.estate_id)
              if request.user.has_perm("complaints.work_complaint") and complaint.status != "closed" else {})
    response = render(request, "complaints/detail.html", {
        "complaint": complaint, "now": now, "forms": _action_forms(complaint, bound, people),
        "overdue": complaint.is_overdue(now), "repeat_complainer": repeat,
        "can_work": request.user.has_perm("complaints.work_complaint"),
        "can_reassign": request.user.has_perm("complaints.reassign_complaint"),
        "can_reveal_phone": request.user.has_perm(services.REVEAL_PERMISSION),
        "revealed_phone": complaint.contact_phone if shown else None,
        "department_people": people,
    }, status=status)
    return reveal.unstored(response) if shown else response


@never_cache
@staff_required
@permission_required("complaints.view_complaint", raise_exception=True)
@require_POST
def reveal_phone(request, pk):
    """Show the contact's number on the complaint's page, for the call; logged."""
    complaint = selectors.complaint_detail(complaint_id=pk, user=request.user)
    return reveal.reveal_in_place(
        request, key=f"complaint:{complaint.pk}",
        reveal=lambda **at: services.complaint_reveal_phone(complaint=complaint, user=request.user, **at),
        back_url=reverse("complaints:detail", args=[pk]),
    )


ACTIONS = {
    "assign": (AssignForm, lambda c, d, u, now: services.complaint_assign(
        complaint=c, department=d["department"], assignee=d["assignee"], note=d["note"], actor=u, now=now)),
    "start": (None, lambda c, d, u, now: services.complaint_start(complaint=c, actor=u, now=now)),
    "progress": (ProgressForm, lambda c, d, u, now: services.complaint_add_progress(
        complaint=c, note=d["note"], internal=d["internal"], actor=u, now=now)),
    "pause": (PauseForm, lambda c, d, u, now: services.complaint_pause(
        complaint=c, reason=d["reason"], note=d["note"], actor=u, now=now)),
    "resume": (None, lambda c, d, u, now: services.complaint_resume(complaint=c, actor=u, now=now)),
    "resolve": (ResolveForm, lambda c, d, u, now: services.complaint_resolve(
        complaint=c, resolution=d["resolution"], actor=u, now=now)),
    "reopen": (ReopenForm, lambda c, d, u, now: services.complaint_reopen(
        complaint=c, reason=d["reason"], actor=u, now=now)),
}


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _assigned(complaint) -> str:
    department = Department(complaint.department).label
    if complaint.assignee_id:
        return _("Complaint %(number)s assigned to %(department)s: %(person)s.") % {
            "number": complaint.number, "department": department, "person": person_name(complaint.assignee)}
    return _("Complaint %(number)s assigned to %(department)s.") % {"number": complaint.number, "department": department}


# What each action says it did: a function of the complaint the page is about and what the service returned.
SAID = {
    "assign": lambda c, result: _assigned(result),
    "start": lambda c, result: _("Work started on complaint %(number)s.") % {"number": c.number},
    "progress": lambda c, event: (
        _("Internal note added to complaint %(number)s.") if not event.public
        else _("Progress added to complaint %(number)s; the owner sees it.")) % {"number": c.number},
    "pause": lambda c, result: _("Complaint %(number)s paused; its promise waits until it is resumed.") % {
        "number": c.number},
    "resume": lambda c, result: _("Complaint %(number)s resumed; now promised by %(time)s.") % {
        "number": c.number, "time": _when(result.promised_at)},
    "resolve": lambda c, result: _("Complaint %(number)s resolved; the owner will be called back.") % {
        "number": c.number},
    "reopen": lambda c, result: _("Complaint %(number)s reopened; now promised by %(time)s.") % {
        "number": c.number, "time": _when(result.promised_at)},
}


@staff_required
@permission_required("complaints.view_complaint", raise_exception=True)
@require_POST
def action(request, pk, name):
    if name not in ACTIONS:
        raise PermissionDenied
    complaint = selectors.complaint_detail(complaint_id=pk, user=request.user)
    form_class, run = ACTIONS[name]
    return run_action(
        request, target=complaint, run=run,
        form=(form_class(request.POST, estate_id=complaint.estate_id) if form_class is AssignForm
              else form_class(request.POST) if form_class else None),
        rerender=lambda form: detail(request, pk, bound={name: form}, status=400),
        back_url=reverse("complaints:detail", args=[pk]),
        message=lambda result: SAID[name](complaint, result),
    )


@staff_required
@permission_required("complaints.view_complaint", raise_exception=True)
def clusters(request):
    return render(request, "complaints/clusters.html", {
        "clusters": selectors.complaint_clusters(as_of=timezone.now()),
    })


@staff_required
@permission_required("complaints.view_suggestion", raise_exception=True)
def suggestion_list(request):
    status, suggestions, ranges = suggestion_rows(request.GET, user=request.user)
    page = Paginator(suggestions, 30).get_page(request.GET.get("page"))
    return render(request, "complaints/suggestion_list.html", {"page": page, "status": status, "day_ranges": ranges})


@staff_required
@permission_required("complaints.add_suggestion", raise_exception=True)
def suggestion_create(request):
    form = SuggestionForm(request.POST or None)
    if request.method != "POST":
        return render_form(request, "complaints/suggestion_form.html", form)
    return run_action(
        request, form=form,
        run=lambda _none, data, user, now: services.suggestion_submit(
            estate=data["estate"], unit=data["unit"],
            owner=owner_of_record(unit=data["unit"]) if data["unit"] else None, channel=data["channel"],
            subject=data["subject"], content=data["content"], actor=user, now=now,
        ),
        rerender=lambda form: render_form(request, "complaints/suggestion_form.html", form),
        message=lambda suggestion: _("Suggestion %(number)s recorded.") % {"number": suggestion.number},
        done_url=lambda suggestion: reverse("complaints:suggestion", args=[suggestion.pk]),
    )


@staff_required
@permission_required("complaints.view_suggestion", raise_exception=True)
def suggestion_detail(request, pk):
    suggestion = selectors.suggestion_detail(suggestion_id=pk, user=request.user)

    def page(form):
        return render_form(request, "complaints/suggestion_detail.html", form, suggestion=suggestion,
                          can_decide=request.user.has_perm("complaints.decide_suggestion"))

    if request.method != "POST":
        return page(DecideForm())
    back_url = reverse("complaints:suggestion", args=[pk])
    if request.POST.get("action") == "review":
        if not request.user.has_perm("complaints.change_suggestion"):
            raise PermissionDenied
        return run_action(
            request, target=suggestion, form=None, back_url=back_url, message=_("Suggestion %(number)s is under review.") % {"number": suggestion.number},
            run=lambda suggestion, _data, user, now: services.suggestion_start_review(
                suggestion=suggestion, actor=user, now=now),
        )
    return run_action(
        request, target=suggestion, form=DecideForm(request.POST), rerender=page, back_url=back_url,
        run=lambda suggestion, data, user, now: services.suggestion_decide(
            suggestion=suggestion, adopt=data["decision"] == "adopt", reply=data["reply"], actor=user, now=now),
        message=lambda decided: (
            _("Suggestion %(number)s adopted; the owner has your reply.") if decided.status == "adopted"
            else _("Suggestion %(number)s declined; the owner has your reply.")) % {"number": decided.number},
    )


@login_required
def attachment(request, pk, attachment_pk):
    """A complaint's photo or PDF, for whoever may open the complaint's page: the desk
    (with the complaint permission, and engineering only its own complaints) or the
    complaint's owner in the portal. Never a public URL."""
    if is_staff_member(request.user):
        if not request.user.has_perm("complaints.view_complaint"):
            raise PermissionDenied
    elif owner_of(request.user) is None:
        raise PermissionDenied
    item = selectors.complaint_attachment(complaint_id=pk, attachment_id=attachment_pk, user=request.user)
    return files.serve(request, item.file, filename=item.download_name, content_type=item.content_type)


# ---- owner portal ----------------------------------------------------------


@owner_required
def portal_list(request, owner):
    return render(request, "complaints/portal_list.html", {
        "owner": owner, "complaints": selectors.owner_complaints(owner=owner),
        "suggestions": selectors.suggestion_queryset_for(request.user),
    })


@owner_required
def portal_create(request, owner):
    units = owner_units(owner=owner)
    form = PortalComplaintForm(request.POST or None, request.FILES or None, units=units)
    if request.method != "POST":
        return render_form(request, "complaints/portal_form.html", form, owner=owner)
    return run_action(
        request, target=owner, form=form,
        run=lambda owner, data, user, now: services.complaint_register(
            unit=data["unit"], owner=owner, channel=Channel.PORTAL, category=data["category"],
            urgency=data["urgency"], description=data["description"], location=data["location"],
            attachments=data["attachments"], actor=user, now=now,
        ),
        rerender=lambda form: render_form(request, "complaints/portal_form.html", form, owner=owner),
        message=lambda complaint: _("Thank you. Your complaint %(number)s is registered.")
        % {"number": complaint.number},
        done_url=lambda complaint: reverse("complaints:portal_detail", args=[complaint.pk]),
    )


@owner_required
def portal_detail(request, owner, pk):
    complaint = selectors.complaint_detail(complaint_id=pk, user=request.user, public_only=True)
    return render(request, "complaints/portal_detail.html", {"complaint": complaint, "owner": owner, "now": timezone.now()})


@owner_required
def portal_suggestion_create(request, owner):
    form = PortalSuggestionForm(request.POST or None)
    if request.method != "POST":
        return render_form(request, "complaints/portal_suggestion_form.html", form, owner=owner)
    return run_action(
        request, target=owner, form=form, run=_portal_suggestion_submit,
        rerender=lambda form: render_form(request, "complaints/portal_suggestion_form.html", form, owner=owner),
        message=lambda suggestion: _("Thank you for your suggestion %(number)s.") % {"number": suggestion.number},
        done_url=lambda suggestion: reverse("complaints:portal_suggestion", args=[suggestion.pk]),
    )


def _portal_suggestion_submit(owner, data, user, now):
    """An owner's suggestion is about the estate of their first unit."""
    unit = owner_units(owner=owner).first()
    if unit is None:
        raise PermissionDenied
    return services.suggestion_submit(
        estate=unit.estate, unit=unit, owner=owner, channel=Channel.PORTAL,
        subject=data["subject"], content=data["content"], actor=user, now=now,
    )


@owner_required
def portal_suggestion(request, owner, pk):
    suggestion = selectors.suggestion_detail(suggestion_id=pk, user=request.user)
    return render(request, "complaints/portal_suggestion.html", {"suggestion": suggestion, "owner": owner})
