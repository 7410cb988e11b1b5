"""The desk's renovation pages (装修, domain §7): the board, a new application for an
owner, one renovation with everything about it and its actions, the printed permit,
worker passes and application, finance's deposits and engineering's inspections due,
and the renovation's files behind their access check. Thin: parse, call a service or
selector, render."""

from __future__ import annotations

from functools import partial

import re
from collections import defaultdict
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from owners.models import Estate, Unit
from owners.selectors import unit_owners
from propertydesk import files
from propertydesk.actions import render_form, run_action
from propertydesk.paging import CappedPaginator
from propertydesk.qr import qr_svg as core_qr_svg
from propertydesk.roles import is_staff_member, owner_of
from propertydesk.signature import signature_from_data_url
from propertydesk.web import staff_required
from renovation import rules, selectors, services
from renovation.forms import (
    ApplicationForm,
    BoardFilterForm,
    BreachDecisionForm,
    BreachForm,
    BreachRejectForm,
    ChangeForm,
    DepositFilterForm,
    DocumentForm,
    DocumentRemoveForm,
    ExtendForm,
    FeesForm,
    InspectionForm,
    NoteForm,
    PassFeesForm,
    PassReturnForm,
    PatrolForm,
    RefundForm,
    ReturnForm,
    ScanForm,
    SignForm,
    UnitPickForm,
    WithdrawForm,
    WorkerAddForm,
    WorkerRemoveForm,
)
from renovation.models import (
    ACTIVE_STATUSES,
    APPLYING,
    PAPER_PARTIES,
    PERMITTED,
    REQUIRED_DOCUMENTS,
    WORKS,
    Breach,
    ChargeKind,
    DocumentKind,
    Paper,
    Party,
    RenovationCharge,
    RenovationDocument,
    RenovationWorker,
    SignMethod,
    Status,
    WorkerPass,
)

VIEW = "renovation.view_renovation"
ADD = "renovation.add_renovation"
CHANGE = "renovation.change_renovation"
APPROVE = "renovation.approve_renovation"
TAKE_FEES = "renovation.take_renovation_fees"
ISSUE = "renovation.issue_renovation_permit"
INSPECT = "renovation.inspect_renovation"
PATROL = "renovation.patrol_renovation"
APPROVE_BREACH = "renovation.approve_breach"
REFUND = "renovation.refund_deposit"
VIEW_CHARGES = "renovation.view_renovationcharge"

# Before the permit the renovation may still be withdrawn (renovation.models.TRANSITIONS).
WITHDRAWABLE = (Status.SUBMITTED, Status.RETURNED, Status.APPROVED, Status.FEES_PAID)
REFUNDABLE = (Status.PASSED, Status.DEPOSITS_DUE, Status.WITHDRAWN)
# Worker passes printed 2 × 5 to an A4 page (static/css/renovation-print.css).
CARDS_PER_PAGE = 10


def _estate_filter(request, form_class):
    form = form_class(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else {})


# ---- the board -------------------------------------------------------------------------------


@staff_required
@permission_required(VIEW, raise_exception=True)
def board(request):
    form, filters = _estate_filter(request, BoardFilterForm)
    now = timezone.now()
    columns = selectors.renovation_board(user=request.user, as_of=now, estate=filters.get("estate"))
    if filters.get("waiting") == BoardFilterForm.DESK:
        columns = [column for column in columns if column.status in selectors.DESK_WAITS]
    return render(request, "renovation/board.html", {
        "form": form, "columns": columns, "total": sum(column.count for column in columns),
        "estate": filters.get("estate"), "today": timezone.localdate(now),
    })


# ---- a new application ------------------------------------------------------------------------


def _picked_unit(data) -> Unit | None:
    """The unit the first step named (estate and room number), if there is one."""
    picker = UnitPickForm(data)
    return picker.cleaned_data.get("unit") if picker.is_valid() else None


