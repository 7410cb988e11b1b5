"""Every write to renovations (domain §7, 002 装修流程). Pages, the portal, the API and
the daily job call these; each takes ``now`` (or ``as_of``) and the ``actor``.

Who may: staff by their permissions (``Renovation.Meta.permissions``, given to the
roles in propertydesk/roles.py); an owner only on their own renovation, and only the
steps an owner takes (apply, documents, workers, their signatures, resubmit, withdraw,
request acceptance): anything else, or another owner's renovation, is PermissionDenied.
``actor=None`` is the system (the daily job)."""

from __future__ import annotations

import functools

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Cast, Concat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fees import services as fees
from fees.models import PaymentMethod
from owners.selectors import owns_now
from owners.validators import validate_phone, validate_resident_id
from propertydesk import files, limits, messages, notifications, states
from propertydesk.people import person_name
from propertydesk.roles import ENGINEERING, FINANCE, FRONT_DESK, SUPERVISOR, is_staff_member, owner_of
from propertydesk.sequences import next_value, next_values
from renovation import messages as keys
from renovation import rules, selectors
from renovation.models import (
    APPLYING,
    DEPOSITS,
    PAPER_PARTIES,
    PHOTOS_PER_WORKER,
    TRANSITIONS,
    WORKS,
    Breach,
    BreachStatus,
    ChargeKind,
    Deduction,
    DepositRefund,
    DocumentKind,
    EvidencePhoto,
    GateCheck,
    GateResult,
    Inspection,
    Paper,
    Party,
    Patrol,
    RefundMethod,
    Renovation,
    RenovationCharge,
    RenovationDocument,
    RenovationEvent,
    RenovationPolicy,
    RenovationWorker,
    RevokeReason,
    SignedPaper,
    SignMethod,
    Source,
    Status,
    WorkerPass,
)

MAX_FILES = 10  # files in one upload
# Fees are paid at the finance office (002): cash, card or online, not with next month's bill.
FEE_METHODS = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.ONLINE)


# ---- helpers ------------------------------------------------------------------------------------


def _authorize(renovation: Renovation | None, actor, perm: str, *, owner_may: bool = False) -> None:
    """Staff need ``perm``; an owner may take an owner's step (``owner_may``) on a
    renovation of theirs (selectors.owner_renovations) on a unit they still own;
    ``actor=None`` is the system."""
    if actor is None:
        return
    if is_staff_member(actor):
        if not actor.has_perm(perm):
            raise PermissionDenied(_("You are not allowed to do this with renovations."))
        return
    owner = owner_of(actor)
    if (owner is None or not owner_may or renovation is None
            or not selectors.owner_renovations(owner=owner).filter(pk=renovation.pk).exists()
            or not owns_now(owner=owner, unit=renovation.unit)):
        raise PermissionDenied(_("This is not your renovation."))


def _locked(renovation: Renovation) -> Renovation:
    return (Renovation.objects.select_for_update(of=("self",)).select_related("estate", "unit", "owner")
            .get(pk=renovation.pk))


def _move(renovation: Renovation, to: str, *, actor, now, note: str = "", data=None,
          only_from: tuple[str, ...] = ()) -> None:
    states.move(renovation, to, TRANSITIONS, at=now, actor=actor, note=note, only_from=only_from, data=data or {})


def _log(renovation: Renovation, action: str, *, actor, now, note: str = "", **data) -> RenovationEvent:
    """A step that is not a move, on the renovation's timeline."""
    return RenovationEvent.objects.create(renovation=renovation, at=now, actor=actor, note=note[:limits.NOTE_LENGTH],
                                          data={"action": action, **data})


def _require_status(renovation: Renovation, allowed, message: str) -> None:
    if renovation.status not in allowed:
        raise ValidationError(message, code="wrong_status")


def _url(name: str, renovation: Renovation) -> str:
    # The pages come in their own issue: until they exist a message links nowhere.
    try:
        return reverse(name, args=[renovation.pk])
    except NoReverseMatch:
        return ""


def _tell_owner(renovation: Renovation, *, kind: str, params: dict, now, dedupe_key: str) -> None:
    notifications.notify_owner(owner=renovation.owner, kind=kind, params=params, now=now,
                               url=_url("renovation:portal_detail", renovation), dedupe_key=dedupe_key)


def _tell_staff(roles: tuple[str, ...], renovation: Renovation, *, kind: str, params: dict, now,
                dedupe_key: str) -> None:
    notifications.notify(recipients=notifications.users_in_roles(*roles), kind=kind, params=params, now=now,
                         url=_url("renovation:detail", renovation), dedupe_key=dedupe_key)


def _step(renovation: Renovation) -> int:
    """How many events the renovation has: a message sent at each of several like steps
    (a second return) has a key of its own."""
    return renovation.events.count()


def _today(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now)


def _contractor_errors(*, contractor_name, contractor_lead_name, contractor_lead_phone,
                       contractor_lead_id_number) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if contractor_name is not None and not contractor_name.strip():
        errors["contractor_name"] = [_("Name the contractor (the company).")]
    if contractor_lead_name is not None and not contractor_lead_name.strip():
        errors["contractor_lead_name"] = [_("Name the contractor's lead on site.")]
    if contractor_lead_phone is not None:
        try:
            validate_phone(contractor_lead_phone)
        except ValidationError as exc:
            errors["contractor_lead_phone"] = exc.messages
    if contractor_lead_id_number is not None:
        try:
            validate_resident_id(contractor_lead_id_number)
        except ValidationError as exc:
            errors["contractor_lead_id_number"] = exc.messages
    return errors


def _date_errors(*, planned_start, planned_end, today, current: Renovation | None = None) -> dict[str, list[str]]:
    errors = limits.date_errors({"planned_start": planned_start, "planned_end": planned_end})
    start = planned_start if planned_start is not None else (current.planned_start if current else None)
    end = planned_end if planned_end is not None else (current.planned_end if current else None)
    if planned_start is not None and "planned_start" not in errors and planned_start < today:
        errors["planned_start"] = [_("The start date cannot be in the past.")]
    if start is not None and end is not None and not errors and end < start:
        errors["planned_end"] = [_("The planned end cannot come before the start.")]
    return errors


# ---- the application -----------------------------------------------------------------------------


@transaction.atomic
def renovation_apply(
    *, unit, owner, scope: str, planned_start: datetime.date, planned_end: datetime.date, contractor_name: str,
    contractor_lead_name: str, contractor_lead_phone: str, contractor_lead_id_number: str,
    now: datetime.datetime, actor, floors_altered: bool = False,
) -> Renovation:
    """An owner applies to renovate their unit (业主装修申请表), in the portal, or the desk
    applies on the behalf of the owner it names: the scope of works, whether the
    bathroom or kitchen floors are altered, the planned dates (the start not in the
    past) and the contractor with its lead. One renovation per unit at a time. The
    documents, workers and signed papers follow (``renovation_document_add``,
    ``worker_add``, ``paper_sign``/``paper_scan_record``); the checklist says what is
    missing."""
    portal = actor is not None and not is_staff_member(actor)
    if portal:
        if owner_of(actor) is None or owner_of(actor).pk != owner.pk:
            raise PermissionDenied(_("You can only apply in your own name."))
    else:
        _authorize(None, actor, "renovation.add_renovation")
    errors = {
        **limits.field_errors(Renovation, {
            "scope": scope, "contractor_name": contractor_name, "contractor_lead_name": contractor_lead_name,
            "contractor_lead_phone": contractor_lead_phone, "contractor_lead_id_number": contractor_lead_id_number}),
    }
    if not (scope or "").strip():
        errors.setdefault("scope", []).append(_("Describe the works."))
    for name, messages_ in _contractor_errors(
            contractor_name=contractor_name or "", contractor_lead_name=contractor_lead_name or "",
            contractor_lead_phone=contractor_lead_phone or "",
            contractor_lead_id_number=contractor_lead_id_number or "").items():
        errors.setdefault(name, []).extend(messages_)
    for name, messages_ in _date_errors(planned_start=planned_start, planned_end=planned_end, today=_today(now)).items():
        errors.setdefault(name, []).extend(messages_)
    if not owns_now(owner=owner, unit=unit):
        errors["owner"] = [_("%(owner)s does not own %(unit)s: only an owner of the unit applies.")
                           % {"owner": owner.name, "unit": unit.number}]
    active = selectors.unit_active_renovation(unit=unit)
    if active is not None:
        errors["unit"] = [_one_at_a_time(unit, active)]
    if errors:
        raise ValidationError(errors)

    year = timezone.localtime(now).year
    number = f"{unit.estate.code.upper()}-ZX{year}-{next_value(f'renovation:{unit.estate_id}:{year}'):05d}"
    try:
        with transaction.atomic():
            renovation = Renovation.objects.create(
                number=number, estate=unit.estate, unit=unit, owner=owner,
                source=Source.PORTAL if portal else Source.DESK, scope=scope.strip(), floors_altered=floors_altered,
                planned_start=planned_start, planned_end=planned_end, contractor_name=contractor_name.strip(),
                contractor_lead_name=contractor_lead_name.strip(), contractor_lead_phone=contractor_lead_phone,
                contractor_lead_id_number=contractor_lead_id_number, applied_at=now, created_by=actor,
            )
    except IntegrityError:
        # Another application for the unit committed between the check and the insert.
        active = selectors.unit_active_renovation(unit=unit)
        raise ValidationError({"unit": [_one_at_a_time(unit, active)]}) from None
    RenovationEvent.objects.create(renovation=renovation, at=now, actor=actor, to_status=Status.SUBMITTED,
                                   data={"source": renovation.source})
    if portal:
        _tell_staff((FRONT_DESK,), renovation, kind=keys.APPLIED, now=now,
                    params={"number": number, "unit": unit.number, "scope": renovation.scope[:300]},
                    dedupe_key=f"renovation-applied:{renovation.pk}")
    return renovation


