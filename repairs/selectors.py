"""Reads for work-order pages, jobs and dashboards."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from owners.models import Estate, Unit
from owners.selectors import home_estate_id, owned_units
from propertydesk.paging import capped_counts
from propertydesk.periods import MONTH, FigureFilter, grouped
from propertydesk.roles import is_staff_member, owner_of, worker_of
from propertydesk.search import number_matches, unit_in
from repairs.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    UNDISPATCHED,
    Acceptance,
    DamageIncident,
    MaterialDraw,
    PhotoStage,
    PriceItem,
    Status,
    Worker,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)


def kpi_dispatch_on_time(*, start: datetime, end: datetime, estate=None) -> tuple[int, int]:
    """(dispatched within the deadline, dispatched) for orders dispatched in [start, end):
    the 15-minute rule of 004 2.4.1."""
    dispatched = WorkOrder.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end)
    if estate is not None:
        dispatched = dispatched.filter(estate=estate)
    totals = dispatched.aggregate(all=Count("id"), on_time=Count("id", filter=Q(dispatch_late_by__isnull=True)))
    return totals["on_time"], totals["all"]


# ---- pages -------------------------------------------------------------------

_LIST_RELATED = ("estate", "unit__building")
_LIST_PREFETCHED = ("worker__user", "price_item", "owner")
OPEN = OPEN_STATUSES


def _in_pool_of(worker: Worker) -> Q:
    """Orders in the shared pool of the worker's estate that his trades fit: nobody's yet,
    his to take."""
    return Q(estate_id=worker.estate_id, status=Status.DISPATCHED, worker__isnull=True, trade__in=worker.trades)


def work_orders_for(user) -> QuerySet[WorkOrder]:
    """The work orders a user may see, for every page and the API alike: all of them for
    those who dispatch (the desk, supervisors); for a worker, his own and the pool orders
    he could take; for an owner, their own requests; for other staff (finance, engineering
    without a Worker record), none. A worker has no business with another worker's
    customer."""
    # The relations an order may lack (its worker, price item, owner) by primary key after
    # the rows: joined as well, eight tables took PostgreSQL longer to plan than to read.
    orders = WorkOrder.objects.select_related(*_LIST_RELATED).prefetch_related(*_LIST_PREFETCHED)
    if not user.is_authenticated:
        return orders.none()
    if user.has_perm("repairs.dispatch_workorder"):
        return orders
    if is_staff_member(user):
        worker = worker_of(user)
        if worker is None or not user.has_perm("repairs.view_workorder"):
            return orders.none()
        return orders.filter(Q(worker=worker) | _in_pool_of(worker))
    owner = owner_of(user)
    return owner_work_orders(owner=owner) if owner else orders.none()


def number_or_room(query: str) -> Q:
    """Orders whose number starts or ends with ``query`` (either case), or whose room
    number starts with it (as typed): each part answered by an index on the order itself
    (propertydesk.search); the units are found by their index on UPPER(number), the case
    is checked after. One statement reads the units."""
    units = Unit.objects.filter(number__istartswith=query, number__startswith=query)
    return number_matches(query) | unit_in(units)


def work_order_queue(
    *, user, status: str = "", kind: str = "", trade: str = "", estate=None, late: bool = False, query: str = "",
    open_only: bool = False, moments: dict | None = None, completed_late: bool = False,
    undispatched: bool = False, appointment_on=None,
) -> QuerySet[WorkOrder]:
    """The work-order list ``user`` may see (work_orders_for), newest first; filters are optional.
    ``moments``: filters on when things happened (the dashboard's links); ``completed_late``:
    completed after completion_deadline."""
    orders = work_orders_for(user)
    if moments:
        orders = orders.filter(**moments)
    if completed_late:
        orders = orders.filter(completed_at__gt=completion_deadline())
    if status:
        orders = orders.filter(status=status)
    elif open_only:
        orders = orders.filter(status__in=OPEN)
    if kind:
        orders = orders.filter(kind=kind)
    if trade:
        orders = orders.filter(trade=trade)
    if estate is not None:
        orders = orders.filter(estate=estate)
    if late:
        orders = orders.filter(Q(dispatch_late_by__isnull=False) | Q(dispatch_alerted_at__isnull=False))
    if undispatched:
        orders = orders.filter(status__in=UNDISPATCHED)
    if appointment_on is not None:
        orders = orders.filter(appointment_q(appointment_on))
    query = query.strip()
    if query:
        orders = orders.filter(number_or_room(query) | Q(requester_name__istartswith=query))
    return orders.order_by("-registered_at", "-pk")


def work_order_status_counts(*, user, estate=None) -> dict[str, int]:
    """The queue's tabs: orders per status and open ones (``"open"``), each counted
    only up to ``QUEUE_COUNT_CAP`` (one statement; a count above the cap reads "cap+")."""
    rows = work_orders_for(user).select_related(None).order_by()
    if estate is not None:
        rows = rows.filter(estate=estate)
    tabs = {"open": rows.filter(status__in=OPEN)}
    tabs.update({s: rows.filter(status=s) for s in Status.values})
    return capped_counts(tabs)


# What an order's page shows beside the order, read after it: the relations that many
# orders leave empty (price list item, complaint, who registered it) each by primary key
# and only when set; materials, damage and acceptances only when the order has them.
# Joined all at once (ten tables) the order took PostgreSQL several times longer to plan
# than to read.
_DETAIL_RELATED = ("estate", "unit__building", "worker__user")
_HAS = {
    "draws": Exists(MaterialDraw.objects.filter(work_order=OuterRef("pk"))),
    "damages": Exists(DamageIncident.objects.filter(work_order=OuterRef("pk"))),
    "acceptances": Exists(Acceptance.objects.filter(work_order=OuterRef("pk"))),
}


def _with_everything(orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """An order with the relations its pages show on every order joined, and whether it
    has materials, damage and acceptances (``has_draws`` …); _read_everything reads the rest."""
    return orders.select_related(None).prefetch_related(None).select_related(*_DETAIL_RELATED).annotate(
        **{f"has_{name}": has for name, has in _HAS.items()})


def _read_everything(order: WorkOrder) -> WorkOrder:
    """What an order's page shows, in a fixed number of queries: the events; the
    materials, damage and acceptances the order has (an empty list, unread, for those it
    has not); the price list item, the complaint and who registered it, when set."""
    lists = {
        "draws": MaterialDraw.objects.select_related("drawn_by"),
        "damages": DamageIncident.objects.select_related("reported_by", "settled_by"),
        "acceptances": Acceptance.objects.select_related("recorded_by").defer("signature_png"),
    }
    prefetch_related_objects(
        [order], Prefetch("events", queryset=WorkOrderEvent.objects.select_related("actor")),
        *(Prefetch(name, queryset=rows if getattr(order, f"has_{name}") else rows.none())
          for name, rows in lists.items()),
        "price_item", "complaint", "created_by",
        Prefetch("photos", queryset=WorkOrderPhoto.objects.order_by("taken_at", "id"), to_attr="all_photos"),
    )
    return order


def work_order_detail(*, order_id: int, user) -> WorkOrder:
    """One order ``user`` may see (work_orders_for) with everything its page shows; anyone
    else's is a 404."""
    return _read_everything(get_object_or_404(_with_everything(work_orders_for(user)), pk=order_id))


def workers_for_dispatch(*, order: WorkOrder) -> list[Worker]:
    """The estate's workers for the dispatch form: on duty with the trade first, then
    the others (choosing one of them needs a written reason)."""
    workers = list(Worker.objects.filter(estate_id=order.estate_id).select_related("user"))
    for worker in workers:
        worker.fits = worker.can_do(order.trade)
    workers.sort(key=lambda w: (not (w.fits and w.on_duty), not w.on_duty, w.display_name))
    return workers


WORKER_ACTIVE = (Status.DISPATCHED, Status.TAKEN, Status.ON_SITE, Status.REWORK, Status.COMPLETED, Status.ESCALATED)


def register_estate_id(*, user) -> int | None:
    """The estate a new order's form starts on: the one the user last registered an order
    in, else the estate they work in (as a worker, or a department's staff), else the
    only estate there is."""
    last = (WorkOrder.objects.filter(created_by=user).order_by("-registered_at")
            .values_list("estate_id", flat=True).first())
    if last is not None:
        return last
    worker = Worker.objects.filter(user=user).values_list("estate_id", flat=True).first()
    if worker is not None:
        return worker
    home = home_estate_id(user=user)
    if home is not None:
        return home
    estates = list(Estate.objects.values_list("pk", flat=True)[:2])
    return estates[0] if len(estates) == 1 else None


def worker_orders(*, worker: Worker) -> QuerySet[WorkOrder]:
    """A worker's own orders still in hand: to take, to do, to get signed."""
    return (
        WorkOrder.objects.filter(worker=worker, status__in=WORKER_ACTIVE)
        .select_related("unit__building", "price_item")
        .order_by(F("appointment_at").asc(nulls_last=True), "dispatched_at")
    )


def worker_done_today(*, worker: Worker, now: datetime) -> QuerySet[WorkOrder]:
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (WorkOrder.objects.filter(worker=worker, status=Status.SIGNED_OFF, signed_off_at__gte=start)
            .select_related("unit__building").order_by("-signed_off_at"))


def pool_orders(*, worker: Worker) -> QuerySet[WorkOrder]:
    """Orders in the shared pool of the worker's estate that his trades fit."""
    return (
        WorkOrder.objects.filter(_in_pool_of(worker))
        .select_related("unit__building", "price_item")
        .order_by("dispatched_at")
    )


def owner_work_orders(*, owner) -> QuerySet[WorkOrder]:
    """An owner's requests: the ones made in their name, and ones the desk registered
    for nobody in particular (a tenant's call, say) on a unit they own now. Another
    owner's orders on the same unit, a seller's say, stay private."""
    owned_now = owned_units(owner=owner)
    return (WorkOrder.objects.filter(Q(owner=owner) | Q(owner__isnull=True, unit__in=owned_now))
            .select_related(*_LIST_RELATED).prefetch_related(*_LIST_PREFETCHED).order_by("-registered_at", "-pk"))


def price_list(*, estate, active_only: bool = True) -> QuerySet[PriceItem]:
    items = PriceItem.objects.filter(estate=estate)
    if active_only:
        items = items.filter(active=True)
    return items.order_by("trade", "name")


def acceptance_signature(*, acceptance_id: int, user) -> bytes | None:
    """The customer's signature on an order ``user`` may see (work_orders_for), or None."""
    return (Acceptance.objects.filter(pk=acceptance_id, work_order__in=work_orders_for(user).values("pk"))
            .values_list("signature_png", flat=True).first())


# ---- the worker's phone ---------------------------------------------------------


def worker_order(*, worker: Worker, order_id: int) -> WorkOrder:
    """One order as the worker's phone shows it: his own, or one in the shared pool
    he could take. Anyone else's is a 404."""
    return _read_everything(get_object_or_404(
        _with_everything(WorkOrder.objects.filter(Q(worker=worker) | _in_pool_of(worker))), pk=order_id))


def photos_by_stage(photos) -> dict[str, list[WorkOrderPhoto]]:
    """An order's photos as its pages group them: with the request, before, after."""
    grouped_photos = {stage: [] for stage in PhotoStage.values}
    for photo in photos:
        grouped_photos[photo.stage].append(photo)
    return grouped_photos


def owner_sees_worker_photos(order: WorkOrder) -> bool:
    """The worker's before and after photos reach the owner once the work is done."""
    return order.status in DONE_STATUSES


def work_order_photo(*, order_id: int, photo_id: int, user) -> WorkOrderPhoto:
    """A photo of an order ``user`` may see (work_orders_for: the desk, the order's worker,
    the order's owner), or a 404. The owner sees the worker's photos only once the work
    is done; before that they are not confirmed to exist."""
    photo = get_object_or_404(
        WorkOrderPhoto.objects.select_related("work_order"), pk=photo_id, work_order_id=order_id,
        work_order__in=work_orders_for(user).filter(pk=order_id).values("pk"),
    )
    if (not is_staff_member(user) and photo.stage != PhotoStage.REQUEST
            and not owner_sees_worker_photos(photo.work_order)):
        raise Http404
    return photo


def work_order_payment(*, order: WorkOrder):
    """The cash receipt or the bank-collection charge of a paid service, or None."""
    from fees.models import BankCollectionCharge, Receipt

    source = f"workorder:{order.pk}"
    return (Receipt.objects.filter(source=source).order_by("-issued_at").first()
            or BankCollectionCharge.objects.filter(source=source).first())


# ---- owner portal ------------------------------------------------------------


def owner_price_items(*, owner) -> QuerySet[PriceItem]:
    """The published price list (offered items only) of every estate where the owner
    has a unit now, for the portal's price page and booking form."""
    estates = owned_units(owner=owner).values("estate_id")
    return (PriceItem.objects.filter(estate_id__in=estates, active=True).select_related("estate")
            .order_by("estate__name", "trade", "name"))


# What the owner reads in the history: status changes and the price agreed on site.
# Explanations are shown only where they were written for the customer (a refusal, a
# cancellation); dispatch details (trade overrides), damage reports and materials stay inside.
_OWNER_NOTE_STATUSES = (Status.REFUSED, Status.VOIDED)


def owner_work_order_detail(*, owner, order_id: int) -> WorkOrder:
    """One of the owner's own orders, or a 404 (never a 403: another owner's order is
    not confirmed to exist). ``owner_events`` lists the owner-safe history as dicts
    with ``at``, ``kind`` (a status, "reassigned" or "price_agreed"), ``note``,
    ``price`` and ``by_owner``."""
    order = get_object_or_404(
        owner_work_orders(owner=owner).prefetch_related(
            Prefetch("events", queryset=WorkOrderEvent.objects.order_by("at", "id")),
            Prefetch("acceptances", queryset=Acceptance.objects.defer("signature_png").order_by("at", "id")),
            Prefetch("photos", queryset=WorkOrderPhoto.objects.order_by("taken_at", "id"), to_attr="all_photos"),
        ),
        pk=order_id,
    )
    if not owner_sees_worker_photos(order):
        order.all_photos = [photo for photo in order.all_photos if photo.stage == PhotoStage.REQUEST]
    events = []
    for event in order.events.all():
        data = event.data or {}
        if event.to_status:
            kind = "reassigned" if event.from_status == event.to_status == Status.DISPATCHED else event.to_status
        elif "agreed_price" in data:
            kind = "price_agreed"
        else:
            continue
        events.append({
            "at": event.at, "kind": kind,
            "note": event.note if event.to_status in _OWNER_NOTE_STATUSES else "",
            "price": data.get("agreed_price", "") if kind == "price_agreed" else "",
            "by_owner": bool(data.get("by_owner")),
        })
    order.owner_events = events
    return order


# ---- the staff view ----------------------------------------------------------

# The work-order list's figures of the staff view (pages/staff.py), by the name its links use.
STAFF_FIGURES = {
    "taken": gettext_lazy("Work orders taken"),
    "completed": gettext_lazy("Work orders completed"),
    "reworked": gettext_lazy("Work orders sent back for rework"),
    "rated": gettext_lazy("Work orders rated by the customer"),
    "late_dispatch": gettext_lazy("Work orders dispatched late"),
}
# A rework is a move to rework (the customer unhappy at acceptance, a supervisor's order
# after an escalation, a callback's rectification); a dispatch breach is the first
# dispatch (from accepted) of an order that reached its worker late, and counts against
# whoever dispatched it.
_REWORK = Q(to_status=Status.REWORK)
_FIRST_DISPATCH = Q(from_status=Status.ACCEPTED, to_status=Status.DISPATCHED)


def staff_work_order_figures(
    *, start: datetime, end: datetime, estate_id: int | None = None, person_id: int | None = None,
    by: str = "person",
) -> dict:
    """Per person, keyed as ``propertydesk.periods.grouped`` says (``by``: person, month, or
    both; the person is a user id), in [start, end): the orders the
    worker ``taken`` and ``completed`` (the last completion, after any rework), the orders
    of his ``reworked``, the customers' ratings of his work (``rating_sum`` over ``rated``
    verdicts), and the orders the person dispatched late (``late_dispatch``, the 15-minute
    rule of kpi_dispatch_on_time). Five grouped statements, each over its own index, and
    the workers' logins."""
    estate = {"estate_id": estate_id} if estate_id is not None else {}
    order_estate = {"work_order__estate_id": estate_id} if estate_id is not None else {}
    worker = {"worker_id__in": Worker.objects.filter(user_id=person_id).values("pk")} if person_id is not None else {}
    order_worker = {"work_order__worker__user_id": person_id} if person_id is not None else {}
    orders = WorkOrder.objects.filter(worker__isnull=False, **estate, **worker)
    parts = [
        grouped(orders.filter(taken_at__gte=start, taken_at__lt=end), at="taken_at", person="worker_id", by=by,
                taken=Count("*")),
        grouped(orders.filter(completed_at__gte=start, completed_at__lt=end), at="completed_at",
                person="worker_id", by=by, completed=Count("*")),
        grouped(WorkOrderEvent.objects.filter(_REWORK, at__gte=start, at__lt=end, work_order__worker__isnull=False,
                                              **order_estate, **order_worker),
                at="at", person="work_order__worker__user_id", by=by, estate="work_order__estate_id",
                reworked=Count("work_order_id", distinct=True)),
        grouped(Acceptance.objects.filter(at__gte=start, at__lt=end, work_order__worker__isnull=False,
                                          **order_estate, **order_worker),
                at="at", person="work_order__worker__user_id", by=by, estate="work_order__estate_id",
                rating_sum=Sum("rating"), rated=Count("id")),
        grouped(WorkOrderEvent.objects.filter(
                    _FIRST_DISPATCH, at__gte=start, at__lt=end, actor__isnull=False,
                    work_order__dispatch_late_by__isnull=False, **order_estate,
                    **({"actor_id": person_id} if person_id is not None else {})),
                at="at", person="actor_id", by=by, estate="work_order__estate_id",
                late_dispatch=Count("work_order_id", distinct=True)),
    ]
    if by != MONTH:
        # Taken and completed are read by worker, from their indexes alone; the workers'
        # logins in one more statement.
        # The person is the key, or the last part of a (month, [estate,] person) key.
        def worker_of(key):
            return key[-1] if isinstance(key, tuple) else key

        def as_user(key, users):
            return (*key[:-1], users[key[-1]]) if isinstance(key, tuple) else users[key]

        users = dict(Worker.objects.filter(pk__in={worker_of(k) for part in parts[:2] for k in part})
                     .values_list("pk", "user_id"))
        parts[:2] = [{as_user(key, users): values for key, values in part.items()} for part in parts[:2]]
    figures: dict = {}
    for part in parts:
        for key, values in part.items():
            figures.setdefault(key, {}).update(values)
    return figures


def staff_figure_work_orders(orders: QuerySet[WorkOrder], *, figure: FigureFilter) -> QuerySet[WorkOrder]:
    """The work orders one figure of the staff view counts (the list behind it; the list's
    own estate filter narrows it as the view did)."""
    start, end, person = figure.start, figure.end, figure.person_id
    if figure.figure == "taken":
        return orders.filter(worker__user_id=person, taken_at__gte=start, taken_at__lt=end)
    if figure.figure == "completed":
        return orders.filter(worker__user_id=person, completed_at__gte=start, completed_at__lt=end)
    if figure.figure == "reworked":
        return orders.filter(worker__user_id=person).filter(Exists(WorkOrderEvent.objects.filter(
            _REWORK, work_order=OuterRef("pk"), at__gte=start, at__lt=end)))
    if figure.figure == "rated":
        return orders.filter(worker__user_id=person).filter(Exists(Acceptance.objects.filter(
            work_order=OuterRef("pk"), at__gte=start, at__lt=end)))
    return orders.filter(dispatch_late_by__isnull=False).filter(Exists(WorkOrderEvent.objects.filter(
        _FIRST_DISPATCH, work_order=OuterRef("pk"), actor_id=person, at__gte=start, at__lt=end)))
# ---- the dashboard's figures


def completion_deadline():
    """When an order should be done by, for "completed on time": its planned end (a
    multi-day service), else its appointment plus the grace of the settings, else its
    registration plus the settings' hours (WORK_ORDER_ON_TIME)."""
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import DateTimeField, ExpressionWrapper, Value
    from django.db.models.functions import Coalesce

    rule = settings.WORK_ORDER_ON_TIME

    def plus(field, hours):
        return ExpressionWrapper(F(field) + Value(timedelta(hours=hours)), output_field=DateTimeField())

    return Coalesce("planned_end_at", plus("appointment_at", rule["after_appointment_hours"]),
                    plus("registered_at", rule["without_appointment_hours"]))


def with_late_completion(orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """``orders`` annotated with ``late_completion``: completed after completion_deadline."""
    from django.db.models import BooleanField, ExpressionWrapper

    return orders.annotate(late_completion=ExpressionWrapper(Q(completed_at__gt=completion_deadline()),
                                                             output_field=BooleanField()))


def dashboard_month_figures(*, start: datetime, end: datetime, as_of: datetime) -> dict[int, dict[str, tuple]]:
    """Per estate, the work-order figures of the dashboard for [start, end) up to ``as_of``,
    each a (numerator, denominator) that adds up across months: dispatched within the
    deadline (004 2.4.1, by the moment dispatched), completed on time (by the moment
    completed, of the orders completed or signed off; completion_deadline), the customers'
    rating (sum of ratings, verdicts given in the period). Three grouped queries."""
    from django.db.models import Sum

    end = min(end, as_of)
    out: dict[int, dict[str, tuple]] = {}
    for row in (WorkOrder.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end).values("estate_id")
                .order_by().annotate(n=Count("*"), on_time=Count("dispatched_at", filter=Q(dispatch_late_by__isnull=True)))):
        out.setdefault(row["estate_id"], {})["dispatch_on_time"] = (row["on_time"], row["n"])
    # Completed or signed off (an order back in rework counts when it is done again): the
    # index of finished jobs (workorder_done_at).
    for row in (WorkOrder.objects.filter(completed_at__gte=start, completed_at__lt=end,
                                         status__in=(Status.COMPLETED, Status.SIGNED_OFF))
                .values("estate_id").order_by()
                .annotate(n=Count("*"), on_time=Count("completed_at", filter=Q(completed_at__lte=completion_deadline())))):
        out.setdefault(row["estate_id"], {})["orders_on_time"] = (row["on_time"], row["n"])
    for row in (Acceptance.objects.filter(at__gte=start, at__lt=end).values("work_order__estate_id").order_by()
                .annotate(n=Count("pk"), total=Sum("rating"))):
        out.setdefault(row["work_order__estate_id"], {})["rating"] = (row["total"], row["n"])
    return out


# ---- the desk's today page -------------------------------------------------------------------


def day_bounds(day) -> tuple[datetime, datetime]:
    """The first moment of ``day`` and of the next, in the project's time zone."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def appointment_q(day) -> Q:
    """Orders with an appointment on ``day`` that are still wanted (neither refused nor voided)."""
    start, end = day_bounds(day)
    return Q(appointment_at__gte=start, appointment_at__lt=end) & ~Q(status__in=(Status.REFUSED, Status.VOIDED))


def appointments_on(day) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(appointment_q(day))


def today_work_order_counts(*, today) -> dict[str, QuerySet[WorkOrder]]:
    """The today page's counts: orders not dispatched yet, and today's appointments."""
    return {"undispatched": WorkOrder.objects.filter(status__in=UNDISPATCHED),
            "appointments": appointments_on(today)}


def today_undispatched(*, limit: int) -> list[WorkOrder]:
    """The first ``limit`` orders not dispatched yet, the earliest dispatch deadline first
    (the partial index of undispatched orders)."""
    return list(WorkOrder.objects.filter(status__in=UNDISPATCHED).select_related("unit")
                .order_by("dispatch_due_at", "pk")[:limit])


def today_appointments(*, today, limit: int) -> list[WorkOrder]:
    """The first ``limit`` of today's appointments, the earliest first, with their worker."""
    return list(appointments_on(today).select_related("unit", "worker__user")
                .order_by("appointment_at", "pk")[:limit])


# Before the worker arrives: an appointment in the past in one of these was missed.
_NOT_ARRIVED = (Status.REGISTERED, Status.ACCEPTED, Status.DISPATCHED, Status.TAKEN)


def owner_open_work_orders(*, owner, now: datetime, limit: int = 5) -> list[WorkOrder]:
    """The owner's requests still under way (owner_work_orders), newest first (at most
    ``limit``), each with ``.missed`` (the appointment passed and nobody came yet: we say
    so, and sorry)."""
    rows = list(owner_work_orders(owner=owner).filter(status__in=OPEN).prefetch_related(None)
                .select_related(None).select_related("unit")[:limit])
    for row in rows:
        row.missed = (row.appointment_at is not None and row.appointment_at < now and row.arrived_at is None
                      and row.status in _NOT_ARRIVED)
    return rows


# ---- the desk's daily and weekly reports (pages.desk_reports) ---------------------------------


def desk_report_counts(*, start: datetime, end: datetime, as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per estate, the work orders of the moments [start, end): registered, dispatched
    (and of those, dispatched after the deadline: 15 minutes, 004 2.4.1), completed. Three
    grouped statements, each a range of its moment's index."""
    out: dict[int, dict[str, int]] = {}
    for estate_id, n in (WorkOrder.objects.filter(registered_at__gte=start, registered_at__lt=end)
                         .values_list("estate_id").annotate(n=Count("pk")).order_by()):
        out.setdefault(estate_id, {})["registered"] = n
    for estate_id, n, late in (WorkOrder.objects.filter(dispatched_at__gte=start, dispatched_at__lt=end)
                               .values_list("estate_id")
                               .annotate(n=Count("pk"), late=Count("pk", filter=Q(dispatch_late_by__isnull=False)))
                               .order_by()):
        out.setdefault(estate_id, {}).update({"dispatched": n, "dispatched_late": late})
    # A completed order has its worker (workorder_taken_has_worker): said, so that the
    # index of completions with their worker and estate (workorder_completed_staff) serves.
    for estate_id, n in (WorkOrder.objects.filter(completed_at__gte=start, completed_at__lt=end, worker__isnull=False)
                         .values_list("estate_id").annotate(n=Count("pk")).order_by()):
        out.setdefault(estate_id, {})["completed"] = n
    return out
