"""Every write to the owner registry. Views, the API, jobs and commands call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from owners import crypto, selectors
from owners.models import (
    EndReason,
    Estate,
    IdType,
    Owner,
    OwnerPhone,
    Ownership,
    PiiField,
    PiiReveal,
    RegistryCheck,
    Resident,
    RevealReason,
    SpecialNeed,
    Unit,
)
from owners.validators import validate_phone, validate_resident_id
from propertydesk import limits, pii
from propertydesk.models import ContactChannel


LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


@dataclass(frozen=True)
class PhoneInput:
    number: str
    label: str = "mobile"
    is_primary: bool = False


def _clean_owner_fields(
    *, name: str, id_type: str, id_number: str, preferred_channel: str, special_needs: list[str],
    email: str, owner: Owner | None, language: str = "", address: str = "", special_needs_note: str = "",
) -> dict[str, list[str]]:
    errors = limits.field_errors(Owner, {"name": name, "id_number": id_number, "address": address, "email": email,
                                         "special_needs_note": special_needs_note})
    if language and language not in LANGUAGE_CODES:
        errors.setdefault("language", []).append(_("Choose a language from the list."))
    if not (name or "").strip():
        errors.setdefault("name", []).append(_("Enter the owner's name."))
    if id_type not in IdType.values:
        errors.setdefault("id_type", []).append(_("Choose an ID type from the list."))
    if id_number and "id_number" not in errors:
        if id_type == IdType.RESIDENT_ID:
            try:
                validate_resident_id(id_number)
            except ValidationError as exc:
                errors.setdefault("id_number", []).extend(exc.messages)
        if "id_number" not in errors:
            clash = Owner.objects.filter(id_number_hash=crypto.id_number_index(id_number))
            if owner is not None:
                clash = clash.exclude(pk=owner.pk)
            if clash.exists():
                errors.setdefault("id_number", []).append(
                    _("Another owner is already registered with this ID number.")
                )
    if preferred_channel not in ContactChannel.values:
        errors.setdefault("preferred_channel", []).append(_("Choose a contact channel from the list."))
    unknown = [n for n in special_needs if n not in SpecialNeed.values]
    if unknown:
        errors.setdefault("special_needs", []).append(_("Unknown special need: %s") % ", ".join(unknown))
    if preferred_channel == ContactChannel.EMAIL and not email:
        errors.setdefault("email", []).append(
            _("An e-mail address is needed when e-mail is the preferred channel.")
        )
    return errors


def _clean_phones(phones: list[PhoneInput], errors: dict[str, list[str]]) -> list[PhoneInput]:
    seen: set[str] = set()
    cleaned = []
    for phone in phones:
        try:
            validate_phone(phone.number)
        except ValidationError as exc:
            errors.setdefault("phones", []).extend(
                f"{pii.mask_phone(phone.number)}: {m}" for m in exc.messages
            )
            continue
        digits = pii.normalize_phone(phone.number)
        if digits in seen:
            continue
        seen.add(digits)
        cleaned.append(PhoneInput(number=digits, label=phone.label, is_primary=phone.is_primary))
    if cleaned and not any(p.is_primary for p in cleaned):
        first = cleaned[0]
        cleaned[0] = PhoneInput(number=first.number, label=first.label, is_primary=True)
    elif sum(p.is_primary for p in cleaned) > 1:
        errors.setdefault("phones", []).append(_("Only one phone number can be the primary one."))
    return cleaned


@transaction.atomic
def owner_create(
    *,
    name: str,
    phones: list[PhoneInput],
    id_type: str = IdType.RESIDENT_ID,
    id_number: str = "",
    address: str = "",
    email: str = "",
    preferred_channel: str = ContactChannel.PHONE,
    special_needs: list[str] | None = None,
    special_needs_note: str = "",
    user=None,
    language: str = "",
    estate: Estate | None = None,
) -> Owner:
    """Register an owner. Without a ``language`` they read in the language of ``estate``
    (where they are being registered), or the house language when it is not known yet."""
    special_needs = list(special_needs or [])
    errors = _clean_owner_fields(
        name=name, id_type=id_type, id_number=id_number, preferred_channel=preferred_channel,
        special_needs=special_needs, email=email, owner=None, language=language, address=address,
        special_needs_note=special_needs_note,
    )
    cleaned_phones = _clean_phones(phones, errors)
    if not cleaned_phones and "phones" not in errors:
        errors["phones"] = [_("Enter at least one phone number, so the desk can reach the owner.")]
    if errors:
        raise ValidationError(errors)
    owner = Owner(
        name=name.strip(),
        id_type=id_type,
        id_number=pii.normalize_id_number(id_number),
        address=address.strip(),
        email=email.strip(),
        preferred_channel=preferred_channel,
        special_needs=special_needs,
        special_needs_note=special_needs_note.strip(),
        user=user,
        language=language or (estate.language if estate is not None else settings.LANGUAGE_CODE),
    )
    owner.save()
    for phone in cleaned_phones:
        OwnerPhone.objects.create(
            owner=owner, number=phone.number, label=phone.label, is_primary=phone.is_primary
        )
    return owner


@transaction.atomic
def owner_update(
    *,
    owner: Owner,
    name: str,
    id_type: str,
    address: str,
    email: str,
    preferred_channel: str,
    special_needs: list[str],
    special_needs_note: str,
    new_id_number: str = "",
    add_phones: list[PhoneInput] = (),
    remove_phone_ids: list[int] = (),
    primary_phone_id: int | None = None,
    language: str = "",
) -> Owner:
    """Update an owner. The ID number and existing phones are never shown to be edited:
    a blank ``new_id_number`` keeps the stored one, phones are added or removed; a blank
    ``language`` keeps the owner's."""
    owner = Owner.objects.select_for_update().get(pk=owner.pk)
    errors = _clean_owner_fields(
        name=name, id_type=id_type, id_number=new_id_number, preferred_channel=preferred_channel,
        special_needs=special_needs, email=email, owner=owner, language=language, address=address,
        special_needs_note=special_needs_note,
    )
    new_phones = _clean_phones(list(add_phones), errors)
    kept = owner.phones.exclude(pk__in=list(remove_phone_ids))
    kept_hashes = set(kept.values_list("number_hash", flat=True))
    new_phones = [p for p in new_phones if crypto.phone_index(p.number) not in kept_hashes]
    if not kept.exists() and not new_phones and "phones" not in errors:
        errors["phones"] = [_("An owner must keep at least one phone number.")]
    if errors:
        raise ValidationError(errors)

    owner.name = name.strip()
    owner.id_type = id_type
    if new_id_number:
        owner.id_number = pii.normalize_id_number(new_id_number)
    owner.address = address.strip()
    owner.email = email.strip()
    owner.preferred_channel = preferred_channel
    owner.special_needs = list(special_needs)
    owner.special_needs_note = special_needs_note.strip()
    if language:
        owner.language = language
    owner.save()

    owner.phones.filter(pk__in=list(remove_phone_ids)).delete()
    for phone in new_phones:
        OwnerPhone.objects.create(owner=owner, number=phone.number, label=phone.label)
    if primary_phone_id is None and not owner.phones.filter(is_primary=True).exists():
        primary_phone_id = owner.phones.values_list("pk", flat=True).first()
    if primary_phone_id is not None:
        owner.phones.update(is_primary=False)
        owner.phones.filter(pk=primary_phone_id).update(is_primary=True)
    return owner