def _one_at_a_time(unit, active: Renovation | None) -> str:
    if active is None:
        return _("%(unit)s already has a renovation under way: one at a time.") % {"unit": unit.number}
    return (_("%(unit)s already has renovation %(number)s under way (%(status)s): one at a time.")
            % {"unit": unit.number, "number": active.number, "status": Status(active.status).label})


@transaction.atomic
def renovation_change(
    *, renovation: Renovation, now: datetime.datetime, actor, scope: str | None = None,
    floors_altered: bool | None = None, planned_start: datetime.date | None = None,
    planned_end: datetime.date | None = None, contractor_name: str | None = None,
    contractor_lead_name: str | None = None, contractor_lead_phone: str | None = None,
    contractor_lead_id_number: str | None = None,
) -> Renovation:
    """Correct the application while it is submitted or returned (what is None stays):
    the same rules as applying."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    _require_status(renovation, APPLYING, _("The application can be changed only until it is approved."))
    values = {"scope": scope, "contractor_name": contractor_name, "contractor_lead_name": contractor_lead_name,
              "contractor_lead_phone": contractor_lead_phone, "contractor_lead_id_number": contractor_lead_id_number}
    errors = limits.field_errors(Renovation, values)
    if scope is not None and not scope.strip():
        errors.setdefault("scope", []).append(_("Describe the works."))
    for name, messages_ in _contractor_errors(
            contractor_name=contractor_name, contractor_lead_name=contractor_lead_name,
            contractor_lead_phone=contractor_lead_phone, contractor_lead_id_number=contractor_lead_id_number).items():
        errors.setdefault(name, []).extend(messages_)
    for name, messages_ in _date_errors(planned_start=planned_start, planned_end=planned_end, today=_today(now),
                                        current=renovation).items():
        errors.setdefault(name, []).extend(messages_)
    if errors:
        raise ValidationError(errors)
    changed = []
    for name, value in {**values, "floors_altered": floors_altered, "planned_start": planned_start,
                        "planned_end": planned_end}.items():
        if value is None:
            continue
        value = value.strip() if isinstance(value, str) and name in ("scope", "contractor_name",
                                                                     "contractor_lead_name") else value
        if getattr(renovation, name) != value:
            setattr(renovation, name, value)
            changed.append(name)
    if changed:
        renovation.save()
        _log(renovation, "changed", actor=actor, now=now, fields=changed)
    return renovation


# ---- documents, workers, signed papers ------------------------------------------------------------


def _clean(uploads, *, kind: str, field: str) -> list[files.CleanFile]:
    uploads = list(uploads or ())
    if not uploads:
        raise ValidationError({field: [_("Choose a file to upload.")]})
    if len(uploads) > MAX_FILES:
        raise ValidationError({field: [_("Upload at most %(count)s files at a time.") % {"count": MAX_FILES}]})
    return files.clean_uploads(uploads, kind=kind, field=field)


def _documents_store(renovation, *, kind, cleaned, now, actor, worker=None) -> list[RenovationDocument]:
    stored = []
    for clean in cleaned:
        document = RenovationDocument(renovation=renovation, worker=worker, kind=kind, uploaded_at=now,
                                      uploaded_by=actor)
        document.store(clean)
        document.save()
        stored.append(document)
    return stored


@transaction.atomic
def renovation_document_add(
    *, renovation: Renovation, kind: str, uploads, now: datetime.datetime, actor,
    worker: RenovationWorker | None = None,
) -> list[RenovationDocument]:
    """Upload one of the papers the application needs (drawings, the contractor's
    licence, contract, qualification, tax registration, the lead's ID) while it is
    submitted or returned, or a worker's ID copy or photos while he is on the team.
    Through the one upload path (propertydesk.files): a photo or a PDF, a worker's photo
    a photo only; every refused file is named under ``uploads`` and then none is kept."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [_("Choose which document this is.")]})
    for_worker = kind in (DocumentKind.WORKER_ID, DocumentKind.WORKER_PHOTO)
    if for_worker:
        if worker is None or worker.renovation_id != renovation.pk or not worker.is_current:
            raise ValidationError({"worker": [_("Choose a worker of this renovation's team.")]})
        _require_status(renovation, APPLYING + WORKS, _("Workers' papers are taken until the work is done."))
    else:
        if worker is not None:
            raise ValidationError({"worker": [_("This document is the contractor's, not a worker's.")]})
        _require_status(renovation, APPLYING, _("The application's documents are taken until it is approved."))
    cleaned = _clean(uploads, kind=files.IMAGE if kind == DocumentKind.WORKER_PHOTO else files.DOCUMENT,
                     field="uploads")
    stored = _documents_store(renovation, kind=kind, cleaned=cleaned, now=now, actor=actor, worker=worker)
    _log(renovation, "document_added", actor=actor, now=now, kind=kind, count=len(stored),
         worker=worker.pk if worker else None)
    return stored


@transaction.atomic
def renovation_document_remove(*, document: RenovationDocument, now: datetime.datetime, actor) -> None:
    """Take back a document uploaded by mistake: the application's while it is submitted
    or returned, a worker's until his pass is issued. The file goes with the daily
    files sweep."""
    renovation = _locked(document.renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    document = RenovationDocument.objects.select_related("worker").get(pk=document.pk)
    if renovation.status not in APPLYING and not (
            document.worker_id and renovation.status in WORKS and not document.worker.passes.exists()):
        raise ValidationError(_("This document is part of the approved application and stays on record."),
                              code="kept")
    _log(renovation, "document_removed", actor=actor, now=now, kind=document.kind, name=document.download_name)
    document.delete()


@transaction.atomic
def worker_add(
    *, renovation: Renovation, name: str, id_number: str, now: datetime.datetime, actor, phone: str = "",
    id_copies=(), photos=(),
) -> RenovationWorker:
    """Add a worker of the contractor's team (name, ID number, phone), with his ID copy
    and two photos if given now (``renovation_document_add`` takes them later). Until
    the work is done; a worker added after the fees were paid gets his pass once his
    pass fee is (``pass_fees_take``)."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    _require_status(renovation, APPLYING + (Status.APPROVED, Status.FEES_PAID, Status.IN_PROGRESS),
                    _("Workers are added until the work is done."))
    errors = limits.field_errors(RenovationWorker, {"name": name, "id_number": id_number, "phone": phone})
    if not (name or "").strip():
        errors.setdefault("name", []).append(_("Enter the worker's name."))
    if "id_number" not in errors:
        try:
            validate_resident_id(id_number or "")
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if not errors:
        probe = RenovationWorker(id_number=id_number)
        probe.normalize()
        if renovation.workers.filter(id_number_hash=probe.id_number_hash, removed_at__isnull=True).exists():
            errors["id_number"] = [_("This worker is on the team already.")]
    cleaned_ids, cleaned_photos = [], []
    if id_copies:
        try:
            cleaned_ids = _clean(id_copies, kind=files.DOCUMENT, field="id_copies")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if photos:
        try:
            cleaned_photos = _clean(photos, kind=files.IMAGE, field="photos")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    worker = RenovationWorker.objects.create(renovation=renovation, name=name.strip(), id_number=id_number,
                                             phone=phone or None, added_at=now, added_by=actor)
    _documents_store(renovation, kind=DocumentKind.WORKER_ID, cleaned=cleaned_ids, now=now, actor=actor, worker=worker)
    _documents_store(renovation, kind=DocumentKind.WORKER_PHOTO, cleaned=cleaned_photos, now=now, actor=actor,
                     worker=worker)
    _log(renovation, "worker_added", actor=actor, now=now, worker=worker.pk, name=worker.name)
    return worker


@transaction.atomic
def worker_remove(*, worker: RenovationWorker, reason: str, now: datetime.datetime, actor) -> RenovationWorker:
    """Take a worker off the team: his pass is revoked at once (the gate then refuses
    it) and its card is to be returned. The worker stays on record."""
    renovation = _locked(worker.renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    limits.check_fields(RenovationWorker, {"reason": reason}, columns={"reason": "remove_reason"})
    worker = RenovationWorker.objects.select_for_update().get(pk=worker.pk)
    if not worker.is_current:
        raise ValidationError(_("This worker was removed already."), code="removed")
    _require_status(renovation, APPLYING + WORKS, _("The team changes until the work is done."))
    if is_staff_member(actor) and not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the worker leaves the team.")]})
    worker.removed_at, worker.removed_by, worker.remove_reason = now, actor, (reason or "").strip()
    worker.save(update_fields=["removed_at", "removed_by", "remove_reason"])
    revoked = _revoke(WorkerPass.objects.filter(worker=worker), RevokeReason.WORKER_REMOVED, now=now)
    _log(renovation, "worker_removed", actor=actor, now=now, note=worker.remove_reason, worker=worker.pk,
         name=worker.name, passes_revoked=revoked)
    return worker


def _revoke(passes, reason: str, *, now) -> int:
    return passes.filter(revoked_at__isnull=True).update(revoked_at=now, revoke_reason=reason)


def _paper_errors(paper: str, party: str | None) -> dict[str, list[str]]:
    if paper not in Paper.values:
        return {"paper": [_("Choose the paper.")]}
    if party is not None and party not in PAPER_PARTIES[paper]:
        return {"party": [_("%(paper)s is not signed by the %(party)s.")
                          % {"paper": Paper(paper).label,
                             "party": str(Party(party).label).lower() if party in Party.values else party}]}
    return {}


@transaction.atomic
def paper_sign(
    *, renovation: Renovation, paper: str, party: str, signature_png: bytes | None, now: datetime.datetime, actor,
    signer_name: str = "",
) -> SignedPaper:
    """One party signs one of the three papers on the pad (the owner's application, the
    contractor's fire safety letter, the management agreement of owner, contractor and
    property company), while the application is open. ``signature_png`` is the pad's
    image as ``propertydesk.signature.signature_from_data_url`` returns it. An owner
    signs as the owner (or hands the pad to the contractor); only staff who approve
    applications sign for the property company."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    limits.check_fields(SignedPaper, {"signer_name": signer_name})
    _require_status(renovation, APPLYING, _("The papers are signed before the application is approved."))
    errors = _paper_errors(paper, party)
    if party == Party.PROPERTY and not (actor is not None and actor.has_perm("renovation.approve_renovation")):
        raise PermissionDenied(_("Only the service centre signs for the property management company."))
    if not signature_png:
        errors["signature"] = [_("The signature box is empty. Ask the signer to sign.")]
    if not errors and renovation.papers.filter(paper=paper, party=party, method=SignMethod.PAD).exists():
        errors["party"] = [_("The %(party)s has signed this paper already.") % {"party": str(Party(party).label).lower()}]
    if errors:
        raise ValidationError(errors)
    default_name = {Party.OWNER: renovation.owner.name, Party.CONTRACTOR: renovation.contractor_lead_name,
                    Party.PROPERTY: person_name(actor) if actor else ""}[party]
    signed = SignedPaper.objects.create(
        renovation=renovation, paper=paper, party=party, method=SignMethod.PAD,
        signer_name=(signer_name or default_name).strip()[:200], signed_at=now, signature_png=signature_png,
        recorded_at=now, recorded_by=actor,
    )
    _log(renovation, "paper_signed", actor=actor, now=now, paper=paper, party=party, signer=signed.signer_name)
    return signed


@transaction.atomic
def paper_scan_record(
    *, renovation: Renovation, paper: str, scan, signer_names: str, now: datetime.datetime, actor,
    signed_at: datetime.datetime | None = None,
) -> SignedPaper:
    """Record the scan (a photo or a PDF) of a paper signed on paper by all its parties:
    who signed (as written on it) and when (``signed_at``, not after ``now``)."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    errors = {**limits.field_errors(SignedPaper, {"signer_names": signer_names}, columns={"signer_names": "signer_name"}),
              **limits.date_errors({"signed_at": signed_at}), **_paper_errors(paper, None)}
    _require_status(renovation, APPLYING, _("The papers are signed before the application is approved."))
    if not (signer_names or "").strip():
        errors.setdefault("signer_names", []).append(_("Write who signed the paper."))
    if signed_at is not None and signed_at > now:
        errors.setdefault("signed_at", []).append(_("The paper cannot be signed in the future."))
    try:
        clean = _clean([scan] if scan else [], kind=files.DOCUMENT, field="scan")[0]
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    signed = SignedPaper(renovation=renovation, paper=paper, party="", method=SignMethod.SCAN,
                         signer_name=signer_names.strip(), signed_at=signed_at or now, recorded_at=now,
                         recorded_by=actor)
    signed.store(clean)
    signed.save()
    _log(renovation, "paper_scanned", actor=actor, now=now, paper=paper, signer=signed.signer_name)
    return signed


# ---- the desk's decision ----------------------------------------------------------------------------


@transaction.atomic
def renovation_approve(*, renovation: Renovation, now: datetime.datetime, actor, note: str = "") -> Renovation:
    """The desk approves a complete application: refused while anything on the checklist
    is missing, and the refusal names every missing item. The owner is told to pay the
    fees and deposits at the finance office."""
    limits.check_fields(RenovationEvent, {"note": note})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.approve_renovation")
    TRANSITIONS.check(renovation.status, Status.APPROVED)
    checklist = selectors.renovation_checklist(renovation=renovation)
    if not checklist.complete:
        raise ValidationError(
            _("The application cannot be approved while anything is missing. Missing: %(missing)s.")
            % {"missing": checklist.missing_text()}, code="incomplete")
    _move(renovation, Status.APPROVED, actor=actor, now=now, note=(note or "").strip())
    renovation.approved_at, renovation.approved_by = now, actor
    renovation.save()
    quote = selectors.renovation_fee_quote(renovation=renovation)
    _tell_owner(renovation, kind=keys.APPROVED, now=now, dedupe_key=f"renovation-approved:{renovation.pk}",
                params={"number": renovation.number, "total": str(quote.total())})
    return renovation


@transaction.atomic
def renovation_return(*, renovation: Renovation, reasons: str, now: datetime.datetime, actor) -> Renovation:
    """The desk returns an application with the reasons the owner reads (what to add or
    correct); the owner resubmits it."""
    limits.check_fields(Renovation, {"reasons": reasons}, columns={"reasons": "return_reasons"})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.approve_renovation")
    if not (reasons or "").strip():
        raise ValidationError({"reasons": [_("Tell the owner what to add or correct.")]})
    _move(renovation, Status.RETURNED, actor=actor, now=now, note=reasons.strip())
    renovation.return_reasons = reasons.strip()
    renovation.save()
    _tell_owner(renovation, kind=keys.RETURNED, now=now,
                dedupe_key=f"renovation-returned:{renovation.pk}:{_step(renovation)}",
                params={"number": renovation.number, "reasons": renovation.return_reasons[:500]})
    return renovation


@transaction.atomic
def renovation_resubmit(*, renovation: Renovation, now: datetime.datetime, actor, note: str = "") -> Renovation:
    """The owner (or the desk for them) sends a returned application back to the desk."""
    limits.check_fields(RenovationEvent, {"note": note})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    _move(renovation, Status.SUBMITTED, actor=actor, now=now, note=(note or "").strip(),
          only_from=(Status.RETURNED,))
    renovation.save()
    if not is_staff_member(actor):
        _tell_staff((FRONT_DESK,), renovation, kind=keys.RESUBMITTED, now=now,
                    dedupe_key=f"renovation-resubmitted:{renovation.pk}:{_step(renovation)}",
                    params={"number": renovation.number, "unit": renovation.unit.number})
    return renovation


@transaction.atomic
def renovation_withdraw(*, renovation: Renovation, reason: str, now: datetime.datetime, actor) -> Renovation:
    """The owner withdraws the renovation before the work starts (the permit). Deposits
    already paid fall due for refund at once; the unit is free for a new application."""
    limits.check_fields(Renovation, {"reason": reason}, columns={"reason": "withdraw_reason"})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    if is_staff_member(actor) and not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the renovation is withdrawn.")]})
    _move(renovation, Status.WITHDRAWN, actor=actor, now=now, note=(reason or "").strip())
    renovation.withdrawn_at, renovation.withdraw_reason = now, (reason or "").strip()
    if renovation.charges.filter(kind__in=DEPOSITS).exists():
        renovation.deposits_due_on = _today(now)
    renovation.save()
    _revoke(renovation.passes.all(), RevokeReason.WITHDRAWN, now=now)
    return renovation


# ---- fees ---------------------------------------------------------------------------------------------


def _charge(renovation: Renovation, *, kind: str, quantity, rate, amount, method: str, payer_name: str, now,
            actor) -> RenovationCharge:
    """One fee or deposit with its own receipt, from the fees app's one receipt sequence;
    what it is for is a message read in the payer's language (messages.RECEIPT)."""
    receipt = fees.receipt_issue(
        estate=renovation.estate, unit=renovation.unit, amount=amount, method=method, payer_name=payer_name,
        purpose_key=keys.RECEIPT, now=now, actor=actor, source=f"renovation:{renovation.pk}:{kind}",
        purpose_params={"number": renovation.number, "unit": renovation.unit.number,
                        "item": messages.label(choices=ChargeKind, value=kind)},
    )
    return RenovationCharge.objects.create(renovation=renovation, kind=kind, quantity=quantity, rate=rate,
                                           amount=amount, receipt=receipt, payer_name=payer_name, paid_at=now,
                                           taken_by=actor)


def _payer_errors(**names: str) -> dict[str, list[str]]:
    errors = limits.field_errors(RenovationCharge, {name: value for name, value in names.items()},
                                 columns={name: "payer_name" for name in names})
    return errors


@transaction.atomic
def renovation_fees_take(
    *, renovation: Renovation, method: str, now: datetime.datetime, actor, decline_rubbish_fee: bool = False,
    owner_payer_name: str = "", contractor_payer_name: str = "",
) -> list[RenovationCharge]:
    """Finance (or the desk) takes the fees of an approved renovation (002 装修流程 二,
    amounts from the estate's policy): the owner's deposit, the contractor's deposit,
    rubbish removal by the unit's floor area (unless the owner declines it: recorded,
    and printed on the application and the permit) and a pass fee for each worker on the
    team. Each gets its own receipt; the renovation is then paid and waits for its
    permit. Returns the charges taken."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.take_renovation_fees")
    TRANSITIONS.check(renovation.status, Status.FEES_PAID)
    owner_payer = (owner_payer_name or renovation.owner.name).strip()
    contractor_payer = (contractor_payer_name or renovation.contractor_name).strip()
    errors = _payer_errors(owner_payer_name=owner_payer, contractor_payer_name=contractor_payer)
    if method not in FEE_METHODS:
        errors["method"] = [_("Choose cash, card or online.")]
    if errors:
        raise ValidationError(errors)
    quote = selectors.renovation_fee_quote(renovation=renovation)
    workers = list(renovation.workers.filter(removed_at__isnull=True, pass_fee_paid_at__isnull=True))
    lines = [
        (ChargeKind.OWNER_DEPOSIT, Decimal("1"), quote.owner_deposit, quote.owner_deposit, owner_payer),
        (ChargeKind.CONTRACTOR_DEPOSIT, Decimal("1"), quote.contractor_deposit, quote.contractor_deposit,
         contractor_payer),
    ]
    if not decline_rubbish_fee:
        lines.append((ChargeKind.RUBBISH_FEE, quote.area, quote.rubbish_rate, quote.rubbish_fee, owner_payer))
    lines.append((ChargeKind.PASS_FEE, Decimal(len(workers)), quote.pass_fee,
                  rules.money(quote.pass_fee * len(workers)), contractor_payer))
    charges = [
        _charge(renovation, kind=kind, quantity=quantity, rate=rate, amount=amount, method=method, payer_name=payer,
                now=now, actor=actor)
        for kind, quantity, rate, amount, payer in lines if amount > 0
    ]
    pass_charge = next((c for c in charges if c.kind == ChargeKind.PASS_FEE), None)
    RenovationWorker.objects.filter(pk__in=[w.pk for w in workers]).update(pass_fee_paid_at=now,
                                                                           pass_charge=pass_charge)
    total = sum((c.amount for c in charges), Decimal("0.00"))
    _move(renovation, Status.FEES_PAID, actor=actor, now=now,
          data={"total": str(total), "rubbish_fee_declined": bool(decline_rubbish_fee),
                "receipts": [c.receipt.number for c in charges]})
    renovation.fees_paid_at = now
    renovation.rubbish_fee_declined = bool(decline_rubbish_fee)
    renovation.save()
    return charges


@transaction.atomic
def pass_fees_take(*, renovation: Renovation, method: str, now: datetime.datetime, actor,
                   payer_name: str = "") -> RenovationCharge | None:
    """The pass fee of the workers who joined after the fees were paid, with one receipt;
    their passes can then be issued. None when the estate charges nothing for a pass."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.take_renovation_fees")
    _require_status(renovation, (Status.FEES_PAID, Status.IN_PROGRESS),
                    _("Pass fees are taken once the renovation's fees are paid, until the work is done."))
    payer = (payer_name or renovation.contractor_name).strip()
    errors = _payer_errors(payer_name=payer)
    if method not in FEE_METHODS:
        errors["method"] = [_("Choose cash, card or online.")]
    if errors:
        raise ValidationError(errors)
    workers = list(renovation.workers.filter(removed_at__isnull=True, pass_fee_paid_at__isnull=True))
    if not workers:
        raise ValidationError(_("Every worker's pass fee is paid."), code="nothing_to_pay")
    rate = rules.money(rules.renovation_policy(estate=renovation.estate).pass_fee)
    amount = rules.money(rate * len(workers))
    charge = None
    if amount > 0:
        charge = _charge(renovation, kind=ChargeKind.PASS_FEE, quantity=Decimal(len(workers)), rate=rate,
                         amount=amount, method=method, payer_name=payer, now=now, actor=actor)
    RenovationWorker.objects.filter(pk__in=[w.pk for w in workers]).update(pass_fee_paid_at=now, pass_charge=charge)
    _log(renovation, "pass_fees_taken", actor=actor, now=now, workers=[w.pk for w in workers], amount=str(amount),
         receipt=charge.receipt.number if charge else "")
    return charge


# ---- permit and passes -----------------------------------------------------------------------------


def _worker_ready(worker: RenovationWorker) -> bool:
    kinds = list(worker.documents.values_list("kind", flat=True))
    return DocumentKind.WORKER_ID in kinds and kinds.count(DocumentKind.WORKER_PHOTO) >= PHOTOS_PER_WORKER


def _issue_passes(renovation: Renovation, workers: list[RenovationWorker], *, now, actor) -> list[WorkerPass]:
    """A pass for each worker, valid from the planned start (today if that is past) to the
    planned end, numbered from the estate's pass sequence in one statement."""
    if not workers:
        return []
    year = timezone.localtime(now).year
    serials = next_values(f"worker-pass:{renovation.estate_id}:{year}", len(workers))
    code = renovation.estate.code.upper()
    photos = {}
    for document in (RenovationDocument.objects.filter(worker__in=workers, kind=DocumentKind.WORKER_PHOTO)
                     .order_by("-uploaded_at", "-pk")):
        photos[document.worker_id] = document  # the first one uploaded wins
    valid_from = max(renovation.planned_start, _today(now))
    passes = WorkerPass.objects.bulk_create([
        WorkerPass(serial=f"{code}-CR{year}-{value:05d}", renovation=renovation, worker=worker,
                   holder_name=worker.name, holder_id_number=worker.id_number, room=renovation.unit.number,
                   contractor_name=renovation.contractor_name, photo=photos.get(worker.pk),
                   permit_number=renovation.permit_number, valid_from=valid_from, valid_to=renovation.planned_end,
                   issued_at=now, issued_by=actor)
        for worker, value in zip(workers, serials)
    ])
    _log(renovation, "passes_issued", actor=actor, now=now, serials=[p.serial for p in passes])
    return passes


def _passes_for(renovation: Renovation) -> list[RenovationWorker]:
    """The team members who get a pass now: paid, with their ID copy and two photos, and
    no live pass yet. Refused naming whoever is not ready."""
    live = WorkerPass.objects.filter(worker=OuterRef("pk"), revoked_at__isnull=True)
    waiting = list(renovation.workers.filter(~Exists(live), removed_at__isnull=True).order_by("added_at", "pk"))
    paid = [w for w in waiting if w.pass_fee_paid_at is not None]
    unpaid = [w.name for w in waiting if w.pass_fee_paid_at is None]
    unready = [w.name for w in paid if not _worker_ready(w)]
    if unready:
        raise ValidationError(_("No pass without the worker's ID copy and %(count)d photos: %(names)s.")
                              % {"count": PHOTOS_PER_WORKER, "names": "、".join(unready)}, code="worker_papers")
    if not paid and unpaid:
        raise ValidationError(_("The pass fee of %(names)s is not paid yet.") % {"names": "、".join(unpaid)},
                              code="pass_fee_unpaid")
    return paid


@transaction.atomic
def permit_issue(*, renovation: Renovation, now: datetime.datetime, actor) -> Renovation:
    """On the fees' receipts the desk issues the renovation permit (装修施工许可证, numbered
    per estate and year) and a pass for every paid worker: the work may start. Refused
    before the fees are paid, and once the planned end has passed (extend it first)."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.issue_renovation_permit")
    TRANSITIONS.check(renovation.status, Status.IN_PROGRESS, only_from=(Status.FEES_PAID,))
    if renovation.planned_end < _today(now):
        raise ValidationError({"planned_end": [
            _("The planned end (%(date)s) has passed: extend the renovation first.")
            % {"date": renovation.planned_end.isoformat()}]})
    workers = _passes_for(renovation)
    year = timezone.localtime(now).year
    value = next_value(f"renovation-permit:{renovation.estate_id}:{year}")
    renovation.permit_number = f"{renovation.estate.code.upper()}-XK{year}-{value:05d}"
    renovation.permit_issued_at, renovation.permit_issued_by = now, actor
    _move(renovation, Status.IN_PROGRESS, actor=actor, now=now, data={"permit": renovation.permit_number})
    renovation.save()
    _issue_passes(renovation, workers, now=now, actor=actor)
    policy = rules.renovation_policy(estate=renovation.estate)
    _tell_owner(renovation, kind=keys.PERMIT_ISSUED, now=now, dedupe_key=f"renovation-permit:{renovation.pk}",
                params={"permit": renovation.permit_number, "unit": renovation.unit.number,
                        "hours": rules.working_hours_text(policy)})
    return renovation


@transaction.atomic
def passes_issue(*, renovation: Renovation, now: datetime.datetime, actor) -> list[WorkerPass]:
    """Passes for the workers who have none yet (joined later, or whose pass was lost
    and revoked) once their pass fee is paid, while the work is in progress."""
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.issue_renovation_permit")
    _require_status(renovation, (Status.IN_PROGRESS,),
                    _("Passes are issued with the permit, once the fees are paid, until the work is done."))
    if renovation.planned_end < _today(now):
        raise ValidationError({"planned_end": [
            _("The planned end (%(date)s) has passed: extend the renovation first.")
            % {"date": renovation.planned_end.isoformat()}]})
    workers = _passes_for(renovation)
    if not workers:
        raise ValidationError(_("Every worker on the team has a pass."), code="nothing_to_issue")
    return _issue_passes(renovation, workers, now=now, actor=actor)


@transaction.atomic
def renovation_extend(*, renovation: Renovation, planned_end: datetime.date, reason: str, now: datetime.datetime,
                      actor) -> Renovation:
    """Move the planned end later (the owner asked; the desk agrees): the live passes are
    valid to the new end."""
    limits.check_fields(RenovationEvent, {"reason": reason}, columns={"reason": "note"})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.issue_renovation_permit")
    _require_status(renovation, (Status.APPROVED, Status.FEES_PAID, Status.IN_PROGRESS),
                    _("A renovation is extended while the work is ahead or under way."))
    errors = limits.date_errors({"planned_end": planned_end})
    if not errors and (planned_end is None or planned_end <= renovation.planned_end or planned_end < _today(now)):
        errors["planned_end"] = [_("The new end comes after %(date)s and is not in the past.")
                                 % {"date": renovation.planned_end.isoformat()}]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the work takes longer.")]
    if errors:
        raise ValidationError(errors)
    before = renovation.planned_end
    renovation.planned_end = planned_end
    renovation.save()
    renovation.passes.filter(revoked_at__isnull=True).update(valid_to=planned_end)
    _log(renovation, "extended", actor=actor, now=now, note=reason.strip(), before=before.isoformat(),
         after=planned_end.isoformat())
    return renovation


@transaction.atomic
def pass_return(*, worker_pass: WorkerPass, now: datetime.datetime, actor, lost: bool = False) -> WorkerPass:
    """The card of a revoked pass is handed back to the desk (or recorded as lost):
    the deposits are refunded only when every card is back or recorded lost."""
    _authorize(worker_pass.renovation, actor, "renovation.issue_renovation_permit")
    worker_pass = WorkerPass.objects.select_for_update().get(pk=worker_pass.pk)
    if worker_pass.revoked_at is None:
        raise ValidationError(_("This pass is still valid: remove the worker or finish the renovation first."),
                              code="live")
    if worker_pass.returned_at is not None:
        raise ValidationError(_("This pass was handed back already."), code="returned")
    worker_pass.returned_at, worker_pass.returned_lost, worker_pass.return_recorded_by = now, bool(lost), actor
    worker_pass.save(update_fields=["returned_at", "returned_lost", "return_recorded_by"])
    _log(worker_pass.renovation, "pass_returned", actor=actor, now=now, serial=worker_pass.serial, lost=bool(lost))
    return worker_pass


@dataclass(frozen=True)
class GateAnswer:
    """What the gate shows: the answer (a GateResult) and, when the pass is ours, whose
    it is: the worker's name and photo, the room and the contractor, the valid dates."""

    result: str
    check: GateCheck
    worker_pass: WorkerPass | None

    @property
    def ok(self) -> bool:
        return self.result == GateResult.VALID

    @property
    def label(self) -> str:
        return str(GateResult(self.result).label)


@transaction.atomic
def gate_check(*, code: str, now: datetime.datetime, actor) -> GateAnswer:
    """Check a pass at the gate by the serial on the card or its scanned QR code: valid,
    expired, not yet valid, revoked, outside working hours (the estate's windows and days
    off), unknown, or a forged QR code. Every check is logged."""
    _authorize(None, actor, "renovation.check_gate")
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": [_("Enter the pass's serial number or scan its QR code.")]})
    worker_pass, read = selectors.pass_by_code(code=code)
    if read.forged:
        result = GateResult.FORGED
    elif worker_pass is None:
        result = GateResult.UNKNOWN
    else:
        result = rules.pass_answer(worker_pass, now=now,
                                   policy=rules.renovation_policy(estate=worker_pass.renovation.estate))
    check = GateCheck.objects.create(checked_at=now, checked_by=actor, code=(read.serial or code)[:120],
                                     worker_pass=worker_pass, result=result)
    return GateAnswer(result=result, check=check, worker_pass=worker_pass)


# ---- patrols and breaches ---------------------------------------------------------------------------


def _photos_store(cleaned, *, now, actor, patrol=None, breach=None) -> list[EvidencePhoto]:
    stored = []
    for clean in cleaned:
        photo = EvidencePhoto(patrol=patrol, breach=breach, uploaded_at=now, uploaded_by=actor)
        photo.store(clean)
        photo.save()
        stored.append(photo)
    return stored


@transaction.atomic
def patrol_record(*, renovation: Renovation, in_order: bool, now: datetime.datetime, actor, findings: str = "",
                  photos=()) -> Patrol:
    """Staff visit the works and record what they found, with photos; anything not in
    order is written down (a breach is proposed with ``breach_propose``)."""
    limits.check_fields(Patrol, {"findings": findings})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.patrol_renovation")
    _require_status(renovation, WORKS, _("Patrols visit renovations approved and not yet accepted."))
    errors: dict[str, list[str]] = {}
    if not in_order and not (findings or "").strip():
        errors["findings"] = [_("Write down what is not in order.")]
    cleaned = []
    if photos:
        try:
            cleaned = _clean(photos, kind=files.IMAGE, field="photos")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    patrol = Patrol.objects.create(renovation=renovation, at=now, by=actor, in_order=in_order,
                                   findings=(findings or "").strip())
    _photos_store(cleaned, now=now, actor=actor, patrol=patrol)
    _log(renovation, "patrol", actor=actor, now=now, patrol=patrol.pk, in_order=in_order)
    return patrol


def _deposit_remaining(deposit: RenovationCharge) -> Decimal:
    deducted = deposit.deductions.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    return deposit.amount - deducted


def _held_deposit(renovation: Renovation, kind: str, *, lock: bool = False) -> RenovationCharge | None:
    deposits = RenovationCharge.objects.filter(renovation=renovation, kind=kind)
    if lock:
        deposits = deposits.select_for_update()
    deposit = deposits.first()
    if deposit is None or DepositRefund.objects.filter(deposit=deposit).exists():
        return None
    return deposit


def _too_large(penalty: Decimal, remaining: Decimal, kind: str) -> dict[str, list[str]]:
    return {"penalty": [_("The penalty (¥%(penalty)s) is more than what is left of the %(deposit)s (¥%(left)s).")
                        % {"penalty": penalty, "deposit": str(ChargeKind(kind).label).lower(), "left": remaining}]}


@transaction.atomic
def breach_propose(
    *, renovation: Renovation, rule: str, evidence: str, penalty: Decimal, deposit_kind: str,
    now: datetime.datetime, actor, patrol: Patrol | None = None, photos=(),
) -> Breach:
    """A breach of the renovation rules (the rule, the evidence, photos) with the penalty
    proposed from one deposit; the supervisors are asked to approve it. Refused when that
    deposit is not held, or the penalty is more than what is left of it."""
    limits.check_fields(Breach, {"rule": rule, "evidence": evidence, "penalty": penalty})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.patrol_renovation")
    errors: dict[str, list[str]] = {}
    if not (rule or "").strip():
        errors["rule"] = [_("Name the rule that was broken.")]
    if not (evidence or "").strip():
        errors["evidence"] = [_("Describe the evidence.")]
    if deposit_kind not in DEPOSITS:
        errors["deposit_kind"] = [_("Choose the deposit the penalty comes from.")]
    if penalty is None or penalty <= 0:
        errors["penalty"] = [_("The penalty must be more than zero.")]
    if patrol is not None and patrol.renovation_id != renovation.pk:
        errors["patrol"] = [_("That patrol visited another renovation.")]
    if not errors:
        deposit = _held_deposit(renovation, deposit_kind)
        if deposit is None:
            errors["deposit_kind"] = [_("No %(deposit)s is held for this renovation.")
                                      % {"deposit": str(ChargeKind(deposit_kind).label).lower()}]
        elif rules.money(penalty) > _deposit_remaining(deposit):
            errors.update(_too_large(rules.money(penalty), _deposit_remaining(deposit), deposit_kind))
    cleaned = []
    if photos:
        try:
            cleaned = _clean(photos, kind=files.IMAGE, field="photos")
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    breach = Breach.objects.create(renovation=renovation, patrol=patrol, rule=rule.strip(), evidence=evidence.strip(),
                                   deposit_kind=deposit_kind, penalty=rules.money(penalty), proposed_at=now,
                                   proposed_by=actor)
    _photos_store(cleaned, now=now, actor=actor, breach=breach)
    _log(renovation, "breach_proposed", actor=actor, now=now, breach=breach.pk, penalty=str(breach.penalty))
    _tell_staff((SUPERVISOR,), renovation, kind=keys.BREACH_PROPOSED, now=now,
                dedupe_key=f"renovation-breach:{breach.pk}",
                params={"number": renovation.number, "unit": renovation.unit.number, "rule": breach.rule[:200],
                        "amount": str(breach.penalty), "deposit": messages.label(choices=ChargeKind, value=deposit_kind)})
    return breach


@transaction.atomic
def breach_approve(*, breach: Breach, now: datetime.datetime, actor, note: str = "") -> Breach:
    """A supervisor approves a proposed penalty: it becomes a deduction from the deposit
    named. Refused if the deposit was refunded, or if the penalty is more than what is
    left of it (a refund is never negative). The owner is told."""
    limits.check_fields(Breach, {"note": note}, columns={"note": "decision_note"})
    renovation = _locked(breach.renovation)
    _authorize(renovation, actor, "renovation.approve_breach")
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if breach.status != BreachStatus.PROPOSED:
        raise ValidationError(_("This penalty was decided already."), code="decided")
    deposit = _held_deposit(renovation, breach.deposit_kind, lock=True)
    if deposit is None:
        raise ValidationError({"deposit_kind": [_("The %(deposit)s is no longer held: it was refunded.")
                                                % {"deposit": str(ChargeKind(breach.deposit_kind).label).lower()}]})
    if breach.penalty > _deposit_remaining(deposit):
        raise ValidationError(_too_large(breach.penalty, _deposit_remaining(deposit), breach.deposit_kind))
    breach.status, breach.decided_at, breach.decided_by = BreachStatus.APPROVED, now, actor
    breach.decision_note = (note or "").strip()
    breach.save()
    Deduction.objects.create(deposit=deposit, breach=breach, amount=breach.penalty, at=now, by=actor)
    _log(renovation, "penalty_deducted", actor=actor, now=now, breach=breach.pk, amount=str(breach.penalty),
         deposit=breach.deposit_kind)
    _tell_owner(renovation, kind=keys.PENALTY, now=now, dedupe_key=f"renovation-penalty:{breach.pk}",
                params={"number": renovation.number, "rule": breach.rule[:200], "amount": str(breach.penalty),
                        "deposit": messages.label(choices=ChargeKind, value=breach.deposit_kind)})
    return breach


@transaction.atomic
def breach_reject(*, breach: Breach, note: str, now: datetime.datetime, actor) -> Breach:
    """A supervisor rejects a proposed penalty, saying why; nothing is deducted."""
    limits.check_fields(Breach, {"note": note}, columns={"note": "decision_note"})
    renovation = _locked(breach.renovation)
    _authorize(renovation, actor, "renovation.approve_breach")
    breach = Breach.objects.select_for_update().get(pk=breach.pk)
    if breach.status != BreachStatus.PROPOSED:
        raise ValidationError(_("This penalty was decided already."), code="decided")
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say why the penalty is rejected.")]})
    breach.status, breach.decided_at, breach.decided_by = BreachStatus.REJECTED, now, actor
    breach.decision_note = note.strip()
    breach.save()
    _log(renovation, "penalty_rejected", actor=actor, now=now, note=breach.decision_note, breach=breach.pk)
    return breach


# ---- completion -------------------------------------------------------------------------------------


@transaction.atomic
def acceptance_request(*, renovation: Renovation, now: datetime.datetime, actor, note: str = "") -> Inspection:
    """The owner (or the desk for them) says the work is done and asks for the acceptance
    inspection (装修验收申请表); after a failed one this is the re-inspection. Engineering
    is told."""
    limits.check_fields(Inspection, {"note": note}, columns={"note": "request_note"})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.change_renovation", owner_may=True)
    _move(renovation, Status.ACCEPTANCE_REQUESTED, actor=actor, now=now, note=(note or "").strip())
    renovation.save()
    inspection = Inspection.objects.create(renovation=renovation, requested_at=now, requested_by=actor,
                                           request_note=(note or "").strip())
    _tell_staff((ENGINEERING,), renovation, kind=keys.ACCEPTANCE_REQUESTED, now=now,
                dedupe_key=f"renovation-acceptance:{inspection.pk}",
                params={"number": renovation.number, "unit": renovation.unit.number,
                        "note": inspection.request_note[:300]})
    return inspection


@transaction.atomic
def inspection_record(*, renovation: Renovation, passed: bool, now: datetime.datetime, actor,
                      items_to_fix: str = "", note: str = "") -> Inspection:
    """Engineering records the inspection (二次装修验收表). Passed: the work is over, the
    passes are revoked, and the deposits fall due after the estate's refund days, or
    refund months when the bathroom or kitchen floor was altered. Failed: the items to
    fix are listed and the work goes back in progress until acceptance is requested
    again. The owner is told either way."""
    limits.check_fields(Inspection, {"items_to_fix": items_to_fix, "note": note})
    renovation = _locked(renovation)
    _authorize(renovation, actor, "renovation.inspect_renovation")
    if not passed and not (items_to_fix or "").strip():
        raise ValidationError({"items_to_fix": [_("List what has to be fixed.")]})
    inspection = (Inspection.objects.select_for_update().filter(renovation=renovation, inspected_at__isnull=True)
                  .first())
    _move(renovation, Status.PASSED if passed else Status.IN_PROGRESS, actor=actor, now=now,
          only_from=(Status.ACCEPTANCE_REQUESTED,), note=(items_to_fix if not passed else note or "").strip(),
          data={"inspection": inspection.pk if inspection else None, "passed": bool(passed)})
    if inspection is None:  # cannot happen through the services: the request made one
        inspection = Inspection(renovation=renovation, requested_at=now)
    inspection.inspected_at, inspection.inspector, inspection.passed = now, actor, bool(passed)
    inspection.items_to_fix = "" if passed else items_to_fix.strip()
    inspection.note = (note or "").strip()
    inspection.save()
    if passed:
        policy = rules.renovation_policy(estate=renovation.estate)
        renovation.passed_at = now
        renovation.deposits_due_on = rules.deposits_due_on(passed_on=_today(now),
                                                           floors_altered=renovation.floors_altered, policy=policy)
        renovation.save()
        _revoke(renovation.passes.all(), RevokeReason.RENOVATION_ENDED, now=now)
        _tell_owner(renovation, kind=keys.INSPECTION_PASSED, now=now,
                    dedupe_key=f"renovation-inspection:{inspection.pk}",
                    params={"number": renovation.number, "date": messages.day(renovation.deposits_due_on)})
    else:
        renovation.save()
        _tell_owner(renovation, kind=keys.INSPECTION_FAILED, now=now,
                    dedupe_key=f"renovation-inspection:{inspection.pk}",
                    params={"number": renovation.number, "items": inspection.items_to_fix[:500]})
    return inspection


# ---- refunds --------------------------------------------------------------------------------------


def _fall_due(renovation: Renovation, *, now, actor) -> bool:
    """Move a passed renovation whose refund day has come to "deposits due"."""
    if renovation.status == Status.PASSED and renovation.deposits_due_on <= _today(now):
        _move(renovation, Status.DEPOSITS_DUE, actor=actor, now=now)
        renovation.save()
        return True
    return False


@transaction.atomic
def deposit_refund(*, deposit: RenovationCharge, method: str, now: datetime.datetime, actor,
                   payee_name: str = "") -> DepositRefund:
    """Finance pays a deposit back once it is due (after passing inspection, or at once
    for a renovation withdrawn after paying): the deposit less its approved penalties,
    never less than nothing, as a payment out of its own with a refund voucher number
    (the deposit's row is never changed). Refused before the due day, while a penalty on
    it awaits a decision, or while a pass card is still out. When both deposits are
    refunded the renovation is closed."""
    renovation = _locked(deposit.renovation)
    _authorize(renovation, actor, "renovation.refund_deposit")
    deposit = RenovationCharge.objects.select_for_update().get(pk=deposit.pk)
    payee = (payee_name or deposit.payer_name).strip()
    errors = limits.field_errors(DepositRefund, {"payee_name": payee})
    if method not in RefundMethod.values:
        errors["method"] = [_("Choose how the refund is paid.")]
    if not payee:
        errors["payee_name"] = [_("Enter who receives the refund.")]
    if errors:
        raise ValidationError(errors)
    if not deposit.is_deposit:
        raise ValidationError(_("Only a deposit is refunded."), code="not_deposit")
    if DepositRefund.objects.filter(deposit=deposit).exists():
        raise ValidationError(_("This deposit was refunded already."), code="refunded")
    if renovation.deposits_due_on is None or renovation.status not in (Status.PASSED, Status.DEPOSITS_DUE,
                                                                      Status.WITHDRAWN):
        raise ValidationError(_("Deposits are refunded after the renovation passes its inspection."),
                              code="not_due")
    if renovation.deposits_due_on > _today(now):
        raise ValidationError(_("The deposits fall due on %(date)s.") % {"date": renovation.deposits_due_on.isoformat()},
                              code="not_due")
    if renovation.breaches.filter(status=BreachStatus.PROPOSED, deposit_kind=deposit.kind).exists():
        raise ValidationError(_("A penalty on this deposit awaits the supervisor's decision."), code="penalty_pending")
    out = list(renovation.passes.filter(returned_at__isnull=True).values_list("serial", flat=True))
    if out:
        raise ValidationError(_("Passes not handed back yet: %(serials)s.") % {"serials": ", ".join(out)},
                              code="passes_out")
    _fall_due(renovation, now=now, actor=actor)
    deducted = deposit.deductions.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    amount = deposit.amount - deducted
    if amount < 0:  # the approvals never let it happen; the database would refuse it too
        raise ValidationError({"deducted": [_("The penalties (¥%(deducted)s) are more than the deposit (¥%(amount)s).")
                                            % {"deducted": deducted, "amount": deposit.amount}]})
    year = timezone.localtime(now).year
    value = next_value(f"renovation-refund:{renovation.estate_id}:{year}")
    refund = DepositRefund.objects.create(
        deposit=deposit, voucher_number=f"{renovation.estate.code.upper()}-TK{year}-{value:06d}", deducted=deducted,
        amount=amount, method=method, payee_name=payee, paid_at=now, paid_by=actor)
    _log(renovation, "deposit_refunded", actor=actor, now=now, deposit=deposit.kind, amount=str(amount),
         deducted=str(deducted), voucher=refund.voucher_number)
    held = renovation.charges.filter(kind__in=DEPOSITS, refund__isnull=True).exists()
    if not held and renovation.status == Status.DEPOSITS_DUE:
        _move(renovation, Status.REFUNDED, actor=actor, now=now)
        renovation.closed_at = now
        renovation.save()
    _tell_owner(renovation, kind=keys.REFUNDED, now=now, dedupe_key=f"renovation-refund:{refund.pk}",
                params={"number": renovation.number, "deposit": messages.label(choices=ChargeKind, value=deposit.kind),
                        "amount": str(amount), "deducted": str(deducted), "voucher": refund.voucher_number})
    return refund


# ---- the policy ------------------------------------------------------------------------------------


@transaction.atomic
def renovation_policy_save(*, estate, actor, **values) -> RenovationPolicy:
    """A supervisor sets an estate's renovation fees, refund periods and working hours: a
    row of its own instead of the defaults (``RenovationPolicy.VALUE_FIELDS``; what is not
    given keeps its value). Fees already taken and refund days already decided stay."""
    _authorize(None, actor, "renovation.change_renovationpolicy")
    unknown = set(values) - set(RenovationPolicy.VALUE_FIELDS)
    if unknown:
        raise TypeError(f"not policy fields: {', '.join(sorted(unknown))}")
    policy = (RenovationPolicy.objects.select_for_update().filter(estate=estate).first()
              or RenovationPolicy.with_defaults(estate=estate))
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    return policy


# ---- the daily job ---------------------------------------------------------------------------------


def renovations_fall_due(*, as_of: datetime.datetime) -> list[int]:
    """Every renovation that passed inspection and whose refund day has come moves to
    "deposits due"; one with no deposit held moves on to refunded (closed). One statement
    for all of them, with an event per move as ``states.move`` writes them one by one;
    rows another run holds are skipped, so two runs at once move each once. Returns the
    ids of the renovations moved."""
    for pair in ((Status.PASSED, Status.DEPOSITS_DUE), (Status.DEPOSITS_DUE, Status.REFUNDED)):
        TRANSITIONS.check(*pair)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("""
            WITH due AS (
                SELECT r.id, EXISTS (SELECT 1 FROM renovation_renovationcharge c
                                     WHERE c.renovation_id = r.id AND c.kind = ANY(%(deposits)s)) AS held
                FROM renovation_renovation r
                WHERE r.status = %(passed)s AND r.deposits_due_on <= %(today)s
                ORDER BY r.id FOR UPDATE OF r SKIP LOCKED),
            moved AS (
                UPDATE renovation_renovation r
                SET status = CASE WHEN d.held THEN %(due)s ELSE %(refunded)s END,
                    closed_at = CASE WHEN d.held THEN r.closed_at ELSE %(now)s END
                FROM due d WHERE r.id = d.id RETURNING r.id, d.held),
            logged AS (
                INSERT INTO renovation_renovationevent (renovation_id, at, actor_id, from_status, to_status, note, data)
                SELECT id, %(now)s, NULL, from_status, to_status, '', '{}'::jsonb
                FROM (SELECT id, 1 AS step, %(passed)s AS from_status, %(due)s AS to_status FROM moved
                      UNION ALL
                      SELECT id, 2, %(due)s, %(refunded)s FROM moved WHERE NOT held) m
                ORDER BY id, step)
            SELECT id FROM moved ORDER BY id
        """, {"deposits": list(DEPOSITS), "passed": Status.PASSED, "due": Status.DEPOSITS_DUE,
              "refunded": Status.REFUNDED, "today": _today(as_of), "now": as_of})
        return [row[0] for row in cursor.fetchall()]


def _owner_message(renovation: Renovation, kind: str, key: str, params: dict) -> notifications.OwnerMessage:
    return notifications.OwnerMessage(owner=renovation.owner, kind=kind, dedupe_key=key, params=params,
                                      url=_url("renovation:portal_detail", renovation))


@transaction.atomic
def renovation_reminders_send(*, as_of: datetime.datetime) -> dict[str, int]:
    """The daily job's messages, each once whatever the reruns (a dedupe key per event):
    passes expiring within the warning days and passes expired (to the desk and the
    owner), deposits falling due (finance and the owner), renovations past their planned
    end (the desk and the owner), inspections not done within the working days
    (engineering and the supervisors). Returns how many events of each were found."""
    staff: list[notifications.StaffMessage] = []
    owners: list[notifications.OwnerMessage] = []
    roles_of = {"desk": (FRONT_DESK,), "finance": (FINANCE,), "engineering": (ENGINEERING, SUPERVISOR)}

    @functools.cache
    def recipients(role: str) -> tuple[int, ...]:
        """Each role's people, read once, and only when someone is to be told."""
        return tuple(notifications.users_in_roles(*roles_of[role]).order_by("pk").values_list("pk", flat=True))

    def both(renovation, roles, kind, key, params):
        staff.append(notifications.StaffMessage(recipients=recipients(roles), kind=kind, dedupe_key=key, params=params,
                                                url=_url("renovation:detail", renovation)))
        owners.append(_owner_message(renovation, kind, key, params))

    expiring = selectors.passes_expiring(as_of=as_of)
    for group in expiring:
        both(group.renovation, "desk", keys.PASSES_EXPIRING,
             f"renovation-passes-expiring:{group.renovation.pk}:{group.valid_to.isoformat()}",
             {"unit": group.renovation.unit.number, "date": messages.day(group.valid_to),
              "count": len(group.passes), "names": group.names})
    expired = selectors.passes_expired(as_of=as_of)
    for group in expired:
        both(group.renovation, "desk", keys.PASSES_EXPIRED,
             f"renovation-passes-expired:{group.renovation.pk}:{group.valid_to.isoformat()}",
             {"unit": group.renovation.unit.number, "date": messages.day(group.valid_to),
              "count": len(group.passes), "names": group.names})
    due = list(selectors.deposits_falling_due(as_of=as_of))
    for renovation in due:
        both(renovation, "finance", keys.DEPOSITS_DUE, f"renovation-deposits-due:{renovation.pk}",
             {"unit": renovation.unit.number, "number": renovation.number,
              "date": messages.day(renovation.deposits_due_on)})
    overrun = list(selectors.renovations_overrun(as_of=as_of))
    for renovation in overrun:
        both(renovation, "desk", keys.OVERRUN,
             f"renovation-overrun:{renovation.pk}:{renovation.planned_end.isoformat()}",
             {"unit": renovation.unit.number, "number": renovation.number,
              "date": messages.day(renovation.planned_end)})
    late = selectors.inspections_late(as_of=as_of)
    for request in late:
        renovation = request.renovation
        staff.append(notifications.StaffMessage(
            recipients=recipients("engineering"), kind=keys.INSPECTION_LATE, url=_url("renovation:detail", renovation),
            dedupe_key=f"renovation-inspection-late:{request.inspection.pk}",
            params={"unit": renovation.unit.number, "number": renovation.number,
                    "date": messages.day(timezone.localdate(request.inspection.requested_at)),
                    "due": messages.day(request.due_by)}))
    notifications.notify_many(messages=staff, now=as_of)
    notifications.notify_owners(messages=owners, now=as_of)
    return {"passes expiring": len(expiring), "passes expired": len(expired),
            "deposits due": len(due), "overrun": len(overrun),
            "inspections late": len(late)}


# ---- personal data past its retention (PIPL art. 47) ---------------------------------------------


def purged_labels() -> tuple[str, str]:
    """What a purged worker's and contractor's lead's name reads, in the house language (a
    stored value, like the name it replaces)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Worker (purged)"), _("Contractor's lead (purged)")


PURGED_HASH = "purged:"
# What a purged ID number reads (the columns are required, and encrypted as they were).
PURGED_ID = "*"


def worker_data_purge(*, as_of: datetime.datetime) -> dict[str, int]:
    """Replace the personal data of the workers and the contractor's lead of renovations
    closed (refunded, or withdrawn) more than WORKER_DATA_RETENTION_DAYS before ``as_of``:
    the lead's name, ID number and phone; each worker's name, ID number (and its search
    hash, made unique per row so the one-worker-per-ID constraint still holds), phone; the
    names and ID numbers on their passes, and the contractor's signer on the papers; the
    workers' ID copies and photos are deleted (the files sweep then removes their files).
    The contractor (a company), the passes' numbers and dates, the fees, deposits and
    refunds stay. Six statements however many rows; a row already purged is not matched
    again, so a second run changes nothing. Rows of each kind rewritten."""
    cutoff = as_of - datetime.timedelta(days=settings.WORKER_DATA_RETENTION_DAYS)
    worker, lead = purged_labels()
    closed = (Renovation.objects.filter(Q(closed_at__lt=cutoff) | Q(withdrawn_at__lt=cutoff))
              .order_by().values("pk"))
    with transaction.atomic():
        leads = (Renovation.objects.filter(pk__in=closed)
                 .filter(~Q(contractor_lead_name=lead) | Q(contractor_lead_id_number__isnull=False)
                         | Q(contractor_lead_phone__isnull=False))
                 .update(contractor_lead_name=lead, contractor_lead_id_number=None, contractor_lead_phone=None))
        workers = (RenovationWorker.objects.filter(renovation__in=closed)
                   .exclude(id_number_hash__startswith=PURGED_HASH)
                   .update(name=worker, id_number=PURGED_ID, phone=None,
                           id_number_hash=Concat(Value(PURGED_HASH), Cast("pk", CharField()))))
        passes = (WorkerPass.objects.filter(renovation__in=closed)
                  .filter(~Q(holder_name=worker) | Q(photo__isnull=False))
                  .update(holder_name=worker, holder_id_number=PURGED_ID, photo=None))
        signers = (SignedPaper.objects.filter(renovation__in=closed, party=Party.CONTRACTOR).exclude(signer_name=lead)
                   .update(signer_name=lead))
        documents = RenovationDocument.objects.filter(
            renovation__in=closed, kind__in=[DocumentKind.WORKER_ID, DocumentKind.WORKER_PHOTO]).values("pk")
        sql, params = documents.query.sql_with_params()
        with connection.cursor() as cursor:
            # One DELETE (a queryset's delete() reads the rows first, then deletes them in batches).
            cursor.execute(f"DELETE FROM {RenovationDocument._meta.db_table} WHERE id IN ({sql})", params)
            photos = cursor.rowcount
    return {"renovations": leads, "workers": workers, "worker_passes": passes, "signed_papers": signers,
            "worker_documents": photos}
