"""Every write to complaints and suggestions. Views, the API, jobs and the callbacks
app call these; none of them sets a status by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from complaints.models import (
    CATEGORY_DEPARTMENT,
    OPEN_STATUSES,
    SUGGESTION_TRANSITIONS,
    TRANSITIONS,
    Category,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintPause,
    ComplaintPolicy,
    Department,
    EventKind,
    PauseReason,
    Status,
    Suggestion,
    SuggestionStatus,
    Urgency,
)
from complaints import messages
from complaints.signals import complaint_resolved
from owners import services as owner_services
from owners.models import RevealReason, Unit
from owners.selectors import owns_now, works_in
from owners.validators import validate_phone
from propertydesk import messages as msg
from propertydesk import files, limits, notifications, states
from propertydesk.people import person_name
from propertydesk.roles import SUPERVISOR, is_staff_member
from propertydesk.sequences import next_value

# The desk scans in what an owner hands over; an owner in the portal attaches a few
# photos from the phone (settings.FILES_MAX_PHOTOS).
MAX_ATTACHMENTS = 10


def _local(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _event(complaint, *, kind, actor, now, note="", note_message=None, public=True, from_status="",
           to_status="", data=None):
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=kind, actor=actor, at=now, note=note, note_message=note_message or {},
        public=public, from_status=from_status, to_status=to_status, data=data or {},
    )


def _move(
    complaint: Complaint, to: str, *, kind: str, actor, now, note="", note_message=None, public=True,
    only_from: tuple[str, ...] = (), data=None,
) -> None:
    """A complaint's move, with its timeline event (what kind, whether the owner sees it)."""
    states.move(complaint, to, TRANSITIONS, at=now, actor=actor, note=note, only_from=only_from,
                kind=kind, public=public, data=data or {}, note_message=note_message or {})


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related("estate", "unit", "owner").get(pk=complaint.pk)