@transaction.atomic
def owner_set_language(*, owner: Owner, language: str) -> Owner:
    """The owner chose the language they read in (the portal's language switcher): what
    they already have, inbox and timelines included, is shown in it from now on."""
    if language not in LANGUAGE_CODES:
        raise ValidationError({"language": [_("Choose a language from the list.")]})
    owner = Owner.objects.select_for_update().get(pk=owner.pk)
    if owner.language != language:
        owner.language = language
        owner.save(update_fields=["language", "updated_at"])
    return owner


def _check_dates(start: date, move_in: date | None, errors: dict, start_name: str = "start_date") -> None:
    for name, messages in limits.date_errors({start_name: start, "move_in_date": move_in},
                                             earliest=limits.EARLIEST_HISTORY_DAY).items():
        errors.setdefault(name, []).extend(messages)
    if move_in and move_in < start:
        errors.setdefault("move_in_date", []).append(
            _("The move-in date cannot be before the owner acquired the unit.")
        )


@transaction.atomic
def ownership_start(
    *, unit: Unit, owner: Owner, start_date: date, move_in_date: date | None = None,
    note: str = "", actor=None,
) -> Ownership:
    """Register an owner (or a co-owner) of a unit from ``start_date``."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    errors = limits.field_errors(Ownership, {"note": note})
    if selectors.owns_now(owner=owner, unit=unit):
        errors["owner"] = [_("%(owner)s already owns this unit.") % {"owner": owner.name}]
    _check_dates(start_date, move_in_date, errors)
    if errors:
        raise ValidationError(errors)
    return Ownership.objects.create(
        unit=unit, owner=owner, start_date=start_date, move_in_date=move_in_date,
        note=note, created_by=actor,
    )


@transaction.atomic
def ownership_transfer(
    *, unit: Unit, new_owners: list[Owner], transfer_date: date, reason: str = EndReason.SALE,
    move_in_date: date | None = None, note: str = "", actor=None,
) -> list[Ownership]:
    """The unit changes hands: every current ownership ends on ``transfer_date`` (history
    kept) and the new owners' ownerships start that day."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    errors = limits.field_errors(Ownership, {"note": note})
    if not new_owners:
        errors["new_owners"] = [_("Choose at least one new owner.")]
    if reason not in EndReason.values:
        errors["reason"] = [_("Choose a reason from the list.")]
    current = list(selectors.current_ownerships().select_for_update().filter(unit=unit))
    for ownership in current:
        if ownership.start_date > transfer_date:
            errors.setdefault("transfer_date", []).append(
                _("The transfer date is before %(owner)s acquired the unit (%(date)s).")
                % {"owner": ownership.owner.name, "date": ownership.start_date}
            )
    _check_dates(transfer_date, move_in_date, errors, start_name="transfer_date")
    if errors:
        raise ValidationError(errors)
    staying = {o.owner_id for o in current} & {o.pk for o in new_owners}
    for ownership in current:
        if ownership.owner_id in staying:
            continue
        ownership.end_date = transfer_date
        ownership.end_reason = reason
        if ownership.move_in_date and not ownership.move_out_date:
            ownership.move_out_date = transfer_date
        ownership.save(update_fields=["end_date", "end_reason", "move_out_date"])
    return [
        Ownership.objects.create(
            unit=unit, owner=owner, start_date=transfer_date, move_in_date=move_in_date,
            note=note, created_by=actor,
        )
        for owner in new_owners
        if owner.pk not in staying
    ]


