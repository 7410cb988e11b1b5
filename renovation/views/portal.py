"""The owner portal's renovation pages (装修, domain §7): my renovations, the application
from a phone, and one renovation with everything the owner does on it (documents,
workers, signatures on the pad, resubmitting, withdrawing, asking for the inspection)
and sees (what is missing, the fees and receipts, the permit and passes, the
inspection, the deposits). Thin: parse, call a service or selector, render. Another
owner's renovation, or its files, is a 404, never a 403."""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from owners.selectors import owner_units
from propertydesk import files
from propertydesk.actions import render_form, run_action
from propertydesk.signature import signature_from_data_url
from propertydesk.web import owner_required
from renovation import selectors, services
from renovation.models import (
    ACTIVE_STATUSES,
    APPLYING,
    PAPER_PARTIES,
    PERMITTED,
    PHOTOS_PER_WORKER,
    REQUIRED_DOCUMENTS,
    WORKS,
    ChargeKind,
    DocumentKind,
    Paper,
    Party,
    SignMethod,
    Status,
)
from renovation.portal_forms import ApplicationForm, NoteForm, ScanForm, SignForm, UploadForm, WorkerForm

# ---- my renovations and the application ---------------------------------------------------------


@owner_required
def portal_list(request, owner):
    renovations = list(selectors.owner_renovations(owner=owner))
    busy = {r.unit_id for r in renovations if r.status in ACTIVE_STATUSES}
    units = list(owner_units(owner=owner))
    return render(request, "renovation/portal/list.html", {
        "owner": owner, "renovations": renovations, "has_units": bool(units),
        "can_apply": any(u.pk not in busy for u in units),
    })


def _application_initial(owner, units) -> dict:
    return {"unit": units[0].pk} if len(units) == 1 else {}


@owner_required
def portal_new(request, owner):
    owned = owner_units(owner=owner)
    # A unit with a renovation under way is not offered (the service refuses it anyway).
    free = owned.exclude(renovations__status__in=ACTIVE_STATUSES)
    units = list(free)
    form = ApplicationForm(request.POST or None, units=free, initial=_application_initial(owner, units))

    def page(form):
        return render_form(request, "renovation/portal/form.html", form, owner=owner, has_units=bool(units),
                           all_busy=not units and owned.exists(), editing=False)

    if request.method != "POST":
        return page(form)
    return run_action(
        request, target=owner, form=form, rerender=page,
        run=lambda owner, data, user, now: services.renovation_apply(
            unit=data["unit"], owner=owner, scope=data["scope"], floors_altered=data["floors_altered"],
            planned_start=data["planned_start"], planned_end=data["planned_end"],
            contractor_name=data["contractor_name"], contractor_lead_name=data["contractor_lead_name"],
            contractor_lead_phone=data["contractor_lead_phone"],
            contractor_lead_id_number=data["contractor_lead_id_number"], now=now, actor=user),
        aliases={"owner": "unit"},
        message=lambda renovation: _("Your application %(number)s is registered. Now add what the list below "
                                     "asks for: the contractor's papers, the workers and the signatures.")
        % {"number": renovation.number},
        done_url=lambda renovation: reverse("renovation:portal_detail", args=[renovation.pk]),
    )