@staff_required
@permission_required(ADD, raise_exception=True)
def new(request):
    """First the unit by its number (a GET form, or ``?unit=`` from the unit's page), then
    the application for one of its current owners."""
    data = request.POST if request.method == "POST" else request.GET
    unit = None
    if (request.GET.get("unit") or "").isdigit():
        unit = Unit.objects.select_related("estate").filter(pk=request.GET["unit"]).first()
    elif data.get("unit_number"):
        unit = _picked_unit(data)
    if unit is None:
        # The first step, or again with the error on the room when no such room exists.
        estates = list(Estate.objects.order_by("name")[:2])
        initial = {"estate": estates[0].pk} if len(estates) == 1 else {}
        picker = UnitPickForm(data if data.get("unit_number") else None, initial=initial)
        return render_form(request, "renovation/new.html", picker, step="unit")

    owners = unit_owners(unit=unit)
    active = selectors.unit_active_renovation(unit=unit)
    initial = {"estate": unit.estate_id, "unit_number": unit.number}
    if len(owners) == 1:
        initial["owner"] = owners[0].pk
    form = ApplicationForm(request.POST or None, initial=initial, owners=owners)

    def page(form):
        return render_form(request, "renovation/new.html", form, step="application", unit=unit, owners=owners,
                           active=active, quote=rules.fee_quote(policy=selectors.renovation_policy(estate=unit.estate),
                                                                area=unit.area, passes=0))

    if request.method != "POST":
        return page(form)
    return run_action(
        request, form=form, rerender=page, aliases={"unit": "unit_number"},
        run=lambda _none, data, user, now: services.renovation_apply(
            unit=data["unit"] or unit, owner=data["owner"], scope=data["scope"], planned_start=data["planned_start"],
            planned_end=data["planned_end"], contractor_name=data["contractor_name"],
            contractor_lead_name=data["contractor_lead_name"], contractor_lead_phone=data["contractor_lead_phone"],
            contractor_lead_id_number=data["contractor_lead_id_number"], floors_altered=data["floors_altered"],
            now=now, actor=user),
        message=lambda made: _("Renovation application %(number)s entered for %(unit)s. Upload the contractor's "
                               "papers and add the workers; the checklist says what is missing.")
        % {"number": made.number, "unit": made.unit.number},
        done_url=lambda made: reverse("renovation:detail", args=[made.pk]),
    )


# ---- one renovation ----------------------------------------------------------------------------

# Steps that are not moves, as the timeline names them ("action" in the event's data).
ACTION_LABELS = {
    "changed": ("bi-pencil", lambda: _("Application corrected")),
    "document_added": ("bi-file-earmark-arrow-up", lambda: _("Documents uploaded")),
    "document_removed": ("bi-file-earmark-x", lambda: _("Document taken back")),
    "worker_added": ("bi-person-plus", lambda: _("Worker added")),
    "worker_removed": ("bi-person-dash", lambda: _("Worker removed")),
    "paper_signed": ("bi-pen", lambda: _("Signed on the pad")),
    "paper_scanned": ("bi-file-earmark-check", lambda: _("Signed paper scanned")),
    "pass_fees_taken": ("bi-cash-coin", lambda: _("Pass fees taken")),
    "passes_issued": ("bi-person-badge", lambda: _("Worker passes issued")),
    "extended": ("bi-calendar-plus", lambda: _("Planned end moved")),
    "pass_returned": ("bi-box-arrow-in-left", lambda: _("Pass card handed back")),
    "patrol": ("bi-binoculars", lambda: _("Patrol")),
    "breach_proposed": ("bi-exclamation-octagon", lambda: _("Penalty proposed")),
    "penalty_deducted": ("bi-dash-circle", lambda: _("Penalty deducted from the deposit")),
    "penalty_rejected": ("bi-x-circle", lambda: _("Penalty rejected")),
    "deposit_refunded": ("bi-arrow-return-left", lambda: _("Deposit refunded")),
}
STATUS_ICONS = {
    Status.SUBMITTED: "bi-inbox", Status.RETURNED: "bi-arrow-return-left", Status.APPROVED: "bi-check2",
    Status.FEES_PAID: "bi-cash-coin", Status.IN_PROGRESS: "bi-hammer",
    Status.ACCEPTANCE_REQUESTED: "bi-clipboard-check", Status.PASSED: "bi-patch-check",
    Status.DEPOSITS_DUE: "bi-hourglass-split", Status.REFUNDED: "bi-check2-all", Status.WITHDRAWN: "bi-x-circle",
}


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _event_details(data: dict, workers: dict) -> str:
    """What a step's data says, in the reader's language."""
    action = data.get("action")
    if action in ("document_added", "document_removed"):
        text = _label(DocumentKind, data.get("kind"))
        if data.get("count"):
            text = f"{text} × {data['count']}"
        worker = workers.get(data.get("worker"))
        return f"{text} · {worker.name}" if worker else text
    if action in ("worker_added", "worker_removed"):
        return data.get("name", "")
    if action in ("paper_signed", "paper_scanned"):
        parts = [_label(Paper, data.get("paper"))]
        if data.get("party"):
            parts.append(_label(Party, data.get("party")))
        parts.append(data.get("signer", ""))
        return " · ".join(p for p in parts if p)
    if action == "passes_issued":
        return ", ".join(data.get("serials", []))
    if action == "pass_fees_taken":
        return f"¥{data.get('amount', '')} {data.get('receipt', '')}".strip()
    if action == "extended":
        return f"{data.get('before', '')} → {data.get('after', '')}"
    if action == "pass_returned":
        if data.get("lost"):
            return _("%(serial)s, card lost") % {"serial": data.get("serial", "")}
        return data.get("serial", "")
    if action == "patrol":
        return _("all in order") if data.get("in_order") else _("not in order")
    if action in ("breach_proposed", "penalty_deducted"):
        amount = data.get("penalty") or data.get("amount")
        deposit = _label(ChargeKind, data.get("deposit")) if data.get("deposit") else ""
        return " · ".join(p for p in (f"¥{amount}" if amount else "", deposit) if p)
    if action == "deposit_refunded":
        return (_("%(deposit)s: ¥%(amount)s refunded (¥%(deducted)s deducted), voucher %(voucher)s.")
                % {"deposit": _label(ChargeKind, data.get("deposit")), "amount": data.get("amount", ""),
                   "deducted": data.get("deducted", ""), "voucher": data.get("voucher", "")})
    if data.get("permit"):
        return _("Permit %(number)s") % {"number": data["permit"]}
    if data.get("receipts"):
        text = _("¥%(total)s, receipts %(receipts)s") % {"total": data.get("total", ""),
                                                         "receipts": ", ".join(data["receipts"])}
        if data.get("rubbish_fee_declined"):
            return _("%(paid)s; the rubbish removal fee declined") % {"paid": text}
        return text
    return ""


