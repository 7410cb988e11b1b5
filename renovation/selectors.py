"""Every read the renovation pages, the API and the daily job need. Selectors never
write and never import the services; the rules both need are in ``renovation/rules.py``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from owners.selectors import current_ownerships
from propertydesk.roles import is_staff_member, owner_of
from renovation import rules
from renovation.models import (
    ACTIVE_STATUSES,
    DEPOSITS,
    PAPER_PARTIES,
    PHOTOS_PER_WORKER,
    REQUIRED_DOCUMENTS,
    Breach,
    BreachStatus,
    Deduction,
    DocumentKind,
    EvidencePhoto,
    GateCheck,
    Inspection,
    Paper,
    Party,
    Patrol,
    Renovation,
    RenovationCharge,
    RenovationDocument,
    RenovationEvent,
    RenovationPolicy,
    RenovationWorker,
    SignedPaper,
    SignMethod,
    Status,
    WorkerPass,
)

renovation_policy = rules.renovation_policy
renovation_policies = rules.renovation_policies

_LIST_RELATED = ("estate", "unit__building", "owner")


# ---- who sees which renovation --------------------------------------------------------------


def owner_renovations(*, owner) -> QuerySet[Renovation]:
    """An owner's renovations, newest first: the ones they applied for, and those of a
    co-owner on a unit both own now. A seller's renovation stays the seller's: the buyer
    of the unit does not see it."""
    applicant_owns_too = Exists(current_ownerships().filter(unit=OuterRef("unit_id"), owner=OuterRef("owner_id")))
    owner_owns = Exists(current_ownerships().filter(unit=OuterRef("unit_id"), owner=owner))
    return (Renovation.objects.filter(Q(owner=owner) | (owner_owns & applicant_owns_too))
            .select_related(*_LIST_RELATED).order_by("-applied_at", "-pk"))


def renovations_for(user) -> QuerySet[Renovation]:
    """The renovations a user may see, for every page and the API alike: all of them for
    staff with ``renovation.view_renovation`` (the desk, engineering, finance,
    supervisors), an owner's own (``owner_renovations``), none for anyone else."""
    renovations = Renovation.objects.select_related(*_LIST_RELATED)
    if not user.is_authenticated:
        return renovations.none()
    if is_staff_member(user):
        return renovations if user.has_perm("renovation.view_renovation") else renovations.none()
    owner = owner_of(user)
    return owner_renovations(owner=owner) if owner else renovations.none()


def unit_active_renovation(*, unit) -> Renovation | None:
    """The unit's renovation that is not closed yet (at most one), for the apply form and
    the unit page."""
    return Renovation.objects.filter(unit=unit, status__in=ACTIVE_STATUSES).first()