def _owner_404(view):
    """A refusal of the services for this owner (a unit sold since) reads as "not found"."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except PermissionDenied:
            raise Http404 from None

    return wrapped


def _mine(owner, pk):
    """The owner's renovation (a 404 for anyone else's)."""
    return get_object_or_404(selectors.owner_renovations(owner=owner), pk=pk)


def _back(renovation, anchor: str = "") -> str:
    return reverse("renovation:portal_detail", args=[renovation.pk]) + (f"#{anchor}" if anchor else "")


@owner_required
@_owner_404
def portal_edit(request, owner, pk):
    renovation = _mine(owner, pk)
    if renovation.status not in APPLYING:
        raise Http404
    initial = {name: getattr(renovation, name) for name in (
        "scope", "floors_altered", "planned_start", "planned_end", "contractor_name", "contractor_lead_name",
        "contractor_lead_phone")}
    form = ApplicationForm(request.POST or None, initial=initial, editing=True)

    def page(form):
        return render_form(request, "renovation/portal/form.html", form, owner=owner, has_units=True,
                           editing=True, renovation=renovation)

    if request.method != "POST":
        return page(form)
    return run_action(
        request, target=renovation, form=form, rerender=page,
        run=lambda renovation, data, user, now: services.renovation_change(
            renovation=renovation, scope=data["scope"], floors_altered=data["floors_altered"],
            planned_start=data["planned_start"] if data["planned_start"] != renovation.planned_start else None,
            planned_end=data["planned_end"], contractor_name=data["contractor_name"],
            contractor_lead_name=data["contractor_lead_name"], contractor_lead_phone=data["contractor_lead_phone"],
            contractor_lead_id_number=data["contractor_lead_id_number"] or None, now=now, actor=user),
        message=_("Your application %(number)s is corrected.") % {"number": renovation.number},
        done_url=_back(renovation),
    )


# ---- one renovation ------------------------------------------------------------------------------

# The tracker's steps, the moment each was reached, and the step each state is at.
STEPS = [
    ("apply", gettext_lazy("Application"), "applied_at"),
    ("approval", gettext_lazy("Approval"), "approved_at"),
    ("fees", gettext_lazy("Fees paid"), "fees_paid_at"),
    ("work", gettext_lazy("Permit and work"), "permit_issued_at"),
    ("inspection", gettext_lazy("Inspection"), "passed_at"),
    ("refund", gettext_lazy("Deposits refunded"), "closed_at"),
]
STEP_OF = {
    Status.RETURNED: 0, Status.SUBMITTED: 1, Status.APPROVED: 2, Status.FEES_PAID: 3, Status.IN_PROGRESS: 3,
    Status.ACCEPTANCE_REQUESTED: 4, Status.PASSED: 5, Status.DEPOSITS_DUE: 5, Status.REFUNDED: 6,
}
WITHDRAWABLE = (Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.FEES_PAID)


def _steps(renovation) -> list[dict]:
    current = STEP_OF.get(renovation.status)
    if current is None:  # withdrawn: no tracker
        return []
    return [
        {"key": key, "label": label, "at": getattr(renovation, field) if index < current else None,
         "state": "done" if index < current else "current" if index == current else "todo"}
        for index, (key, label, field) in enumerate(STEPS)
    ]


def _history(events, workers) -> list[dict]:
    """The renovation's timeline in the owner's words: each event a title, a line of
    detail and an icon."""
    names = {w.pk: w.name for w in workers}
    rows = []
    for event in events:
        data = event.data or {}
        action, detail, icon, tone = data.get("action"), "", "bi-dot", ""
        if event.to_status:
            title, icon, tone = _move_title(event, data)
            detail = event.note
        elif action == "document_added":
            count = data.get("count") or 1
            kind = DocumentKind(data["kind"]).label if data.get("kind") in DocumentKind.values else ""
            title = ngettext("%(count)d file added: %(kind)s", "%(count)d files added: %(kind)s", count) % {
                "count": count, "kind": kind}
            detail = names.get(data.get("worker"), "")
            icon = "bi-paperclip"
        elif action == "document_removed":
            title = _("File taken back: %(name)s") % {"name": data.get("name", "")}
            icon = "bi-trash"
        elif action == "worker_added":
            title, icon = _("Worker added: %(name)s") % {"name": data.get("name", "")}, "bi-person-plus"
        elif action == "worker_removed":
            title, icon = _("Worker taken off the team: %(name)s") % {"name": data.get("name", "")}, "bi-person-dash"
            detail = event.note
        elif action in ("paper_signed", "paper_scanned"):
            paper = Paper(data["paper"]).label if data.get("paper") in Paper.values else ""
            if action == "paper_signed" and data.get("party") in Party.values:
                title = _("%(paper)s signed for the %(party)s") % {
                    "paper": paper, "party": str(Party(data["party"]).label).lower()}
            else:
                title = _("Scan of the signed %(paper)s added") % {"paper": paper}
            detail, icon = data.get("signer", ""), "bi-pen"
        elif action == "changed":
            title, icon = _("Application corrected"), "bi-pencil"
        elif action == "pass_fees_taken":
            title, icon = _("Pass fees paid for new workers"), "bi-cash-coin"
            detail = data.get("receipt", "")
        elif action == "passes_issued":
            serials = data.get("serials") or []
            title = ngettext("%(count)d worker pass issued", "%(count)d worker passes issued", len(serials)) % {
                "count": len(serials)}
            detail, icon = ", ".join(serials), "bi-person-badge"
        elif action == "extended":
            title = _("Work extended to %(date)s") % {"date": data.get("after", "")}
            detail, icon = event.note, "bi-calendar-plus"
        elif action == "pass_returned":
            title = (_("Pass %(serial)s recorded as lost") if data.get("lost")
                     else _("Pass %(serial)s handed back")) % {"serial": data.get("serial", "")}
            icon = "bi-box-arrow-in-left"
        elif action == "deposit_refunded":
            kind = ChargeKind(data["deposit"]).label if data.get("deposit") in ChargeKind.values else ""
            title = _("%(deposit)s refunded: ¥%(amount)s") % {"deposit": kind, "amount": data.get("amount", "")}
            detail, icon, tone = data.get("voucher", ""), "bi-cash-stack", "resolved"
        elif action == "penalty_deducted":
            kind = ChargeKind(data["deposit"]).label if data.get("deposit") in ChargeKind.values else ""
            title = _("Penalty of ¥%(amount)s deducted from the %(deposit)s") % {
                "amount": data.get("amount", ""), "deposit": str(kind).lower()}
            icon, tone = "bi-exclamation-triangle", "overdue"
        else:
            continue
        rows.append({"at": event.at, "title": title, "detail": detail, "icon": icon, "tone": tone})
    return rows


def _move_title(event, data) -> tuple[str, str, str]:
    to = event.to_status
    if to == Status.SUBMITTED:
        if event.from_status == Status.RETURNED:
            return _("Application sent back to the service centre"), "bi-send", ""
        return _("Application received"), "bi-inbox", ""
    if to == Status.RETURNED:
        return _("Returned to you: something to add or correct"), "bi-arrow-return-left", "reopened"
    if to == Status.APPROVED:
        return _("Application approved: the fees can be paid"), "bi-check2", "resolved"
    if to == Status.FEES_PAID:
        return _("Fees and deposits paid"), "bi-cash-coin", ""
    if to == Status.IN_PROGRESS and event.from_status == Status.ACCEPTANCE_REQUESTED:
        return _("Inspection not passed: items to fix"), "bi-x-circle", "overdue"
    if to == Status.IN_PROGRESS:
        return (_("Permit %(permit)s issued: the work may start") % {"permit": data.get("permit", "")},
                "bi-file-earmark-check", "resolved")
    if to == Status.ACCEPTANCE_REQUESTED:
        return _("Inspection requested"), "bi-clipboard-check", ""
    if to == Status.PASSED:
        return _("Inspection passed"), "bi-check-all", "resolved"
    if to == Status.DEPOSITS_DUE:
        return _("Deposits due for refund"), "bi-calendar-check", ""
    if to == Status.REFUNDED:
        return _("Deposits refunded: renovation closed"), "bi-check-circle", "resolved"
    if to == Status.WITHDRAWN:
        return _("Renovation withdrawn"), "bi-x", "overdue"
    return str(Status(to).label), "bi-dot", ""


def _document_items(detail, editable: bool, bound: dict) -> list[dict]:
    by_kind: dict[str, list] = {}
    for document in detail.documents:
        by_kind.setdefault(document.kind, []).append(document)
    items = []
    for kind in REQUIRED_DOCUMENTS:
        slot = f"doc:{kind}"
        items.append({
            "kind": kind.value, "label": kind.label, "files": by_kind.get(kind.value, []),
            "done": bool(by_kind.get(kind.value)), "slot": slot,
            "form": bound.get(slot) or (UploadForm(initial={"kind": kind.value}) if editable else None),
        })
    return items


def _worker_items(detail, team_open: bool, bound: dict) -> list[dict]:
    items = []
    for worker in detail.workers:
        ids = [d for d in worker.docs if d.kind == DocumentKind.WORKER_ID]
        photos = [d for d in worker.docs if d.kind == DocumentKind.WORKER_PHOTO]
        editable = team_open and worker.is_current
        id_slot, photo_slot = f"worker:{worker.pk}:id", f"worker:{worker.pk}:photos"
        items.append({
            "worker": worker, "ids": ids, "photos": photos, "id_done": bool(ids),
            "photos_done": len(photos) >= PHOTOS_PER_WORKER, "id_slot": id_slot, "photo_slot": photo_slot,
            "remove_slot": f"worker:{worker.pk}:remove", "id_field": f"upload-id-{worker.pk}",
            "photo_field": f"upload-photo-{worker.pk}",
            "id_form": bound.get(id_slot) or (UploadForm(initial={"kind": DocumentKind.WORKER_ID, "worker": worker.pk})
                                              if editable else None),
            "photo_form": bound.get(photo_slot) or (
                UploadForm(initial={"kind": DocumentKind.WORKER_PHOTO, "worker": worker.pk}) if editable else None),
            "remove_form": bound.get(f"worker:{worker.pk}:remove") or (NoteForm() if editable else None),
        })
    return items


def _paper_items(detail, editable: bool, bound: dict) -> list[dict]:
    pad = {(p.paper, p.party): p for p in detail.papers if p.method == SignMethod.PAD}
    scans: dict[str, list] = {}
    for p in detail.papers:
        if p.method == SignMethod.SCAN:
            scans.setdefault(p.paper, []).append(p)
    items = []
    for paper, parties in PAPER_PARTIES.items():
        slot = f"scan:{paper}"
        items.append({
            "paper": paper, "label": Paper(paper).label, "scans": scans.get(paper, []),
            "parties": [{"party": party, "label": Party(party).label, "signed": pad.get((paper, party)),
                         "done": bool(scans.get(paper)) or (paper, party) in pad,
                         "owner_signs": party in (Party.OWNER, Party.CONTRACTOR)} for party in parties],
            "slot": slot,
            "scan_form": bound.get(slot) or (ScanForm(initial={"paper": paper}) if editable else None),
        })
    return items


def _anchor(key: str) -> str:
    """Where on the page a checklist item is dealt with."""
    parts = key.split(":")
    if parts[0] == "document":
        return f"doc-{parts[1]}"
    if parts[0] == "worker":
        return f"worker-{parts[1]}"
    if parts[0] == "paper":
        return f"paper-{parts[1]}"
    return "workers"


def _detail_page(request, owner, pk, bound: dict | None = None, status: int = 200):
    now = timezone.now()
    detail = selectors.owner_renovation_detail(owner=owner, renovation_id=pk, as_of=now)
    renovation = detail.renovation
    bound = bound or {}
    applying = renovation.status in APPLYING
    team_open = renovation.status in APPLYING + WORKS
    checklist = [{"item": item, "anchor": _anchor(item.key)} for item in detail.checklist.items]
    today = timezone.localdate(now)
    passes = [{"pass": p, "state": "returned" if p.returned_at else "revoked" if p.revoked_at
               else "expired" if p.valid_to < today else "not_yet" if p.valid_from > today else "valid"}
              for p in detail.passes]
    paid = sum((c.amount for c in detail.charges), Decimal("0.00"))
    return render(request, "renovation/portal/detail.html", {
        "owner": owner, "detail": detail, "renovation": renovation, "steps": _steps(renovation),
        "applying": applying, "team_open": team_open, "checklist": checklist,
        "missing": detail.checklist.missing, "done_count": sum(1 for item in detail.checklist.items if item.done),
        "has_documents": bool(detail.documents), "documents": _document_items(detail, applying, bound),
        "workers": _worker_items(detail, team_open, bound), "papers": _paper_items(detail, applying, bound),
        "current_workers": [w for w in detail.workers if w.is_current],
        "worker_form": bound.get("worker_new") or (WorkerForm() if renovation.status in WORKER_ADDABLE else None),
        "resubmit_form": bound.get("resubmit") or NoteForm(),
        "withdraw_form": bound.get("withdraw") or NoteForm(),
        "acceptance_form": bound.get("acceptance") or NoteForm(),
        "can_withdraw": renovation.status in WITHDRAWABLE, "permitted": renovation.status in PERMITTED,
        "passes": passes, "paid_total": paid, "history": _history(detail.events, detail.workers),
        "quote_total": detail.fee_quote.total(rubbish_declined=renovation.rubbish_fee_declined),
        "show_quote": renovation.status in APPLYING + (Status.APPROVED,),
        "open_slot": next(iter(bound), ""), "windows": detail.working_hours.split(", "),
    }, status=status)


# Workers join until the work is done (services.worker_add).
WORKER_ADDABLE = APPLYING + (Status.APPROVED, Status.FEES_PAID, Status.IN_PROGRESS)


@owner_required
def portal_detail(request, owner, pk):
    return _detail_page(request, owner, pk)


def _step(request, owner, pk, *, slot: str, form, run, message, anchor: str = ""):
    """One step posted from the renovation's page: field errors re-render the page with
    the form open where it was sent from (400); a refusal is a message at the top."""
    renovation = _mine(owner, pk)
    return run_action(
        request, target=renovation, form=form, run=run, message=message,
        rerender=lambda form: _detail_page(request, owner, pk, bound={slot: form}, status=400),
        back_url=_back(renovation, anchor),
    )


@owner_required
@require_POST
@_owner_404
def portal_upload(request, owner, pk):
    form = UploadForm(request.POST, request.FILES)
    kind = request.POST.get("kind", "")
    worker_id = request.POST.get("worker", "")
    if kind in (DocumentKind.WORKER_ID, DocumentKind.WORKER_PHOTO) and worker_id.isdigit():
        slot = f"worker:{worker_id}:{'id' if kind == DocumentKind.WORKER_ID else 'photos'}"
        anchor = f"worker-{worker_id}"
    else:
        slot, anchor = f"doc:{kind}", f"doc-{kind}"

    def upload(renovation, data, user, now):
        worker = None
        if data.get("worker"):
            worker = next((w for w in renovation.workers.all() if w.pk == data["worker"]), None)
            if worker is None:
                raise ValidationError({"uploads": [_("Choose a worker of this renovation's team.")]})
        stored = services.renovation_document_add(renovation=renovation, kind=data["kind"], uploads=data["uploads"],
                                                  worker=worker, now=now, actor=user)
        return ngettext("%(count)d file added to “%(kind)s”.", "%(count)d files added to “%(kind)s”.",
                        len(stored)) % {"count": len(stored), "kind": DocumentKind(data["kind"]).label}

    return _step(request, owner, pk, slot=slot, form=form, run=upload, message=None, anchor=anchor)


@owner_required
@require_POST
@_owner_404
def portal_document_remove(request, owner, pk, document_pk):
    renovation = _mine(owner, pk)
    document = selectors.renovation_document(document_id=document_pk, user=request.user)
    if document.renovation_id != renovation.pk:
        raise Http404
    return run_action(
        request, target=document, form=None, back_url=_back(renovation, "documents"),
        run=lambda document, _data, user, now: services.renovation_document_remove(document=document, now=now,
                                                                                   actor=user),
        message=_("“%(name)s” taken back.") % {"name": document.download_name},
    )


@owner_required
@_owner_404
def portal_document(request, owner, pk, document_pk):
    """A document or worker photo of the owner's renovation, to the owner only."""
    document = selectors.renovation_document(document_id=document_pk, user=request.user)
    if document.renovation_id != pk:
        raise Http404
    return files.serve(request, document.file, filename=document.download_name, content_type=document.content_type)