def _label_events(events, workers) -> list:
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.to_status:
            event.icon = STATUS_ICONS.get(event.to_status, "bi-arrow-right")
            event.label = event.get_to_status_display()
        else:
            icon, label = ACTION_LABELS.get(data.get("action"), ("bi-chat-left-text", lambda: _("Note")))
            event.icon, event.label = icon, label()
        event.details = _event_details(data, workers)
        event.internal = data.get("action") in selectors.INTERNAL_ACTIONS
    return events


def _auto(name: str, item: str = "") -> str:
    """An id prefix per form (and per row of a per-row form), so that the fields of the
    page's many forms keep unique ids."""
    return f"{name}-{item}-%s" if item else f"{name}-%s"


# The row a per-row form belongs to, from what it posts (document kind and worker, worker,
# paper and party, pass, breach).
ITEM_OF = {
    "document": lambda data: f"{data.get('worker') or 'app'}-{data.get('kind', '')}",
    "worker_remove": lambda data: str(data.get("worker", "")),
    "sign": lambda data: f"{data.get('paper', '')}-{data.get('party', '')}",
    "scan": lambda data: str(data.get("paper", "")),
    "pass_return": lambda data: str(data.get("worker_pass", "")),
    "breach_approve": lambda data: str(data.get("breach", "")),
    "breach_reject": lambda data: str(data.get("breach", "")),
}


def _item(name: str, data) -> str:
    return re.sub(r"[^a-z0-9_-]", "", ITEM_OF[name](data).lower())[:60] if name in ITEM_OF else ""


class _Forms:
    """The page's forms: the one that was posted and refused (``bound``) where it
    belongs, a fresh one everywhere else."""

    def __init__(self, bound: dict | None):
        self.bound = bound or {}

    def get(self, name: str, form_class, item: str = "", **initial):
        form = self.bound.get(name)
        if form is not None and getattr(form, "item", "") == item:
            return form
        return form_class(initial=initial or None, auto_id=_auto(name, item))

    def is_bound(self, name: str, item: str = "") -> bool:
        form = self.bound.get(name)
        return form is not None and getattr(form, "item", "") == item


