"""Every write of incidents: the estate's default emergency plans, an incident opened
(its checklist copied from the plan, the supervisors told at once), a step ticked or the
tick taken back, the script and the expected end updated, the notice generated, the
incident closed with a summary."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from incidents import messages as incident_messages
from incidents.models import (
    TRANSITIONS,
    EmergencyPlan,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentStep,
    PlanStep,
)
from incidents.wording import DEFAULTS
from notices import services as notice_services
from notices.models import Audience, Notice, NoticeStatus
from owners.models import Building, Estate
from propertydesk import limits, notifications, states
from propertydesk import messages as message_params
from propertydesk.roles import SUPERVISOR

_UNCHANGED = object()


@transaction.atomic
def plans_ensure(*, estate: Estate) -> dict[str, EmergencyPlan]:
    """The estate's emergency plan of every kind, the missing ones made from the default
    wording in the estate's language (a plan the estate edited is left as it is)."""
    plans = {plan.kind: plan for plan in EmergencyPlan.objects.filter(estate=estate)}
    missing = [kind for kind in IncidentKind.values if kind not in plans]
    if missing:
        with translation.override(estate.language):
            for kind in missing:
                wording = DEFAULTS[kind]
                plan = EmergencyPlan.objects.create(estate=estate, kind=kind, script=str(wording.script))
                PlanStep.objects.bulk_create(
                    PlanStep(plan=plan, position=i, text=str(text)) for i, text in enumerate(wording.steps, 1))
                plans[kind] = plan
    return plans


def _buildings_of(estate: Estate, buildings) -> tuple[list[str], list[Building]]:
    """The buildings named (Building rows, ids or numbers), found in ``estate``."""
    wanted = notice_services.numbers_of(buildings) if isinstance(buildings, str) else list(buildings or [])
    ids = [b.pk if isinstance(b, Building) else b for b in wanted if isinstance(b, (Building, int))]
    numbers = notice_services.numbers_of([b for b in wanted if isinstance(b, str)])
    found = list(Building.objects.filter(estate=estate, pk__in=ids)) + list(
        Building.objects.filter(estate=estate, number__in=numbers))
    missing = [str(i) for i in ids if i not in {b.pk for b in found}] + [
        n for n in numbers if n not in {b.number for b in found}]
    if missing:
        return [_("%(estate)s has no building %(numbers)s.") % {"estate": estate.name,
                                                                 "numbers": ", ".join(missing)}], found
    return [], found


def _check_window(started_at, expected_end, *, now) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if started_at is None:
        errors["started_at"] = [_("Say when it started.")]
    elif started_at > now:
        errors["started_at"] = [_("An incident is opened once it has started: the start cannot be later than now.")]
    if started_at and expected_end and expected_end <= started_at:
        errors["expected_end"] = [_("The expected end must come after the start.")]
    return errors


@transaction.atomic
def incident_open(*, estate: Estate, kind: str, place: str, description: str, started_at: datetime,
                  expected_end: datetime | None = None, whole_estate: bool = False, buildings=None,
                  script: str = "", now: datetime, actor=None) -> Incident:
    """Open an incident: its checklist is the estate's plan for the kind, copied; its
    callers' script the plan's unless one is given; the supervisors are told at once."""
    errors = limits.field_errors(Incident, {"place": place, "description": description, "script": script})
    if kind not in IncidentKind.values:
        errors["kind"] = [_("Choose the kind of incident.")]
    if not (place or "").strip():
        errors["place"] = [_("Say where it is.")]
    if not (description or "").strip():
        errors["description"] = [_("Say what happened.")]
    errors |= _check_window(started_at, expected_end, now=now)
    found: list[Building] = []
    if not whole_estate:
        problems, found = _buildings_of(estate, buildings)
        if not buildings:
            problems = [_("Name the buildings affected, or choose the whole estate.")]
        if problems:
            errors["buildings"] = problems
    if errors:
        raise ValidationError(errors)
    plan = plans_ensure(estate=estate)[kind]
    incident = Incident.objects.create(
        estate=estate, kind=kind, whole_estate=whole_estate, place=place.strip(), description=description.strip(),
        started_at=started_at, expected_end=expected_end, script=(script or "").strip() or plan.script,
        opened_at=now, opened_by=actor)
    incident.buildings.set(found)
    IncidentStep.objects.bulk_create(
        IncidentStep(incident=incident, position=i, text=step.text) for i, step in enumerate(plan.steps.all(), 1))
    incident.events.create(at=now, actor=actor, from_status="", to_status=IncidentStatus.OPEN)
    notifications.notify(
        recipients=notifications.users_in_roles(SUPERVISOR), kind=incident_messages.OPENED, now=now,
        params={"kind": message_params.label(choices=IncidentKind, value=kind), "place": incident.place,
                "at": message_params.at(started_at), "description": incident.description},
        url=reverse("incidents:detail", args=[incident.pk]), dedupe_key=f"incident-opened:{incident.pk}")
    return incident


def _open_incident(pk: int) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=pk)
    if incident.status != IncidentStatus.OPEN:
        raise ValidationError(_("The incident is closed: it does not change any more."), code="closed")
    return incident


