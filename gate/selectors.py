"""Every read of the gate's pages and API: today's visitors, pre-registrations, item passes
(the desk's, the owner's and the tenant's, the guard's answer) and cards (per unit, per
owner). Owners and tenants see their own units' records only; anything else is a 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from gate.models import (
    CardApplication,
    CardStatus,
    ItemPass,
    ItemPassLine,
    PassStatus,
    Preregistration,
    ResidentLogin,
    TenantStatus,
    Visit,
)
from gate.rules import local_day, pass_check, pass_number_from
from owners.models import Owner, Resident, Unit
from owners.selectors import owned_units
from propertydesk.roles import is_staff_member, owner_of


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


# ---- who is asking in the portal ---------------------------------------------------------------

@dataclass(frozen=True)
class PortalPerson:
    """The portal's caller: an owner (their units now) or a tenant (the unit they live in)."""

    owner: Owner | None
    resident: Resident | None

    @property
    def name(self) -> str:
        return (self.owner or self.resident).name

    def units(self) -> QuerySet[Unit]:
        if self.owner is not None:
            return owned_units(owner=self.owner).select_related("estate")
        return Unit.objects.filter(pk=self.resident.unit_id).select_related("estate")


def portal_person(user) -> PortalPerson | None:
    owner = owner_of(user)
    if owner is not None:
        return PortalPerson(owner=owner, resident=None)
    if not user.is_authenticated:
        return None
    login = ResidentLogin.objects.select_related("resident").filter(user=user).first()
    if login is None or login.resident.move_out_date is not None or login.status != TenantStatus.ACTIVE:
        return None
    return PortalPerson(owner=None, resident=login.resident)


# ---- visitors ----------------------------------------------------------------------------------

def visits_of_day(*, day: datetime.date, estate_id: int | None = None, still_in: bool = False) -> QuerySet[Visit]:
    start, end = _day_bounds(day)
    rows = Visit.objects.filter(time_in__gte=start, time_in__lt=end).select_related("unit", "registered_by")
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    if still_in:
        rows = rows.filter(time_out__isnull=True)
    return rows.order_by("-time_in", "-id")


def visits_still_in(*, as_of: datetime.datetime, estate_id: int | None = None) -> QuerySet[Visit]:
    """Today's visitors who came in and have not left yet."""
    return visits_of_day(day=local_day(as_of), estate_id=estate_id, still_in=True)


def visit_for(*, visit_id: int, user) -> Visit:
    """A visit for staff, or for an owner of its unit; else a 404."""
    rows = Visit.objects.select_related("unit", "estate", "registered_by")
    if not is_staff_member(user):
        person = portal_person(user)
        if person is None or person.owner is None:
            raise Http404
        rows = rows.filter(unit__in=owned_units(owner=person.owner))
    visit = rows.filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


def visits_for(*, user, day: datetime.date | None = None) -> QuerySet[Visit]:
    """The API's list: staff every visit (of ``day``), an owner their units' visits."""
    rows = Visit.objects.select_related("unit")
    if not is_staff_member(user):
        person = portal_person(user)
        if person is None or person.owner is None:
            return rows.none()
        rows = rows.filter(unit__in=owned_units(owner=person.owner))
    if day is not None:
        start, end = _day_bounds(day)
        rows = rows.filter(time_in__gte=start, time_in__lt=end)
    return rows.order_by("-time_in", "-id")


def owner_preregistrations(*, owner: Owner) -> QuerySet[Preregistration]:
    return (Preregistration.objects.filter(owner=owner, unit__in=owned_units(owner=owner))
            .select_related("unit", "visit").order_by("-day", "-id"))


def owner_visits(*, owner: Owner, limit: int = 50) -> list[Visit]:
    return list(Visit.objects.filter(unit__in=owned_units(owner=owner)).select_related("unit")
                .order_by("-time_in", "-id")[:limit])


def preregistration_by_code(*, code: str) -> Preregistration | None:
    from gate.rules import normalize_code

    return Preregistration.objects.select_related("unit").filter(code=normalize_code(code)).first()


# ---- item passes -------------------------------------------------------------------------------

def _passes() -> QuerySet[ItemPass]:
    return ItemPass.objects.select_related("unit", "estate", "confirmed_by").prefetch_related(
        Prefetch("lines", queryset=ItemPassLine.objects.order_by("id")))


def desk_passes(*, estate_id: int | None = None, day: datetime.date | None = None,
                status: str = "") -> QuerySet[ItemPass]:
    rows = _passes()
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    if day is not None:
        rows = rows.filter(day=day)
    if status in PassStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-day", "-id")


def person_passes(*, person: PortalPerson) -> QuerySet[ItemPass]:
    """An owner's: every pass of their units (a tenant's to confirm among them); a
    tenant's: the passes they applied for."""
    rows = _passes()
    if person.owner is not None:
        return rows.filter(unit__in=owned_units(owner=person.owner)).order_by("-day", "-id")
    return rows.filter(applicant_resident=person.resident).order_by("-day", "-id")


