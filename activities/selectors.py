"""Every read of community activities: the desk's list (upcoming first, then held), an
activity with its households and the callbacks it made, the owner's upcoming activities,
the households the callbacks app calls back, and the dashboard's participation figure."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from activities.models import Activity, ActivityStatus, Participation
from owners.models import Ownership, Unit
from owners.selectors import current_ownerships
from propertydesk.selectors import count_of, sum_of


def desk_activities(*, estate_id: int | None = None, status: str = "", held_from: date | None = None,
                    held_to: date | None = None) -> QuerySet[Activity]:
    """The desk's list: planned ones first, the soonest first; then held and cancelled, the
    latest first. Each with its households signed up and those that came."""
    # Counted per row shown (propertydesk.selectors.count_of), not by a join over them all.
    of_row = Participation.objects.filter(activity=OuterRef("pk"))
    came_of_row = of_row.filter(attended=True)
    rows = (Activity.objects.select_related("estate")
            .annotate(households=count_of(of_row), came=count_of(came_of_row),
                      people=sum_of(came_of_row, "people")))
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    if status in ActivityStatus.values:
        rows = rows.filter(status=status)
    if held_from:
        rows = rows.filter(held_on__gte=held_from)
    if held_to:
        rows = rows.filter(held_on__lte=held_to)
    planned = Q(status=ActivityStatus.PLANNED)
    return rows.annotate(later=~planned).order_by("later", *_order())


def _order():
    from django.db.models import Case, F, When

    # planned: soonest first; the others: latest first (the start's negation by its epoch).
    return (Case(When(status=ActivityStatus.PLANNED, then=F("starts_at"))).asc(nulls_last=True),
            F("starts_at").desc(), "-id")


def activity_for_desk(*, pk: int) -> Activity:
    return (Activity.objects.select_related("estate", "created_by")
            .prefetch_related("events__actor").get(pk=pk))


def participations(*, activity: Activity) -> list[Participation]:
    """The households on an activity, by room number, with who came."""
    return list(activity.participations.select_related("unit__building", "owner", "resident", "recorded_by")
                .order_by("unit__number", "unit_id"))


def activity_callbacks(*, activity: Activity):
    """The callbacks the held activity made, by room number, with their state."""
    return (activity.callbacks.select_related("unit", "owner", "assignee").order_by("unit__number", "pk"))


def unit_choices(*, activity: Activity, query: str = "", limit: int = 20) -> list[Unit]:
    """The unit picker: the estate's units whose number starts with ``query``, not on the
    activity yet, each with its current owners."""
    from owners.selectors import current_owners_prefetch

    query = (query or "").strip()
    if not query:
        return []
    rows = (Unit.objects.filter(estate_id=activity.estate_id, number__startswith=query)
            .exclude(pk__in=activity.participations.values("unit_id"))
            .select_related("building").prefetch_related(current_owners_prefetch())
            .order_by("number")[:limit])
    return list(rows)


def upcoming_for_owner(*, owner, now: datetime) -> QuerySet[Activity]:
    """The planned activities of the estates where ``owner`` owns a unit now, soonest
    first, with what their households signed up for."""
    estates = (current_ownerships().filter(owner=owner).values("unit__estate_id"))
    return (Activity.objects.filter(status=ActivityStatus.PLANNED, estate_id__in=estates)
            .filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now))
            .select_related("estate").order_by("starts_at", "pk"))


def activities_for(user) -> QuerySet[Activity]:
    """What the API lists: staff with the right every activity, an owner the activities of
    the estates where they own a unit now."""
    from propertydesk.roles import is_staff_member, owner_of

    rows = Activity.objects.select_related("estate").prefetch_related("participations__unit")
    if is_staff_member(user):
        return rows if user.has_perm("activities.view_activity") else rows.none()
    owner = owner_of(user)
    if owner is None:
        return rows.none()
    return rows.filter(estate_id__in=current_ownerships().filter(owner=owner).values("unit__estate_id"))


# ---- the dashboard's participation figure (seed 000 六.5 社区活动参与度) -----------------------


def dashboard_month_figures(*, month: date, as_of: datetime) -> dict[int, dict[str, tuple]]:
    """Per estate that held an activity in ``month`` (by the day it took place, marked held
    by ``as_of``): participation = households that came to at least one of them /
    households of the estate (units with a current owner on the month's last day, or on
    ``as_of``'s day if earlier). Two grouped queries. An estate that held none has no entry
    (shown "—": there was nothing to take part in)."""
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    last = month + relativedelta(months=1, days=-1)
    day = min(last, timezone.localdate(as_of))
    if day < month:
        return {}
    held = Activity.objects.filter(status=ActivityStatus.HELD, held_on__gte=month, held_on__lte=last,
                                   finished_at__lte=as_of)
    estates = set(held.values_list("estate_id", flat=True).distinct())
    if not estates:
        return {}
    came = dict(Participation.objects.filter(activity__in=held, attended=True)
                .values_list("activity__estate_id").annotate(n=Count("unit_id", distinct=True)).order_by())
    households = dict(
        Unit.objects.filter(estate_id__in=estates).filter(Exists(
            Ownership.objects.filter(unit_id=OuterRef("pk"), start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))))
        .values_list("estate_id").annotate(n=Count("pk")).order_by())
    return {estate_id: {"participation": (came.get(estate_id, 0), households.get(estate_id, 0))}
            for estate_id in estates}
