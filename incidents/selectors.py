"""Every read of incidents: the desk's list (open first), an incident with its checklist
and history, the open ones for the desk's banner, the scripts the intake shows for a
unit, the API's rows."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import translation

from incidents.models import EmergencyPlan, Incident, IncidentKind, IncidentStatus
from incidents.wording import DEFAULTS


def desk_incidents(*, estate_id: int | None = None, status: str = "") -> QuerySet[Incident]:
    """The desk's list: the open incidents first (the latest started first), then the closed."""
    rows = Incident.objects.select_related("estate", "opened_by").prefetch_related("buildings")
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    if status in IncidentStatus.values:
        rows = rows.filter(status=status)
    return rows.annotate(closed_last=Case(When(status=IncidentStatus.OPEN, then=Value(0)), default=Value(1),
                                          output_field=IntegerField())).order_by("closed_last", "-started_at",
                                                                                 "-id")


def incident_for_desk(*, pk: int) -> Incident:
    return (Incident.objects.select_related("estate", "opened_by", "notice")
            .prefetch_related("buildings", "steps__done_by", "events__actor").get(pk=pk))


def open_incidents(*, estate_id: int | None = None) -> QuerySet[Incident]:
    """The incidents being handled now, the latest started first (the desk's banner)."""
    rows = Incident.objects.filter(status=IncidentStatus.OPEN)
    if estate_id:
        rows = rows.filter(estate_id=estate_id)
    return rows.select_related("estate").prefetch_related("buildings").order_by("-started_at", "-id")


def open_incidents_for_building(*, estate_id: int, building_id: int) -> QuerySet[Incident]:
    """The open incidents that affect a building: those of its whole estate and those
    that name it. What the complaint intake shows for a unit of it."""
    return (Incident.objects.filter(status=IncidentStatus.OPEN, estate_id=estate_id)
            .filter(Q(whole_estate=True) | Q(buildings__id=building_id)).distinct()
            .order_by("-started_at", "-id"))


def incidents_for(user) -> QuerySet[Incident]:
    """What the API lists: every incident for staff who may read them, nothing else."""
    if not user.has_perm("incidents.view_incident"):
        return Incident.objects.none()
    return (Incident.objects.select_related("estate")
            .prefetch_related("buildings", "steps__done_by").order_by("-id"))


def plan_scripts(*, estates) -> dict[str, dict]:
    """Each estate's callers' script by kind, from its plans (the default wording in the
    estate's language for a plan not made yet), and that language: the open form fills
    the script with it."""
    out: dict[str, dict] = {}
    stored = {(p.estate_id, p.kind): p.script
              for p in EmergencyPlan.objects.filter(estate_id__in=[estate.pk for estate in estates])
              .order_by().only("estate_id", "kind", "script")}
    for estate in estates:
        with translation.override(estate.language):
            out[str(estate.pk)] = {"language": estate.language, "scripts": {
                kind: stored.get((estate.pk, kind), str(DEFAULTS[kind].script)) for kind in IncidentKind.values}}
    return out


def desk_banner(*, limit: int = 5) -> list[Incident]:
    """The open incidents the desk's day names at its top (the latest started first), in
    one statement."""
    return list(Incident.objects.filter(status=IncidentStatus.OPEN).select_related("estate")
                .only("kind", "place", "started_at", "expected_end", "estate__name")
                .order_by("-started_at", "-id")[:limit])


def desk_report_counts(*, start, end, as_of=None) -> dict[int, dict[str, int]]:
    """Per estate, the incidents that began in the moments [start, end) (the desk's daily
    and weekly reports), those closed in them, and, made on its own day (``as_of``), those
    still open. One grouped statement (incidents are few)."""
    from django.db.models import Count

    counts = {"started": Count("pk", filter=Q(started_at__gte=start, started_at__lt=end)),
              "closed": Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end))}
    if as_of is not None:
        counts["open"] = Count("pk", filter=Q(status=IncidentStatus.OPEN))
    rows = (Incident.objects.filter(Q(started_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=start)))
            .values("estate_id").annotate(**counts).order_by())
    return {row.pop("estate_id"): row for row in rows}
