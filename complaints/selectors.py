"""Every read complaints' pages, API, jobs and dashboards need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Count, DateTimeField, ExpressionWrapper, F, IntegerField, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import (
    OPEN_STATUSES,
    QUEUE_ORDER,
    Category,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintPolicy,
    Department,
    Status,
    Suggestion,
    SuggestionEvent,
    SuggestionStatus,
)
from owners.models import Unit
from propertydesk import messages
from propertydesk.paging import capped_counts
from propertydesk.periods import FigureFilter, grouped
from propertydesk.roles import ENGINEERING, FRONT_DESK, SUPERVISOR, is_staff_member, owner_of, roles_of
from propertydesk.search import number_matches, unit_in


def complaint_queryset_for(user) -> QuerySet[Complaint]:
    """Staff see the estate's complaints (engineering: those routed to engineering or
    to them); an owner sees only their own."""
    # The owner and the assignee (either may be empty) by primary key after the rows: joined
    # as well, six tables took PostgreSQL longer to plan than to read a page.
    complaints = Complaint.objects.select_related("estate", "unit", "unit__building").prefetch_related(
        "owner", "assignee")
    if user.is_superuser:
        return complaints
    roles = roles_of(user)
    if FRONT_DESK in roles or SUPERVISOR in roles:
        return complaints
    if ENGINEERING in roles:
        return complaints.filter(Q(department="engineering") | Q(assignee=user))
    if is_staff_member(user):
        return complaints.none()
    owner = owner_of(user)
    return complaints.filter(owner=owner) if owner else complaints.none()


def complaint_queue(
    *, user, now: datetime, status: str = "", urgency: str = "", department: str = "",
    building_id: int | None = None, overdue: bool = False, query: str = "", assignee_id: int | None = None,
    category: str = "", estate_id: int | None = None, moments: dict | None = None, late: bool = False,
    near: bool = False,
) -> QuerySet[Complaint]:
    """``moments``: filters on when things happened (``{"resolved_at__gte": ...}``, the
    dashboard's links); ``late``: resolved after the promise."""
    complaints = complaint_queryset_for(user)
    if moments:
        complaints = complaints.filter(**moments)
    if late:
        complaints = complaints.filter(late_by__isnull=False)
    if status == "open":
        complaints = complaints.filter(status__in=OPEN_STATUSES)
    elif status:
        complaints = complaints.filter(status=status)
    if urgency:
        complaints = complaints.filter(urgency=urgency)
    if department:
        complaints = complaints.filter(department=department)
    if category:
        complaints = complaints.filter(category=category)
    if estate_id:
        complaints = complaints.filter(estate_id=estate_id)
    if building_id:
        complaints = complaints.filter(unit__building_id=building_id)
    if assignee_id:
        complaints = complaints.filter(assignee_id=assignee_id)
    if overdue:
        complaints = complaints.filter(status__in=OPEN_STATUSES, paused_since__isnull=True, promised_at__lt=now)
    if near:
        complaints = complaints.filter(near_promise(now=now))
    if query:
        # Each part answered by an index on the complaint itself (propertydesk.search): the
        # number's start or end, the units whose room number starts so (either case), the
        # contact's name by its start (as typed).
        complaints = complaints.filter(
            number_matches(query) | unit_in(Unit.objects.filter(number__istartswith=query))
            | Q(contact_name__startswith=query)
        )
    # Open ones first, the nearest promise first; then the rest, newest first (QUEUE_ORDER,
    # the order of the index complaint_queue_order, whose first entries are the open ones).
    # One status: the same order, led by the status, which is one value here, so that the
    # index complaint_queue_status answers it rather than a walk past the other statuses.
    # Open ones only: no resolved_at, no closed_at, so the nearest promise first is the same
    # order, which the partial index complaint_open_by_promise answers.
    if status and status != "open":
        return complaints.order_by("status", *QUEUE_ORDER)
    if status == "open" or overdue or near:
        return complaints.order_by("promised_at", "pk")
    return complaints.order_by(*QUEUE_ORDER)


def complaint_detail(*, complaint_id: int, user, public_only: bool = False) -> Complaint:
    events = ComplaintEvent.objects.select_related("actor").order_by("at", "id")
    if public_only:
        events = events.filter(public=True)
    complaint = get_object_or_404(
        complaint_queryset_for(user).select_related("created_by").prefetch_related(
            Prefetch("events", queryset=events, to_attr="timeline"), "attachments",
        ),
        pk=complaint_id,
    )
    # The page names the pause under way (why the clock stopped); a complaint that is not
    # paused has none, and its past pauses are not shown.
    complaint.open_pauses = list(complaint.pauses.filter(ended_at__isnull=True)) if complaint.is_paused else []
    return complaint


def complaint_attachment(*, complaint_id: int, attachment_id: int, user) -> ComplaintAttachment:
    """A complaint's file, for a reader who may see the complaint (the rule of its pages);
    anyone else gets a 404."""
    return get_object_or_404(
        ComplaintAttachment.objects.select_related("complaint"),
        pk=attachment_id, complaint_id=complaint_id,
        complaint__in=complaint_queryset_for(user).filter(pk=complaint_id).values("pk"),
    )


def owner_complaints(*, owner) -> QuerySet[Complaint]:
    return Complaint.objects.filter(owner=owner).select_related("unit", "estate").order_by("-received_at")


def repeat_complaints(*, owner, estate, as_of: datetime) -> tuple[int, bool]:
    """(the owner's complaints within the estate's repeat window up to ``as_of``, whether
    that makes them a repeat complainer: 3+ in 90 days by default, per-estate policy).

    One statement: the estate's policy (or the defaults) is read in a subquery beside the
    count, which the index complaint_owner_recent answers."""
    from owners.models import Estate

    defaults = settings.COMPLAINT_POLICY_DEFAULTS
    policy = ComplaintPolicy.objects.filter(estate=OuterRef("pk"))
    row = (
        Estate.objects.filter(pk=estate.pk).order_by()
        .annotate(
            window=Coalesce(Subquery(policy.values("repeat_window_days")[:1]), Value(defaults["repeat_window_days"])),
            threshold=Coalesce(Subquery(policy.values("repeat_threshold")[:1]), Value(defaults["repeat_threshold"])),
        )
        .annotate(n=Subquery(
            Complaint.objects.filter(
                owner=owner, received_at__lte=as_of,
                received_at__gte=ExpressionWrapper(
                    Value(as_of) - OuterRef("window") * Value(timedelta(days=1)), output_field=DateTimeField()),
            ).order_by().values("owner").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ))
        .values("n", "threshold")
        .first()
    )
    if row is None:  # no such estate: the defaults, counted the same way
        since = as_of - timedelta(days=defaults["repeat_window_days"])
        n = Complaint.objects.filter(owner=owner, received_at__gte=since, received_at__lte=as_of).count()
        return n, n >= defaults["repeat_threshold"]
    n = row["n"] or 0
    return n, n >= row["threshold"]


def recent_complaint_count(*, owner, estate, as_of: datetime) -> int:
    return repeat_complaints(owner=owner, estate=estate, as_of=as_of)[0]


def is_repeat_complainer(*, owner, estate, as_of: datetime) -> bool:
    """3+ complaints in 90 days (per-estate policy): the desk gives this owner special attention."""
    return repeat_complaints(owner=owner, estate=estate, as_of=as_of)[1]


@dataclass(frozen=True)
class Cluster:
    estate_id: int
    estate: str
    building_id: int
    building: str
    category: str
    category_label: str
    count: int
    first: datetime
    last: datetime


def complaint_clusters(*, as_of: datetime, estate=None) -> list[Cluster]:
    """The same category in the same building, often enough within the window: a common
    issue the service strategy should change for (001 篇2.7)."""
    from owners.models import Estate

    estates = [estate] if estate is not None else list(Estate.objects.all())
    clusters: list[Cluster] = []
    labels = dict(Category.choices)
    for est in estates:
        policy = ComplaintPolicy.for_estate(est)
        rows = (
            Complaint.objects.filter(
                estate=est, received_at__gt=as_of - timedelta(days=policy.cluster_window_days),
                received_at__lte=as_of,
            )
            .values("unit__building_id", "unit__building__number", "unit__building__name", "category")
            .annotate(n=Count("id"), first=Min("received_at"), last=Max("received_at"))
            .filter(n__gte=policy.cluster_threshold)
            .order_by("-n")
        )
        for row in rows:
            clusters.append(Cluster(
                estate_id=est.pk, estate=est.name, building_id=row["unit__building_id"],
                building=row["unit__building__name"] or _("Building %(number)s") % {"number": row["unit__building__number"]},
                category=row["category"], category_label=str(labels.get(row["category"], row["category"])),
                count=row["n"], first=row["first"], last=row["last"],
            ))
    return sorted(clusters, key=lambda c: -c.count)


def open_complaints_for_digest(*, department: str | None = None) -> QuerySet[Complaint]:
    complaints = Complaint.objects.filter(status__in=OPEN_STATUSES)
    if department:
        complaints = complaints.filter(department=department)
    return complaints.select_related("unit", "assignee").order_by("promised_at", "pk")


def digest_params(complaints: QuerySet[Complaint], *, as_of: datetime, limit: int) -> dict:
    """The parameters of the 15:30 digest (``complaints.messages.DIGEST``): how many are
    open and past their promise (one aggregate over the open-only index), and the first
    ``limit`` by promise as data, so each reader gets the list in their own language."""
    totals = complaints.order_by().aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(paused_since__isnull=True, promised_at__lt=as_of)))
    items = [
        {
            "number": c.number, "unit": c.unit.number,
            "category": messages.label(choices=Category, value=c.category),
            "status": messages.label(choices=Status, value=c.status),
            "promised_at": messages.at(c.promised_at),
            "department": messages.label(choices=Department, value=c.department),
            "overdue": c.is_overdue(as_of), "paused": c.is_paused,
        }
        for c in complaints[:limit]
    ]
    return {
        "day": messages.day(timezone.localdate(as_of)), "open": totals["open"],
        "overdue": totals["overdue"], "items": items, "more": totals["open"] - len(items),
    }