@transaction.atomic
def ownership_record_move(
    *, ownership: Ownership, move_in_date: date | None, move_out_date: date | None
) -> Ownership:
    ownership = Ownership.objects.select_for_update().get(pk=ownership.pk)
    errors: dict[str, list[str]] = {}
    _check_dates(ownership.start_date, move_in_date, errors)
    errors.update(limits.date_errors({"move_out_date": move_out_date}, earliest=limits.EARLIEST_HISTORY_DAY))
    if move_out_date and move_in_date and move_out_date < move_in_date and "move_out_date" not in errors:
        errors["move_out_date"] = [_("The move-out date cannot be before the move-in date.")]
    if errors:
        raise ValidationError(errors)
    ownership.move_in_date = move_in_date
    ownership.move_out_date = move_out_date
    ownership.save(update_fields=["move_in_date", "move_out_date"])
    return ownership


@transaction.atomic
def resident_add(
    *, unit: Unit, name: str, relation: str, move_in_date: date, phone: str = "", note: str = ""
) -> Resident:
    errors = limits.field_errors(Resident, {"name": name, "phone": phone, "note": note}) | limits.date_errors(
        {"move_in_date": move_in_date}, earliest=limits.EARLIEST_HISTORY_DAY)
    if not (name or "").strip():
        errors["name"] = [_("Enter the resident's name.")]
    if phone and "phone" not in errors:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return Resident.objects.create(
        unit=unit, name=name.strip(), relation=relation, move_in_date=move_in_date,
        phone=phone, note=note,
    )