@transaction.atomic
def incident_step_tick(*, step: IncidentStep, now: datetime, actor=None) -> IncidentStep:
    """The step is done: who and when."""
    _open_incident(step.incident_id)
    step = IncidentStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is not None:
        raise ValidationError(_("This step was ticked already."), code="done")
    step.done_at, step.done_by, step.note = now, actor, ""
    step.save(update_fields=["done_at", "done_by", "note"])
    return step


@transaction.atomic
def incident_step_untick(*, step: IncidentStep, note: str, now: datetime, actor=None) -> IncidentStep:
    """Take a tick back (ticked by mistake): why, and who, is kept on the step."""
    incident = _open_incident(step.incident_id)
    step = IncidentStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is None:
        raise ValidationError(_("This step is not ticked."), code="not_done")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why the tick is taken back.")]})
    errors = limits.field_errors(IncidentStep, {"note": note})
    if errors:
        raise ValidationError(errors)
    # who took it back and when is the incident's history; the step keeps why
    incident.events.create(at=now, actor=actor, from_status=incident.status, to_status=incident.status,
                           note=f"{step.position}. {step.text}: {note}"[:limits.NOTE_LENGTH])
    step.note = note
    step.done_at, step.done_by = None, None
    step.save(update_fields=["done_at", "done_by", "note"])
    return step


@transaction.atomic
def incident_update(*, incident: Incident, now: datetime, actor=None, script=_UNCHANGED,
                    expected_end=_UNCHANGED) -> Incident:
    """Change the callers' script or the expected end while the incident is open."""
    incident = _open_incident(incident.pk)
    errors: dict[str, list[str]] = {}
    if script is not _UNCHANGED:
        script = (script or "").strip()
        errors |= limits.field_errors(Incident, {"script": script})
        if not script:
            errors["script"] = [_("Write what the desk tells callers.")]
    if expected_end is not _UNCHANGED:
        errors |= {k: v for k, v in _check_window(incident.started_at, expected_end, now=now).items()
                   if k == "expected_end"}
    if errors:
        raise ValidationError(errors)
    changed = []
    if script is not _UNCHANGED and script != incident.script:
        incident.script = script
        changed.append("script")
    if expected_end is not _UNCHANGED and expected_end != incident.expected_end:
        incident.expected_end = expected_end
        changed.append("expected_end")
        if incident.notice_id:
            # the notice sent tells the owners the new end too (only its end may move once sent)
            notice = Notice.objects.get(pk=incident.notice_id)
            if notice.status in (NoticeStatus.DRAFT, NoticeStatus.PUBLISHED) and expected_end is not None:
                notice_services.notice_change(notice=notice, ends_at=expected_end, now=now, actor=actor)
    if changed:
        incident.save(update_fields=changed)
    return incident


@transaction.atomic
def incident_notice_generate(*, incident: Incident, now: datetime, actor=None) -> Notice:
    """A draft emergency notice to the incident's buildings (or its whole estate), its
    title and text in the estate's language from the kind's wording, its window the
    incident's: for the desk to review and publish on the notice's page."""
    incident = _open_incident(incident.pk)
    if incident.notice_id and Notice.objects.filter(
            pk=incident.notice_id).exclude(status=NoticeStatus.WITHDRAWN).exists():
        raise ValidationError(_("A notice has already been generated from this incident: open it."),
                              code="has_notice")
    wording = DEFAULTS[incident.kind]
    buildings = list(incident.buildings.order_by("number"))
    estate = incident.estate
    with translation.override(estate.language):
        place = (estate.name if incident.whole_estate else
                 pgettext("between items", ", ").join(str(b.label) for b in buildings))
        title, body = str(wording.notice_title), str(wording.notice_body)
    try:
        notice = notice_services.notice_create(
            estate=estate, kind=wording.notice_kind, emergency=True,
            audience=Audience.ESTATE if incident.whole_estate else Audience.BUILDINGS, buildings=buildings,
            title=title, body=body, place=place, starts_at=incident.started_at, ends_at=incident.expected_end,
            now=now, actor=actor)
    except ValidationError as error:
        if hasattr(error, "error_dict") and ("ends_at" in error.error_dict or "starts_at" in error.error_dict):
            raise ValidationError({"expected_end": [
                _("Set the expected end first: an outage notice says when it ends.")]}) from None
        raise
    incident.notice = notice
    incident.save(update_fields=["notice"])
    return notice


@transaction.atomic
def incident_close(*, incident: Incident, summary: str, now: datetime, actor=None) -> Incident:
    """Close the incident with a summary of what happened and what was done (refused
    without one). Its script leaves the intake at once."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    summary = (summary or "").strip()
    errors = limits.field_errors(Incident, {"summary": summary})
    if not summary:
        errors["summary"] = [_("Write a summary: what happened, what was done, when it was over.")]
    if errors:
        raise ValidationError(errors)
    states.move(incident, IncidentStatus.CLOSED, TRANSITIONS, at=now, actor=actor)
    incident.summary, incident.closed_at = summary, now
    incident.save(update_fields=["status", "summary", "closed_at"])
    return incident