@staff_required
@permission_required(VIEW, raise_exception=True)
def detail(request, pk, bound=None, status=200, refund_form=None):
    now = timezone.now()
    user = request.user
    d = selectors.renovation_detail(renovation_id=pk, user=user, as_of=now)
    r = d.renovation
    forms = _Forms(bound)
    can = user.has_perm
    applying = r.status in APPLYING
    team_changes = r.status in APPLYING + WORKS
    workers = {w.pk: w for w in d.workers}

    # The checklist's papers, each with its uploads and upload form.
    by_kind = defaultdict(list)
    for document in d.documents:
        by_kind[document.kind].append(document)
    missing = {item.key for item in d.checklist.missing}
    required_documents = [
        {"kind": kind, "label": kind.label, "files": by_kind[kind], "missing": f"document:{kind}" in missing,
         "form": forms.get("document", DocumentForm, f"app-{kind}", kind=kind.value)}
        for kind in REQUIRED_DOCUMENTS
    ]
    for worker in d.workers:
        worker.id_copies = [doc for doc in worker.docs if doc.kind == DocumentKind.WORKER_ID]
        worker.photos = [doc for doc in worker.docs if doc.kind == DocumentKind.WORKER_PHOTO]
        worker.id_form = forms.get("document", DocumentForm, f"{worker.pk}-{DocumentKind.WORKER_ID}",
                                   kind=DocumentKind.WORKER_ID.value, worker=worker.pk)
        worker.photo_form = forms.get("document", DocumentForm, f"{worker.pk}-{DocumentKind.WORKER_PHOTO}",
                                      kind=DocumentKind.WORKER_PHOTO.value, worker=worker.pk)
        worker.remove_form = forms.get("worker_remove", WorkerRemoveForm, str(worker.pk), worker=worker.pk)
        worker.missing = [item.label for item in d.checklist.missing if item.worker and item.worker.pk == worker.pk]
        worker.open_form = any(forms.is_bound(name, item) for name, item in (
            ("document", f"{worker.pk}-{DocumentKind.WORKER_ID}"),
            ("document", f"{worker.pk}-{DocumentKind.WORKER_PHOTO}"),
            ("worker_remove", str(worker.pk))))

    # The three papers: each party's pad signature, or a scan of the signed paper.
    signed = {(p.paper, p.party): p for p in d.papers if p.method == SignMethod.PAD}
    scans = defaultdict(list)
    for p in d.papers:
        if p.method == SignMethod.SCAN:
            scans[p.paper].append(p)
    papers = []
    for paper, parties in PAPER_PARTIES.items():
        papers.append({
            "paper": paper, "label": Paper(paper).label, "scans": scans[paper],
            "scan_form": forms.get("scan", ScanForm, paper, paper=paper),
            "done": bool(scans[paper]) or all((paper, party) in signed for party in parties),
            "parties": [{
                "party": party, "label": Party(party).label, "signed": signed.get((paper, party)),
                "form": forms.get("sign", SignForm, f"{paper}-{party}", paper=paper, party=party),
                "may_sign": party != Party.PROPERTY or can(APPROVE),
                "default_signer": {Party.OWNER: r.owner.name, Party.CONTRACTOR: r.contractor_lead_name}.get(party, ""),
            } for party in parties],
        })

    live_passes = [p for p in d.passes if p.is_live]
    unpaid = [w for w in d.workers if w.is_current and w.pass_fee_paid_at is None]
    without_pass = [w for w in d.workers if w.is_current and w.live_pass is None]
    held = [row for row in d.deposits if row.refund is None]
    for row in d.deposits:
        row.form = refund_form if refund_form is not None and refund_form.item == str(row.deposit.pk) else \
            RefundForm(initial={"back": "detail"}, auto_id=_auto("refund", str(row.deposit.pk)))
        row.may_refund = (can(REFUND) and row.state == "due" and r.status in REFUNDABLE)
    for worker_pass in d.passes:
        worker_pass.return_form = forms.get("pass_return", PassReturnForm, str(worker_pass.pk),
                                            worker_pass=worker_pass.pk)
    for breach in d.breaches:
        breach.approve_form = forms.get("breach_approve", BreachDecisionForm, str(breach.pk), breach=breach.pk)
        breach.reject_form = forms.get("breach_reject", BreachRejectForm, str(breach.pk), breach=breach.pk)

    show = {
        "change": can(CHANGE) and applying,
        "documents": can(CHANGE) and applying,
        "worker_add": can(CHANGE) and r.status in APPLYING + (Status.APPROVED, Status.FEES_PAID, Status.IN_PROGRESS),
        "worker_papers": can(CHANGE) and team_changes,
        "worker_remove": can(CHANGE) and team_changes,
        "papers": can(CHANGE) and applying,
        "approve": can(APPROVE) and r.status == Status.SUBMITTED,
        "return": can(APPROVE) and r.status == Status.SUBMITTED,
        "resubmit": can(CHANGE) and r.status == Status.RETURNED,
        "withdraw": can(CHANGE) and r.status in WITHDRAWABLE,
        "fees": can(TAKE_FEES) and r.status == Status.APPROVED,
        "pass_fees": can(TAKE_FEES) and r.status in (Status.FEES_PAID, Status.IN_PROGRESS) and bool(unpaid),
        "permit": can(ISSUE) and r.status == Status.FEES_PAID,
        "passes": can(ISSUE) and r.status == Status.IN_PROGRESS and bool(without_pass),
        "extend": can(ISSUE) and r.status in (Status.APPROVED, Status.FEES_PAID, Status.IN_PROGRESS),
        "pass_return": can(ISSUE),
        "patrol": can(PATROL) and r.status in WORKS,
        "breach": can(PATROL) and bool(held) and r.status in ACTIVE_STATUSES,
        "breach_decide": can(APPROVE_BREACH),
        "acceptance": can(CHANGE) and r.status == Status.IN_PROGRESS,
        "inspection": can(INSPECT) and r.status == Status.ACCEPTANCE_REQUESTED,
        "receipts": can("fees.view_receipt"),
        "permit_print": r.status in PERMITTED and bool(r.permit_number),
        "passes_print": bool(live_passes),
    }
    decision_open = any(show[name] for name in ("approve", "return", "resubmit", "withdraw"))
    refund_due = any(row.may_refund for row in d.deposits)
    return render(request, "renovation/detail.html", {
        "d": d, "r": r, "now": now, "today": timezone.localdate(now),
        "events": _label_events(d.events, workers), "required_documents": required_documents,
        "papers": papers, "signed_count": len(signed), "unpaid": unpaid, "without_pass": without_pass,
        "live_passes": live_passes, "held": held, "show": show, "decision_open": decision_open,
        "refund_due": refund_due,
        "current_workers": [w for w in d.workers if w.is_current],
        "removed_workers": [w for w in d.workers if not w.is_current],
        "days_off": _days_off(d.policy, r),
        "forms": {
            "change": forms.get("change", ChangeForm, **{name: getattr(r, name) for name in (
                "scope", "floors_altered", "planned_start", "planned_end", "contractor_name", "contractor_lead_name")}),
            "worker_add": forms.get("worker_add", WorkerAddForm),
            "approve": forms.get("approve", NoteForm), "return": forms.get("return", ReturnForm),
            "resubmit": forms.get("resubmit", NoteForm), "withdraw": forms.get("withdraw", WithdrawForm),
            "fees": forms.get("fees", FeesForm),
            "pass_fees": forms.get("pass_fees", PassFeesForm),
            "extend": forms.get("extend", ExtendForm),
            "patrol": forms.get("patrol", PatrolForm),
            "breach": forms.get("breach", BreachForm),
            "acceptance": forms.get("acceptance", NoteForm),
            "inspection": forms.get("inspection", InspectionForm),
        },
    }, status=status)