# ---- the checklist --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    """One thing the application needs: ``key`` is stable (``document:drawings``,
    ``worker:12:photos``, ``paper:agreement:property``…), ``label`` is in the reader's
    language, ``worker`` the worker it is about."""

    key: str
    label: str
    done: bool
    worker: RenovationWorker | None = None


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem]

    @property
    def missing(self) -> list[ChecklistItem]:
        return [item for item in self.items if not item.done]

    @property
    def complete(self) -> bool:
        return not self.missing

    def missing_text(self) -> str:
        """The missing items in one line, as an approval refusal names them."""
        return "; ".join(item.label for item in self.missing)


def renovation_checklist(*, renovation: Renovation) -> Checklist:
    """What the application has and what it still lacks (002 装修流程 一、二): the
    contractor's papers, at least one worker, each current worker's ID copy and two
    photos, and the three signed papers (the owner's application, the contractor's fire
    safety letter, the management agreement signed by owner, contractor and property
    company: a scan of the signed paper, or each party's signature on the pad). Three
    queries."""
    return _checklist(
        documents=list(RenovationDocument.objects.filter(renovation=renovation).values_list("kind", "worker_id")),
        workers=list(RenovationWorker.objects.filter(renovation=renovation, removed_at__isnull=True)
                     .order_by("added_at", "pk")),
        papers=list(SignedPaper.objects.filter(renovation=renovation).values_list("paper", "party", "method")))


def _checklist(*, documents: list[tuple], workers: list[RenovationWorker], papers: list[tuple]) -> Checklist:
    """The checklist from what was read already: (kind, worker id) of each document, the
    current workers in the order they joined, (paper, party, method) of each signature."""
    kinds = {kind for kind, worker in documents if worker is None}
    per_worker = defaultdict(lambda: defaultdict(int))
    for kind, worker in documents:
        if worker is not None:
            per_worker[worker][kind] += 1

    items = [ChecklistItem(key=f"document:{kind}", label=str(kind.label), done=kind in kinds)
             for kind in REQUIRED_DOCUMENTS]
    items.append(ChecklistItem(key="workers", label=_("At least one worker"), done=bool(workers)))
    for worker in workers:
        have = per_worker[worker.pk]
        items.append(ChecklistItem(
            key=f"worker:{worker.pk}:id", worker=worker, done=have[DocumentKind.WORKER_ID] >= 1,
            label=_("%(name)s: ID card copy") % {"name": worker.name}))
        items.append(ChecklistItem(
            key=f"worker:{worker.pk}:photos", worker=worker, done=have[DocumentKind.WORKER_PHOTO] >= PHOTOS_PER_WORKER,
            label=_("%(name)s: %(count)d photos (%(have)d so far)")
            % {"name": worker.name, "count": PHOTOS_PER_WORKER, "have": have[DocumentKind.WORKER_PHOTO]}))
    scanned = {paper for paper, _party, method in papers if method == SignMethod.SCAN}
    signed = {(paper, party) for paper, party, method in papers if method == SignMethod.PAD}
    for paper, parties in PAPER_PARTIES.items():
        for party in parties:
            items.append(ChecklistItem(
                key=f"paper:{paper}:{party}", done=paper in scanned or (paper, party) in signed,
                label=_("%(paper)s signed by the %(party)s")
                % {"paper": Paper(paper).label, "party": str(Party(party).label).lower()}
                if len(parties) > 1 else _("%(paper)s, signed") % {"paper": Paper(paper).label}))
    return Checklist(items=items)


# ---- fees ---------------------------------------------------------------------------------------


def renovation_fee_quote(*, renovation: Renovation, policy: RenovationPolicy | None = None) -> rules.FeeQuote:
    """The fees to take before the permit, from the estate's policy and the unit's floor
    area; passes for the current workers whose pass fee is not paid yet."""
    policy = policy or renovation_policy(estate=renovation.estate)
    unpaid = RenovationWorker.objects.filter(renovation=renovation, removed_at__isnull=True,
                                             pass_fee_paid_at__isnull=True).count()
    return rules.fee_quote(policy=policy, area=renovation.unit.area, passes=unpaid)


# ---- one renovation with everything about it ----------------------------------------------------

# What each state waits for, on the board and the renovation's page.
WAITS_FOR = {
    Status.SUBMITTED: gettext_lazy("The desk checks the papers, then approves or returns the application."),
    Status.RETURNED: gettext_lazy("The owner completes the application and resubmits it."),
    Status.APPROVED: gettext_lazy("The fees and deposits are paid at the finance office."),
    Status.FEES_PAID: gettext_lazy("The desk issues the permit and the worker passes."),
    Status.IN_PROGRESS: gettext_lazy("The work is done and the owner requests acceptance."),
    Status.ACCEPTANCE_REQUESTED: gettext_lazy("Engineering inspects the work."),
    Status.PASSED: gettext_lazy("The refund period runs; the passes are returned."),
    Status.DEPOSITS_DUE: gettext_lazy("Finance refunds the deposits."),
    Status.REFUNDED: gettext_lazy("Nothing: closed."),
    Status.WITHDRAWN: gettext_lazy("Nothing: withdrawn."),
}
FIXING = gettext_lazy("The items of the failed inspection are fixed and acceptance is requested again.")


def waits_for(renovation: Renovation, *, failed_before: bool = False) -> str:
    """What the renovation waits for now, in the reader's language."""
    if renovation.status == Status.IN_PROGRESS and failed_before:
        return str(FIXING)
    return str(WAITS_FOR[renovation.status])


@dataclass
class DepositRow:
    """A deposit held for the renovation and where it stands: ``state`` is "held" (not due
    yet), "due" (due for refund, not paid) or "refunded"."""

    deposit: RenovationCharge
    deducted: Decimal
    pending: Decimal  # penalties proposed, not decided
    due_on: datetime.date | None
    state: str

    @property
    def refundable(self) -> Decimal:
        return max(self.deposit.amount - self.deducted, Decimal("0.00"))

    @property
    def refund(self):
        return getattr(self.deposit, "refund", None)


def _deposit_state(*, refunded: bool, due_on: datetime.date | None, today: datetime.date) -> str:
    if refunded:
        return "refunded"
    return "due" if due_on is not None and due_on <= today else "held"


# Steps of the staff's own business, left out of the owner's timeline: patrols, penalties
# proposed or rejected (an approved one is the owner's business: it is deducted).
INTERNAL_ACTIONS = ("patrol", "breach_proposed", "penalty_rejected")


def _owner_events(events: QuerySet[RenovationEvent]) -> QuerySet[RenovationEvent]:
    """The events the owner sees: all but INTERNAL_ACTIONS. A move has no "action": the
    key test keeps it (NOT over a missing key is NULL in SQL)."""
    return events.exclude(Q(data__has_key="action") & Q(data__action__in=INTERNAL_ACTIONS))


@dataclass
class RenovationDetail:
    """One renovation with everything its page shows. ``for_owner``: the owner's view
    (patrols, gate checks and undecided or rejected breaches left out)."""

    renovation: Renovation
    for_owner: bool
    policy: RenovationPolicy
    checklist: Checklist
    fee_quote: rules.FeeQuote
    working_hours: str
    waits_for: str
    events: list[RenovationEvent]
    documents: list[RenovationDocument]  # the application's (not the workers')
    workers: list[RenovationWorker]  # current first, each with .docs and .live_pass
    papers: list[SignedPaper]
    charges: list[RenovationCharge]
    deposits: list[DepositRow]
    passes: list[WorkerPass]
    inspections: list[Inspection]
    patrols: list[Patrol]
    breaches: list[Breach]
    gate_checks: list[GateCheck] = field(default_factory=list)

    @property
    def latest_inspection(self) -> Inspection | None:
        return self.inspections[-1] if self.inspections else None

    @property
    def passes_out(self) -> list[WorkerPass]:
        """Passes whose card is not back yet."""
        return [p for p in self.passes if p.is_out]


def renovation_detail(*, renovation_id: int, user, as_of: datetime.datetime,
                      checks_shown: int = 20) -> RenovationDetail:
    """One renovation the user may see (``renovations_for``), or a 404, with everything
    about it (the latest ``checks_shown`` gate checks of its passes for staff), in a fixed
    number of queries whatever its size. An owner gets the owner's view."""
    renovation = get_object_or_404(
        renovations_for(user).select_related("approved_by", "permit_issued_by", "created_by"), pk=renovation_id)
    for_owner = not is_staff_member(user)
    return _detail(renovation, for_owner=for_owner, as_of=as_of, checks_shown=0 if for_owner else checks_shown)


def owner_renovation_detail(*, owner, renovation_id: int, as_of: datetime.datetime) -> RenovationDetail:
    """One of the owner's renovations (``owner_renovations``) in the owner's view, or a 404
    (never a 403: another owner's renovation is not confirmed to exist)."""
    renovation = get_object_or_404(owner_renovations(owner=owner), pk=renovation_id)
    return _detail(renovation, for_owner=True, as_of=as_of, checks_shown=0)


def _detail(renovation: Renovation, *, for_owner: bool, as_of: datetime.datetime, checks_shown: int
            ) -> RenovationDetail:
    today = timezone.localdate(as_of)
    policy = renovation_policy(estate=renovation.estate)
    # Who did what at the office (uploaded, inspected, recorded, took the money) is the desk's
    # to see: the owner's page names no staff, so their rows are not joined for it.
    def joined(rows, *related):
        return rows if for_owner else rows.select_related(*related)

    documents = list(joined(RenovationDocument.objects.filter(renovation=renovation), "uploaded_by")
                     .order_by("uploaded_at", "pk"))
    # Every pass of the renovation, read once: the page lists them all, and each worker's
    # live one (at most one, a constraint) shows beside the worker.
    passes = list(renovation.passes.select_related("worker").order_by("serial"))
    live = {p.worker_id: p for p in passes if p.revoked_at is None}
    workers = sorted(RenovationWorker.objects.filter(renovation=renovation),
                     key=lambda w: (w.removed_at is not None, w.added_at, w.pk))
    by_worker = defaultdict(list)
    for document in documents:
        if document.worker_id:
            by_worker[document.worker_id].append(document)
    for worker in workers:
        worker.docs = by_worker[worker.pk]
        worker.live_pass = live.get(worker.pk)
    # Each charge with what was deducted from it and the penalties proposed against its
    # kind of deposit, summed in the same statement.
    deducted = (Deduction.objects.filter(deposit=OuterRef("pk")).order_by().values("deposit")
                .annotate(total=Sum("amount")).values("total"))
    pending = (Breach.objects.filter(renovation=OuterRef("renovation_id"), status=BreachStatus.PROPOSED,
                                     deposit_kind=OuterRef("kind")).order_by().values("deposit_kind")
               .annotate(total=Sum("penalty")).values("total"))
    charges = list(joined(renovation.charges.select_related("receipt", "refund"), "taken_by")
                   .annotate(deducted_total=Subquery(deducted), pending_total=Subquery(pending))
                   .order_by("paid_at", "pk"))
    deposits = [
        DepositRow(deposit=charge, deducted=charge.deducted_total or Decimal("0.00"),
                   pending=charge.pending_total or Decimal("0.00"), due_on=renovation.deposits_due_on,
                   state=_deposit_state(refunded=hasattr(charge, "refund"), due_on=renovation.deposits_due_on,
                                        today=today))
        for charge in charges if charge.is_deposit
    ]
    inspections = list(joined(renovation.inspections.all(), "inspector", "requested_by")
                       .order_by("requested_at", "pk"))
    breaches = joined(Breach.objects.filter(renovation=renovation).select_related("deduction"),
                      "proposed_by", "decided_by").prefetch_related("photos").order_by("proposed_at", "pk")
    if for_owner:
        breaches = breaches.filter(status=BreachStatus.APPROVED)
    failed_before = bool(inspections) and inspections[-1].passed is False
    events = joined(renovation.events.all(), "actor").order_by("at", "pk")
    if for_owner:
        events = _owner_events(events)
    papers = list(joined(renovation.papers.defer("signature_png"), "recorded_by").order_by("signed_at", "pk"))
    return RenovationDetail(
        renovation=renovation, for_owner=for_owner, policy=policy,
        # From the rows read for the page, not read again.
        checklist=_checklist(documents=[(d.kind, d.worker_id) for d in documents],
                             workers=sorted((w for w in workers if w.removed_at is None),
                                            key=lambda w: (w.added_at, w.pk)),
                             papers=[(p.paper, p.party, p.method) for p in papers]),
        fee_quote=rules.fee_quote(policy=policy, area=renovation.unit.area,
                                  passes=sum(1 for w in workers if w.is_current and w.pass_fee_paid_at is None)),
        working_hours=rules.working_hours_text(policy),
        waits_for=waits_for(renovation, failed_before=failed_before),
        events=list(events),
        documents=[d for d in documents if d.worker_id is None],
        workers=workers,
        papers=papers,
        charges=charges, deposits=deposits,
        passes=passes,
        inspections=inspections,
        patrols=[] if for_owner else list(
            renovation.patrols.select_related("by").prefetch_related("photos").order_by("at", "pk")),
        breaches=list(breaches),
        gate_checks=list(GateCheck.objects.filter(worker_pass__renovation=renovation)
                         .select_related("worker_pass", "checked_by")[:checks_shown]) if checks_shown else [],
    )


# ---- the board ----------------------------------------------------------------------------------


@dataclass
class BoardColumn:
    """One state of the board: its renovations (the first ``limit``, oldest first, each
    with ``.past_planned_end`` and ``.waits_for``), how many there are, and what they wait for."""

    status: str
    label: str
    waits_for: str
    count: int
    renovations: list[Renovation]


def renovation_board(*, user, as_of: datetime.datetime, estate=None, limit: int = 50) -> list[BoardColumn]:
    """The desk's board: every open renovation by state, in the order of the process,
    with what each state waits for: each state's first ``limit`` rows and its count, in
    one query (numbered and counted per state by window functions)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    today = timezone.localdate(as_of)
    renovations = renovations_for(user)
    if estate is not None:
        renovations = renovations.filter(estate=estate)
    # Which rows and how many per state from the renovations alone; then those rows with
    # their unit, estate and owner (joined before the numbering, every open renovation
    # was joined to every unit).
    ranked = dict(
        renovations.filter(status__in=ACTIVE_STATUSES).select_related(None)
        .annotate(place=Window(RowNumber(), partition_by=F("status"), order_by=[F("applied_at").asc(), F("pk").asc()]),
                  in_state=Window(Count("pk"), partition_by=F("status")))
        .filter(place__lte=limit).values_list("pk", "in_state"))
    # A card shows a few of each record's fields: only those are read (370 cards' whole rows,
    # owners' encrypted fields among them, cost more to build than the query to run).
    rows = list(renovations.filter(pk__in=ranked).select_related(None).select_related("estate", "unit", "owner").only(
        "number", "status", "scope", "planned_start", "planned_end", "applied_at", "estate_id", "unit_id", "owner_id",
        "estate__name", "unit__number", "owner__name").annotate(
        # Back at work after an inspection means after a failed one.
        refixing=Exists(Inspection.objects.filter(renovation=OuterRef("pk"), passed=False))).order_by("applied_at", "pk"))
    by_status: dict[str, list] = {}
    for row in rows:
        row.in_state = ranked[row.pk]
        row.past_planned_end = row.planned_end < today and row.status in (Status.FEES_PAID, Status.IN_PROGRESS)
        row.waits_for = waits_for(row, failed_before=row.status == Status.IN_PROGRESS and row.refixing)
        by_status.setdefault(row.status, []).append(row)
    return [BoardColumn(status=status, label=str(Status(status).label), waits_for=str(WAITS_FOR[status]),
                        count=by_status[status][0].in_state if status in by_status else 0,
                        renovations=by_status.get(status, []))
            for status in ACTIVE_STATUSES]


def board_rows(*, user, estate=None) -> QuerySet[Renovation]:
    """Every renovation the board shows (all of them, not a state's first rows): the open
    ones by state in the order of the process, each state's oldest application first;
    ``refixing``: back at work after a failed inspection. For the board's .xlsx."""
    from django.db.models import IntegerField

    renovations = renovations_for(user).filter(status__in=ACTIVE_STATUSES)
    if estate is not None:
        renovations = renovations.filter(estate=estate)
    place = Case(*[When(status=status, then=Value(i)) for i, status in enumerate(ACTIVE_STATUSES)],
                 output_field=IntegerField())
    return (renovations.defer("contractor_lead_id_number", "contractor_lead_phone")
            .annotate(state_place=place,
                      refixing=Exists(Inspection.objects.filter(renovation=OuterRef("pk"), passed=False)))
            .order_by("state_place", "applied_at", "pk"))


# ---- finance: the deposits -------------------------------------------------------------------


def deposits(*, as_of: datetime.datetime, estate=None, state: str | None = None) -> QuerySet[RenovationCharge]:
    """Every deposit taken (owner's and contractor's), newest renovation first, each
    annotated with ``deducted`` (approved penalties), ``pending`` (penalties proposed,
    not decided), ``refundable`` and ``ledger_state``: "held" (not due yet), "due" (due
    for refund, not paid) or "refunded"; ``state`` keeps one of them. For finance's
    deposit page; page it like any queryset."""
    today = timezone.localdate(as_of)
    money = DecimalField(max_digits=12, decimal_places=2)
    deducted = Subquery(Deduction.objects.filter(deposit=OuterRef("pk")).values("deposit")
                        .annotate(total=Sum("amount")).values("total")[:1], output_field=money)
    pending = Subquery(Breach.objects.filter(renovation=OuterRef("renovation"), deposit_kind=OuterRef("kind"),
                                             status=BreachStatus.PROPOSED).values("renovation")
                       .annotate(total=Sum("penalty")).values("total")[:1], output_field=money)
    rows = (RenovationCharge.objects.filter(kind__in=DEPOSITS)
            .select_related("renovation__unit", "renovation__estate", "renovation__owner", "receipt", "refund")
            .annotate(deducted=Coalesce(deducted, Value(Decimal("0.00")), output_field=money),
                      pending=Coalesce(pending, Value(Decimal("0.00")), output_field=money))
            .annotate(refundable=F("amount") - F("deducted"),
                      ledger_state=Case(
                          When(refund__isnull=False, then=Value("refunded")),
                          When(renovation__deposits_due_on__lte=today, then=Value("due")),
                          default=Value("held")))
            .order_by("-renovation__applied_at", "renovation_id", "kind"))
    if estate is not None:
        rows = rows.filter(renovation__estate=estate)
    if state is not None:
        rows = rows.filter(ledger_state=state)
    return rows


def deposit_totals(*, as_of: datetime.datetime, estate=None) -> dict[str, Decimal | int]:
    """For finance and the supervisor's dashboard (domain §9: deposits held and refunds
    due): the money held (not refunded, of which ``due`` is due now), ``refunded`` (paid
    out), ``deducted`` (penalties kept), and how many deposits are due. One query."""
    today = timezone.localdate(as_of)
    charges = RenovationCharge.objects.filter(kind__in=DEPOSITS)
    if estate is not None:
        charges = charges.filter(renovation__estate=estate)
    not_refunded = Q(refund__isnull=True)
    due = not_refunded & Q(renovation__deposits_due_on__lte=today)
    totals = charges.aggregate(
        held=Sum("amount", filter=not_refunded), due=Sum("amount", filter=due), due_count=Count("pk", filter=due),
        refunded=Sum("refund__amount"))
    deducted = Deduction.objects.filter(deposit__in=charges).aggregate(total=Sum("amount"))["total"]
    zero = Decimal("0.00")
    return {"held": totals["held"] or zero, "due": totals["due"] or zero, "due_count": totals["due_count"],
            "refunded": totals["refunded"] or zero, "deducted": deducted or zero}


# ---- engineering: the inspections ---------------------------------------------------------------


@dataclass(frozen=True)
class InspectionDue:
    """An acceptance request not inspected yet, the working day it is due by (the
    estate's policy) and whether that day has passed."""

    inspection: Inspection
    due_by: datetime.date
    late: bool

    @property
    def renovation(self) -> Renovation:
        return self.inspection.renovation


def inspections_due(*, as_of: datetime.datetime, estate=None) -> list[InspectionDue]:
    """Engineering's list: every acceptance requested and not inspected, oldest request
    first, due by the policy's working days after the request (weekends and the estate's
    days off do not count). Two queries."""
    today = timezone.localdate(as_of)
    open_ = (Inspection.objects.filter(inspected_at__isnull=True)
             .select_related("renovation__unit", "renovation__estate", "renovation__owner", "requested_by")
             .order_by("requested_at", "pk"))
    if estate is not None:
        open_ = open_.filter(renovation__estate=estate)
    open_ = list(open_)
    policies = renovation_policies(estate_ids={i.renovation.estate_id for i in open_})
    due = []
    for inspection in open_:
        policy = policies[inspection.renovation.estate_id]
        due_by = policy.working_day_after(timezone.localdate(inspection.requested_at), policy.inspection_working_days)
        due.append(InspectionDue(inspection=inspection, due_by=due_by, late=today > due_by))
    return due


# ---- passes and the gate ------------------------------------------------------------------------


def pass_by_code(*, code: str) -> tuple[WorkerPass | None, rules.Code]:
    """The pass a typed serial or a scanned QR code names, and what was read (a QR code
    whose signature fails is ``forged`` and names no pass)."""
    read = rules.read_code(code)
    if read.forged or not read.serial:
        return None, read
    found = (WorkerPass.objects.select_related("renovation__unit", "renovation__estate", "photo", "worker")
             .filter(serial=read.serial).first())
    return found, read


def pass_print(*, pass_id: int, user) -> tuple[WorkerPass, str]:
    """A pass to print (the user may see its renovation), with its QR code's content
    (``rules.pass_token``); the ID number is printed masked (``holder_id_masked``)."""
    worker_pass = get_object_or_404(
        WorkerPass.objects.select_related("renovation__unit", "renovation__estate", "photo", "worker")
        .filter(renovation__in=renovations_for(user).values("pk")), pk=pass_id)
    return worker_pass, rules.pass_token(worker_pass.serial)


def gate_checks(*, since: datetime.datetime, until: datetime.datetime, estate=None, limit: int = 200
                ) -> list[GateCheck]:
    """The gate's log between two moments, newest first."""
    checks = (GateCheck.objects.filter(checked_at__gte=since, checked_at__lt=until)
              .select_related("checked_by", "worker_pass__renovation__unit"))
    if estate is not None:
        checks = checks.filter(worker_pass__renovation__estate=estate)
    return list(checks[:limit])


def gate_checks_by(*, user, limit: int = 10) -> list[GateCheck]:
    """The latest checks one guard made, newest first (the gate page's own log)."""
    return list(GateCheck.objects.filter(checked_by=user).select_related("worker_pass__renovation__unit")[:limit])


def gate_check_answer(*, check_id, user) -> GateCheck | None:
    """One of the guard's own checks with the pass it found, its photo and renovation (the
    answer the gate page shows after a check), or None."""
    return (GateCheck.objects.filter(pk=check_id, checked_by=user)
            .select_related("worker_pass__renovation__unit", "worker_pass__renovation__estate",
                            "worker_pass__photo").first())


# ---- files the pages serve (each through the renovation's access rule) ---------------------------


def renovation_document(*, document_id: int, user) -> RenovationDocument:
    """A document or worker photo of a renovation the user may see, or a 404."""
    return get_object_or_404(RenovationDocument.objects.filter(renovation__in=renovations_for(user).values("pk")),
                             pk=document_id)


def paper_file(*, paper_id: int, user) -> SignedPaper:
    """A signed paper (its scan or its pad signature) of a renovation the user may see,
    or a 404."""
    return get_object_or_404(SignedPaper.objects.filter(renovation__in=renovations_for(user).values("pk")),
                             pk=paper_id)


def evidence_photo(*, photo_id: int, user) -> EvidencePhoto:
    """A patrol or breach photo, for staff who may see the renovation (owners see the
    photos of approved breaches only), or a 404."""
    visible = renovations_for(user).values("pk")
    photos = EvidencePhoto.objects.filter(Q(patrol__renovation__in=visible) | Q(breach__renovation__in=visible))
    if not is_staff_member(user):
        photos = photos.filter(breach__status=BreachStatus.APPROVED)
    return get_object_or_404(photos, pk=photo_id)


# ---- what the daily job looks at ----------------------------------------------------------------

WORKING = (Status.FEES_PAID, Status.IN_PROGRESS, Status.ACCEPTANCE_REQUESTED)


@dataclass(frozen=True)
class PassGroup:
    """The live passes of one renovation that end on one day."""

    renovation: Renovation
    valid_to: datetime.date
    passes: list[WorkerPass]

    @property
    def names(self) -> str:
        return "、".join(p.holder_name for p in self.passes)


def _group(passes) -> list[PassGroup]:
    groups: dict[tuple[int, datetime.date], list[WorkerPass]] = defaultdict(list)
    for p in passes:
        groups[(p.renovation_id, p.valid_to)].append(p)
    return [PassGroup(renovation=rows[0].renovation, valid_to=day, passes=rows) for (_r, day), rows in groups.items()]


def passes_expiring(*, as_of: datetime.datetime) -> list[PassGroup]:
    """Live passes ending between today and the estate's warning days from now (3 by
    default), by renovation and last day. Two queries."""
    today = timezone.localdate(as_of)
    candidates = list(WorkerPass.objects.filter(
        revoked_at__isnull=True, valid_to__gte=today, renovation__status__in=WORKING,
        valid_to__lte=today + datetime.timedelta(days=_longest_warning()))
        .select_related("renovation__unit", "renovation__owner", "renovation__estate").order_by("valid_to", "serial"))
    policies = renovation_policies(estate_ids={p.renovation.estate_id for p in candidates})
    return _group(p for p in candidates
                  if (p.valid_to - today).days <= policies[p.renovation.estate_id].pass_warning_days)


def _longest_warning() -> int:
    from django.conf import settings
    from django.db.models import Max

    own = RenovationPolicy.objects.aggregate(days=Max("pass_warning_days"))["days"] or 0
    return max(own, settings.RENOVATION_POLICY_DEFAULTS["pass_warning_days"])


def passes_expired(*, as_of: datetime.datetime) -> list[PassGroup]:
    """Live passes past their last day while the work goes on, by renovation and day."""
    today = timezone.localdate(as_of)
    return _group(WorkerPass.objects.filter(revoked_at__isnull=True, valid_to__lt=today,
                                            renovation__status__in=WORKING)
                  .select_related("renovation__unit", "renovation__owner", "renovation__estate")
                  .order_by("valid_to", "serial"))


def renovations_overrun(*, as_of: datetime.datetime) -> QuerySet[Renovation]:
    """Renovations still at work past their planned end."""
    today = timezone.localdate(as_of)
    return (Renovation.objects.filter(status__in=(Status.FEES_PAID, Status.IN_PROGRESS), planned_end__lt=today)
            .select_related(*_LIST_RELATED).order_by("planned_end", "pk"))


def inspections_late(*, as_of: datetime.datetime) -> list[InspectionDue]:
    """The acceptance requests not inspected within the estate's working days."""
    return [due for due in inspections_due(as_of=as_of) if due.late]


def renovations_falling_due(*, as_of: datetime.datetime) -> QuerySet[Renovation]:
    """Renovations that passed inspection and whose refund day has come: the daily job
    moves them to "deposits due"."""
    return Renovation.objects.filter(status=Status.PASSED, deposits_due_on__lte=timezone.localdate(as_of))


def deposits_falling_due(*, as_of: datetime.datetime) -> QuerySet[Renovation]:
    """Renovations with a deposit due for refund and not refunded yet (after passing, or
    withdrawn after paying): finance's work, and the owner's money to collect."""
    held = RenovationCharge.objects.filter(renovation=OuterRef("pk"), kind__in=DEPOSITS, refund__isnull=True)
    return (Renovation.objects.filter(Exists(held), status__in=(Status.DEPOSITS_DUE, Status.WITHDRAWN),
                                      deposits_due_on__lte=timezone.localdate(as_of))
            .select_related(*_LIST_RELATED).order_by("deposits_due_on", "pk"))


# ---- the REST API ------------------------------------------------------------------------------


def renovations_for_api(user) -> QuerySet[Renovation]:
    """``renovations_for(user)`` as the API shows each record whole: the estate, unit and
    owner it names by join (every renovation has them), and its workers, documents,
    papers (without the pad's image), charges with their receipts, refunds and the
    penalties deducted, passes, inspections and the penalties still proposed, each read
    once for a whole page after it is picked, into a list (``api_workers``,
    ``api_documents``, ``api_papers``, ``api_charges``, ``api_passes``,
    ``api_inspections``, ``proposed_breaches``)."""
    money = DecimalField(max_digits=12, decimal_places=2)
    deducted = Subquery(Deduction.objects.filter(deposit=OuterRef("pk")).values("deposit")
                        .annotate(total=Sum("amount")).values("total")[:1], output_field=money)
    return (renovations_for(user).select_related(None).select_related("estate", "unit", "owner")
            .prefetch_related(
                # Into lists (``api_workers``…): a serializer reads them with no queryset made per row.
                Prefetch("workers", queryset=RenovationWorker.objects.order_by("added_at", "pk"), to_attr="api_workers"),
                Prefetch("documents", queryset=RenovationDocument.objects.order_by("uploaded_at", "pk"),
                         to_attr="api_documents"),
                Prefetch("papers", queryset=SignedPaper.objects.defer("signature_png").order_by("signed_at", "pk"),
                         to_attr="api_papers"),
                Prefetch("charges", queryset=RenovationCharge.objects.select_related("receipt", "refund")
                         .annotate(deducted=Coalesce(deducted, Value(Decimal("0.00")), output_field=money))
                         .order_by("paid_at", "pk"), to_attr="api_charges"),
                Prefetch("passes", queryset=WorkerPass.objects.order_by("serial"), to_attr="api_passes"),
                Prefetch("inspections", queryset=Inspection.objects.order_by("requested_at", "pk"),
                         to_attr="api_inspections"),
                Prefetch("breaches", queryset=Breach.objects.filter(status=BreachStatus.PROPOSED).order_by("pk"),
                         to_attr="proposed_breaches"),
            ))


def renovation_timeline(*, renovation: Renovation, for_owner: bool) -> list[RenovationEvent]:
    """The renovation's events, oldest first, with who acted; an owner's view leaves out
    the staff's own business (patrols, penalties proposed or rejected)."""
    events = renovation.events.select_related("actor").order_by("at", "pk")
    return list(_owner_events(events) if for_owner else events)


def passes_for_api() -> QuerySet[WorkerPass]:
    """Every worker pass with the renovation, unit and estate it names, for the desk's
    API (passes are the service centre's business)."""
    return WorkerPass.objects.select_related("renovation__unit", "renovation__estate")


# ---- the dashboard's figures


def deposit_totals_per_estate(*, as_of: datetime.datetime) -> dict[int, dict[str, Decimal | int]]:
    """``deposit_totals``' held and due (money, and how many deposits) per estate, for the
    supervisor's dashboard: one grouped query."""
    today = timezone.localdate(as_of)
    not_refunded = Q(refund__isnull=True)
    due = not_refunded & Q(renovation__deposits_due_on__lte=today)
    zero = Decimal("0.00")
    return {row["renovation__estate_id"]: {"held": row["held"] or zero, "held_count": row["held_count"],
                                          "due": row["due"] or zero, "due_count": row["due_count"]}
            for row in RenovationCharge.objects.filter(kind__in=DEPOSITS, refund__isnull=True)
            .values("renovation__estate_id").order_by()
            .annotate(held=Sum("amount", filter=not_refunded), held_count=Count("pk", filter=not_refunded),
                      due=Sum("amount", filter=due), due_count=Count("pk", filter=due))}
# ---- the desk's today page -------------------------------------------------------------------

# The states in which a renovation waits for the desk (WAITS_FOR): papers to check, then
# the permit and the passes to issue once the fees are paid.
DESK_WAITS = (Status.SUBMITTED, Status.FEES_PAID)


def today_renovation_counts() -> dict[str, QuerySet[Renovation]]:
    """The today page's count: renovations waiting for the desk."""
    return {"renovations": Renovation.objects.filter(status__in=DESK_WAITS)}


def today_renovations(*, limit: int) -> list[Renovation]:
    """The first ``limit`` renovations waiting for the desk, the oldest application first,
    each with ``.waits_for``."""
    rows = list(Renovation.objects.filter(status__in=DESK_WAITS).select_related("unit", "owner")
                .order_by("applied_at", "pk")[:limit])
    for row in rows:
        row.waits_for = waits_for(row)
    return rows


def owner_open_renovations(*, owner, as_of: datetime.datetime) -> list[Renovation]:
    """The owner's renovations not closed yet (owner_renovations), each with ``.waits_for``
    and ``.refund_late`` (deposits due for refund since a day that has passed)."""
    today = timezone.localdate(as_of)
    rows = list(owner_renovations(owner=owner).filter(status__in=ACTIVE_STATUSES)
                .select_related(None).select_related("unit")[:5])
    for row in rows:
        row.waits_for = waits_for(row)
        row.refund_late = (row.status == Status.DEPOSITS_DUE and row.deposits_due_on is not None
                           and row.deposits_due_on < today)
    return rows
