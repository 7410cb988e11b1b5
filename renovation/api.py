"""REST API of renovations: /api/v1/renovations, /api/v1/worker-passes.

The same rules as the pages: staff need the renovation permissions for each action
(view to read; add to apply for an owner; approve to approve or return; take the fees;
issue the permit, which also extends the works; inspect), and the services check them
again. An owner reads their own renovations only (another's is a 404), applies for a
unit they own now, resubmits, withdraws and requests acceptance. Every write is a
renovation.services call, so the transition map, the checklist, the fees from the
estate's policy, the receipts and the event log are the pages' own.

A record is read whole: its workers, documents, signed papers, fees and deposits with
their receipt numbers and refunds, passes and inspections. Files are never named by
their stored path: a document or paper gives a URL under its renovation that checks
the caller may see it. ID numbers and phones are only ever read back masked.

Worker passes are the service centre's: the desk lists them and checks one at the gate
(``POST /api/v1/worker-passes/verify/``), which is logged like the gate page's check.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, mixins, serializers, status, viewsets
from rest_framework.response import Response

from owners.models import Owner, Unit
from owners.selectors import owned_units
from propertydesk import files, pii
from propertydesk.api import (
    FILE_RENDERERS,
    FILE_RESPONSE,
    NULLABLE_STR,
    BusinessDateField,
    DisplayField,
    IdFilter,
    ListFiltersOnly,
    MomentFilter,
    RecordActions,
    StaffOnlyPermission,
    StaffOrOwnerPermission,
    context_is_staff,
    context_owner,
    money_field,
    named_choice_field,
    service_errors,
    user_name,
)
from propertydesk.limits import max_length
from propertydesk.roles import is_staff_member, owner_of
from renovation import rules, selectors, services
from renovation.models import (
    DEPOSITS,
    ChargeKind,
    DocumentKind,
    GateResult,
    Inspection,
    Paper,
    Party,
    Renovation,
    RenovationCharge,
    RenovationDocument,
    RenovationEvent,
    RenovationWorker,
    RevokeReason,
    SignedPaper,
    SignMethod,
    Source,
    Status,
    WorkerPass,
)

RenovationStatusField = named_choice_field("RenovationStatusEnum", Status)
RenovationSourceField = named_choice_field("RenovationSourceEnum", Source)
DocumentKindField = named_choice_field("RenovationDocumentKindEnum", DocumentKind)
PaperField = named_choice_field("RenovationPaperEnum", Paper)
SignMethodField = named_choice_field("RenovationSignMethodEnum", SignMethod)
ChargeKindField = named_choice_field("RenovationChargeKindEnum", ChargeKind)
GateResultField = named_choice_field("GateResultEnum", GateResult)


def _files_base(context) -> str:
    """The renovations' absolute URL (``…/api/v1/renovations/``), once per answer: each
    file's URL is made from it without a URL lookup per row."""
    base = context.get("files_base")
    if base is None:
        request = context.get("request")
        base = reverse("renovation-list")
        base = context["files_base"] = request.build_absolute_uri(base) if request else base
    return base


def document_url(context, renovation_id: int, document_id: int) -> str:
    return f"{_files_base(context)}{renovation_id}/documents/{document_id}/"


def paper_url(context, renovation_id: int, paper_id: int) -> str:
    return f"{_files_base(context)}{renovation_id}/papers/{paper_id}/"


# ---- nested rows, written out directly -------------------------------------------------------
#
# A page of 50 renovations holds a thousand and more nested rows (documents above all).
# DRF's field-by-field representation cost about 4 ms per renovation; the rows below are
# written out directly, with exactly the keys and values their declared fields give (the
# schema reads the declared fields; tests/renovation/test_api.py compares the two).


def _day(value) -> str | None:
    return None if value is None else value.isoformat()


def _decimal(value, places: str = "0.01") -> str | None:
    """As DRF's DecimalField writes it: a string with the field's decimal places."""
    return None if value is None else f"{Decimal(value).quantize(Decimal(places)):f}"


_LABELS: dict[tuple[str | None, type], dict[str, str]] = {}


def _label(choices, value: str) -> str:
    """A choice's label in the request's language (DisplayField's answer)."""
    key = (translation.get_language(), choices)
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {v: str(label) for v, label in choices.choices}
    return labels.get(value, str(value))


def _is_staff(context) -> bool:
    """context_is_staff, asked once per answer (the lazy user costs a little each time)."""
    if "_is_staff" not in context:
        context["_is_staff"] = context_is_staff(context)
    return context["_is_staff"]


class DirectRows:
    """For a nested serializer: ``to_representation`` is ``row()``, the same dict the
    declared fields would give, made without DRF's per-field calls."""

    def to_representation(self, instance):
        return self.row(instance)

    @cached_property
    def _zone(self):
        return timezone.get_current_timezone()

    def moment(self, value) -> str | None:
        """As DRF's DateTimeField writes it (ISO 8601, in the current time zone, read once
        per answer)."""
        return None if value is None else value.astimezone(self._zone).isoformat()

    def declared(self, instance):
        """What DRF's own field-by-field representation gives (for the tests)."""
        return super().to_representation(instance)