# ---- KPIs (000 六) --------------------------------------------------------


def kpi_on_time_rate(*, start: datetime, end: datetime, estate=None) -> tuple[int, int]:
    """(resolved within the promise, resolved) for complaints resolved in [start, end)."""
    resolved = Complaint.objects.filter(resolved_at__gte=start, resolved_at__lt=end)
    if estate is not None:
        resolved = resolved.filter(estate=estate)
    totals = resolved.aggregate(all=Count("id"), on_time=Count("id", filter=Q(late_by__isnull=True)))
    return totals["on_time"], totals["all"]


def kpi_suggestion_adoption_rate(*, start: datetime, end: datetime, estate=None) -> tuple[int, int]:
    """(adopted, decided) for suggestions decided in [start, end)."""
    decided = Suggestion.objects.filter(decided_at__gte=start, decided_at__lt=end)
    if estate is not None:
        decided = decided.filter(estate=estate)
    totals = decided.aggregate(
        all=Count("id"), adopted=Count("id", filter=Q(status=SuggestionStatus.ADOPTED))
    )
    return totals["adopted"], totals["all"]


AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))


def open_by_age(*, as_of: datetime, estate=None) -> list[tuple[str, int]]:
    """Open complaints by days since received: <1, 1–3, 3–7, 7–30, 30+."""
    opened = Complaint.objects.filter(status__in=OPEN_STATUSES)
    if estate is not None:
        opened = opened.filter(estate=estate)
    out = []
    for low, high in AGE_BUCKETS:
        bucket = opened.filter(received_at__lte=as_of - timedelta(days=low))
        if high is not None:
            bucket = bucket.filter(received_at__gt=as_of - timedelta(days=high))
        label = f"{low}–{high} d" if high is not None else f"{low}+ d"
        out.append((label, bucket.count()))
    return out