def passes_for(*, user) -> QuerySet[ItemPass]:
    if is_staff_member(user):
        return _passes().order_by("-day", "-id")
    person = portal_person(user)
    return person_passes(person=person) if person is not None else ItemPass.objects.none()


def item_pass_for(*, pass_id: int, user) -> ItemPass:
    item_pass = passes_for(user=user).filter(pk=pass_id).first()
    if item_pass is None:
        raise Http404
    return item_pass


@dataclass(frozen=True)
class GateAnswer:
    number: str
    item_pass: ItemPass | None
    answer: str


def pass_answer(*, text: str, now: datetime.datetime) -> GateAnswer:
    """What the guard's page says of the pass a number or a scanned QR code names."""
    number = pass_number_from(text)
    item_pass = _passes().filter(number=number).first() if number else None
    return GateAnswer(number=number, item_pass=item_pass, answer=pass_check(item_pass, now=now))


def passes_to_confirm(*, owner: Owner) -> QuerySet[ItemPass]:
    return person_passes(person=PortalPerson(owner=owner, resident=None)).filter(status=PassStatus.AWAITING_OWNER)


# ---- cards -------------------------------------------------------------------------------------

def cards_for_unit(unit: Unit) -> list[CardApplication]:
    """The unit's cards and parking permits, those in use first, then the newest."""
    rows = CardApplication.objects.filter(unit=unit).select_related("receipt", "applicant")
    active = (CardStatus.PAID, CardStatus.READY, CardStatus.ISSUED)
    return sorted(rows, key=lambda c: (c.status not in active, -c.applied_at.timestamp(), -c.pk))


def desk_cards(*, estate_id: int | None = None, status: str = "", unit_number: str = "") -> QuerySet[CardApplication]:
    rows = CardApplication.objects.select_related("unit", "applicant", "receipt")
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    if status in CardStatus.values:
        rows = rows.filter(status=status)
    if unit_number.strip():
        rows = rows.filter(unit__number__iexact=unit_number.strip())
    return rows.order_by("-applied_at", "-id")


def cards_for(*, user) -> QuerySet[CardApplication]:
    """Staff every card; an owner their units' (their tenants' among them); a tenant the
    cards they applied for."""
    rows = CardApplication.objects.select_related("unit", "applicant", "applicant_resident", "receipt")
    if is_staff_member(user):
        return rows.order_by("-applied_at", "-id")
    person = portal_person(user)
    if person is None:
        return rows.none()
    if person.owner is None:
        return rows.filter(applicant_resident=person.resident).order_by("-applied_at", "-id")
    return rows.filter(unit__in=owned_units(owner=person.owner)).order_by("-applied_at", "-id")


def card_for(*, card_id: int, user) -> CardApplication:
    card = cards_for(user=user).filter(pk=card_id).first()
    if card is None:
        raise Http404
    return card


def unit_by_number(*, number: str, estate_id: int | None = None) -> Unit | None:
    rows = Unit.objects.select_related("estate").filter(number__iexact=(number or "").strip())
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    found = list(rows[:2])
    return found[0] if len(found) == 1 else None



# ---- tenants ----------------------------------------------------------------------------------

def residents_for_unit(unit: Unit) -> list[Resident]:
    """The unit's tenants for the unit page and the desk's tenant page: those living there
    first, then those who left (newest first), each with ``tenant_login`` (their portal
    login, or None)."""
    from owners.models import ResidentRelation

    rows = list(Resident.objects.filter(unit=unit, relation=ResidentRelation.TENANT)
                .select_related("gate_login__user").order_by("-move_in_date", "-id"))
    for resident in rows:
        try:
            resident.tenant_login = resident.gate_login
        except ResidentLogin.DoesNotExist:
            resident.tenant_login = None
    return sorted(rows, key=lambda r: r.move_out_date is not None)


def recent_tenant_logins(*, limit: int = 30) -> list[ResidentLogin]:
    """The tenants' logins registered last, for the tenant page without a unit."""
    return list(ResidentLogin.objects.select_related("resident__unit", "user")
                .order_by("-created_at", "-id")[:limit])


def tenant_login_for(*, pk: int) -> ResidentLogin:
    login = ResidentLogin.objects.select_related("resident__unit__estate", "user").filter(pk=pk).first()
    if login is None:
        raise Http404
    return login


def desk_report_counts(*, start, end, as_of=None) -> dict[int, dict[str, int]]:
    """Per estate, the visitors registered in the moments [start, end) (the desk's daily and
    weekly reports), those the resident did not confirm (not let in), and, made on its own
    day (``as_of``), those still in. One grouped statement on the visits of the window."""
    from django.db.models import Count, Q

    counts = {"registered": Count("pk"), "not_confirmed": Count("pk", filter=Q(confirmed=False))}
    if as_of is not None:
        counts["still_in"] = Count("pk", filter=Q(time_out__isnull=True, confirmed=True))
    rows = Visit.objects.filter(time_in__gte=start, time_in__lt=end).values("estate_id").annotate(**counts).order_by()
    return {row.pop("estate_id"): row for row in rows}