# ---- the parts of a renovation -------------------------------------------------------------


class WorkerSerializer(DirectRows, serializers.ModelSerializer):
    """A worker of the contractor's team; removed ones stay listed with when and why."""

    id_number_masked = serializers.CharField(read_only=True)
    phone_masked = serializers.SerializerMethodField()
    is_current = serializers.BooleanField(read_only=True, help_text="Still on the team (not removed).")

    class Meta:
        model = RenovationWorker
        fields = ["id", "name", "id_number_masked", "phone_masked", "added_at", "pass_fee_paid_at", "is_current",
                  "removed_at", "remove_reason"]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_STR)
    def get_phone_masked(self, worker) -> str | None:
        return pii.mask_phone(worker.phone) if worker.phone else None

    def row(self, worker) -> dict:
        return {"id": worker.pk, "name": worker.name, "id_number_masked": worker.id_number_masked,
                "phone_masked": self.get_phone_masked(worker), "added_at": self.moment(worker.added_at),
                "pass_fee_paid_at": self.moment(worker.pass_fee_paid_at), "is_current": worker.removed_at is None,
                "removed_at": self.moment(worker.removed_at), "remove_reason": worker.remove_reason}


class DocumentSerializer(DirectRows, serializers.ModelSerializer):
    """A paper of the application or a worker's ID copy or photo: what it is, and where to
    fetch it (the URL checks the caller may see the renovation)."""

    kind = DocumentKindField(read_only=True)
    kind_display = DisplayField("kind")
    name = serializers.CharField(source="download_name", read_only=True)
    url = serializers.SerializerMethodField(help_text="Download (a photo inline, a PDF as a file).")

    class Meta:
        model = RenovationDocument
        fields = ["id", "kind", "kind_display", "worker", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, document) -> str:
        return document_url(self.context, document.renovation_id, document.pk)

    def row(self, document) -> dict:
        return {"id": document.pk, "kind": document.kind, "kind_display": _label(DocumentKind, document.kind),
                "worker": document.worker_id, "name": document.download_name, "content_type": document.content_type,
                "size": document.size, "uploaded_at": self.moment(document.uploaded_at), "url": self.get_url(document)}


class PaperSerializer(DirectRows, serializers.ModelSerializer):
    """One of the three signed papers: a scan signed by all its parties (``party`` empty),
    or one party's signature on the pad."""

    paper = PaperField(read_only=True)
    paper_display = DisplayField("paper")
    party = serializers.CharField(read_only=True, help_text="owner, contractor or property; empty for a scan.")
    party_display = DisplayField("party")
    method = SignMethodField(read_only=True)
    method_display = DisplayField("method")
    url = serializers.SerializerMethodField(help_text="The scan, or the pad's signature as a PNG image.")

    class Meta:
        model = SignedPaper
        fields = ["id", "paper", "paper_display", "party", "party_display", "method", "method_display",
                  "signer_name", "signed_at", "recorded_at", "url"]
        read_only_fields = fields

    def get_url(self, paper) -> str:
        return paper_url(self.context, paper.renovation_id, paper.pk)

    def row(self, paper) -> dict:
        return {"id": paper.pk, "paper": paper.paper, "paper_display": _label(Paper, paper.paper),
                "party": paper.party, "party_display": _label(Party, paper.party), "method": paper.method,
                "method_display": _label(SignMethod, paper.method), "signer_name": paper.signer_name,
                "signed_at": self.moment(paper.signed_at), "recorded_at": self.moment(paper.recorded_at),
                "url": self.get_url(paper)}


class RefundSerializer(DirectRows, serializers.Serializer):
    voucher_number = serializers.CharField()
    deducted = money_field(help_text="Penalties deducted, yuan.")
    amount = money_field(help_text="Paid back, yuan.")
    method = serializers.CharField(help_text="cash or bank_transfer.")
    payee_name = serializers.CharField()
    paid_at = serializers.DateTimeField()

    def row(self, refund) -> dict:
        return {"voucher_number": refund.voucher_number, "deducted": _decimal(refund.deducted),
                "amount": _decimal(refund.amount), "method": refund.method, "payee_name": refund.payee_name,
                "paid_at": self.moment(refund.paid_at)}


