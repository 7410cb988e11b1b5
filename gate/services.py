"""Every write of the gate: visitors and their pre-registrations, item release passes,
access-card and parking applications. Keyword arguments, one transaction each, the time
passed in; refusals name their field."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from fees import services as fees
from gate import messages as keys
from gate.models import (
    CARD_TRANSITIONS,
    PASS_TRANSITIONS,
    AppliedVia,
    CardApplication,
    CardEvent,
    CardKind,
    CardStatus,
    ConfirmedHow,
    DeactivationReason,
    GateReveal,
    GateRevealField,
    ItemPass,
    ItemPassEvent,
    ItemPassLine,
    OwnerConfirmedHow,
    PassCheck,
    PassStatus,
    Preregistration,
    ResidentLogin,
    TENANT_TRANSITIONS,
    TenantEndReason,
    TenantEvent,
    TenantStatus,
    Visit,
)
from gate.rules import CODE_ALPHABET, gate_policy, local_day, normalize_code, pass_check
from owners.models import Owner, Resident, ResidentRelation, Unit
from owners.selectors import owner_of_record, owns_now
from owners.services import resident_add, resident_move_out
from owners.validators import validate_phone, validate_resident_id
from propertydesk import limits, messages, states
from propertydesk.languages import set_user_language
from propertydesk.notifications import notify_owner, notify_user_by_sms
from propertydesk.tokens import tokens_revoke, tokens_revoke_for
from propertydesk.sequences import next_value
from propertydesk.signature import signature_from_data_url


def _required(errors: dict, **values) -> None:
    for name, value in values.items():
        if not (value or "").strip():
            errors.setdefault(name, []).append(_("This field is required."))


def _lives_in(resident: Resident, unit: Unit, day: datetime.date) -> bool:
    return (resident.unit_id == unit.pk and resident.move_in_date <= day
            and (resident.move_out_date is None or resident.move_out_date >= day))


# ---- visitors ----------------------------------------------------------------------------------

@transaction.atomic
def preregistration_create(*, owner: Owner, unit: Unit, visitor_name: str, day: datetime.date,
                           now: datetime.datetime) -> Preregistration:
    """An owner announces a visitor to their own unit for one day: a short unguessable
    code the desk types in."""
    errors = limits.field_errors(Preregistration, {"visitor_name": visitor_name})
    _required(errors, visitor_name=visitor_name)
    if not owns_now(owner=owner, unit=unit):
        errors.setdefault("unit", []).append(_("You can announce visitors to your own units only."))
    if day is None or day < local_day(now):
        errors.setdefault("day", []).append(_("Choose today or a later day."))
    elif day > local_day(now) + timedelta(days=settings.GATE_DAYS_AHEAD):
        errors.setdefault("day", []).append(_("Announce a visit at most %(days)s days ahead.")
                                            % {"days": settings.GATE_DAYS_AHEAD})
    if errors:
        raise ValidationError(errors)
    for _attempt in range(5):
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(settings.GATE_CODE_LENGTH))
        try:
            with transaction.atomic():
                return Preregistration.objects.create(unit=unit, owner=owner, visitor_name=visitor_name.strip(),
                                                      day=day, code=code, created_at=now)
        except IntegrityError:
            continue
    raise ValidationError(_("No code could be made. Please try again."))


def _preregistration_for(code: str, *, unit: Unit | None, now: datetime.datetime) -> Preregistration:
    found = Preregistration.objects.select_for_update().select_related("unit__estate").filter(
        code=normalize_code(code)).first()
    if found is None:
        raise ValidationError({"code": [_("No visitor was announced with this code.")]})
    if found.visit_id is not None:
        raise ValidationError({"code": [_("This code has been used already.")]})
    if found.day != local_day(now):
        raise ValidationError({"code": [_("This code is for %(day)s, not today.") % {"day": found.day.isoformat()}]})
    if unit is not None and unit.pk != found.unit_id:
        raise ValidationError({"code": [_("This code is for another unit (%(unit)s).") % {"unit": found.unit.number}]})
    return found


@transaction.atomic
def visit_register(*, unit: Unit | None, visitor_name: str, id_number: str, confirmed: bool,
                   confirmed_how: str = "", code: str = "", note: str = "", now: datetime.datetime,
                   actor=None) -> Visit:
    """Register a visitor at the desk. With a pre-registration's code the unit and the
    resident's yes come from it (once, on its day, for its unit). A visitor the resident
    did not confirm is recorded and not let in (002 8.3: 确认门铃有响应后方可让其进入)."""
    errors = limits.field_errors(Visit, {"visitor_name": visitor_name, "note": note})
    errors |= limits.field_errors(Visit, {"id_number": id_number}) if id_number else {}
    prereg = None
    if (code or "").strip():
        prereg = _preregistration_for(code, unit=unit, now=now)
        unit = prereg.unit
        visitor_name = visitor_name or prereg.visitor_name
        confirmed, confirmed_how = True, ConfirmedHow.PREREGISTERED
    _required(errors, visitor_name=visitor_name, id_number=id_number)
    if unit is None:
        errors.setdefault("unit", []).append(_("Which unit does the visitor go to?"))
    if confirmed and confirmed_how not in ConfirmedHow.values:
        errors.setdefault("confirmed_how", []).append(_("Say how the resident confirmed."))
    if errors:
        raise ValidationError(errors)
    visit = Visit(estate_id=unit.estate_id, unit=unit, visitor_name=visitor_name.strip(), id_number=id_number,
                  confirmed=confirmed, confirmed_how=confirmed_how if confirmed else "", note=(note or "").strip(),
                  time_in=now, time_out=None if confirmed else now, registered_by=actor)
    visit.save()
    if prereg is not None:
        prereg.visit = visit
        prereg.save(update_fields=["visit"])
    return visit


@transaction.atomic
def visit_check_out(*, visit: Visit, now: datetime.datetime, actor=None) -> Visit:
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.time_out is not None:
        raise ValidationError(_("%(name)s has left already.") % {"name": visit.visitor_name}, code="left")
    visit.time_out = max(now, visit.time_in)
    visit.save(update_fields=["time_out"])
    return visit


def _may_reveal(user) -> None:
    if not user.has_perm("gate.reveal_gate_pii"):
        raise PermissionDenied(_("You are not allowed to see full ID numbers."))


@transaction.atomic
def visit_reveal_id(*, visit: Visit, user, now: datetime.datetime, ip_address: str | None = None,
                    via: str = "web") -> str:
    """A visitor's full ID number for an authorised user; the reveal is logged."""
    _may_reveal(user)
    GateReveal.objects.create(user=user, field=GateRevealField.VISITOR_ID, visit=visit, revealed_at=now,
                              ip_address=ip_address, via=via)
    return visit.id_number or ""