@transaction.atomic
def resident_move_out(*, resident: Resident, move_out_date: date) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.move_out_date is not None:
        raise ValidationError({"move_out_date": [_("This resident has already moved out.")]})
    errors = limits.date_errors({"move_out_date": move_out_date}, earliest=limits.EARLIEST_HISTORY_DAY)
    if errors:
        raise ValidationError(errors)
    if move_out_date < resident.move_in_date:
        raise ValidationError(
            {"move_out_date": [_("The move-out date cannot be before the move-in date.")]}
        )
    resident.move_out_date = move_out_date
    resident.save(update_fields=["move_out_date"])
    return resident


def owner_reveal_pii(
    *, owner: Owner, user, field: str, now: datetime, ip_address: str | None = None,
    via: str = "web",
) -> dict:
    """Unmask an owner's phone numbers or ID number for an authorised user, and log it."""
    if not user.has_perm("owners.reveal_owner_pii"):
        raise PermissionDenied(_("You are not allowed to see owners' full phone and ID numbers."))
    if field not in PiiField.values:
        raise ValidationError({"field": [_("Choose phone or ID number.")]})
    PiiReveal.objects.create(
        user=user, owner=owner, field=field, revealed_at=now, ip_address=ip_address, via=via
    )
    if field == PiiField.PHONE:
        return {
            "phones": [
                {"id": p.pk, "label": p.get_label_display(), "number": p.number}
                for p in owner.phones.all()
            ]
        }
    return {"id_number": owner.id_number}


def record_phone_reveal(
    *, record_number: str, phone: str | None, owner: Owner | None, user, reason: str, now: datetime,
    ip_address: str | None = None,
) -> str:
    """Log that ``user`` unmasked the phone to call about a record (a complaint, a work
    order, a callback's source, named by its number), as the owner page's reveal is
    logged, with why, and return the number. Who may is the record's app's rule, checked
    by its service before it calls this."""
    if not phone:
        raise ValidationError(_("There is no phone number to call on this record."), code="no_phone")
    if reason not in RevealReason.values or reason == RevealReason.OWNER_PAGE:
        raise ValueError(f"not a record's reveal reason: {reason!r}")
    PiiReveal.objects.create(
        user=user, owner=owner, field=PiiField.PHONE, revealed_at=now, ip_address=ip_address, via="web",
        reason=reason, record_number=record_number,
    )
    return pii.normalize_phone(phone)


@transaction.atomic
def registry_check_run(*, as_of: datetime) -> RegistryCheck:
    """Count what is wrong in the registry today; re-running the same day replaces the row."""
    today = timezone.localdate(as_of)
    current = selectors.current_ownerships(as_of=today)
    units_without_owner = Unit.objects.exclude(
        Exists(current.filter(unit=OuterRef("pk")))
    )
    owners_without_phone = Owner.objects.exclude(Exists(OwnerPhone.objects.filter(owner=OuterRef("pk"))))
    owners_without_unit = Owner.objects.exclude(Exists(current.filter(owner=OuterRef("pk"))))
    details = {
        "units_without_owner": list(units_without_owner.values_list("number", flat=True)[:50]),
        "owners_without_phone": list(owners_without_phone.values_list("pk", flat=True)[:50]),
    }
    check, _created = RegistryCheck.objects.update_or_create(
        check_date=today,
        defaults={
            "units_without_owner": units_without_owner.count(),
            "owners_without_phone": owners_without_phone.count(),
            "owners_without_unit": owners_without_unit.count(),
            "details": details,
            "checked_at": as_of,
        },
    )
    return check


@transaction.atomic
def owner_portal_login_create(*, owner: Owner, username: str, password: str):
    """Open an owner-portal login for an owner: a plain user (no staff role) linked to the
    owner record, so the portal shows that owner's units and nothing else."""
    owner = Owner.objects.select_for_update().get(pk=owner.pk)
    User = get_user_model()
    username = (username or "").strip()
    errors: dict[str, list[str]] = {}
    if owner.user_id is not None:
        errors["username"] = [_("This owner already has a portal login (%(username)s).")
                              % {"username": owner.user.get_username()}]
    elif not username:
        errors["username"] = [_("Choose a login name.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("The login name %(username)s is taken.") % {"username": username}]
    candidate = User(username=username, last_name=owner.name, email=owner.email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    candidate.set_password(password)
    candidate.save()
    owner.user = candidate
    owner.save(update_fields=["user"])
    return candidate