class ChargeSerializer(DirectRows, serializers.ModelSerializer):
    """A fee or deposit taken, each with its own receipt; a deposit's refund when paid."""

    kind = ChargeKindField(read_only=True)
    kind_display = DisplayField("kind")
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True,
                                        help_text="m² of floor area, or passes; 1 for a deposit.")
    rate = money_field()
    amount = money_field()
    receipt_number = serializers.CharField(source="receipt.number", read_only=True)
    method = serializers.CharField(source="receipt.method", read_only=True, help_text="cash, card or online.")
    refund = serializers.SerializerMethodField(help_text="A deposit paid back; null until then (and for fees).")

    class Meta:
        model = RenovationCharge
        fields = ["id", "kind", "kind_display", "quantity", "rate", "amount", "receipt", "receipt_number", "method",
                  "payer_name", "paid_at", "refund"]
        read_only_fields = fields

    @extend_schema_field(RefundSerializer(allow_null=True))
    def get_refund(self, charge):
        refund = getattr(charge, "refund", None)
        if refund is None:
            return None
        return {"voucher_number": refund.voucher_number, "deducted": _decimal(refund.deducted),
                "amount": _decimal(refund.amount), "method": refund.method, "payee_name": refund.payee_name,
                "paid_at": self.moment(refund.paid_at)}

    def row(self, charge) -> dict:
        return {"id": charge.pk, "kind": charge.kind, "kind_display": _label(ChargeKind, charge.kind),
                "quantity": _decimal(charge.quantity), "rate": _decimal(charge.rate), "amount": _decimal(charge.amount),
                "receipt": charge.receipt_id, "receipt_number": charge.receipt.number, "method": charge.receipt.method,
                "payer_name": charge.payer_name, "paid_at": self.moment(charge.paid_at), "refund": self.get_refund(charge)}


class DepositSerializer(serializers.Serializer):
    """A deposit held and where it stands: ``held`` until its day, ``due`` for refund,
    ``refunded``."""

    charge = serializers.IntegerField(help_text="The charge that took it (its receipt).")
    kind = ChargeKindField()
    kind_display = serializers.CharField()
    amount = money_field()
    deducted = money_field(help_text="Approved penalties taken from it.")
    pending = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True,
                                       help_text="Penalties proposed, not decided yet. Staff only; null for owners.")
    refundable = money_field(help_text="amount - deducted, never below 0.")
    due_on = serializers.DateField(allow_null=True, help_text="When it falls due for refund.")
    state = serializers.ChoiceField(choices=[("held", "held"), ("due", "due"), ("refunded", "refunded")])
    refund_voucher = serializers.CharField(allow_null=True)

    @staticmethod
    def row(values: dict) -> dict:
        return {**values, "amount": _decimal(values["amount"]), "deducted": _decimal(values["deducted"]),
                "pending": _decimal(values["pending"]), "refundable": _decimal(values["refundable"]),
                "due_on": _day(values["due_on"])}


class PassSerializer(DirectRows, serializers.ModelSerializer):
    """A worker pass (施工人员出入证): valid from–to, revoked when the worker leaves or the
    work passes inspection, and whether its card came back."""

    holder_id_masked = serializers.CharField(read_only=True)
    revoke_reason = serializers.CharField(read_only=True, help_text="Empty while the pass is live.")
    revoke_reason_display = DisplayField("revoke_reason")
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = WorkerPass
        fields = ["id", "serial", "worker", "holder_name", "holder_id_masked", "room", "contractor_name",
                  "permit_number", "valid_from", "valid_to", "issued_at", "revoked_at", "revoke_reason",
                  "revoke_reason_display", "returned_at", "returned_lost", "photo_url"]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_STR)
    def get_photo_url(self, worker_pass) -> str | None:
        if not worker_pass.photo_id:
            return None
        return document_url(self.context, worker_pass.renovation_id, worker_pass.photo_id)

    def row(self, worker_pass) -> dict:
        return {"id": worker_pass.pk, "serial": worker_pass.serial, "worker": worker_pass.worker_id,
                "holder_name": worker_pass.holder_name, "holder_id_masked": worker_pass.holder_id_masked,
                "room": worker_pass.room, "contractor_name": worker_pass.contractor_name,
                "permit_number": worker_pass.permit_number, "valid_from": _day(worker_pass.valid_from),
                "valid_to": _day(worker_pass.valid_to), "issued_at": self.moment(worker_pass.issued_at),
                "revoked_at": self.moment(worker_pass.revoked_at), "revoke_reason": worker_pass.revoke_reason,
                "revoke_reason_display": _label(RevokeReason, worker_pass.revoke_reason),
                "returned_at": self.moment(worker_pass.returned_at), "returned_lost": worker_pass.returned_lost,
                "photo_url": self.get_photo_url(worker_pass)}


class InspectionSerializer(DirectRows, serializers.ModelSerializer):
    """An acceptance request and, once done, engineering's verdict; a failed one lists
    what to fix and is followed by the next request (the re-inspection)."""

    class Meta:
        model = Inspection
        fields = ["id", "requested_at", "request_note", "inspected_at", "passed", "items_to_fix", "note"]
        read_only_fields = fields

    def row(self, inspection) -> dict:
        return {"id": inspection.pk, "requested_at": self.moment(inspection.requested_at),
                "request_note": inspection.request_note, "inspected_at": self.moment(inspection.inspected_at),
                "passed": inspection.passed, "items_to_fix": inspection.items_to_fix, "note": inspection.note}