@transaction.atomic
def item_pass_reveal_carrier_id(*, item_pass: ItemPass, user, now: datetime.datetime,
                                ip_address: str | None = None, via: str = "web") -> str:
    _may_reveal(user)
    GateReveal.objects.create(user=user, field=GateRevealField.CARRIER_ID, item_pass=item_pass, revealed_at=now,
                              ip_address=ip_address, via=via)
    return item_pass.carrier_id_number or ""


# ---- tenants' portal logins --------------------------------------------------------------------

def _activation_hash(code: str) -> str:
    return salted_hmac("gate.tenant_activation", normalize_code(code)).hexdigest()


def _send_activation(login: ResidentLogin, *, now: datetime.datetime) -> None:
    """A fresh one-time code (only its hash is kept), sent to the tenant by SMS in their
    language. A code sent before stops working."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(settings.GATE_CODE_LENGTH))
    login.activation_code_hash = _activation_hash(code)
    login.activation_expires_at = now + timedelta(hours=settings.GATE_ACTIVATION_HOURS)
    login.save(update_fields=["activation_code_hash", "activation_expires_at"])
    sent = login.events.filter(note__startswith="code:").count()
    notify_user_by_sms(user=login.user, kind=keys.TENANT_ACTIVATION, now=now, url="/gate/activate/",
                       dedupe_key=f"gate.tenant_activation:{login.pk}:{sent}", params={
                           "unit": login.resident.unit.number, "username": login.user.get_username(),
                           "path": "/gate/activate/", "code": code,
                           "until": messages.at(login.activation_expires_at)})


@transaction.atomic
def tenant_register(*, unit: Unit, name: str, phone: str, lease_ends_on: datetime.date | None, username: str,
                    language: str = "", id_number: str = "", now: datetime.datetime, actor=None) -> ResidentLogin:
    """The desk registers a tenant of ``unit`` (a resident who moves in today) and gives them a
    portal login: no password yet, a one-time code by SMS to set it (``tenant_activate``)."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    today = local_day(now)
    username = (username or "").strip()
    language = language or settings.LANGUAGE_CODE
    errors = limits.field_errors(Resident, {"name": name, "phone": phone})
    _required(errors, name=name, phone=phone, username=username)
    if "phone" not in errors:
        try:
            validate_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    if id_number and "id_number" not in errors:
        errors |= limits.field_errors(ResidentLogin, {"id_number": id_number})
        if "id_number" not in errors:
            try:
                validate_resident_id(id_number)
            except ValidationError as error:
                errors["id_number"] = error.messages
    if lease_ends_on is None:
        errors["lease_ends_on"] = [_("When does the lease end?")]
    elif lease_ends_on < today:
        errors["lease_ends_on"] = [_("The lease's end cannot be in the past.")]
    else:
        errors |= limits.date_errors({"lease_ends_on": lease_ends_on})
    if language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = [_("Choose a language.")]
    if username and "username" not in errors:
        errors |= limits.field_errors(User, {"username": username})
        if User.objects.filter(username__iexact=username).exists():
            errors.setdefault("username", []).append(_("The login name %(username)s is taken.")
                                                     % {"username": username})
    if owner_of_record(unit=unit) is None:
        errors.setdefault("unit", []).append(_("%(unit)s has no owner to let it.") % {"unit": unit.number})
    if errors:
        raise ValidationError(errors)
    resident = resident_add(unit=unit, name=name, relation=ResidentRelation.TENANT, move_in_date=today, phone=phone)
    user = User(username=username, last_name=resident.name)
    user.set_unusable_password()
    user.save()
    set_user_language(user, language)
    login = ResidentLogin(resident=resident, user=user, status=TenantStatus.INVITED, language=language,
                          lease_ends_on=lease_ends_on, id_number=id_number, created_at=now)
    login.save()
    login.events.create(at=now, actor=actor, from_status="", to_status=TenantStatus.INVITED, note="code:1")
    _send_activation(login, now=now)
    return login