def suggestion_queryset_for(user) -> QuerySet[Suggestion]:
    suggestions = Suggestion.objects.select_related("estate", "unit", "owner", "decided_by")
    if is_staff_member(user):
        return suggestions
    owner = owner_of(user)
    return suggestions.filter(owner=owner) if owner else suggestions.none()


def suggestion_detail(*, suggestion_id: int, user) -> Suggestion:
    """A suggestion for its page, with its moves as ``history``."""
    history = SuggestionEvent.objects.select_related("actor").order_by("at", "id")
    return get_object_or_404(
        suggestion_queryset_for(user).select_related("created_by")
        .prefetch_related(Prefetch("events", queryset=history, to_attr="history")),
        pk=suggestion_id,
    )


def status_counts(*, user) -> dict[str, int]:
    """The queue's tabs: complaints per status and open ones, each counted only up to
    ``QUEUE_COUNT_CAP`` (one statement; a count above the cap reads "cap+")."""
    complaints = complaint_queryset_for(user).select_related(None)
    tabs = {"open": complaints.filter(status__in=OPEN_STATUSES)}
    tabs.update({s: complaints.filter(status=s) for s in Status.values})
    return capped_counts(tabs)


# ---- the staff view ----------------------------------------------------------

# The complaints list's figures of the staff view (pages/staff.py), by the name its links use.
STAFF_FIGURES = {
    "handled": gettext_lazy("Complaints handled"),
    "on_time": gettext_lazy("Complaints handled on time"),
}