class EventSerializer(serializers.ModelSerializer):
    """A move (from → to) or a step that is not one (``action``: a document added, a fee
    taken, a worker removed…), oldest first."""

    from_status = serializers.CharField(read_only=True, help_text="A status (RenovationStatusEnum); empty when "
                                                                 "the renovation was made, or for a step.")
    to_status = serializers.CharField(read_only=True, help_text="A status (RenovationStatusEnum); empty for a step.")
    action = serializers.SerializerMethodField(help_text="The step's name when it is not a move; else empty.")
    details = serializers.SerializerMethodField()
    actor_name = serializers.SerializerMethodField(help_text="Staff only; null for owners.")

    class Meta:
        model = RenovationEvent
        fields = ["id", "at", "from_status", "to_status", "action", "note", "details", "actor_name"]
        read_only_fields = fields

    def get_action(self, event) -> str:
        return str((event.data or {}).get("action", ""))

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_details(self, event):
        return {key: value for key, value in (event.data or {}).items() if key != "action"}

    @extend_schema_field(NULLABLE_STR)
    def get_actor_name(self, event) -> str | None:
        return user_name(event.actor) if _is_staff(self.context) else None


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable: document:drawings, worker:12:photos, paper:agreement:owner…")
    label = serializers.CharField(help_text="In the language of the request.")
    done = serializers.BooleanField()


class FeeQuoteSerializer(serializers.Serializer):
    """The fees from the estate's policy: both deposits, rubbish removal by the unit's floor
    area, and a pass fee for each current worker whose pass fee is not paid yet."""

    owner_deposit = money_field()
    contractor_deposit = money_field()
    area = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="m².")
    rubbish_rate = money_field(help_text="Yuan per m².")
    rubbish_fee = money_field()
    pass_fee = money_field(help_text="Yuan per pass.")
    passes = serializers.IntegerField()
    total = money_field(help_text="With the rubbish fee.")


# ---- the renovation ----------------------------------------------------------------------------


class RenovationSerializer(serializers.ModelSerializer):
    """A renovation whole, as a list shows it: the application, where it stands, and its
    workers, documents, papers, fees and deposits, passes and inspections. The lead's ID
    number and phone are masked."""

    estate_name = serializers.CharField(source="estate.name", read_only=True)
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    source = RenovationSourceField(read_only=True)
    source_display = DisplayField("source")
    status = RenovationStatusField(read_only=True)
    status_display = DisplayField("status")
    contractor_lead_phone_masked = serializers.CharField(read_only=True)
    contractor_lead_id_masked = serializers.CharField(read_only=True)
    workers = WorkerSerializer(many=True, read_only=True, source="api_workers")
    documents = DocumentSerializer(many=True, read_only=True, source="api_documents")
    papers = PaperSerializer(many=True, read_only=True, source="api_papers")
    charges = ChargeSerializer(many=True, read_only=True, source="api_charges")
    deposits = serializers.SerializerMethodField()
    passes = PassSerializer(many=True, read_only=True, source="api_passes")
    inspections = InspectionSerializer(many=True, read_only=True, source="api_inspections")

    class Meta:
        model = Renovation
        fields = [
            "id", "number", "estate", "estate_name", "unit", "unit_number", "owner", "owner_name", "source",
            "source_display", "status", "status_display", "scope", "floors_altered", "planned_start", "planned_end",
            "contractor_name", "contractor_lead_name", "contractor_lead_phone_masked", "contractor_lead_id_masked",
            "applied_at", "return_reasons", "approved_at", "fees_paid_at", "rubbish_fee_declined", "permit_number",
            "permit_issued_at", "passed_at", "deposits_due_on", "closed_at", "withdrawn_at", "withdraw_reason",
            "workers", "documents", "papers", "charges", "deposits", "passes", "inspections",
        ]
        read_only_fields = fields

    @extend_schema_field(DepositSerializer(many=True))
    def get_deposits(self, renovation):
        return [DepositSerializer.row(row) for row in self.deposit_rows(renovation)]

    def deposit_rows(self, renovation) -> list[dict]:
        """Each deposit held and where it stands, as values (DepositSerializer's fields)."""
        today = self.context.get("today") or timezone.localdate()
        staff = _is_staff(self.context)
        proposed = getattr(renovation, "proposed_breaches", None)
        if proposed is None:
            proposed = list(renovation.breaches.filter(status="proposed"))
        rows = []
        for charge in renovation.api_charges:
            if charge.kind not in DEPOSITS:
                continue
            deducted = getattr(charge, "deducted", None)
            if deducted is None:
                deducted = sum((d.amount for d in charge.deductions.all()), rules.ZERO)
            refund = getattr(charge, "refund", None)
            due_on = renovation.deposits_due_on
            state = "refunded" if refund is not None else (
                "due" if due_on is not None and due_on <= today else "held")
            pending = sum((b.penalty for b in proposed if b.deposit_kind == charge.kind), rules.ZERO)
            rows.append({
                "charge": charge.pk, "kind": charge.kind, "kind_display": _label(ChargeKind, charge.kind),
                "amount": charge.amount, "deducted": deducted, "pending": pending if staff else None,
                "refundable": max(charge.amount - deducted, rules.ZERO), "due_on": due_on, "state": state,
                "refund_voucher": refund.voucher_number if refund is not None else None,
            })
        return rows