def _days_off(policy, renovation) -> list:
    """The estate's days off that fall while the work is planned."""
    return sorted(day for day in policy.days_off or () if renovation.planned_start <= day <= renovation.planned_end)


# ---- the actions ---------------------------------------------------------------------------------


def _worker(renovation, pk) -> RenovationWorker:
    return get_object_or_404(RenovationWorker, pk=pk or 0, renovation=renovation)


def _change(r, d, user, now):
    values = {**d, "contractor_lead_phone": d["contractor_lead_phone"] or None,
              "contractor_lead_id_number": d["contractor_lead_id_number"] or None}
    services.renovation_change(renovation=r, now=now, actor=user, **values)
    return _("Application corrected.")


def _document(r, d, user, now):
    worker = _worker(r, d["worker"]) if d["worker"] else None
    stored = services.renovation_document_add(renovation=r, kind=d["kind"], uploads=d["uploads"], worker=worker,
                                              now=now, actor=user)
    kind = DocumentKind(d["kind"]).label
    if worker is not None:
        return ngettext("%(count)d file added for %(name)s: %(kind)s.", "%(count)d files added for %(name)s: %(kind)s.",
                        len(stored)) % {"count": len(stored), "name": worker.name, "kind": kind}
    return ngettext("%(count)d file added: %(kind)s.", "%(count)d files added: %(kind)s.",
                    len(stored)) % {"count": len(stored), "kind": kind}


def _document_remove(r, d, user, now):
    document = get_object_or_404(RenovationDocument, pk=d["document"], renovation=r)
    services.renovation_document_remove(document=document, now=now, actor=user)
    return _("Document taken back: %(kind)s.") % {"kind": document.get_kind_display()}


def _worker_add(r, d, user, now):
    worker = services.worker_add(renovation=r, name=d["name"], id_number=d["id_number"], phone=d["phone"],
                                 id_copies=d["id_copies"], photos=d["photos"], now=now, actor=user)
    if r.status in (Status.FEES_PAID, Status.IN_PROGRESS):
        return _("%(name)s joins the team; his pass is issued once his pass fee is paid.") % {"name": worker.name}
    return _("%(name)s joins the team.") % {"name": worker.name}


def _worker_remove(r, d, user, now):
    worker = services.worker_remove(worker=_worker(r, d["worker"]), reason=d["reason"], now=now, actor=user)
    if worker.passes.exists():
        return _("%(name)s left the team: his pass is revoked and the card is to be handed back.") % {
            "name": worker.name}
    return _("%(name)s left the team.") % {"name": worker.name}


def _sign(r, d, user, now):
    png = None
    if d["signature"]:  # an empty pad is the service's to refuse, in its words
        try:
            png = signature_from_data_url(d["signature"])
        except ValidationError as error:
            raise ValidationError({"signature": error.messages}) from None
    signed = services.paper_sign(renovation=r, paper=d["paper"], party=d["party"], signature_png=png,
                                 signer_name=d["signer_name"], now=now, actor=user)
    return _("%(paper)s signed for the %(party)s by %(name)s.") % {
        "paper": signed.get_paper_display(), "party": str(signed.get_party_display()).lower(),
        "name": signed.signer_name}


def _scan(r, d, user, now):
    signed = services.paper_scan_record(renovation=r, paper=d["paper"], scan=d["scan"], signer_names=d["signer_names"],
                                        signed_at=d["signed_at"], now=now, actor=user)
    return _("The scan of the signed %(paper)s is on record.") % {"paper": signed.get_paper_display()}


def _approve(r, d, user, now):
    services.renovation_approve(renovation=r, note=d["note"], now=now, actor=user)
    quote = selectors.renovation_fee_quote(renovation=r)
    return _("Approved. The owner is told to pay the fees and deposits at the finance office: ¥%(total)s.") % {
        "total": quote.total()}


def _return(r, d, user, now):
    services.renovation_return(renovation=r, reasons=d["reasons"], now=now, actor=user)
    return _("Returned to the owner with the reasons; it comes back when they resubmit it.")


def _resubmit(r, d, user, now):
    services.renovation_resubmit(renovation=r, note=d["note"], now=now, actor=user)
    return _("Resubmitted: the application waits for the desk's decision again.")