def _login(login: ResidentLogin) -> ResidentLogin:
    return ResidentLogin.objects.select_for_update().select_related("resident__unit", "user").get(pk=login.pk)


@transaction.atomic
def tenant_activation_resend(*, login: ResidentLogin, now: datetime.datetime, actor=None) -> ResidentLogin:
    """A new code for a tenant who lost theirs or let it run out; the old one stops working."""
    login = _login(login)
    if login.status != TenantStatus.INVITED:
        raise ValidationError(_("Only a login waiting for activation gets a new code."), code="not_invited")
    login.events.create(at=now, actor=actor, from_status=login.status, to_status=login.status,
                        note=f"code:{login.events.filter(note__startswith='code:').count() + 1}")
    _send_activation(login, now=now)
    return login


@transaction.atomic
def tenant_activate(*, username: str, code: str, password: str, now: datetime.datetime) -> ResidentLogin:
    """The tenant sets their password with the code sent to them: once, before it runs out."""
    refused = ValidationError({"code": [_("This login name and code do not match, or the code has run out.")]})
    login = (ResidentLogin.objects.select_for_update().select_related("user", "resident__unit")
             .filter(user__username__iexact=(username or "").strip()).first())
    if (login is None or login.status != TenantStatus.INVITED or not login.activation_code_hash
            or not constant_time_compare(login.activation_code_hash, _activation_hash(code))
            or login.activation_expires_at is None or login.activation_expires_at < now):
        raise refused
    try:
        validate_password(password, user=login.user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    states.move(login, TenantStatus.ACTIVE, TENANT_TRANSITIONS, at=now, actor=login.user)
    login.activation_code_hash, login.activation_expires_at = "", None
    login.save(update_fields=["status", "activation_code_hash", "activation_expires_at"])
    login.user.set_password(password)
    login.user.save(update_fields=["password"])
    return login


def _end(login: ResidentLogin, *, reason: str, now: datetime.datetime, actor, note: str = "") -> None:
    states.move(login, TenantStatus.ENDED, TENANT_TRANSITIONS, at=now, actor=actor, note=note)
    login.ended_at, login.end_reason = now, reason
    login.activation_code_hash, login.activation_expires_at = "", None
    login.save(update_fields=["status", "ended_at", "end_reason", "activation_code_hash", "activation_expires_at"])
    # Sessions end at their next request (ReaderBackend refuses an inactive user); tokens now.
    login.user.is_active = False
    login.user.save(update_fields=["is_active"])
    tokens_revoke(user=login.user)
    if login.resident.move_out_date is None:
        moved = min(local_day(now), max(login.lease_ends_on or local_day(now), login.resident.move_in_date))
        resident_move_out(resident=login.resident, move_out_date=moved)


@transaction.atomic
def tenant_access_end(*, login: ResidentLogin, reason: str = TenantEndReason.LEASE_OVER, note: str = "",
                      now: datetime.datetime, actor=None) -> ResidentLogin:
    """The lease is over: the tenant's login stops working and they have moved out."""
    login = _login(login)
    if reason not in TenantEndReason.values:
        raise ValidationError({"reason": [_("Say why the tenant's access ends.")]})
    errors = limits.field_errors(TenantEvent, {"note": note})
    if errors:
        raise ValidationError(errors)
    _end(login, reason=reason, now=now, actor=actor, note=(note or "").strip())
    return login


@transaction.atomic
def tenant_leases_end(*, as_of: datetime.datetime) -> int:
    """Every tenant's login whose lease ended before today ends (the daily job), as
    ``tenant_access_end`` ends one, in a fixed number of statements however many end: the
    logins locked (skipping those another run holds), ended with an event each, their users
    made inactive and their tokens revoked, their residents moved out on the lease's last
    day (not before they moved in). Running it again ends nothing more."""
    from django.contrib.auth import get_user_model

    from django.db.models import F, OuterRef, Subquery, Value
    from django.db.models.functions import Greatest, Least

    today = local_day(as_of)
    due = list(ResidentLogin.objects.select_for_update(skip_locked=True)
               .filter(lease_ends_on__lt=today).exclude(status=TenantStatus.ENDED)
               .order_by("pk").values_list("pk", "status", "user_id"))
    if not due:
        return 0
    for _pk, status, _user in due:
        TENANT_TRANSITIONS.check(status, TenantStatus.ENDED)
    ids, users = [pk for pk, _s, _u in due], [user for _p, _s, user in due]
    ResidentLogin.objects.filter(pk__in=ids).update(
        status=TenantStatus.ENDED, ended_at=as_of, end_reason=TenantEndReason.LEASE_END_DATE,
        activation_code_hash="", activation_expires_at=None)
    TenantEvent.objects.bulk_create([
        TenantEvent(login_id=pk, at=as_of, actor=None, from_status=status, to_status=TenantStatus.ENDED)
        for pk, status, _user in due])
    get_user_model().objects.filter(pk__in=users).update(is_active=False)
    tokens_revoke_for(users=users)
    lease_end = ResidentLogin.objects.filter(resident=OuterRef("pk")).values("lease_ends_on")
    Resident.objects.filter(gate_login__pk__in=ids, move_out_date__isnull=True).update(
        move_out_date=Least(Value(today), Greatest(Subquery(lease_end), F("move_in_date"))))
    return len(due)


def _tenant_login(resident: Resident | None) -> ResidentLogin | None:
    """The tenant's login to tell, if they have one in use."""
    if resident is None:
        return None
    return ResidentLogin.objects.select_related("user").filter(resident=resident, status=TenantStatus.ACTIVE).first()


@transaction.atomic
def resident_login_create(*, resident: Resident, username: str, password: str) -> ResidentLogin:
    """A portal login with a password for a resident who is not an owner (the demo's
    tenant); the desk registers tenants with ``tenant_register``."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if not (username or "").strip():
        raise ValidationError({"username": [_("This field is required.")]})
    if User.objects.filter(username=username.strip()).exists():
        raise ValidationError({"username": [_("This user name is taken.")]})
    if ResidentLogin.objects.filter(resident=resident).exists():
        raise ValidationError({"username": [_("This resident has a login already.")]})
    user = User.objects.create_user(username=username.strip(), password=password)
    return ResidentLogin.objects.create(resident=resident, user=user)


# ---- item release passes -----------------------------------------------------------------------

@dataclass(frozen=True)
class PassLine:
    description: str
    quantity: int


def _pass_number(estate, day: datetime.date) -> str:
    return f"{estate.code.upper()}-FX{day:%y%m%d}-{next_value(f'gate.itempass:{estate.pk}:{day:%Y%m%d}'):03d}"


@transaction.atomic
def item_pass_apply(*, unit: Unit, day: datetime.date, lines: list[PassLine], via: str,
                    applicant_owner: Owner | None = None, applicant_resident: Resident | None = None,
                    now: datetime.datetime, actor=None) -> ItemPass:
    """A resident's pass to take goods out on ``day``. An owner's is confirmed at once; a
    tenant's (any resident not an owner of the unit) waits for the owner, who is told."""
    errors: dict[str, list] = {}
    today = local_day(now)
    if day is None or day < today:
        errors["day"] = [_("Choose today or a later day.")]
    elif day > today + timedelta(days=settings.GATE_DAYS_AHEAD):
        errors["day"] = [_("Apply at most %(days)s days ahead.") % {"days": settings.GATE_DAYS_AHEAD}]
    lines = [line for line in lines or [] if (line.description or "").strip()]
    if not lines:
        errors["lines"] = [_("List the goods to take out, at least one line.")]
    for line in lines:
        if len(line.description.strip()) > limits.max_length(ItemPassLine, "description"):
            errors.setdefault("lines", []).append(_("An item's description is too long."))
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= 9999:
            errors.setdefault("lines", []).append(_("Each quantity must be a whole number from 1 to 9999."))
    if via not in AppliedVia.values:
        errors["via"] = [_("Choose how it was applied for.")]
    if (applicant_owner is None) == (applicant_resident is None):
        errors["applicant"] = [_("Choose who applies: an owner or a resident of the unit.")]
    elif applicant_owner is not None and not owns_now(owner=applicant_owner, unit=unit):
        errors["applicant"] = [_("%(name)s does not own %(unit)s.") % {"name": applicant_owner.name,
                                                                        "unit": unit.number}]
    elif applicant_resident is not None and not _lives_in(applicant_resident, unit, today):
        errors["applicant"] = [_("%(name)s does not live in %(unit)s.") % {"name": applicant_resident.name,
                                                                            "unit": unit.number}]
    if errors:
        raise ValidationError(errors)
    applicant = applicant_owner or applicant_resident
    item_pass = ItemPass.objects.create(
        number=_pass_number(unit.estate, day), estate_id=unit.estate_id, unit=unit, day=day,
        applicant_name=applicant.name, applicant_owner=applicant_owner, applicant_resident=applicant_resident,
        applied_via=via, status=PassStatus.AWAITING_OWNER, created_at=now, created_by=actor)
    ItemPassLine.objects.bulk_create([ItemPassLine(item_pass=item_pass, description=line.description.strip(),
                                                   quantity=line.quantity) for line in lines])
    item_pass.events.create(at=now, actor=actor, from_status="", to_status=PassStatus.AWAITING_OWNER)
    if applicant_owner is not None:
        _confirm(item_pass, owner=applicant_owner, how=OwnerConfirmedHow.APPLICANT, now=now, actor=actor)
    else:
        owner = owner_of_record(unit=unit)
        if owner is not None:
            notify_owner(owner=owner, kind=keys.PASS_TO_CONFIRM, now=now, dedupe_key=f"gate.itempass:{item_pass.pk}",
                         url=f"/gate/portal/passes/{item_pass.pk}/", params={
                             "number": item_pass.number, "unit": unit.number, "applicant": applicant.name,
                             "day": messages.day(day),
                             "items": "; ".join(f"{line.description.strip()} × {line.quantity}" for line in lines)})
    return item_pass


def _confirm(item_pass: ItemPass, *, owner: Owner, how: str, now, actor, signature: bytes | None = None) -> None:
    states.move(item_pass, PassStatus.CONFIRMED, PASS_TRANSITIONS, at=now, actor=actor,
                note=owner.name)
    item_pass.confirmed_at, item_pass.confirmed_by, item_pass.confirmed_how = now, owner, how
    item_pass.owner_signature = signature
    item_pass.save(update_fields=["status", "confirmed_at", "confirmed_by", "confirmed_how", "owner_signature"])
    _tell_tenant(item_pass, kind=keys.PASS_CONFIRMED, now=now)


def _tell_tenant(item_pass: ItemPass, *, kind: str, now, reason: str = "") -> None:
    """The tenant who applied hears the owner's answer, by SMS in their language."""
    login = _tenant_login(item_pass.applicant_resident)
    if login is None:
        return
    notify_user_by_sms(user=login.user, kind=kind, now=now, dedupe_key=f"{kind}:{item_pass.pk}",
                       url=f"/gate/portal/passes/{item_pass.pk}/",
                       params={"number": item_pass.number, "day": messages.day(item_pass.day), "reason": reason})


@transaction.atomic
def item_pass_confirm(*, item_pass: ItemPass, owner: Owner, how: str, signature: str = "",
                      now: datetime.datetime, actor=None) -> ItemPass:
    """The owner confirms a tenant's pass: in the portal, or signing on the pad at the desk."""
    item_pass = ItemPass.objects.select_for_update().select_related("unit").get(pk=item_pass.pk)
    if not owns_now(owner=owner, unit=item_pass.unit):
        raise ValidationError({"owner": [_("%(name)s does not own %(unit)s.") % {"name": owner.name,
                                                                                 "unit": item_pass.unit.number}]})
    if how not in (OwnerConfirmedHow.PORTAL, OwnerConfirmedHow.SIGNATURE):
        raise ValidationError({"how": [_("Choose how the owner confirmed.")]})
    image = None
    if how == OwnerConfirmedHow.SIGNATURE:
        try:
            image = signature_from_data_url(signature)
        except ValidationError as error:
            raise ValidationError({"signature": error.messages}) from None
    if pass_check(item_pass, now=now) == PassCheck.EXPIRED:
        raise ValidationError(_("The pass's day has passed: apply for a new one."), code="expired")
    _confirm(item_pass, owner=owner, how=how, now=now, actor=actor, signature=image)
    return item_pass


@transaction.atomic
def item_pass_refuse(*, item_pass: ItemPass, owner: Owner, reason: str = "", now: datetime.datetime,
                     actor=None) -> ItemPass:
    """The owner does not let a tenant's goods out: the pass is cancelled and the tenant told."""
    item_pass = (ItemPass.objects.select_for_update(of=("self",)).select_related("unit", "applicant_resident")
                 .get(pk=item_pass.pk))
    if not owns_now(owner=owner, unit=item_pass.unit):
        raise ValidationError({"owner": [_("%(name)s does not own %(unit)s.") % {"name": owner.name,
                                                                                 "unit": item_pass.unit.number}]})
    errors = limits.field_errors(ItemPassEvent, {"reason": reason}, columns={"reason": "note"})
    if errors:
        raise ValidationError(errors)
    states.move(item_pass, PassStatus.CANCELLED, PASS_TRANSITIONS, at=now, actor=actor,
                only_from=(PassStatus.AWAITING_OWNER,), note=(reason or "").strip() or owner.name)
    item_pass.save(update_fields=["status"])
    _tell_tenant(item_pass, kind=keys.PASS_REFUSED, now=now, reason=(reason or "").strip())
    return item_pass


@transaction.atomic
def item_pass_release(*, item_pass: ItemPass, carrier_name: str, carrier_id_number: str, now: datetime.datetime,
                      actor=None) -> ItemPass:
    """The guard lets the goods out of a valid pass and records who carries them."""
    item_pass = ItemPass.objects.select_for_update().get(pk=item_pass.pk)
    errors = limits.field_errors(ItemPass, {"carrier_name": carrier_name})
    _required(errors, carrier_name=carrier_name, carrier_id_number=carrier_id_number)
    if errors:
        raise ValidationError(errors)
    answer = pass_check(item_pass, now=now)
    if answer != PassCheck.VALID:
        raise ValidationError(_("Item pass %(number)s cannot be released: %(answer)s.")
                              % {"number": item_pass.number, "answer": PassCheck(answer).label}, code=answer)
    states.move(item_pass, PassStatus.RELEASED, PASS_TRANSITIONS, at=now, actor=actor)
    item_pass.carrier_name, item_pass.carrier_id_number = carrier_name.strip(), carrier_id_number
    item_pass.released_at, item_pass.released_by = now, actor
    item_pass.save(update_fields=["status", "carrier_name", "carrier_id_number", "released_at", "released_by"])
    return item_pass


@transaction.atomic
def item_pass_cancel(*, item_pass: ItemPass, now: datetime.datetime, actor=None, note: str = "") -> ItemPass:
    item_pass = ItemPass.objects.select_for_update().get(pk=item_pass.pk)
    states.move(item_pass, PassStatus.CANCELLED, PASS_TRANSITIONS, at=now, actor=actor, note=note)
    item_pass.save(update_fields=["status"])
    return item_pass


# ---- access cards and parking ------------------------------------------------------------------

@transaction.atomic
def card_apply(*, unit: Unit, kind: str, applicant: Owner | None = None, holder_name: str, plate_number: str = "",
               applicant_resident: Resident | None = None, now: datetime.datetime, actor=None) -> CardApplication:
    """An access card or a parking permit for the unit: its fee and its ready day (the
    estate's policy) are fixed now and said to the applicant. A tenant applies for the unit
    they live in; the card is then the owner of record's, and the tenant is told when ready."""
    errors = limits.field_errors(CardApplication, {"holder_name": holder_name, "plate_number": plate_number})
    _required(errors, holder_name=holder_name)
    if kind not in CardKind.values:
        errors["kind"] = [_("Choose an access card or a parking permit.")]
    if kind == CardKind.PARKING and not (plate_number or "").strip():
        errors["plate_number"] = [_("A parking permit needs the car's plate number.")]
    if applicant_resident is not None:
        if not _lives_in(applicant_resident, unit, local_day(now)):
            errors["applicant"] = [_("%(name)s does not live in %(unit)s.") % {"name": applicant_resident.name,
                                                                                "unit": unit.number}]
        elif (applicant := owner_of_record(unit=unit)) is None:
            errors["applicant"] = [_("%(unit)s has no owner to let it.") % {"unit": unit.number}]
    elif applicant is None:
        errors["applicant"] = [_("Choose who applies: an owner or a resident of the unit.")]
    elif not owns_now(owner=applicant, unit=unit):
        errors["applicant"] = [_("%(name)s does not own %(unit)s.") % {"name": applicant.name, "unit": unit.number}]
    if errors:
        raise ValidationError(errors)
    policy = gate_policy(estate=unit.estate)
    fee = policy.parking_fee if kind == CardKind.PARKING else policy.card_fee
    year = local_day(now).year
    number = f"{unit.estate.code.upper()}-MK{year}-{next_value(f'gate.card:{unit.estate_id}:{year}'):05d}"
    card = CardApplication.objects.create(
        number=number, kind=kind, estate_id=unit.estate_id, unit=unit, applicant=applicant,
        applicant_resident=applicant_resident,
        holder_name=holder_name.strip(), plate_number=(plate_number or "").strip().upper(), fee=fee,
        ready_on=local_day(now) + timedelta(days=policy.ready_days), applied_at=now)
    card.events.create(at=now, actor=actor, from_status="", to_status=CardStatus.APPLIED)
    return card


def _card(card: CardApplication) -> CardApplication:
    return CardApplication.objects.select_for_update(of=("self",)).select_related(
        "unit__estate", "applicant", "applicant_resident").get(pk=card.pk)


@transaction.atomic
def card_pay(*, card: CardApplication, method: str, now: datetime.datetime, actor=None) -> CardApplication:
    """The fee paid at the desk, with a receipt from the fees app's one sequence."""
    card = _card(card)
    CARD_TRANSITIONS.check(card.status, CardStatus.PAID)
    if card.fee > Decimal("0"):
        card.receipt = fees.receipt_issue(
            estate=card.unit.estate, unit=card.unit, amount=card.fee, method=method,
            payer_name=(card.applicant_resident or card.applicant).name,
            purpose_key=keys.CARD_RECEIPT, now=now, actor=actor, source=f"gatecard:{card.pk}",
            purpose_params={"kind": messages.label(choices=CardKind, value=card.kind), "number": card.number,
                            "unit": card.unit.number})
    states.move(card, CardStatus.PAID, CARD_TRANSITIONS, at=now, actor=actor)
    card.save(update_fields=["status", "receipt"])
    return card


@transaction.atomic
def card_mark_ready(*, card: CardApplication, card_number: str = "", now: datetime.datetime,
                    actor=None) -> CardApplication:
    """The card is made: the applicant is told to collect it, through the outbox."""
    card = _card(card)
    errors = limits.field_errors(CardApplication, {"card_number": card_number})
    if card.kind == CardKind.ACCESS_CARD and not (card_number or "").strip():
        errors["card_number"] = [_("Enter the number printed on the card.")]
    if errors:
        raise ValidationError(errors)
    states.move(card, CardStatus.READY, CARD_TRANSITIONS, at=now, actor=actor)
    card.card_number = (card_number or "").strip()
    card.save(update_fields=["status", "card_number"])
    params = {"kind": messages.label(choices=CardKind, value=card.kind), "number": card.number,
              "receipt": card.receipt.number if card.receipt_id else "-"}
    tenant = _tenant_login(card.applicant_resident)
    if tenant is not None:
        notify_user_by_sms(user=tenant.user, kind=keys.CARD_READY, now=now, dedupe_key=f"gate.card_ready:{card.pk}",
                           url="/gate/portal/cards/", params=params)
    else:
        notify_owner(owner=card.applicant, kind=keys.CARD_READY, now=now, dedupe_key=f"gate.card_ready:{card.pk}",
                     url="/gate/portal/cards/", params=params)
    return card


@transaction.atomic
def card_hand_over(*, card: CardApplication, now: datetime.datetime, actor=None) -> CardApplication:
    card = _card(card)
    states.move(card, CardStatus.ISSUED, CARD_TRANSITIONS, at=now, actor=actor)
    card.save(update_fields=["status"])
    return card


@transaction.atomic
def card_deactivate(*, card: CardApplication, reason: str, note: str = "", now: datetime.datetime,
                    actor=None) -> CardApplication:
    """A lost card (or one of someone who moved out) stops opening the doors. A
    replacement is a new application."""
    card = _card(card)
    if reason not in DeactivationReason.values:
        raise ValidationError({"reason": [_("Say why the card is deactivated.")]})
    errors = limits.field_errors(CardEvent, {"note": note})
    if errors:
        raise ValidationError(errors)
    states.move(card, CardStatus.DEACTIVATED, CARD_TRANSITIONS, at=now, actor=actor,
                note=(note or "").strip())
    card.deactivated_at, card.deactivation_reason = now, reason
    card.save(update_fields=["status", "deactivated_at", "deactivation_reason"])
    return card


@transaction.atomic
def card_cancel(*, card: CardApplication, now: datetime.datetime, actor=None, note: str = "") -> CardApplication:
    card = _card(card)
    states.move(card, CardStatus.CANCELLED, CARD_TRANSITIONS, at=now, actor=actor, note=note)
    card.save(update_fields=["status"])
    return card


# ---- personal data past its retention (PIPL art. 47) ---------------------------------------------


def purged_labels() -> tuple[str, str]:
    """What a purged visitor's and carrier's name reads, in the house language (a stored
    value, like the name it replaces)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Visitor (purged)"), _("Carrier (purged)")


def visitor_data_purge(*, as_of: datetime.datetime) -> dict[str, int]:
    """Replace the personal data of visitors and item-pass carriers kept longer than
    VISITOR_DATA_RETENTION_DAYS after the visit ended (a visit still open counts from its
    arrival; a pass from its release, else its day): the visitor's name, ID number and its
    search hash, the desk's note on the visit; a pre-registered visitor's name; the
    carrier's name and ID number. The unit, the times, the pass and its goods stay. Three
    statements however many rows; a row already purged is not matched again, so a second
    run (or two at once) changes nothing. Rows of each kind rewritten."""
    cutoff = as_of - timedelta(days=settings.VISITOR_DATA_RETENTION_DAYS)
    cutoff_day = local_day(cutoff)
    visitor, carrier = purged_labels()
    with transaction.atomic():
        visits = (Visit.objects
                  .filter(Q(time_out__lt=cutoff) | Q(time_out__isnull=True, time_in__lt=cutoff))
                  .filter(~Q(visitor_name=visitor) | Q(id_number__isnull=False) | ~Q(note=""))
                  .update(visitor_name=visitor, id_number=None, id_number_hash="", note=""))
        announced = (Preregistration.objects.filter(day__lt=cutoff_day).exclude(visitor_name=visitor)
                     .update(visitor_name=visitor))
        carriers = (ItemPass.objects
                    .filter(Q(released_at__lt=cutoff) | Q(released_at__isnull=True, day__lt=cutoff_day))
                    .filter((~Q(carrier_name="") & ~Q(carrier_name=carrier)) | Q(carrier_id_number__isnull=False))
                    .update(carrier_name=Case(When(carrier_name="", then=Value("")), default=Value(carrier)),
                            carrier_id_number=None))
    return {"visits": visits, "preregistrations": announced, "item_passes": carriers}