class RenovationDetailSerializer(RenovationSerializer):
    """One renovation with what its page shows besides: what it waits for, the checklist
    of the application (approval is refused while an item is missing), the fees its
    estate's policy asks, and its timeline (in an owner's view without patrols and
    undecided penalties)."""

    waits_for = serializers.SerializerMethodField(help_text="What happens next, in the language of the request.")
    checklist = serializers.SerializerMethodField()
    complete = serializers.SerializerMethodField(help_text="Nothing on the checklist is missing.")
    fee_quote = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta(RenovationSerializer.Meta):
        fields = [*RenovationSerializer.Meta.fields, "waits_for", "checklist", "complete", "fee_quote", "events"]
        read_only_fields = fields

    def _checklist(self, renovation):
        if not hasattr(renovation, "_api_checklist"):
            renovation._api_checklist = selectors.renovation_checklist(renovation=renovation)
        return renovation._api_checklist

    def get_waits_for(self, renovation) -> str:
        inspections = renovation.api_inspections
        return selectors.waits_for(renovation, failed_before=bool(inspections) and inspections[-1].passed is False)

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, renovation):
        return ChecklistItemSerializer(self._checklist(renovation).items, many=True).data

    def get_complete(self, renovation) -> bool:
        return self._checklist(renovation).complete

    @extend_schema_field(FeeQuoteSerializer)
    def get_fee_quote(self, renovation):
        unpaid = sum(1 for w in renovation.api_workers if w.is_current and w.pass_fee_paid_at is None)
        quote = rules.fee_quote(policy=selectors.renovation_policy(estate=renovation.estate),
                                area=renovation.unit.area, passes=unpaid)
        return FeeQuoteSerializer({
            "owner_deposit": quote.owner_deposit, "contractor_deposit": quote.contractor_deposit,
            "area": quote.area, "rubbish_rate": quote.rubbish_rate, "rubbish_fee": quote.rubbish_fee,
            "pass_fee": quote.pass_fee, "passes": quote.passes,
            "total": quote.total(rubbish_declined=renovation.rubbish_fee_declined)}).data

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, renovation):
        events = selectors.renovation_timeline(renovation=renovation, for_owner=not _is_staff(self.context))
        return EventSerializer(events, many=True, context=self.context).data


# ---- what a caller sends ------------------------------------------------------------------------


class RenovationApplySerializer(serializers.Serializer):
    """An application (业主装修申请表). Staff apply for the owner they name (an owner of the
    unit now); an owner applies for one of their own units. The documents, workers and
    signed papers follow on the renovation's page; the checklist says what is missing."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.select_related("estate"))
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Owner.objects.all(), required=False, allow_null=True, default=None,
        help_text="Staff: required, the applying owner (who owns the unit now). Owners: themselves.")
    # Blank reaches the service, whose message says what to write.
    scope = serializers.CharField(allow_blank=True, max_length=max_length(Renovation, "scope"),
                                  help_text="The works: rooms, what is changed.")
    floors_altered = serializers.BooleanField(
        required=False, default=False,
        help_text="Bathroom or kitchen floors altered: the deposits are refunded months after passing, not days.")
    planned_start = BusinessDateField(help_text="Not in the past (Shanghai's calendar).")
    planned_end = BusinessDateField()
    contractor_name = serializers.CharField(allow_blank=True, max_length=max_length(Renovation, "contractor_name"))
    contractor_lead_name = serializers.CharField(allow_blank=True,
                                                 max_length=max_length(Renovation, "contractor_lead_name"))
    contractor_lead_phone = serializers.CharField(allow_blank=True, max_length=30, write_only=True,
                                                  help_text="Written in full, read back masked.")
    contractor_lead_id_number = serializers.CharField(allow_blank=True, max_length=40, write_only=True,
                                                      help_text="Written in full, read back masked.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owner = None if context_is_staff(self.context) else context_owner(self.context)
        if owner is not None:
            # Someone else's unit looks exactly like one that does not exist.
            self.fields["unit"].queryset = owned_units(owner=owner).select_related("estate")
            self.fields.pop("owner")

    def validate(self, data):
        if context_is_staff(self.context) and data.get("owner") is None:
            raise serializers.ValidationError({"owner": [_("Choose the owner who applies.")]})
        return data


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 max_length=max_length(RenovationEvent, "note"))


class ReturnSerializer(serializers.Serializer):
    reasons = serializers.CharField(allow_blank=True, max_length=max_length(Renovation, "return_reasons"),
                                    help_text="What the owner is to add or correct.")


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   max_length=max_length(Renovation, "withdraw_reason"),
                                   help_text="Staff: required. Owners: optional.")


class TakeFeesSerializer(serializers.Serializer):
    """The fees and deposits of an approved renovation, each with its own receipt; the
    amounts come from the estate's policy."""

    method = serializers.ChoiceField(choices=[(m.value, m.label) for m in services.FEE_METHODS],
                                     help_text="Paid at the finance office: cash, card or online.")
    decline_rubbish_fee = serializers.BooleanField(
        required=False, default=False, help_text="The owner declines rubbish removal: noted on the permit.")
    owner_payer_name = serializers.CharField(required=False, allow_blank=True, default="",
                                             max_length=max_length(RenovationCharge, "payer_name"),
                                             help_text="Who paid the owner's deposit; defaults to the owner.")
    contractor_payer_name = serializers.CharField(required=False, allow_blank=True, default="",
                                                  max_length=max_length(RenovationCharge, "payer_name"),
                                                  help_text="Who paid the contractor's deposit and the pass fees; "
                                                            "defaults to the contractor.")


class InspectionRecordSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    items_to_fix = serializers.CharField(required=False, allow_blank=True, default="",
                                         max_length=max_length(Inspection, "items_to_fix"),
                                         help_text="Required when it fails.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length(Inspection, "note"))


class ExtendSerializer(serializers.Serializer):
    planned_end = BusinessDateField(help_text="After the current planned end, not in the past.")
    reason = serializers.CharField(allow_blank=True, max_length=max_length(RenovationEvent, "note"))


# ---- filters and the viewset --------------------------------------------------------------------


class RenovationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    estate = IdFilter(field_name="estate_id", label="estate id")
    unit = IdFilter(field_name="unit_id", label="unit id")
    applied_after = MomentFilter(field_name="applied_at", lookup_expr="gte")
    applied_before = MomentFilter(field_name="applied_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", max_length=100,
                                  label="renovation or permit number (its start), or room-number prefix")

    class Meta:
        model = Renovation
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__istartswith=value) | Q(permit_number__istartswith=value)
                               | Q(unit__number__startswith=value))


_VIEW = ["renovation.view_renovation"]
_CHANGE = [*_VIEW, "renovation.change_renovation"]
_APPROVE = [*_VIEW, "renovation.approve_renovation"]
_PERMIT = [*_VIEW, "renovation.issue_renovation_permit"]
_ACTION = dict(responses={200: RenovationDetailSerializer})
_FILE = FILE_RESPONSE