def _withdraw(r, d, user, now):
    withdrawn = services.renovation_withdraw(renovation=r, reason=d["reason"], now=now, actor=user)
    if withdrawn.deposits_due_on:
        return _("Withdrawn. The deposits paid are due for refund now; the unit is free for a new application.")
    return _("Withdrawn; the unit is free for a new application.")


def _fees(r, d, user, now):
    charges = services.renovation_fees_take(
        renovation=r, method=d["method"], decline_rubbish_fee=d["decline_rubbish_fee"],
        owner_payer_name=d["owner_payer_name"], contractor_payer_name=d["contractor_payer_name"], now=now, actor=user)
    total = sum(charge.amount for charge in charges)
    text = _("Fees taken: ¥%(total)s, receipts %(receipts)s. The permit can be issued.") % {
        "total": total, "receipts": ", ".join(charge.receipt.number for charge in charges)}
    if d["decline_rubbish_fee"]:
        text += " " + _("The owner declined the rubbish removal fee: the application and the permit say so.")
    return text


def _pass_fees(r, d, user, now):
    charge = services.pass_fees_take(renovation=r, method=d["method"], payer_name=d["payer_name"], now=now,
                                     actor=user)
    if charge is None:
        return _("Nothing to pay: this estate charges nothing for a pass. The passes can be issued.")
    return _("Pass fees taken: ¥%(amount)s, receipt %(number)s. The passes can be issued.") % {
        "amount": charge.amount, "number": charge.receipt.number}


def _permit(r, d, user, now):
    issued = services.permit_issue(renovation=r, now=now, actor=user)
    count = issued.passes.filter(revoked_at__isnull=True).count()
    return ngettext("Permit %(number)s issued with %(count)d worker pass: the work may start. Print them.",
                    "Permit %(number)s issued with %(count)d worker passes: the work may start. Print them.",
                    count) % {"number": issued.permit_number, "count": count}


def _passes(r, d, user, now):
    issued = services.passes_issue(renovation=r, now=now, actor=user)
    return ngettext("%(count)d pass issued: %(serials)s.", "%(count)d passes issued: %(serials)s.", len(issued)) % {
        "count": len(issued), "serials": ", ".join(p.serial for p in issued)}


def _extend(r, d, user, now):
    extended = services.renovation_extend(renovation=r, planned_end=d["planned_end"], reason=d["reason"], now=now,
                                          actor=user)
    return _("Extended to %(date)s; the live passes are valid to that day.") % {
        "date": extended.planned_end.isoformat()}


def _pass_return(r, d, user, now):
    worker_pass = get_object_or_404(WorkerPass, pk=d["worker_pass"], renovation=r)
    services.pass_return(worker_pass=worker_pass, lost=d["lost"], now=now, actor=user)
    if d["lost"]:
        return _("Pass %(serial)s recorded as lost.") % {"serial": worker_pass.serial}
    return _("Pass %(serial)s handed back.") % {"serial": worker_pass.serial}


def _patrol(r, d, user, now):
    patrol = services.patrol_record(renovation=r, in_order=d["in_order"], findings=d["findings"], photos=d["photos"],
                                    now=now, actor=user)
    if patrol.in_order:
        return _("Patrol recorded: all in order.")
    return _("Patrol recorded with its findings. Propose a penalty if a rule was broken.")


def _breach(r, d, user, now):
    breach = services.breach_propose(renovation=r, rule=d["rule"], evidence=d["evidence"], penalty=d["penalty"],
                                     deposit_kind=d["deposit_kind"], photos=d["photos"], now=now, actor=user)
    return _("Penalty of ¥%(amount)s proposed; the supervisors are asked to approve it.") % {"amount": breach.penalty}


def _breach_of(r, pk) -> Breach:
    return get_object_or_404(Breach, pk=pk, renovation=r)


def _breach_approve(r, d, user, now):
    breach = services.breach_approve(breach=_breach_of(r, d["breach"]), note=d["note"], now=now, actor=user)
    return _("Penalty approved: ¥%(amount)s is deducted from the %(deposit)s; the owner is told.") % {
        "amount": breach.penalty, "deposit": str(breach.get_deposit_kind_display()).lower()}


def _breach_reject(r, d, user, now):
    services.breach_reject(breach=_breach_of(r, d["breach"]), note=d["note"], now=now, actor=user)
    return _("Penalty rejected; nothing is deducted.")


def _acceptance(r, d, user, now):
    services.acceptance_request(renovation=r, note=d["note"], now=now, actor=user)
    return _("Acceptance requested: engineering is told to inspect the work.")


def _inspection(r, d, user, now):
    services.inspection_record(renovation=r, passed=d["passed"], items_to_fix=d["items_to_fix"], note=d["note"],
                               now=now, actor=user)
    if d["passed"]:
        r.refresh_from_db()
        return _("Passed. The passes are revoked; the deposits fall due on %(date)s. The owner is told.") % {
            "date": r.deposits_due_on.isoformat()}
    return _("Failed: the work goes back in progress with the items to fix. The owner is told.")