@owner_required
@_owner_404
def portal_paper(request, owner, pk, paper_pk):
    """A signed paper of the owner's renovation: its scan, or the signature drawn on the pad."""
    paper = selectors.paper_file(paper_id=paper_pk, user=request.user)
    if paper.renovation_id != pk:
        raise Http404
    if paper.method == SignMethod.SCAN:
        return files.serve(request, paper.file, filename=paper.download_name, content_type=paper.content_type)
    if not paper.signature_png:
        raise Http404
    response = HttpResponse(bytes(paper.signature_png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


@owner_required
@require_POST
@_owner_404
def portal_worker_add(request, owner, pk):
    def add(renovation, data, user, now):
        worker = services.worker_add(renovation=renovation, name=data["name"], id_number=data["id_number"],
                                     phone=data["phone"], id_copies=data["id_copies"], photos=data["photos"],
                                     now=now, actor=user)
        return _("%(name)s is on the team.") % {"name": worker.name}

    return _step(request, owner, pk, slot="worker_new", form=WorkerForm(request.POST, request.FILES), run=add,
                 message=None, anchor="workers")


@owner_required
@require_POST
@_owner_404
def portal_worker_remove(request, owner, pk, worker_pk):
    renovation = _mine(owner, pk)
    worker = next((w for w in renovation.workers.all() if w.pk == worker_pk), None)
    if worker is None:
        raise Http404

    def remove(renovation, data, user, now):
        services.worker_remove(worker=worker, reason=data["note"], now=now, actor=user)
        return _("%(name)s is off the team; his pass, if any, no longer opens the gate.") % {"name": worker.name}

    return _step(request, owner, pk, slot=f"worker:{worker.pk}:remove", form=NoteForm(request.POST), run=remove,
                 message=None, anchor="workers")


@owner_required
@_owner_404
def portal_sign(request, owner, pk):
    """The pad for one party's signature on one paper: the owner's, or the contractor's
    on the owner's phone."""
    renovation = _mine(owner, pk)
    if renovation.status not in APPLYING:
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    paper, party = source.get("paper", ""), source.get("party", "")
    if paper not in Paper.values or party not in (Party.OWNER, Party.CONTRACTOR) or party not in PAPER_PARTIES[paper]:
        raise Http404
    form = SignForm(request.POST or None, initial={"paper": paper, "party": party})
    default_name = renovation.owner.name if party == Party.OWNER else renovation.contractor_lead_name

    def page(form):
        return render_form(request, "renovation/portal/sign.html", form, owner=owner, renovation=renovation,
                           paper=Paper(paper), party=Party(party), default_name=default_name)

    if request.method != "POST":
        return page(form)

    def sign(renovation, data, user, now):
        png = None
        if data["signature"]:
            try:
                png = signature_from_data_url(data["signature"])
            except ValidationError as error:
                raise ValidationError({"signature": error.messages}) from None
        services.paper_sign(renovation=renovation, paper=data["paper"], party=data["party"], signature_png=png,
                            signer_name=data["signer_name"], now=now, actor=user)
        return _("%(paper)s signed for the %(party)s.") % {
            "paper": Paper(data["paper"]).label, "party": str(Party(data["party"]).label).lower()}

    return run_action(request, target=renovation, form=form, run=sign, rerender=page,
                      done_url=_back(renovation, f"paper-{paper}"))


@owner_required
@require_POST
@_owner_404
def portal_scan(request, owner, pk):
    paper = request.POST.get("paper", "")

    def record(renovation, data, user, now):
        services.paper_scan_record(renovation=renovation, paper=data["paper"], scan=data["scan"],
                                   signer_names=data["signer_names"], now=now, actor=user)
        return _("The scan of the signed %(paper)s is on file.") % {"paper": Paper(data["paper"]).label}

    return _step(request, owner, pk, slot=f"scan:{paper}", form=ScanForm(request.POST, request.FILES), run=record,
                 message=None, anchor=f"paper-{paper}")


@owner_required
@require_POST
@_owner_404
def portal_resubmit(request, owner, pk):
    def resubmit(renovation, data, user, now):
        services.renovation_resubmit(renovation=renovation, note=data["note"], now=now, actor=user)
        return _("Application %(number)s sent back to the service centre. We will tell you when it is checked.") % {
            "number": renovation.number}

    return _step(request, owner, pk, slot="resubmit", form=NoteForm(request.POST), run=resubmit, message=None)


@owner_required
@require_POST
@_owner_404
def portal_withdraw(request, owner, pk):
    def withdraw(renovation, data, user, now):
        services.renovation_withdraw(renovation=renovation, reason=data["note"], now=now, actor=user)
        if renovation.charges.exists():
            return _("Renovation %(number)s is withdrawn. The deposits you paid are due for refund: please see "
                     "the finance office.") % {"number": renovation.number}
        return _("Renovation %(number)s is withdrawn.") % {"number": renovation.number}

    return _step(request, owner, pk, slot="withdraw", form=NoteForm(request.POST), run=withdraw, message=None)


@owner_required
@require_POST
@_owner_404
def portal_acceptance(request, owner, pk):
    def ask(renovation, data, user, now):
        services.acceptance_request(renovation=renovation, note=data["note"], now=now, actor=user)
        return _("Inspection requested for renovation %(number)s. Engineering will contact you to arrange it.") % {
            "number": renovation.number}

    return _step(request, owner, pk, slot="acceptance", form=NoteForm(request.POST), run=ask, message=None,
                 anchor="completion")


@owner_required
def portal_permit(request, owner, pk):
    """The owner's copy of the permit (装修施工许可证) and the passes, to view or print."""
    detail = selectors.owner_renovation_detail(owner=owner, renovation_id=pk, as_of=timezone.now())
    if detail.renovation.status not in PERMITTED:
        raise Http404
    today = timezone.localdate()
    return render(request, "renovation/portal/permit.html", {
        "owner": owner, "detail": detail, "renovation": detail.renovation, "today": today,
        "passes": [p for p in detail.passes if p.revoked_at is None],
        "printed_at": timezone.localtime().replace(microsecond=0), "windows": detail.working_hours.split(", "),
    })


urlpatterns = [
    path("portal/", portal_list, name="portal_list"),
    path("portal/new/", portal_new, name="portal_new"),
    path("portal/<int:pk>/", portal_detail, name="portal_detail"),
    path("portal/<int:pk>/edit/", portal_edit, name="portal_edit"),
    path("portal/<int:pk>/upload/", portal_upload, name="portal_upload"),
    path("portal/<int:pk>/files/<int:document_pk>/", portal_document, name="portal_document"),
    path("portal/<int:pk>/files/<int:document_pk>/remove/", portal_document_remove, name="portal_document_remove"),
    path("portal/<int:pk>/workers/", portal_worker_add, name="portal_worker_add"),
    path("portal/<int:pk>/workers/<int:worker_pk>/remove/", portal_worker_remove, name="portal_worker_remove"),
    path("portal/<int:pk>/sign/", portal_sign, name="portal_sign"),
    path("portal/<int:pk>/scan/", portal_scan, name="portal_scan"),
    path("portal/<int:pk>/papers/<int:paper_pk>/", portal_paper, name="portal_paper"),
    path("portal/<int:pk>/resubmit/", portal_resubmit, name="portal_resubmit"),
    path("portal/<int:pk>/withdraw/", portal_withdraw, name="portal_withdraw"),
    path("portal/<int:pk>/acceptance/", portal_acceptance, name="portal_acceptance"),
    path("portal/<int:pk>/permit/", portal_permit, name="portal_permit"),
]