def staff_complaint_figures(
    *, start: datetime, end: datetime, estate_id: int | None = None, person_id: int | None = None,
    by: str = "person",
) -> dict:
    """Complaints resolved in [start, end) per person they were assigned to, keyed as
    ``propertydesk.periods.grouped`` says (``by``: person, month, or both): ``handled``, and
    ``on_time`` among them (resolved within the promise, no ``late_by``: the rule of
    kpi_on_time_rate). One grouped statement over the index complaint_staff_resolved;
    complaints no person was named for count for nobody."""
    rows = Complaint.objects.filter(resolved_at__gte=start, resolved_at__lt=end, assignee__isnull=False)
    if estate_id is not None:
        rows = rows.filter(estate_id=estate_id)
    if person_id is not None:
        rows = rows.filter(assignee_id=person_id)
    # Counted by a column of the index, so that the index answers alone.
    return grouped(rows, at="resolved_at", person="assignee_id", by=by, handled=Count("resolved_at"),
                   on_time=Count("resolved_at", filter=Q(late_by__isnull=True)))


def staff_figure_complaints(complaints: QuerySet[Complaint], *, figure: FigureFilter) -> QuerySet[Complaint]:
    """The complaints one figure of the staff view counts (the list behind it; the list's
    own estate filter narrows it as the view did)."""
    complaints = complaints.filter(assignee_id=figure.person_id, resolved_at__gte=figure.start,
                                   resolved_at__lt=figure.end)
    if figure.figure == "on_time":
        complaints = complaints.filter(late_by__isnull=True)
    return complaints
# ---- the dashboard's figures


def _seconds(expression):
    """A duration in whole seconds, summable (PostgreSQL's extract(epoch ...))."""
    from django.db.models import BigIntegerField, Func

    return Func(expression, function="EXTRACT", template="(%(function)s(EPOCH FROM %(expressions)s))::bigint",
                output_field=BigIntegerField())


def dashboard_month_figures(*, start: datetime, end: datetime, as_of: datetime) -> dict[int, dict[str, tuple]]:
    """Per estate, the complaint and suggestion figures of the dashboard (domain §9) for
    the moments in [start, end) up to ``as_of``, each a (numerator, denominator) that adds
    up across months: handled on time (resolved within the promise, resolved), first
    response (seconds from received to assigned, complaints assigned), resolution time
    (seconds from received to resolved, complaints resolved), suggestion adoption
    (adopted, decided). Each figure is counted in the month of its own moment (resolved,
    assigned, decided), so a month's figures stay put once it is over. Three grouped
    queries, whatever the estates, each read from an index alone."""
    from django.db.models import Sum

    end = min(end, as_of)
    out: dict[int, dict[str, tuple]] = {}
    # Two aggregates, each read from its covering index (complaint_resolved_figures,
    # complaint_assigned_figures).
    for row in (Complaint.objects.filter(resolved_at__gte=start, resolved_at__lt=end).values("estate_id").order_by()
                .annotate(resolved=Count("*"), on_time=Count("received_at", filter=Q(late_by__isnull=True)),
                          resolving=Sum(_seconds(F("resolved_at") - F("received_at"))))):
        out.setdefault(row["estate_id"], {}).update({
            "complaints_on_time": (row["on_time"], row["resolved"]),
            "resolution_time": (row["resolving"] or 0, row["resolved"]),
        })
    for row in (Complaint.objects.filter(assigned_at__gte=start, assigned_at__lt=end).values("estate_id").order_by()
                .annotate(assigned=Count("*"), responding=Sum(_seconds(F("assigned_at") - F("received_at"))))):
        out.setdefault(row["estate_id"], {})["first_response"] = (row["responding"] or 0, row["assigned"])
    for row in (Suggestion.objects.filter(decided_at__gte=start, decided_at__lt=end).values("estate_id")
                .order_by().annotate(decided=Count("pk"),
                                     adopted=Count("pk", filter=Q(status=SuggestionStatus.ADOPTED)))):
        out.setdefault(row["estate_id"], {})["suggestions_adopted"] = (row["adopted"], row["decided"])
    return out


