"""What the portal holds about one owner, declared once (PIPL arts. 45 and 47).

An owner's records live in every app, so the declaration sits here, above them all. Two
things read it:

- ``ANONYMISE``: the personal fields of each kind of record about an owner, and what each
  is replaced with when a supervisor anonymises a departed owner
  (``pages.services.owner_anonymise``). Each entry is (model, the rows about the owner,
  {field: replacement}); the replacement is a token (``OWNER_LABEL``, ``REMOVED``, ...), made
  a value or an SQL expression by ``replacement()``; the owner's phone rows are deleted. Anything not named here stays: the
  record numbers, statuses, dates, amounts and the links between records, so bills,
  receipts and every figure add up as before. The audit history kept beside these tables
  (trigger-made copies of the rows) is scrubbed with the same list (``owner_anonymise``
  calls ``propertydesk.audit.scrub_history``): ``anonymised_rows()`` says which rows of
  which model, the entries which of their fields.
- ``owner_periods()`` and ``in_periods()``: the owner's units and when they held them, so
  records kept by unit (payments, receipts, residents, visitors) are theirs only for the
  time they owned the unit; what came before or after belongs to someone else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.db.models import BinaryField, Case, CharField, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from owners.models import Owner, Ownership

# ---- when the owner held which unit ------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    unit_id: int
    start: date
    end: date | None  # the last day owned; None: owned now


def owner_periods(owner_id: int) -> list[Period]:
    """Each unit the owner held and for how long (a transfer ends the seller's ownership
    on the day the buyer's starts: that day is the buyer's)."""
    rows = Ownership.objects.filter(owner_id=owner_id).order_by("start_date", "pk")
    return [Period(unit_id=o.unit_id, start=o.start_date,
                   end=None if o.end_date is None else o.end_date - timedelta(days=1) if o.end_date > o.start_date
                   else o.end_date)
            for o in rows]


def in_periods(periods: list[Period], *, unit: str = "unit", day: str) -> Q:
    """Rows of the owner's units dated (``day``: a date, or ``field__date`` of a moment)
    within their time as owner. Nothing when they never owned a unit."""
    match = Q(pk__in=[])
    for period in periods:
        term = Q(**{f"{unit}_id": period.unit_id, f"{day}__gte": period.start})
        if period.end is not None:
            term &= Q(**{f"{day}__lte": period.end})
        match |= term
    return match


def overlapping(periods: list[Period], *, start: str, end: str) -> Q:
    """Rows of the owner's units whose own span (``start``..``end``, an open end: still on)
    met their time as owner: a resident who lived there then."""
    match = Q(pk__in=[])
    for period in periods:
        term = Q(unit_id=period.unit_id) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": period.start}))
        if period.end is not None:
            term &= Q(**{f"{start}__lte": period.end})
        match |= term
    return match


def lived_only_then(periods: list[Period]) -> Q:
    """Residents of the owner's units who came and went within their time as owner (the
    owner's family, their tenants): a tenant who stayed on under the next owner is the
    next owner's, and keeps their name."""
    match = Q(pk__in=[])
    for period in periods:
        term = Q(unit_id=period.unit_id, move_in_date__gte=period.start, move_out_date__isnull=False)
        if period.end is not None:
            term &= Q(move_out_date__lte=period.end + timedelta(days=1))
        match |= term
    return match


# ---- anonymisation: what is replaced, and with what ---------------------------------------------

OWNER_LABEL = "owner_label"   # "已注销业主 #123": the owner's name wherever it was written
RESIDENT_LABEL = "resident_label"
REMOVED = "removed"           # free text: "(removed)", an empty one stays empty
EMPTY = "empty"
NULL = "null"
EMPTY_LIST = "empty_list"
ROW_KEY = "row_key"           # a search hash under a unique constraint: "anonymised:<row id>"
BLANK_SIGNATURE = "blank_signature"   # a signature image (some records must keep one)
LOGIN_NAME = "login_name"     # the portal login's username (often the phone number)
FALSE = "false"
UNUSABLE_PASSWORD = "unusable_password"

# A 1×1 transparent PNG: where a record must keep a signature image, the owner's hand is gone.
BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


@dataclass(frozen=True)
class Context:
    """The owner being anonymised, read before anything is rewritten."""
    owner_id: int
    user_id: int | None
    periods: list[Period]
    names: list[str]      # the name as written on records they paid or signed
    label: str            # OWNER_LABEL in the estate's language
    resident_label: str
    removed: str


@dataclass(frozen=True)
class Scrub:
    model: str                          # "app_label.Model"
    rows: Callable[[Context], Q]        # the rows about the owner
    fields: dict[str, str]              # field -> replacement token
    # The rows are deleted rather than rewritten (a phone number has no neutral value: the
    # column is encrypted and required); ``fields`` still says what their history loses.
    delete: bool = False

    @property
    def model_class(self):
        return apps.get_model(self.model)


def _own(path: str = "owner_id") -> Callable[[Context], Q]:
    return lambda c: Q(**{path: c.owner_id})


def _paid_by_owner(day: str) -> Callable[[Context], Q]:
    # A payment or receipt of their unit in their time, made out in their name (a tenant's
    # or the buyer's keeps theirs).
    return lambda c: in_periods(c.periods, day=day) & Q(payer_name__in=c.names)