# name: (form class or None for a plain button, permission needed, what to do; it returns the message).
ACTIONS = {
    "change": (ChangeForm, CHANGE, _change),
    "document": (DocumentForm, CHANGE, _document),
    "document_remove": (DocumentRemoveForm, CHANGE, _document_remove),
    "worker_add": (WorkerAddForm, CHANGE, _worker_add),
    "worker_remove": (WorkerRemoveForm, CHANGE, _worker_remove),
    "sign": (SignForm, CHANGE, _sign),
    "scan": (ScanForm, CHANGE, _scan),
    "approve": (NoteForm, APPROVE, _approve),
    "return": (ReturnForm, APPROVE, _return),
    "resubmit": (NoteForm, CHANGE, _resubmit),
    "withdraw": (WithdrawForm, CHANGE, _withdraw),
    "fees": (FeesForm, TAKE_FEES, _fees),
    "pass_fees": (PassFeesForm, TAKE_FEES, _pass_fees),
    "permit": (None, ISSUE, _permit),
    "passes": (None, ISSUE, _passes),
    "extend": (ExtendForm, ISSUE, _extend),
    "pass_return": (PassReturnForm, ISSUE, _pass_return),
    "patrol": (PatrolForm, PATROL, _patrol),
    "breach": (BreachForm, PATROL, _breach),
    "breach_approve": (BreachDecisionForm, APPROVE_BREACH, _breach_approve),
    "breach_reject": (BreachRejectForm, APPROVE_BREACH, _breach_reject),
    "acceptance": (NoteForm, CHANGE, _acceptance),
    "inspection": (InspectionForm, INSPECT, _inspection),
}
# Field names a service uses that the form calls differently.
ALIASES = {"breach_approve": {"deposit_kind": None}}


@staff_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def action(request, pk, name):
    if name not in ACTIONS:
        raise Http404
    form_class, perm, run = ACTIONS[name]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    renovation = get_object_or_404(selectors.renovations_for(request.user), pk=pk)
    form = None
    if form_class is not None:
        item = _item(name, request.POST)
        form = form_class(request.POST, request.FILES, auto_id=_auto(name, item))
        form.item = item
    back_url = reverse("renovation:detail", args=[pk])
    return run_action(
        request, target=renovation, form=form, run=run, aliases=ALIASES.get(name),
        rerender=lambda form: detail(request, pk, bound={name: form}, status=400),
        back_url=back_url,
    )


# ---- deposits: finance -------------------------------------------------------------------------


@staff_required
@permission_required(VIEW_CHARGES, raise_exception=True)
def deposits(request, refund_form=None, status=200):
    form, filters = _estate_filter(request, DepositFilterForm)
    now = timezone.now()
    estate = filters.get("estate")
    rows = selectors.deposits(as_of=now, estate=estate, state=filters.get("state") or None)
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    can_refund = request.user.has_perm(REFUND)
    for deposit in page.object_list:
        deposit.form = refund_form if refund_form is not None and refund_form.item == str(deposit.pk) else \
            RefundForm(initial={"back": "deposits"}, auto_id=_auto("refund", str(deposit.pk)))
        deposit.may_refund = can_refund and deposit.ledger_state == "due" and deposit.renovation.status in REFUNDABLE
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "renovation/deposits.html", {
        "form": form, "page": page, "totals": selectors.deposit_totals(as_of=now, estate=estate),
        "query_string": query.urlencode(), "state": filters.get("state") or "",
        "refund_open": refund_form.item if refund_form is not None else "",
    }, status=status)


@staff_required
@permission_required(REFUND, raise_exception=True)
@require_POST
def deposit_refund(request, pk):
    """Pay a deposit back, from the renovation's page or finance's deposits page (``back``)."""
    deposit = get_object_or_404(RenovationCharge.objects.select_related("renovation"), pk=pk,
                                renovation__in=selectors.renovations_for(request.user).values("pk"))
    form = RefundForm(request.POST, auto_id=_auto("refund", str(deposit.pk)))
    form.item = str(deposit.pk)
    from_list = request.POST.get("back") == "deposits"
    back_url = reverse("renovation:deposits") if from_list else reverse("renovation:detail",
                                                                       args=[deposit.renovation_id])
    if from_list:  # back to the same filters and page of the list
        kept = QueryDict(request.POST.get("query", "")[:500])
        query = urlencode({key: kept[key] for key in ("estate", "state", "page") if kept.get(key)})
        back_url += f"?{query}" if query else ""

    def rerender(form):
        if from_list:
            return deposits(request, refund_form=form, status=400)
        return detail(request, deposit.renovation_id, status=400, refund_form=form)

    def run(deposit, data, user, now):
        refund = services.deposit_refund(deposit=deposit, method=data["method"], payee_name=data["payee_name"],
                                         now=now, actor=user)
        return (_("%(deposit)s refunded: ¥%(amount)s paid to %(payee)s (¥%(deducted)s deducted), voucher %(voucher)s.")
                % {"deposit": deposit.get_kind_display(), "amount": refund.amount, "payee": refund.payee_name,
                   "deducted": refund.deducted, "voucher": refund.voucher_number})

    return run_action(request, target=deposit, form=form, run=run, rerender=rerender, back_url=back_url,
                      aliases={"deducted": None})