def _require(actor, perm: str, message: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(message)


def standard_promise(*, estate, urgency: str, received_at: datetime) -> datetime:
    hours = ComplaintPolicy.for_estate(estate).promise_hours(urgency)
    return received_at + timedelta(hours=hours)


def _clean_attachments(uploads, errors, *, limit: int = MAX_ATTACHMENTS) -> list[files.CleanFile]:
    """Photos or PDFs, checked and re-encoded by the one upload path; every refused file
    is named under ``attachments`` and then none is stored."""
    uploads = list(uploads)
    if len(uploads) > limit:
        errors.setdefault("attachments", []).append(
            _("Attach at most %(count)s files.") % {"count": limit})
        return []
    try:
        return files.clean_uploads(uploads, kind=files.DOCUMENT, field="attachments")
    except ValidationError as exc:
        errors.setdefault("attachments", []).extend(exc.message_dict["attachments"])
        return []


@transaction.atomic
def complaint_register(
    *, unit: Unit, channel: str, category: str, description: str, now: datetime, actor=None,
    urgency: str = Urgency.NORMAL, owner=None, contact_name: str = "", contact_phone: str = "",
    location: str = "", promised_at: datetime | None = None, promise_note: str = "",
    attachments=(),
) -> Complaint:
    """Take a complaint: record it at once, promise a handling time, tell the owner."""
    errors: dict[str, list[str]] = {
        **limits.field_errors(Complaint, {"description": description, "location": location,
                                          "contact_name": contact_name, "contact_phone": contact_phone,
                                          "promise_note": promise_note}),
        **limits.date_errors({"promised_at": promised_at}),
    }
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how the complaint came in.")]
    if category not in Category.values:
        errors["category"] = [_("Choose a category.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose an urgency.")]
    if not (description or "").strip():
        errors["description"] = [_("Write down what the owner said.")]
    if owner is not None and not owns_now(owner=owner, unit=unit):
        errors["owner"] = [_("%(owner)s does not own %(unit)s.") % {"owner": owner.name, "unit": unit.number}]
    if contact_phone:
        try:
            validate_phone(contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    if owner is None and not (contact_name or "").strip():
        errors["contact_name"] = [_("Who is complaining? Enter a contact name.")]
    if urgency in Urgency.values:
        standard = standard_promise(estate=unit.estate, urgency=urgency, received_at=now)
        if promised_at is not None and "promised_at" not in errors:
            if promised_at <= now:
                errors["promised_at"] = [_("The promised time must be in the future.")]
            elif promised_at > standard and not promise_note.strip():
                errors["promise_note"] = [
                    _("A promise later than the standard (%(standard)s) needs a reason the owner is told.")
                    % {"standard": _local(standard)}
                ]
        promise = promised_at or standard
    cleaned_attachments = _clean_attachments(
        attachments, errors, limit=settings.FILES_MAX_PHOTOS if channel == Channel.PORTAL else MAX_ATTACHMENTS)
    if errors:
        raise ValidationError(errors)

    if owner is not None and not contact_phone:
        primary = owner.phones.filter(is_primary=True).first()
        contact_phone = primary.number if primary else ""
    year = timezone.localtime(now).year
    number = f"{unit.estate.code.upper()}-TS{year}-{next_value(f'complaint:{unit.estate_id}:{year}'):05d}"
    complaint = Complaint.objects.create(
        number=number, estate=unit.estate, unit=unit, owner=owner,
        contact_name=(contact_name or (owner.name if owner else "")).strip(),
        contact_phone=contact_phone or None, channel=channel, category=category, urgency=urgency,
        location=location.strip(), description=description.strip(), received_at=now,
        promised_at=promise, promise_note=promise_note.strip(), created_by=actor,
    )
    _event(complaint, kind=EventKind.RECEIVED, actor=actor, now=now, to_status=Status.RECEIVED,
           note=promise_note.strip(), data={"promised_at": promise.isoformat()})
    for clean in cleaned_attachments:
        ComplaintAttachment.objects.create(
            complaint=complaint, file=clean.as_file(), content_type=clean.content_type,
            original_name=clean.download_name, size=clean.size, uploaded_at=now, uploaded_by=actor,
        )
    if owner is not None:
        notifications.notify_owner(
            owner=owner, kind=messages.RECEIVED, now=now,
            params={"number": number, "time": msg.at(promise)},
            url=reverse("complaints:portal_detail", args=[complaint.pk]),
            dedupe_key=f"complaint-received:{complaint.pk}",
        )
    if urgency == Urgency.EMERGENCY:
        notifications.notify(
            recipients=notifications.users_in_roles(SUPERVISOR), kind=messages.EMERGENCY, now=now,
            params={"number": number, "unit": unit.number, "text": description.strip()[:300]},
            url=reverse("complaints:detail", args=[complaint.pk]),
            dedupe_key=f"complaint-emergency:{complaint.pk}",
        )
    return complaint


@transaction.atomic
def complaint_assign(
    *, complaint: Complaint, department: str, now: datetime, actor=None, assignee=None, note: str = ""
) -> Complaint:
    """Route a complaint to the department (and person) that owns the problem.
    Moving one that is already assigned is a reassignment, which only supervisors do."""
    limits.check_fields(ComplaintEvent, {"note": note})
    complaint = _locked(complaint)
    _require(actor, "complaints.work_complaint", _("You cannot work on complaints."))
    reassign = complaint.status in (Status.ASSIGNED, Status.IN_PROGRESS)
    if reassign:
        _require(actor, "complaints.reassign_complaint", _("Only a supervisor can reassign a complaint."))
    errors: dict[str, list[str]] = {}
    if department not in Department.values:
        errors["department"] = [_("Choose a department.")]
    if assignee is not None and not (assignee.is_active and is_staff_member(assignee)):
        errors["assignee"] = [_("Complaints can only be assigned to staff.")]
    elif assignee is not None and "department" not in errors and not works_in(
            user=assignee, estate_id=complaint.estate_id, department=department):
        errors["assignee"] = [
            _("%(person)s does not work in %(department)s at %(estate)s: choose someone from that department.")
            % {"person": person_name(assignee), "department": Department(department).label,
               "estate": complaint.estate.name}]
    if errors:
        raise ValidationError(errors)
    _move(complaint, Status.ASSIGNED, kind=EventKind.REASSIGNED if reassign else EventKind.ASSIGNED,
          only_from=(Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS), actor=actor, now=now,
          data={"department": department, "assignee": person_name(assignee) if assignee else ""})
    if note.strip():
        # The desk's instruction to the department is for staff, not the owner.
        _event(complaint, kind=EventKind.NOTE, actor=actor, now=now, note=note.strip(), public=False)
    complaint.department = department
    complaint.assignee = assignee
    complaint.assigned_at = now
    complaint.save()
    if assignee is not None:
        notifications.notify(
            recipients=[assignee], kind=messages.ASSIGNED, now=now,
            params={"number": complaint.number, "unit": complaint.unit.number,
                    "text": complaint.description[:200], "time": msg.at(complaint.promised_at)},
            url=reverse("complaints:detail", args=[complaint.pk]),
        )
    return complaint


@transaction.atomic
def complaint_start(*, complaint: Complaint, now: datetime, actor=None, note: str = "") -> Complaint:
    limits.check_fields(ComplaintEvent, {"note": note})
    complaint = _locked(complaint)
    _require(actor, "complaints.work_complaint", _("You cannot work on complaints."))
    _move(complaint, Status.IN_PROGRESS, kind=EventKind.STARTED, actor=actor, now=now, note=note,
          only_from=(Status.ASSIGNED,))
    complaint.started_at = complaint.started_at or now
    complaint.save()
    return complaint


@transaction.atomic
def complaint_add_progress(
    *, complaint: Complaint, now: datetime, note: str = "", note_message: dict | None = None, actor=None,
    internal: bool = False,
) -> ComplaintEvent:
    """A progress note on the timeline: public ones the owner sees, internal ones not.
    A person writes ``note``; another app's system note comes as ``note_message``
    (``propertydesk.messages.nested``, e.g. ``complaints.messages.WORK_ORDER_OPENED``),
    so each reader reads it in their own language."""
    limits.check_fields(ComplaintEvent, {"note": note})
    complaint = _locked(complaint)
    _require(actor, "complaints.work_complaint", _("You cannot work on complaints."))
    if not (note or "").strip() and not note_message:
        raise ValidationError({"note": [_("Write the progress note.")]})
    if complaint.status == Status.CLOSED:
        raise ValidationError(_("A closed complaint takes no more notes."), code="closed")
    event = _event(complaint, kind=EventKind.NOTE if internal else EventKind.PROGRESS, actor=actor,
                   now=now, note=(note or "").strip(), note_message=note_message, public=not internal)
    if not internal and complaint.owner_id:
        notifications.notify_owner(
            owner=complaint.owner, kind=messages.PROGRESS, now=now,
            params={"number": complaint.number, "note": note_message or note.strip()[:300]},
            url=reverse("complaints:portal_detail", args=[complaint.pk]),
        )
    return event


@transaction.atomic
def complaint_pause(
    *, complaint: Complaint, reason: str, now: datetime, actor=None, note: str = ""
) -> ComplaintPause:
    """Stop the promise clock while we wait for something outside our hands."""
    limits.check_fields(ComplaintPause, {"note": note})
    complaint = _locked(complaint)
    _require(actor, "complaints.work_complaint", _("You cannot work on complaints."))
    errors: dict[str, list[str]] = {}
    if reason not in PauseReason.values:
        errors["reason"] = [_("Choose why the clock stops.")]
    if reason == PauseReason.OTHER and not note.strip():
        errors["note"] = [_("Say what we are waiting for.")]
    if errors:
        raise ValidationError(errors)
    if complaint.status not in OPEN_STATUSES:
        raise ValidationError(_("Only an open complaint's clock can be paused."), code="not_open")
    if complaint.is_paused:
        raise ValidationError(_("The clock is already paused."), code="already_paused")
    pause = ComplaintPause.objects.create(complaint=complaint, reason=reason, note=note.strip(), started_at=now)
    complaint.paused_since = now
    complaint.save(update_fields=["paused_since"])
    _event(complaint, kind=EventKind.PAUSED, actor=actor, now=now, note=note.strip(), data={"reason": reason})
    return pause


def _end_pause(complaint: Complaint, *, actor, now) -> timedelta:
    pause = complaint.pauses.select_for_update().get(ended_at__isnull=True)
    pause.ended_at = now
    pause.save(update_fields=["ended_at"])
    paused_for = now - pause.started_at
    complaint.promised_at += paused_for
    complaint.paused_since = None
    _event(complaint, kind=EventKind.RESUMED, actor=actor, now=now, data={
        "minutes": int(paused_for.total_seconds() // 60), "promised_at": complaint.promised_at.isoformat()})
    return paused_for


@transaction.atomic
def complaint_resume(*, complaint: Complaint, now: datetime, actor=None) -> Complaint:
    complaint = _locked(complaint)
    _require(actor, "complaints.work_complaint", _("You cannot work on complaints."))
    if not complaint.is_paused:
        raise ValidationError(_("The clock is not paused."), code="not_paused")
    _end_pause(complaint, actor=actor, now=now)
    complaint.save(update_fields=["promised_at", "paused_since"])
    return complaint


@transaction.atomic
def complaint_resolve(*, complaint: Complaint, resolution: str, now: datetime, actor=None) -> Complaint:
    """The problem is dealt with. Records how late it was against the promise; the
    callback that follows (callbacks app, via ``complaint_resolved``) closes it."""
    limits.check_fields(Complaint, {"resolution": resolution})
    complaint = _locked(complaint)
    _require(actor, "complaints.work_complaint", _("You cannot work on complaints."))
    if not (resolution or "").strip():
        raise ValidationError({"resolution": [_("Say how the complaint was resolved.")]})
    if complaint.is_paused and complaint.status == Status.IN_PROGRESS:
        _end_pause(complaint, actor=actor, now=now)
    _move(complaint, Status.RESOLVED, kind=EventKind.RESOLVED, actor=actor, now=now, note=resolution.strip())
    complaint.resolved_at = now
    complaint.resolution = resolution.strip()
    complaint.late_by = now - complaint.promised_at if now > complaint.promised_at else None
    complaint.save()
    complaint_resolved.send(sender=Complaint, complaint=complaint, now=now)
    if complaint.owner_id:
        notifications.notify_owner(
            owner=complaint.owner, kind=messages.RESOLVED, now=now,
            params={"number": complaint.number, "resolution": complaint.resolution[:300]},
            url=reverse("complaints:portal_detail", args=[complaint.pk]),
        )
    return complaint


@transaction.atomic
def complaint_reopen(*, complaint: Complaint, reason: str, now: datetime, actor=None) -> Complaint:
    """The owner is not satisfied: back to work, with a new promise from now."""
    limits.check_fields(ComplaintEvent, {"reason": reason}, columns={"reason": "note"})
    complaint = _locked(complaint)
    _require(actor, "complaints.work_complaint", _("You cannot work on complaints."))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say what the owner is still unhappy about.")]})
    _move(complaint, Status.IN_PROGRESS, kind=EventKind.REOPENED, actor=actor, now=now, note=reason.strip(),
          only_from=(Status.RESOLVED,))
    complaint.reopen_count += 1
    complaint.resolved_at = None
    complaint.late_by = None
    complaint.overdue_flagged_at = None
    complaint.promised_at = standard_promise(estate=complaint.estate, urgency=complaint.urgency, received_at=now)
    complaint.save()
    _event(complaint, kind=EventKind.PROMISE, actor=actor, now=now,
           data={"promised_at": complaint.promised_at.isoformat()})
    return complaint


@transaction.atomic
def complaint_close_after_callback(
    *, complaint: Complaint, now: datetime, callback_note: str = "", note_message: dict | None = None, actor=None,
) -> Complaint:
    """The only way a complaint closes: its callback found the owner satisfied.
    Called by the callbacks app; no page or API closes a complaint directly. The
    callback's result comes as ``note_message`` (``complaints.messages.CALLBACK_RESULT``,
    shown in the reader's language); ``callback_note`` is a person's own words."""
    complaint = _locked(complaint)
    _move(complaint, Status.CLOSED, kind=EventKind.CLOSED, actor=actor, now=now,
          note=(callback_note or "").strip(), note_message=note_message)
    complaint.closed_at = now
    complaint.save()
    return complaint


@transaction.atomic
def complaints_flag_overdue(*, as_of: datetime, ids: list[int] | None = None) -> int:
    """Mark every open complaint past its promise (or those of ``ids`` that are) overdue
    and tell the supervisors, once each: one conditional UPDATE for all of them, which
    decides between concurrent runs, one insert of their timeline events, and the
    messages in two inserts (``notifications.notify_many``), whatever their number.
    Returns how many were flagged."""
    only = "AND c.id = ANY(%(ids)s)" if ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH flagged AS (
                UPDATE complaints_complaint c SET overdue_flagged_at = %(as_of)s
                WHERE c.status = ANY(%(open)s) AND c.promised_at < %(as_of)s AND c.overdue_flagged_at IS NULL
                  AND c.paused_since IS NULL {only}
                RETURNING c.id, c.number, c.unit_id, c.category, c.promised_at, c.reopen_count
            )
            SELECT f.id, f.number, (SELECT u.number FROM owners_unit u WHERE u.id = f.unit_id), f.category,
                   f.promised_at, f.reopen_count
            FROM flagged f ORDER BY f.id  -- the room by primary key: a join was planned as a hash of every unit
        """, {"as_of": as_of, "open": [str(s) for s in OPEN_STATUSES], "ids": ids})
        flagged = cursor.fetchall()
    if not flagged:
        return 0
    ComplaintEvent.objects.bulk_create([
        ComplaintEvent(complaint_id=pk, kind=EventKind.OVERDUE, actor=None, at=as_of, note="", note_message={},
                       public=False, from_status="", to_status="", data={"promised_at": promised_at.isoformat()})
        for pk, _number, _unit, _category, promised_at, _reopened in flagged
    ])
    supervisors = tuple(sorted(notifications.users_in_roles(SUPERVISOR).values_list("pk", flat=True)))
    notifications.notify_many(messages=[
        notifications.StaffMessage(
            recipients=supervisors, kind=messages.OVERDUE, dedupe_key=f"complaint-overdue:{pk}:{reopened}",
            params={"number": number, "unit": unit, "category": msg.label(choices=Category, value=category),
                    "time": msg.at(promised_at)},
            url=reverse("complaints:detail", args=[pk]),
        )
        for pk, number, unit, category, promised_at, reopened in flagged
    ], now=as_of)
    return len(flagged)


def complaint_flag_overdue(*, complaint_id: int, as_of: datetime) -> bool:
    """Mark one complaint overdue, as ``complaints_flag_overdue`` does: True if this call
    did it."""
    return complaints_flag_overdue(as_of=as_of, ids=[complaint_id]) == 1


# ---- suggestions ----------------------------------------------------------


@transaction.atomic
def suggestion_submit(
    *, estate, channel: str, subject: str, content: str, now: datetime, actor=None, unit=None, owner=None
) -> Suggestion:
    errors: dict[str, list[str]] = limits.field_errors(Suggestion, {"subject": subject, "content": content})
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how the suggestion came in.")]
    if not (subject or "").strip():
        errors["subject"] = [_("Give the suggestion a short title.")]
    if not (content or "").strip():
        errors["content"] = [_("Write the suggestion.")]
    if errors:
        raise ValidationError(errors)
    year = timezone.localtime(now).year
    number = f"{estate.code.upper()}-JY{year}-{next_value(f'suggestion:{estate.pk}:{year}'):05d}"
    suggestion = Suggestion.objects.create(
        number=number, estate=estate, unit=unit, owner=owner, channel=channel, subject=subject.strip(),
        content=content.strip(), received_at=now, created_by=actor,
    )
    if owner is not None:
        notifications.notify_owner(
            owner=owner, kind=messages.SUGGESTION_RECEIVED, now=now, params={"number": number},
            url=reverse("complaints:portal_suggestion", args=[suggestion.pk]),
            dedupe_key=f"suggestion-received:{suggestion.pk}",
        )
    return suggestion


@transaction.atomic
def suggestion_start_review(*, suggestion: Suggestion, now: datetime, actor=None) -> Suggestion:
    _require(actor, "complaints.change_suggestion", _("You cannot review suggestions."))
    suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    states.move(suggestion, SuggestionStatus.UNDER_REVIEW, SUGGESTION_TRANSITIONS, at=now, actor=actor)
    suggestion.review_started_at = now
    suggestion.save()
    return suggestion


@transaction.atomic
def suggestion_decide(
    *, suggestion: Suggestion, adopt: bool, reply: str, now: datetime, actor=None
) -> Suggestion:
    """Adopt or decline, always with a written reply that the owner sees."""
    limits.check_fields(Suggestion, {"reply": reply})
    _require(actor, "complaints.decide_suggestion", _("Only a supervisor can adopt or decline suggestions."))
    suggestion = Suggestion.objects.select_for_update(of=("self",)).select_related("owner").get(pk=suggestion.pk)
    if not (reply or "").strip():
        raise ValidationError({"reply": [_("Write the reply the owner will read.")]})
    states.move(suggestion, SuggestionStatus.ADOPTED if adopt else SuggestionStatus.DECLINED, SUGGESTION_TRANSITIONS,
                at=now, actor=actor, note=reply.strip())
    suggestion.reply = reply.strip()
    suggestion.decided_at = now
    suggestion.decided_by = actor
    suggestion.save()
    if suggestion.owner_id:
        notifications.notify_owner(
            owner=suggestion.owner, kind=messages.SUGGESTION_DECIDED, now=now,
            params={"number": suggestion.number, "reply": suggestion.reply[:500]},
            url=reverse("complaints:portal_suggestion", args=[suggestion.pk]),
            dedupe_key=f"suggestion-decided:{suggestion.pk}",
        )
    return suggestion


def default_department(category: str) -> str:
    return CATEGORY_DEPARTMENT.get(category, Department.CUSTOMER_SERVICE)


REVEAL_PERMISSION = "owners.reveal_owner_pii"


@transaction.atomic
def complaint_reveal_phone(*, complaint: Complaint, user, now: datetime, ip_address: str | None = None) -> str:
    """The contact's full number, to call about the complaint from its page: for whoever
    may reveal owners' numbers, logged as the owner page's reveal is, naming the complaint."""
    if not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(_("You are not allowed to see owners' full phone and ID numbers."))
    return owner_services.record_phone_reveal(
        record_number=complaint.number, phone=complaint.contact_phone, owner=complaint.owner, user=user,
        reason=RevealReason.COMPLAINT, now=now, ip_address=ip_address,
    )