def open_by_age_per_estate(*, as_of: datetime) -> dict[int, list[int]]:
    """Open complaints per estate by days since received, in the buckets of AGE_BUCKETS
    (<1, 1–3, 3–7, 7–30, 30+): one grouped query over the open-only index."""
    from django.db.models import Case, When

    bucket = Case(*[When(received_at__gt=as_of - timedelta(days=high), then=Value(i))
                    for i, (_low, high) in enumerate(AGE_BUCKETS) if high is not None],
                  default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField())
    out: dict[int, list[int]] = {}
    for estate_id, i, n in (Complaint.objects.filter(status__in=OPEN_STATUSES, received_at__lte=as_of)
                            .annotate(bucket=bucket).values_list("estate_id", "bucket").annotate(n=Count("pk"))
                            .order_by()):
        out.setdefault(estate_id, [0] * len(AGE_BUCKETS))[i] += n
    return out


# ---- the desk's today page -------------------------------------------------------------------


def near_promise(*, now: datetime) -> Q:
    """Open complaints whose clock runs and whose promise has passed or falls within
    ``COMPLAINT_NEAR_PROMISE_HOURS`` of ``now``: the desk chases them now."""
    return Q(status__in=OPEN_STATUSES, paused_since__isnull=True,
             promised_at__lt=now + timedelta(hours=settings.COMPLAINT_NEAR_PROMISE_HOURS))


def today_complaint_counts(*, now: datetime) -> dict[str, QuerySet[Complaint]]:
    """The today page's counts: complaints near or past their promise, and past it."""
    near = Complaint.objects.filter(near_promise(now=now))
    return {"complaints": near, "complaints_overdue": near.filter(promised_at__lt=now)}


def today_complaints(*, now: datetime, limit: int) -> list[Complaint]:
    """The first ``limit`` complaints near or past their promise, the nearest promise first
    (the partial index of open complaints by promise), with their room and assignee."""
    rows = list(Complaint.objects.filter(near_promise(now=now)).select_related("unit", "assignee")
                .order_by("promised_at", "pk")[:limit])
    for row in rows:
        row.overdue = row.promised_at < now
    return rows


def owner_open_complaints(*, owner, now: datetime, limit: int = 5) -> list[Complaint]:
    """The owner's open complaints, the nearest promise first (at most ``limit``), each
    with ``.missed`` (its clock runs and the promise has passed: we say so, and sorry)."""
    rows = list(Complaint.objects.filter(owner=owner, status__in=OPEN_STATUSES).select_related("unit")
                .order_by("promised_at", "pk")[:limit])
    for row in rows:
        row.missed = row.is_overdue(now)
    return rows


# ---- the desk's daily and weekly reports (pages.desk_reports) ---------------------------------


def desk_report_counts(*, start: datetime, end: datetime, as_of: datetime | None) -> dict[int, dict[str, int]]:
    """Per estate, the complaints and suggestions of the moments [start, end): received,
    resolved, suggestions received; with ``as_of`` (the report is made on its own day),
    what stands open at that moment and how much of it is past its promise (the clock
    running). Four grouped statements, whatever the estates and the rows."""
    out: dict[int, dict[str, int]] = {}
    for estate_id, n in (Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
                         .values_list("estate_id").annotate(n=Count("pk")).order_by()):
        out.setdefault(estate_id, {})["received"] = n
    for estate_id, n in (Complaint.objects.filter(resolved_at__gte=start, resolved_at__lt=end)
                         .values_list("estate_id").annotate(n=Count("pk")).order_by()):
        out.setdefault(estate_id, {})["resolved"] = n
    for estate_id, n in (Suggestion.objects.filter(received_at__gte=start, received_at__lt=end)
                         .values_list("estate_id").annotate(n=Count("pk")).order_by()):
        out.setdefault(estate_id, {})["suggestions"] = n
    if as_of is not None:
        # The open-only index (complaint_open_promise): what stands open, not history.
        for estate_id, n, overdue in (
                Complaint.objects.filter(status__in=OPEN_STATUSES, received_at__lte=as_of).values_list("estate_id")
                .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(paused_since__isnull=True,
                                                                        promised_at__lt=as_of))).order_by()):
            out.setdefault(estate_id, {}).update({"open": n, "overdue": overdue})
    return out