class RenovationViewSet(RecordActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Renovations (装修), from the owner's application to the refund of the deposits:
    list, read, apply and the steps below; no update or delete."""

    permission_classes = [StaffOrOwnerPermission]
    filterset_class = RenovationFilter
    ordering_fields = ["applied_at", "number", "planned_start"]
    ordering = ["-id"]
    queryset = Renovation.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": _VIEW,
        "retrieve": _VIEW,
        "document": _VIEW,
        "paper": _VIEW,
        "create": [*_VIEW, "renovation.add_renovation"],
        "approve": _APPROVE,
        "return_": _APPROVE,
        "resubmit": _CHANGE,
        "withdraw": _CHANGE,
        "take_fees": [*_VIEW, "renovation.take_renovation_fees"],
        "issue_permit": _PERMIT,
        "extend": _PERMIT,
        "request_acceptance": _CHANGE,
        "record_inspection": [*_VIEW, "renovation.inspect_renovation"],
    }
    owner_actions = {"create", "resubmit", "withdraw", "request_acceptance"}

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return selectors.renovations_for_api(self.request.user)
        return selectors.renovations_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return RenovationApplySerializer
        if self.action == "list":
            return RenovationSerializer
        return RenovationDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        renovation = selectors.renovations_for_api(self.request.user).get(pk=pk)
        return Response(RenovationDetailSerializer(renovation, context=self.get_serializer_context()).data,
                        status=status_code)

    def retrieve(self, request, *args, **kwargs):
        renovation = self.get_object()
        return Response(RenovationDetailSerializer(renovation, context=self.get_serializer_context()).data)

    @extend_schema(request=RenovationApplySerializer, responses={201: RenovationDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Apply to renovate a unit: one renovation per unit at a time, the start not in
        the past. An owner applies for their own unit; staff name the owner."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        owner = data["owner"] if is_staff_member(request.user) else owner_of(request.user)
        with service_errors():
            renovation = services.renovation_apply(
                unit=data["unit"], owner=owner, scope=data["scope"], floors_altered=data["floors_altered"],
                planned_start=data["planned_start"], planned_end=data["planned_end"],
                contractor_name=data["contractor_name"], contractor_lead_name=data["contractor_lead_name"],
                contractor_lead_phone=data["contractor_lead_phone"],
                contractor_lead_id_number=data["contractor_lead_id_number"], now=timezone.now(), actor=request.user)
        return self._detail(renovation.pk, status.HTTP_201_CREATED)

    # -- the desk's decision

    @extend_schema(request=NoteSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a complete application; the owner is told to pay the fees. Refused (400)
        while anything on the checklist is missing: ``missing`` lists each item."""
        def run(renovation, data, who):
            try:
                return services.renovation_approve(renovation=renovation, note=data["note"], **who)
            except DjangoValidationError as error:
                if getattr(error, "code", None) != "incomplete":
                    raise
                missing = selectors.renovation_checklist(renovation=renovation).missing
                raise serializers.ValidationError({
                    "non_field_errors": error.messages,
                    "missing": [{"key": item.key, "label": item.label} for item in missing]}) from None

        return self.act_and_show(NoteSerializer, run)

    @extend_schema(request=ReturnSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Send the application back to the owner with the reasons (what to add or correct)."""
        return self.act_and_show(ReturnSerializer, lambda r, d, who: services.renovation_return(
            renovation=r, reasons=d["reasons"], **who))

    # -- the owner's steps (the desk may take them for the owner)

    @extend_schema(request=NoteSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        """Send a returned application back to the desk."""
        return self.act_and_show(NoteSerializer, lambda r, d, who: services.renovation_resubmit(
            renovation=r, note=d["note"], **who))

    @extend_schema(request=WithdrawSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw the renovation until the work starts; deposits paid fall due at once."""
        return self.act_and_show(WithdrawSerializer, lambda r, d, who: services.renovation_withdraw(
            renovation=r, reason=d["reason"], **who))

    @extend_schema(request=NoteSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="request-acceptance", url_name="request-acceptance")
    def request_acceptance(self, request, pk=None):
        """The work is done: ask for the acceptance inspection (after a failed one, the
        re-inspection). Engineering is told."""
        return self.act_and_show(NoteSerializer, lambda r, d, who: services.acceptance_request(
            renovation=r, note=d["note"], **who))

    # -- fees, permit, works

    @extend_schema(request=TakeFeesSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="take-fees", url_name="take-fees")
    def take_fees(self, request, pk=None):
        """Take the fees and deposits of an approved renovation, each with a receipt
        (the numbers are in ``charges``)."""
        return self.act_and_show(TakeFeesSerializer, lambda r, d, who: services.renovation_fees_take(
            renovation=r, method=d["method"], decline_rubbish_fee=d["decline_rubbish_fee"],
            owner_payer_name=d["owner_payer_name"], contractor_payer_name=d["contractor_payer_name"], **who))

    @extend_schema(request=None, **_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="issue-permit", url_name="issue-permit")
    def issue_permit(self, request, pk=None):
        """Issue the permit and a pass for every paid worker: the work may start."""
        return self.act_and_show(None, lambda r, d, who: services.permit_issue(renovation=r, **who))

    @extend_schema(request=ExtendSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Move the planned end later; the live passes are valid to the new end."""
        return self.act_and_show(ExtendSerializer, lambda r, d, who: services.renovation_extend(
            renovation=r, planned_end=d["planned_end"], reason=d["reason"], **who))

    @extend_schema(request=InspectionRecordSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="record-inspection", url_name="record-inspection")
    def record_inspection(self, request, pk=None):
        """Engineering's verdict on the acceptance request: passed (the passes are revoked,
        the deposits fall due after the refund period) or failed with the items to fix."""
        return self.act_and_show(InspectionRecordSerializer, lambda r, d, who: services.inspection_record(
            renovation=r, passed=d["passed"], items_to_fix=d["items_to_fix"], note=d["note"], **who))

    # -- files, each under the renovation it belongs to

    @extend_schema(**_FILE)
    @decorators.action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]+)",
                       url_name="document", renderer_classes=FILE_RENDERERS)
    def document(self, request, pk=None, document_id=None):
        """A document or worker's photo of the renovation: a photo inline, a PDF as a file."""
        renovation = self.get_object()
        document = get_object_or_404(RenovationDocument, pk=document_id, renovation=renovation)
        return files.serve(request, document.file, filename=document.download_name,
                           content_type=document.content_type)

    @extend_schema(**_FILE)
    @decorators.action(detail=True, methods=["get"], url_path=r"papers/(?P<paper_id>[0-9]+)",
                       url_name="paper", renderer_classes=FILE_RENDERERS)
    def paper(self, request, pk=None, paper_id=None):
        """A signed paper: its scan, or the party's signature on the pad as a PNG image."""
        renovation = self.get_object()
        paper = get_object_or_404(SignedPaper, pk=paper_id, renovation=renovation)
        if paper.method == SignMethod.SCAN:
            return files.serve(request, paper.file, filename=paper.download_name, content_type=paper.content_type)
        if not paper.signature_png:
            raise Http404
        response = HttpResponse(bytes(paper.signature_png), content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# ---- worker passes and the gate -----------------------------------------------------------------


class WorkerPassSerializer(PassSerializer):
    renovation_number = serializers.CharField(source="renovation.number", read_only=True)
    unit = serializers.IntegerField(source="renovation.unit_id", read_only=True)
    unit_number = serializers.CharField(source="renovation.unit.number", read_only=True)
    estate = serializers.IntegerField(source="renovation.estate_id", read_only=True)
    estate_name = serializers.CharField(source="renovation.estate.name", read_only=True)

    class Meta(PassSerializer.Meta):
        fields = ["id", "renovation", "renovation_number", "estate", "estate_name", "unit", "unit_number",
                  *PassSerializer.Meta.fields[1:]]
        read_only_fields = fields

    def row(self, worker_pass) -> dict:
        renovation = worker_pass.renovation
        return {"renovation": renovation.pk, "renovation_number": renovation.number, "estate": renovation.estate_id,
                "estate_name": renovation.estate.name, "unit": renovation.unit_id,
                "unit_number": renovation.unit.number, **super().row(worker_pass)}


class VerifySerializer(serializers.Serializer):
    code = serializers.CharField(allow_blank=True, max_length=200,
                                 help_text="The serial on the card (CUIHU-CR2026-00001) or its scanned QR code.")


class GateAnswerSerializer(serializers.Serializer):
    """What the gate shows: the answer and, when the pass is one of ours, whose it is."""

    result = GateResultField(help_text="valid, expired, not_yet_valid, revoked, outside_hours, unknown or forged.")
    result_display = serializers.CharField()
    ok = serializers.BooleanField(help_text="The worker may go in.")
    check = serializers.IntegerField(help_text="The logged check.")
    checked_at = serializers.DateTimeField()
    serial = serializers.CharField(allow_null=True)
    worker_name = serializers.CharField(allow_null=True)
    unit_number = serializers.CharField(allow_null=True)
    estate_name = serializers.CharField(allow_null=True)
    contractor_name = serializers.CharField(allow_null=True)
    renovation = serializers.IntegerField(allow_null=True)
    renovation_number = serializers.CharField(allow_null=True)
    permit_number = serializers.CharField(allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    photo_url = serializers.CharField(allow_null=True)


class WorkerPassFilter(django_filters.FilterSet):
    renovation = IdFilter(field_name="renovation_id", label="renovation id")
    estate = IdFilter(field_name="renovation__estate_id", label="estate id")
    live = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", label="not revoked")
    serial = django_filters.CharFilter(field_name="serial", max_length=max_length(WorkerPass, "serial"),
                                       label="serial number (exact)")

    class Meta:
        model = WorkerPass
        fields = []


_PASS_VIEW = ["renovation.view_workerpass"]


class WorkerPassViewSet(ListFiltersOnly, viewsets.ReadOnlyModelViewSet):
    """Worker passes (施工人员出入证), issued with the permit or for a worker who joined
    later. Staff only; issued and revoked by the renovation's steps, never by hand."""

    permission_classes = [StaffOnlyPermission]
    serializer_class = WorkerPassSerializer
    filterset_class = WorkerPassFilter
    ordering_fields = ["valid_to", "serial", "issued_at"]
    ordering = ["-id"]
    queryset = WorkerPass.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": _PASS_VIEW,
        "retrieve": _PASS_VIEW,
        "verify": ["renovation.check_gate"],
    }

    def get_queryset(self):
        return selectors.passes_for_api()

    def get_serializer_class(self):
        return VerifySerializer if self.action == "verify" else WorkerPassSerializer

    @extend_schema(request=VerifySerializer, responses={200: GateAnswerSerializer})
    @decorators.action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def verify(self, request):
        """Check a pass at the gate by its serial or QR code: valid, expired, not yet
        valid, revoked, outside working hours, unknown or forged, with the worker's name
        and photo, the unit and the valid dates. Every check is logged."""
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            answer = services.gate_check(code=serializer.validated_data["code"], now=timezone.now(),
                                         actor=request.user)
        worker_pass = answer.worker_pass
        context = self.get_serializer_context()
        known = worker_pass is not None
        return Response(GateAnswerSerializer({
            "result": answer.result, "result_display": answer.label, "ok": answer.ok, "check": answer.check.pk,
            "checked_at": answer.check.checked_at, "serial": worker_pass.serial if known else None,
            "worker_name": worker_pass.holder_name if known else None,
            "unit_number": worker_pass.renovation.unit.number if known else None,
            "estate_name": worker_pass.renovation.estate.name if known else None,
            "contractor_name": worker_pass.contractor_name if known else None,
            "renovation": worker_pass.renovation_id if known else None,
            "renovation_number": worker_pass.renovation.number if known else None,
            "permit_number": worker_pass.permit_number if known else None,
            "valid_from": worker_pass.valid_from if known else None,
            "valid_to": worker_pass.valid_to if known else None,
            "photo_url": (document_url(context, worker_pass.renovation_id, worker_pass.photo_id)
                          if known and worker_pass.photo_id else None),
        }).data)
