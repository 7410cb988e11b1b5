"""Every read the registry's pages, API and desk search need."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models.functions import Coalesce, JSONObject, Upper
from django.shortcuts import get_object_or_404

from owners import crypto
from owners.models import (
    Owner,
    OwnerAnonymisation,
    OwnerPhone,
    Ownership,
    PiiReveal,
    Resident,
    StaffMembership,
    Unit,
)
from owners.validators import LANDLINE_RE, MOBILE_RE
from propertydesk import pii
from propertydesk.people import staff_order
from propertydesk.roles import is_staff_member, owner_of

# ---- who owns a unit -------------------------------------------------------------------
# One answer for every page, the API, the services and the set-based jobs. Co-owners come
# in one order: the owner of record first. A Chinese desk names the 产权人 registered
# first (the buyer on the purchase contract; a spouse or child added to the certificate
# later follows), so the earliest ownership in force leads; of two registered the same
# day, the one the desk entered first (the ownership's id). Nobody sorts co-owners any
# other way: Python reads CO_OWNER_ORDER through current_ownerships(), SQL through
# owner_of_record_sql(), which is made from it.

CO_OWNER_ORDER = ("start_date", "id")


def current_ownerships(*, as_of: date | None = None) -> QuerySet[Ownership]:
    """The ownerships in force, owner of record first. Without ``as_of``: the registry
    as it stands (every ownership not ended). With it: those in force on that day,
    started on or before it and not ended by it (a transfer ends the seller's ownership
    on the day the buyer's starts, so the buyer owns on the transfer day)."""
    rows = Ownership.objects.all()
    if as_of is None:
        rows = rows.filter(end_date__isnull=True)
    else:
        rows = rows.filter(Q(end_date__isnull=True) | Q(end_date__gt=as_of), start_date__lte=as_of)
    return rows.order_by(*CO_OWNER_ORDER)


def unit_owners(*, unit: Unit, as_of: date | None = None) -> list[Owner]:
    """The unit's current owners, owner of record first; empty for a unit nobody owns."""
    return [o.owner for o in current_ownerships(as_of=as_of).filter(unit=unit).select_related("owner")]


def owner_of_record(*, unit: Unit, as_of: date | None = None) -> Owner | None:
    """The one owner a complaint, a work order, a bill or a notice is addressed to: the
    first of unit_owners(). None for a unit nobody owns."""
    ownership = current_ownerships(as_of=as_of).filter(unit=unit).select_related("owner").first()
    return ownership.owner if ownership else None


def owner_of_record_subquery(*, unit: OuterRef | F, as_of: date | None = None) -> Subquery:
    """owner_of_record() as an ORM expression, for annotating many rows at once: the owner
    id of record of the unit ``unit`` refers to (e.g. ``OuterRef("unit_id")``)."""
    return Subquery(current_ownerships(as_of=as_of).filter(unit=unit).values("owner")[:1])


def owner_of_record_sql(*, unit: str, as_of: str) -> str:
    """owner_of_record() for set-based SQL: a scalar subquery giving the owner id of record
    (NULL for a unit nobody owns) of the unit whose id is the SQL expression ``unit``, on
    the day ``as_of`` (an SQL expression or placeholder, e.g. ``%(as_of_date)s``). The
    condition is current_ownerships(as_of=...)'s and the ORDER BY is made from
    CO_OWNER_ORDER, so the bill run names the owner the pages name."""
    column = {f.name: f"own.{f.column}" for f in Ownership._meta.concrete_fields}
    return (
        f"SELECT {column['owner']} FROM {Ownership._meta.db_table} own"
        f" WHERE {column['unit']} = {unit} AND {column['start_date']} <= {as_of}"
        f" AND ({column['end_date']} IS NULL OR {column['end_date']} > {as_of})"
        f" ORDER BY {', '.join(column[name] for name in CO_OWNER_ORDER)} LIMIT 1"
    )


def current_owners_prefetch() -> Prefetch:
    """For a queryset of units: ``unit.current_ownerships``, owner of record first, with
    each owner and their phones."""
    return Prefetch(
        "ownerships",
        queryset=current_ownerships().select_related("owner").prefetch_related("owner__phones"),
        to_attr="current_ownerships",
    )


def owners_units_prefetch() -> Prefetch:
    """For a queryset of owners: ``owner.current_ownerships``, their units as lists show
    units (estate, then room number), each with its estate."""
    return Prefetch(
        "ownerships",
        queryset=current_ownerships().select_related("unit", "unit__estate")
        .order_by("unit__estate__name", "unit__number"),
        to_attr="current_ownerships",
    )


def owned_units(*, owner: Owner) -> QuerySet[Unit]:
    """The units an owner owns now, as a plain queryset to filter with or nest in a query."""
    return Unit.objects.filter(Exists(current_ownerships().filter(unit=OuterRef("pk"), owner=owner)))


def unit_queryset_for(user) -> QuerySet[Unit]:
    """Units a user may see: all for staff who may read units (the desk, supervisors,
    finance), none for other staff, the units an owner currently owns for an owner."""
    units = Unit.objects.select_related("building", "estate")
    if is_staff_member(user):
        return units if user.has_perm("owners.view_unit") else units.none()
    owner = owner_of(user)
    if owner is None:
        return units.none()
    return owned_units(owner=owner).select_related("building", "estate")


def owner_queryset_for(user) -> QuerySet[Owner]:
    """Owner records a user may see: all for staff who keep the registry (the desk,
    supervisors), none for other staff (engineering and finance see an owner's name on
    their own records only), their own for an owner."""
    owners = Owner.objects.prefetch_related("phones")
    if is_staff_member(user):
        return owners if user.has_perm("owners.view_owner") else owners.none()
    owner = owner_of(user)
    return owners.filter(pk=owner.pk) if owner else owners.none()


def owner_list(
    *, query: str = "", estate_id: int | None = None, building_id: int | None = None,
    special_needs: bool | None = None, has_login: bool | None = None,
) -> QuerySet[Owner]:
    owners = Owner.objects.prefetch_related("phones", owners_units_prefetch())
    if query:
        owners = owners.filter(_owner_match(query))
    if estate_id:
        owners = owners.filter(
            Exists(current_ownerships().filter(owner=OuterRef("pk"), unit__estate_id=estate_id))
        )
    if building_id:
        owners = owners.filter(
            Exists(current_ownerships().filter(owner=OuterRef("pk"), unit__building_id=building_id))
        )
    if special_needs is True:
        owners = owners.filter(~Q(special_needs=[]) | ~Q(special_needs_note=""))
    elif special_needs is False:
        owners = owners.filter(special_needs=[], special_needs_note="")
    if has_login is not None:
        owners = owners.filter(user__isnull=not has_login)
    return owners.order_by("name", "id")


def _owner_match(query: str) -> Q:
    digits = pii.normalize_phone(query)
    match = Q(name__startswith=query.strip())
    if digits and len(digits) == len(re.sub(r"[\s+\-()]", "", query)):
        if len(digits) == 4:
            match |= Exists(
                OwnerPhone.objects.filter(owner=OuterRef("pk"), tail_hash=crypto.phone_tail_index(digits))
            )
        elif len(digits) >= 7:
            match |= Exists(
                OwnerPhone.objects.filter(owner=OuterRef("pk"), number_hash=crypto.phone_index(digits))
            )
    return match


@dataclass
class DeskHit:
    unit: Unit
    owners: list[Owner] = field(default_factory=list)
    matched_by: str = ""
    resident: Resident | None = None  # the tenant or family member whose phone matched


def _with_hit_owners(units: QuerySet[Unit]) -> QuerySet[Unit]:
    """The desk search's units, each with its current owners (owner of record first) read in
    the same statement as ``hit_owners``: the owner's name, special needs and primary phone
    (still encrypted), which is all a hit shows of them."""
    primary = OwnerPhone.objects.filter(owner=OuterRef("owner_id"), is_primary=True).order_by("pk").values("number")
    owners = current_ownerships().filter(unit=OuterRef("pk")).values(json=JSONObject(
        id="owner_id", name="owner__name", special_needs="owner__special_needs",
        special_needs_note="owner__special_needs_note", phone=Subquery(primary[:1])))
    return units.annotate(hit_owners=ArraySubquery(owners))


def _hit_owners(unit: Unit) -> list[Owner]:
    number = OwnerPhone._meta.get_field("number")
    owners = []
    for row in unit.hit_owners:
        owner = Owner(pk=row["id"], name=row["name"], special_needs=row["special_needs"] or [],
                      special_needs_note=row["special_needs_note"] or "")
        phone = number.from_db_value(row["phone"], None, None) if row["phone"] else ""
        owner.primary_phone_masked = pii.mask_phone(phone) if phone else ""
        owners.append(owner)
    return owners


def _owned_by(units: QuerySet[Unit], owner_ids: QuerySet) -> QuerySet[Unit]:
    """The units currently owned by any of ``owner_ids``, in the desk's order. A semi-join,
    not a join made distinct: each unit once without comparing whole rows, and its owners
    (``_with_hit_owners``) read for the rows kept only."""
    return units.filter(pk__in=current_ownerships().filter(owner_id__in=owner_ids).values("unit_id")).order_by(
        "estate__name", "number")


def desk_search(*, query: str, limit: int = 20) -> list[DeskHit]:
    """The desk's one search box: a room number, an owner's name, a full phone number,
    or the last four digits of a phone. Every branch is an index lookup."""
    query = (query or "").strip()
    if not query:
        return []
    hits: dict[int, DeskHit] = {}

    def add(units: QuerySet[Unit], matched_by: str) -> None:
        for unit in _with_hit_owners(units)[: limit - len(hits)]:
            if unit.pk not in hits and len(hits) < limit:
                hits[unit.pk] = DeskHit(
                    unit=unit,
                    owners=_hit_owners(unit),
                    matched_by=matched_by,
                )

    def add_residents(residents: QuerySet[Resident], matched_by: str) -> None:
        found = [r for r in residents[:limit] if r.unit_id not in hits]
        by_id = _with_hit_owners(units).in_bulk([r.unit_id for r in found])
        for resident in found:
            if resident.unit_id not in hits and len(hits) < limit:
                unit = by_id[resident.unit_id]
                hits[unit.pk] = DeskHit(
                    unit=unit,
                    owners=_hit_owners(unit),
                    matched_by=matched_by,
                    resident=resident,
                )

    units = Unit.objects.select_related("estate", "building")
    living_residents = Resident.objects.filter(move_out_date__isnull=True).order_by("unit__number")
    compact = re.sub(r"[\s()]", "", query)
    digits = pii.normalize_phone(query)

    full_phone = bool(re.fullmatch(r"[+\d-]+", compact) and (MOBILE_RE.match(digits) or LANDLINE_RE.match(digits)))
    if full_phone:
        owners = OwnerPhone.objects.filter(number_hash=crypto.phone_index(digits)).values("owner_id")
        add(_owned_by(units, owners), "phone")
        add_residents(living_residents.filter(phone_hash=crypto.phone_index(digits)), "resident_phone")
    # A whole phone number is not a room number (rooms are a few characters): no room lookup.
    if not full_phone and re.fullmatch(r"[0-9A-Za-z]+(-[0-9A-Za-z]*)*", compact):
        add(units.annotate(upper_number=Upper("number"))
            .filter(upper_number__startswith=compact.upper())
            .order_by("estate__name", "number"), "room")
        if re.fullmatch(r"\d{4}", compact):
            owners = OwnerPhone.objects.filter(tail_hash=crypto.phone_tail_index(compact)).values("owner_id")
            add(_owned_by(units, owners), "phone_tail")
            add_residents(
                living_residents.filter(phone_tail_hash=crypto.phone_tail_index(compact)),
                "resident_phone_tail",
            )
    if not re.fullmatch(r"[\d+\-\s()]+", query):
        # order_by(): the model's default ordering would sort every namesake before the cut.
        owners = Owner.objects.filter(name__startswith=query).order_by().values("pk")[:200]
        add(_owned_by(units, owners), "name")
    return list(hits.values())


def owner_detail(*, owner_id: int, user) -> Owner:
    return get_object_or_404(
        owner_queryset_for(user).prefetch_related(
            Prefetch(
                "ownerships",
                queryset=Ownership.objects.select_related("unit", "unit__estate", "unit__building")
                .order_by("end_date", "-start_date"),
                to_attr="all_ownerships",
            ),
        ),
        pk=owner_id,
    )


def unit_detail(*, unit_id: int, user) -> Unit:
    return get_object_or_404(
        unit_queryset_for(user).prefetch_related(
            current_owners_prefetch(),
            Prefetch(
                "ownerships",
                queryset=Ownership.objects.select_related("owner", "created_by")
                .prefetch_related("owner__phones")
                .order_by("end_date", "-start_date"),
                to_attr="history",
            ),
            Prefetch(
                "residents",
                queryset=Resident.objects.order_by(F("move_out_date").asc(nulls_first=True), "name"),
            ),
        ),
        pk=unit_id,
    )


def owner_units(*, owner: Owner, as_of: date | None = None) -> QuerySet[Unit]:
    """The units an owner owns now, with their residents, for the owner portal."""
    return (
        owned_units(owner=owner)
        .select_related("estate", "building")
        .prefetch_related(
            Prefetch(
                "ownerships",
                queryset=current_ownerships().filter(owner=owner),
                to_attr="my_ownerships",
            ),
            Prefetch(
                "residents",
                queryset=Resident.objects.filter(move_out_date__isnull=True),
                to_attr="current_residents",
            ),
        )
        .order_by("estate__name", "number")
    )


def owner_home_units(*, owner: Owner) -> QuerySet[Unit]:
    """The units an owner owns now as their home page shows them, in one statement: each
    with its estate and building, ``owned_since`` (the start of the owner's ownership in
    force) and ``residents_now`` (how many live there now)."""
    since = current_ownerships().filter(unit=OuterRef("pk"), owner=owner).values("start_date")[:1]
    residents = (Resident.objects.filter(unit=OuterRef("pk"), move_out_date__isnull=True).order_by()
                 .values("unit").annotate(n=Count("pk")).values("n"))
    return (owned_units(owner=owner).select_related("estate", "building")
            .annotate(owned_since=Subquery(since), residents_now=Coalesce(Subquery(residents), 0))
            .order_by("estate__name", "number"))


def owns_now(*, owner: Owner, unit: Unit) -> bool:
    return current_ownerships().filter(unit=unit, owner=owner).exists()


def owner_primary_phone(owner: Owner | None) -> str:
    """The owner's primary phone, the number to call when a record gave none."""
    if owner is None:
        return ""
    primary = next((p for p in owner.phones.all() if p.is_primary), None)
    return primary.number if primary else ""


def owner_reveal_log(*, owner: Owner, limit: int = 10) -> list[PiiReveal]:
    return list(owner.pii_reveals.select_related("user").order_by("-revealed_at")[:limit])


def registry_counts() -> dict:
    return {
        "units": Unit.objects.count(),
        "owners": Owner.objects.count(),
        "special_needs": Owner.objects.filter(~Q(special_needs=[]) | ~Q(special_needs_note="")).count(),
        "buildings": Unit.objects.aggregate(n=Count("building", distinct=True))["n"],
    }


# ---- staff and their departments -------------------------------------------------------


def department_staff(*, estate_id: int, department: str = ""):
    """The active staff of a department of an estate (all departments without one), by
    name: whom a complaint routed there may be given to."""
    from django.contrib.auth import get_user_model

    members = StaffMembership.objects.filter(estate_id=estate_id, user=OuterRef("pk"))
    if department:
        members = members.filter(department=department)
    return (get_user_model().objects.filter(Exists(members), is_active=True)
            .order_by(*staff_order()))


def department_people(*, estate_id: int) -> dict[str, list[list]]:
    """Each department of the estate with its active staff as [id, name], by name, for
    the assignment form's script to refill its list when the department changes."""
    from django.db.models.functions import Collate

    from propertydesk.people import PINYIN, person_name

    out: dict[str, list[list]] = {}
    rows = (StaffMembership.objects.filter(estate_id=estate_id, user__is_active=True).select_related("user")
            .order_by("department", Collate("user__last_name", PINYIN), Collate("user__first_name", PINYIN),
                      "user__username"))
    for row in rows:
        out.setdefault(row.department, []).append([row.user_id, person_name(row.user)])
    return out


def works_in(*, user, estate_id: int, department: str) -> bool:
    return StaffMembership.objects.filter(user=user, estate_id=estate_id, department=department).exists()


def home_estate_id(*, user) -> int | None:
    """The estate a member of staff works in (the first of theirs by name), or None."""
    return (StaffMembership.objects.filter(user=user).order_by("estate__name")
            .values_list("estate_id", flat=True).first())


def owner_anonymisation(*, owner: Owner):
    """The record of the owner's anonymisation (who, when, why), or None."""
    return OwnerAnonymisation.objects.filter(owner=owner).select_related("anonymised_by").first()