# ---- inspections due: engineering ---------------------------------------------------------------


@staff_required
@permission_required(INSPECT, raise_exception=True)
def inspections(request):
    form, filters = _estate_filter(request, BoardFilterForm)
    now = timezone.now()
    due = selectors.inspections_due(as_of=now, estate=filters.get("estate"))
    return render(request, "renovation/inspections.html", {
        "form": form, "due": due, "late": sum(1 for row in due if row.late), "today": timezone.localdate(now),
    })


# ---- printables --------------------------------------------------------------------------------


qr_svg = partial(core_qr_svg, css_class="rp-qr")


@staff_required
@permission_required(VIEW, raise_exception=True)
def permit_print(request, pk):
    now = timezone.now()
    d = selectors.renovation_detail(renovation_id=pk, user=request.user, as_of=now)
    if not d.renovation.permit_number:
        raise Http404
    return render(request, "renovation/permit_print.html", {
        "d": d, "r": d.renovation, "days_off": _days_off(d.policy, d.renovation),
        "live_passes": [p for p in d.passes if p.is_live],
    })


@staff_required
@permission_required(VIEW, raise_exception=True)
def passes_print(request, pk):
    """The renovation's live passes as cards, several to an A4 page (``?pass=`` one of them)."""
    now = timezone.now()
    d = selectors.renovation_detail(renovation_id=pk, user=request.user, as_of=now)
    wanted = request.GET.get("pass") or ""
    cards = [p for p in d.passes if p.is_live and (not wanted.isdigit() or p.pk == int(wanted))]
    if not cards:
        raise Http404
    for card in cards:
        card.qr = qr_svg(rules.pass_token(card.serial))
    return render(request, "renovation/passes_print.html", {
        "d": d, "r": d.renovation, "cards": cards,
        "pages": [cards[start:start + CARDS_PER_PAGE] for start in range(0, len(cards), CARDS_PER_PAGE)],
    })


@staff_required
@permission_required(VIEW, raise_exception=True)
def application_print(request, pk):
    now = timezone.now()
    d = selectors.renovation_detail(renovation_id=pk, user=request.user, as_of=now)
    signed = {(p.paper, p.party): p for p in d.papers if p.method == SignMethod.PAD}
    return render(request, "renovation/application_print.html", {
        "d": d, "r": d.renovation, "current_workers": [w for w in d.workers if w.is_current],
        "owner_signature": signed.get((Paper.APPLICATION, Party.OWNER)),
        "scanned": any(p.paper == Paper.APPLICATION and p.method == SignMethod.SCAN for p in d.papers),
    })


# ---- the renovation's files, each behind the renovation's access rule ----------------------------


def _may_read_files(user) -> None:
    """The desk, engineering, finance and supervisors with the renovation permission, or
    an owner (the selector then keeps them to their own renovations); nobody else."""
    if is_staff_member(user):
        if not user.has_perm(VIEW):
            raise PermissionDenied
    elif owner_of(user) is None:
        raise PermissionDenied


@login_required
def document_file(request, pk):
    _may_read_files(request.user)
    document = selectors.renovation_document(document_id=pk, user=request.user)
    return files.serve(request, document.file, filename=document.download_name, content_type=document.content_type)


@login_required
def paper_file(request, pk):
    """A signed paper: its scan, or the party's signature drawn on the pad."""
    _may_read_files(request.user)
    paper = selectors.paper_file(paper_id=pk, user=request.user)
    if paper.method == SignMethod.PAD:
        if not paper.signature_png:
            raise Http404
        response = HttpResponse(bytes(paper.signature_png), content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
    return files.serve(request, paper.file, filename=paper.download_name, content_type=paper.content_type)


@login_required
def evidence_photo(request, pk):
    _may_read_files(request.user)
    photo = selectors.evidence_photo(photo_id=pk, user=request.user)
    return files.serve(request, photo.file, filename=photo.download_name, content_type=photo.content_type)


urlpatterns = [
    path("", board, name="board"),
    path("new/", new, name="new"),
    path("deposits/", deposits, name="deposits"),
    path("deposits/<int:pk>/refund/", deposit_refund, name="deposit_refund"),
    path("inspections/", inspections, name="inspections"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/permit/", permit_print, name="permit_print"),
    path("<int:pk>/passes/", passes_print, name="passes_print"),
    path("<int:pk>/application/", application_print, name="application_print"),
    path("<int:pk>/actions/<slug:name>/", action, name="action"),
    path("documents/<int:pk>/", document_file, name="document"),
    path("papers/<int:pk>/", paper_file, name="paper_file"),
    path("photos/<int:pk>/", evidence_photo, name="evidence_photo"),
]