ANONYMISE: tuple[Scrub, ...] = (
    Scrub("owners.Owner", _own("pk"), {
        "name": OWNER_LABEL, "id_number": NULL, "id_number_hash": EMPTY, "address": EMPTY, "email": EMPTY,
        "special_needs": EMPTY_LIST, "special_needs_note": EMPTY}),
    Scrub("owners.OwnerPhone", _own(), {"number": EMPTY, "number_hash": ROW_KEY, "tail_hash": EMPTY}, delete=True),
    Scrub("owners.Ownership", _own(), {"note": REMOVED}),
    Scrub("owners.Resident", lambda c: lived_only_then(c.periods), {
        "name": RESIDENT_LABEL, "phone": NULL, "phone_hash": EMPTY, "phone_tail_hash": EMPTY, "note": REMOVED}),
    Scrub("complaints.Complaint", _own(), {
        "contact_name": OWNER_LABEL, "contact_phone": NULL, "description": REMOVED, "resolution": REMOVED}),
    Scrub("complaints.ComplaintEvent", _own("complaint__owner_id"), {"note": REMOVED}),
    Scrub("complaints.Suggestion", _own(), {"subject": REMOVED, "content": REMOVED, "reply": REMOVED}),
    Scrub("complaints.SuggestionEvent", _own("suggestion__owner_id"), {"note": REMOVED}),
    Scrub("repairs.WorkOrder", _own(), {
        "requester_name": OWNER_LABEL, "requester_phone": NULL, "description": REMOVED, "refusal_reason": REMOVED}),
    Scrub("repairs.WorkOrderEvent", _own("work_order__owner_id"), {"note": REMOVED}),
    Scrub("repairs.Acceptance", _own("work_order__owner_id"), {
        "comment": REMOVED, "signer_name": OWNER_LABEL, "signature_png": BLANK_SIGNATURE}),
    Scrub("callbacks.Callback", _own(), {"contact_name": OWNER_LABEL}),
    Scrub("callbacks.CallbackEvent", _own("callback__owner_id"), {"note": REMOVED}),
    Scrub("callbacks.CallbackResult", _own("callback__owner_id"), {
        "quality": REMOVED, "effect": REMOVED, "shortcomings": REMOVED, "suggestions": REMOVED,
        "owner_words": REMOVED, "signer_name": OWNER_LABEL, "signature_png": BLANK_SIGNATURE}),
    Scrub("fees.Payment", _paid_by_owner("received_at__date"), {"payer_name": OWNER_LABEL}),
    Scrub("fees.Receipt", _paid_by_owner("issued_at__date"), {"payer_name": OWNER_LABEL}),
    Scrub("renovation.RenovationCharge", lambda c: Q(renovation__owner_id=c.owner_id, payer_name__in=c.names),
          {"payer_name": OWNER_LABEL}),
    Scrub("renovation.DepositRefund", lambda c: Q(deposit__renovation__owner_id=c.owner_id, payee_name__in=c.names),
          {"payee_name": OWNER_LABEL}),
    Scrub("renovation.SignedPaper", lambda c: Q(renovation__owner_id=c.owner_id, signer_name__in=c.names),
          {"signer_name": OWNER_LABEL}),
    Scrub("gate.ItemPass", _own("applicant_owner_id"), {"applicant_name": OWNER_LABEL,
                                                         "owner_signature": BLANK_SIGNATURE}),
    Scrub("gate.CardApplication", _own("applicant_id"), {"holder_name": OWNER_LABEL, "plate_number": REMOVED}),
    Scrub("gate.Preregistration", _own(), {"visitor_name": REMOVED}),
    Scrub("auth.User", lambda c: Q(pk=c.user_id) if c.user_id else Q(pk__in=[]), {
        "username": LOGIN_NAME, "first_name": EMPTY, "last_name": EMPTY, "email": EMPTY, "is_active": FALSE,
        "password": UNUSABLE_PASSWORD}),
)


def replacement(token: str, field: str, context: Context):
    """The value (or the SQL expression over the row) that replaces ``field``."""
    if token == OWNER_LABEL:
        return _unless_empty(field, context.label)
    if token == RESIDENT_LABEL:
        return Value(context.resident_label)
    if token == REMOVED:
        return _unless_empty(field, context.removed)
    if token == EMPTY:
        return ""
    if token == NULL:
        return None
    if token == EMPTY_LIST:
        return []
    if token == ROW_KEY:
        return Concat(Value("anonymised:"), Cast("pk", CharField()))
    if token == BLANK_SIGNATURE:
        return Case(When(**{f"{field}__isnull": True}, then=Value(None, output_field=BinaryField())),
                    default=Value(BLANK_PNG, output_field=BinaryField()), output_field=BinaryField())
    if token == LOGIN_NAME:
        return f"former-owner-{context.owner_id}"
    if token == FALSE:
        return False
    if token == UNUSABLE_PASSWORD:
        from django.contrib.auth.hashers import make_password

        return make_password(None)
    raise ValueError(f"unknown replacement {token!r}")


def _unless_empty(field: str, text: str):
    """``text`` where the field says something; an empty field stays empty."""
    return Case(When(**{field: ""}, then=Value("")), default=Value(text), output_field=CharField())


def labels(owner: Owner, *, language: str) -> dict[str, str]:
    from django.utils import translation

    with translation.override(language):
        return {"label": _("Former owner #%(number)s") % {"number": owner.pk},
                "resident_label": _("Former resident"), "removed": _("(removed)")}


def anonymised_rows(context: Context):
    """(Scrub, queryset of its rows about the owner) for each entry: what the service
    rewrites, and the rows whose audit history is to be scrubbed the same way."""
    for scrub in ANONYMISE:
        yield scrub, scrub.model_class._default_manager.filter(scrub.rows(context))


def apply(scrub: Scrub, rows, context: Context) -> int:
    """Rewrite (or delete) the rows in one statement: how many."""
    if scrub.delete:
        return rows.delete()[0]
    return rows.update(**field_values(scrub, context))


def field_values(scrub: Scrub, context: Context) -> dict:
    return {name: replacement(token, name, context) for name, token in scrub.fields.items()}

