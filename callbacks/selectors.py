"""Reads for callback pages, jobs and dashboards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from activities.models import Activity
from callbacks.models import Callback, CallbackResult, Kind, Payment, Satisfaction, SpotCheck, Status
from callbacks.rules import default_rule, rule_for, rules_at
from owners.selectors import owner_primary_phone
from propertydesk.paging import capped_counts
from propertydesk.people import staff_order
from propertydesk.periods import FigureFilter, grouped

# ---- what the hourly job repairs ----------------------------------------------------------


def _open_chain(**source):
    """A callback for the source that did not send it back for rectification: while one
    exists, the source's current round has its callback."""
    return Exists(Callback.objects.filter(**source, rectification_ordered_at__isnull=True)
                  .exclude(kind=Kind.SPECIAL_MIDTERM))


def complaints_missing_callback(*, since: datetime, as_of: datetime):
    from complaints.models import Complaint, Status as ComplaintStatus

    return (Complaint.objects.filter(status=ComplaintStatus.RESOLVED, resolved_at__gte=since, resolved_at__lte=as_of)
            .exclude(_open_chain(complaint=OuterRef("pk"))).select_related("estate", "unit", "owner", "created_by")
            .order_by("pk"))


def work_orders_missing_callback(*, since: datetime, as_of: datetime):
    from repairs.models import Status as OrderStatus, WorkOrder

    # Most finished jobs of the window have their callback: the ids are found from two
    # indexes alone (workorder_done_at, callback_open_chain_order), and only the few
    # missing ones are read whole.
    missing = (WorkOrder.objects.filter(status__in=(OrderStatus.COMPLETED, OrderStatus.SIGNED_OFF),
                                        completed_at__gte=since, completed_at__lte=as_of)
               .exclude(_open_chain(work_order=OuterRef("pk"))).order_by().values("pk"))
    return (WorkOrder.objects.filter(pk__in=missing).select_related("estate", "unit", "owner", "created_by")
            .order_by("pk"))


def work_orders_missing_midterm(*, since: datetime, as_of: datetime):
    from repairs.models import Kind as OrderKind, Status as OrderStatus, WorkOrder

    return (WorkOrder.objects.filter(kind=OrderKind.SPECIAL_SERVICE, planned_end_at__isnull=False,
                                     arrived_at__gte=since, arrived_at__lte=as_of)
            .exclude(status=OrderStatus.VOIDED)
            .exclude(Exists(Callback.objects.filter(work_order=OuterRef("pk"), kind=Kind.SPECIAL_MIDTERM)))
            .select_related("estate", "unit", "owner", "created_by").order_by("pk"))


def activities_missing_callbacks(*, since: datetime, as_of: datetime):
    """Activities held in the window with a household that came and has no callback (the
    event was lost)."""
    from activities.models import ActivityStatus, Participation

    owed = Participation.objects.filter(activity_id=OuterRef("pk"), attended=True).exclude(
        Exists(Callback.objects.filter(activity_id=OuterRef("activity_id"), unit_id=OuterRef("unit_id"))))
    return (Activity.objects.filter(status=ActivityStatus.HELD, finished_at__gte=since, finished_at__lte=as_of)
            .filter(Exists(owed)).select_related("estate").order_by("pk"))


# ---- pages --------------------------------------------------------------------------------

_RELATED = ("estate", "unit__building", "owner", "assignee", "complaint", "work_order", "activity")


def callback_queue(
    *, today: date, bucket: str = "", kind: str = "", assignee_id: int | None = None, unassigned: bool = False,
    estate=None, status: str = Status.DUE, moments: dict | None = None,
) -> QuerySet[Callback]:
    """The desk's queue. ``bucket``: "today" (due today), "overdue" (due before today),
    "due" (due today or before), "week" (due within 7 days), or everything. ``moments``:
    filters on when things happened (the dashboard's links, e.g. done in a month)."""
    rows = Callback.objects.select_related(*_RELATED)
    if moments:
        rows = rows.filter(**moments)
    if status:
        rows = rows.filter(status=status)
    if bucket == "today":
        rows = rows.filter(due_on=today)
    elif bucket == "overdue":
        rows = rows.filter(due_on__lt=today)
    elif bucket == "due":
        rows = rows.filter(due_on__lte=today)
    elif bucket == "week":
        rows = rows.filter(due_on__lte=today + timedelta(days=6))
    if kind:
        rows = rows.filter(kind=kind)
    if unassigned:
        rows = rows.filter(assignee__isnull=True)
    elif assignee_id:
        rows = rows.filter(assignee_id=assignee_id)
    if estate is not None:
        rows = rows.filter(estate=estate)
    return rows.order_by("due_on", "pk")


def queue_counts(*, today: date) -> dict[str, int]:
    """The queue's tabs, each counted only up to ``QUEUE_COUNT_CAP`` (one statement; a
    count above the cap reads "cap+")."""
    due = Callback.objects.filter(status=Status.DUE)
    return capped_counts({
        "today": due.filter(due_on=today), "overdue": due.filter(due_on__lt=today),
        "week": due.filter(due_on__lte=today + timedelta(days=6)), "all": due,
    })


def counts_by_assignee(*, today: date) -> list[dict]:
    """Callbacks due and overdue per assignee (``assignee_id``, ``n``, ``overdue``), most
    first: grouped from the index of the due callbacks alone (callback_queue_mine), the
    names read by the caller for the few people listed."""
    return list(Callback.objects.filter(status=Status.DUE).values("assignee_id")
                .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))).order_by("-n"))


def callback_detail(*, callback_id: int) -> Callback:
    """One callback with what its page shows of it: the room, the owner and who is to
    call joined (six tables); its one source (a complaint, a work order or an activity)
    and who cancelled it read by primary key, each only when set. Joining all of them,
    ten tables, took PostgreSQL several times longer to plan than to run. The results
    come with the source's chain (callbacks_for_source, results_of), the spot checks
    from spot_checks_of."""
    return get_object_or_404(
        Callback.objects.select_related("estate", "unit__building", "owner", "assignee")
        .prefetch_related("complaint", "work_order", "activity", "cancelled_by"),
        pk=callback_id,
    )


def callback_contact_phone(*, callback: Callback) -> str:
    """Who to call, in full (the callback_phone filter shows it masked): the contact phone
    given with the complaint or the work order, else the owner's primary phone."""
    source = callback.complaint or callback.work_order
    for name in ("contact_phone", "requester_phone"):
        raw = getattr(source, name, None) if source is not None else None
        if raw:
            return raw
    return owner_primary_phone(callback.owner)


def _results():
    return CallbackResult.objects.select_related("recorded_by").defer("signature_png").order_by("at", "pk")


def callbacks_for_source(*, complaint=None, work_order=None) -> list[Callback]:
    """The chain of callbacks of one complaint or work order, oldest first, each with its
    results (oldest first, who recorded them joined) and its ``latest_result``: shown on
    the complaint's and the order's pages, and on each callback's page, which takes its
    own results from here (results_of)."""
    rows = Callback.objects.filter(complaint=complaint) if complaint is not None else \
        Callback.objects.filter(work_order=work_order)
    rows = rows.select_related("assignee").prefetch_related(Prefetch("results", queryset=_results()))
    chain = list(rows.order_by("created_at", "pk"))
    for callback in chain:
        results = list(callback.results.all())
        callback.latest_result = results[-1] if results else None
    return chain


def results_of(*, callback: Callback, chain: list[Callback]) -> list[CallbackResult]:
    """The callback's results, oldest first: from the source's ``chain``
    (callbacks_for_source) when the callback is in it, else read (an activity's
    callback has no chain)."""
    mine = next((c for c in chain if c.pk == callback.pk), None)
    return list(mine.results.all()) if mine is not None else list(_results().filter(callback=callback))


def spot_checks_of(*, callback: Callback) -> list[SpotCheck]:
    """The supervisors' spot checks of the callback, newest first. Only a callback that
    was done is spot-checked (services.spot_check_record), so another is not asked."""
    if callback.status != Status.DONE:
        return []
    return list(callback.spot_checks.select_related("checked_by"))


def latest_result(*, callback: Callback) -> CallbackResult | None:
    return callback.results.order_by("-at", "-pk").first()


def week_calendar(*, start: date, estate=None) -> list[tuple[date, list[Callback]]]:
    """Seven days from ``start``, each with the callbacks due that day (still due or done)."""
    end = start + timedelta(days=6)
    rows = Callback.objects.filter(due_on__range=(start, end)).exclude(status=Status.CANCELLED)
    if estate is not None:
        rows = rows.filter(estate=estate)
    by_day: dict[date, list[Callback]] = {start + timedelta(days=n): [] for n in range(7)}
    for callback in rows.select_related(*_RELATED).order_by("due_on", "kind", "pk"):
        by_day[callback.due_on].append(callback)
    return list(by_day.items())


def signature_of(*, result_id: int) -> bytes | None:
    return CallbackResult.objects.filter(pk=result_id).values_list("signature_png", flat=True).first()


def owner_offered_callbacks(*, owner) -> QuerySet[Callback]:
    """Callbacks offered to this owner to answer online, still due."""
    return Callback.objects.filter(owner=owner, status=Status.DUE, offered_online_at__isnull=False).select_related(
        *_RELATED)


# ---- rates and spot checks -----------------------------------------------------------------


@dataclass
class RateRow:
    estate_id: int
    estate_name: str
    kind: str
    payment: str
    owed: int
    done: int
    required_rate: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        return None if not self.owed else (Decimal(self.done) * 100 / self.owed).quantize(Decimal("0.1"))

    @property
    def meets(self) -> bool:
        return self.rate is None or self.required_rate is None or self.rate >= self.required_rate

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def payment_label(self) -> str:
        return Payment(self.payment).label if self.payment else ""


_SPECIAL = (Kind.SPECIAL_MIDTERM, Kind.SPECIAL_COMPLETION)


def month_rates(*, month: date, as_of: datetime, estate=None) -> list[RateRow]:
    """Callbacks owed for events in ``month`` (due by ``as_of``, cancelled ones aside)
    and how many were done by ``as_of``, per estate and kind; special services split by cash and bank
    collection, whose required rates differ (100 % / ≥ 80 %)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(month, datetime.min.time(), tzinfo=tz)
    end = start + relativedelta(months=1)
    # Owed: what was due by then (a major works callback of the 28th is not due on the 10th).
    rows = (Callback.objects.filter(event_at__gte=start, event_at__lt=end, due_on__lte=timezone.localdate(as_of))
            .exclude(status=Status.CANCELLED))
    if estate is not None:
        rows = rows.filter(estate=estate)
    # How a special service was paid, read by primary key for those callbacks only: a join
    # hashed every work order to tell the few hundred special services apart.
    from repairs.models import WorkOrder

    paid_by = Case(When(kind__in=_SPECIAL, then=Subquery(
        WorkOrder.objects.filter(pk=OuterRef("work_order_id")).values("payment_method")[:1])), default=Value(""))
    grouped = (rows.annotate(paid_by=paid_by)
               .values("estate_id", "estate__name", "kind", "paid_by")
               .annotate(owed=Count("pk"), done=Count("pk", filter=Q(status=Status.DONE, done_at__lte=as_of)))
               .order_by("estate__name", "kind"))
    merged: dict[tuple, RateRow] = {}
    rules = rules_at(at=end - timedelta(seconds=1))
    for row in grouped:
        payment = ""
        if row["kind"] in _SPECIAL:
            payment = Payment.BANK_COLLECTION if row["paid_by"] == "bank_collection" else Payment.CASH
        key = (row["estate_id"], row["kind"], payment)
        if key not in merged:
            rule = rules.get((row["estate_id"], row["kind"])) or default_rule(row["kind"])
            required = rule.required_rate_bank if payment == Payment.BANK_COLLECTION else rule.required_rate
            merged[key] = RateRow(row["estate_id"], row["estate__name"], row["kind"], payment, 0, 0, required)
        merged[key].owed += row["owed"]
        merged[key].done += row["done"]
    return list(merged.values())


def spot_checks_in_month(*, month: date) -> int:
    tz = timezone.get_current_timezone()
    start = datetime.combine(month, datetime.min.time(), tzinfo=tz)
    return SpotCheck.objects.filter(at__gte=start, at__lt=start + relativedelta(months=1)).count()


# ---- the API and the owner's portal ---------------------------------------------------------


def callbacks_for_api(*, owner=None) -> QuerySet[Callback]:
    """Callbacks with their results and spot checks, for the API. The signature bytes
    stay in the database: each result carries ``has_signature`` instead. ``owner``:
    only the callbacks offered to that owner online."""
    from django.db.models import BooleanField, ExpressionWrapper

    results = (CallbackResult.objects.defer("signature_png").select_related("recorded_by")
               .annotate(has_signature=ExpressionWrapper(Q(signature_png__isnull=False),
                                                         output_field=BooleanField())))
    from complaints.models import Complaint
    from repairs.models import WorkOrder

    # What the API shows of each: joined, the few it names; the sources (a complaint's or
    # an order's number, an activity's title) by id in one query each. Ten joins took
    # PostgreSQL longer to plan than a page takes to read.
    rows = Callback.objects.select_related("estate", "unit", "assignee").prefetch_related(
        Prefetch("complaint", queryset=Complaint.objects.only("id", "number")),
        Prefetch("work_order", queryset=WorkOrder.objects.only("id", "number")),
        Prefetch("activity", queryset=Activity.objects.only("id", "title")),
        Prefetch("results", queryset=results),
        Prefetch("spot_checks", queryset=SpotCheck.objects.select_related("checked_by")),
    )
    if owner is not None:
        rows = rows.filter(owner=owner, offered_online_at__isnull=False)
    return rows.order_by("due_on", "pk")


def owner_callback(*, owner, callback_id: int) -> Callback:
    """One callback offered to this owner (still due or answered); anyone else's, or
    one never offered, is a 404."""
    return get_object_or_404(
        Callback.objects.filter(owner=owner, offered_online_at__isnull=False).select_related(
            *_RELATED, "work_order__price_item"),
        pk=callback_id,
    )


def rules_in_force(*, estate, at: datetime) -> list[dict]:
    """The callback rule of each kind in force at ``at`` for the estate: its latest
    version effective by then, or the defaults (``effective_from`` None)."""
    from callbacks.models import CallbackRule

    rows = []
    for kind in Kind:
        rule = rule_for(estate=estate, kind=kind, at=at)
        version = (CallbackRule.objects.filter(estate=estate, kind=kind, effective_from__lte=at)
                   .order_by("-effective_from").first())
        rows.append({
            "estate": estate.pk, "kind": kind.value, "kind_display": kind.label, "days": rule.days,
            "months": rule.months, "by_day_of_next_month": rule.by_day_of_next_month,
            "required_rate": rule.required_rate, "required_rate_bank": rule.required_rate_bank,
            "effective_from": version.effective_from if version else None, "rule": version.pk if version else None,
        })
    return rows


# ---- the desk's pages (queue phones, staff, chain, spot checks, rules) ----------------------


def callback_staff():
    """Active users who perform callbacks (callbacks.perform_callback), for assigning."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    perm = Permission.objects.filter(content_type__app_label="callbacks", codename="perform_callback").first()
    users = get_user_model().objects.filter(is_active=True)
    who = Q(is_superuser=True)
    if perm is not None:
        who |= Q(groups__permissions=perm) | Q(user_permissions=perm)
    return users.filter(who).distinct().order_by(*staff_order())


def with_owner_phones(rows: QuerySet[Callback]) -> QuerySet[Callback]:
    """The owner's primary phone prefetched (as ``owner.primary_phones``), so a list shows
    who to call, masked, without a query per row."""
    from owners.models import OwnerPhone

    return rows.prefetch_related(Prefetch("owner__phones", queryset=OwnerPhone.objects.filter(is_primary=True),
                                          to_attr="primary_phones"))


def next_in_chain(*, callback: Callback, chain: list[Callback] | None = None) -> Callback | None:
    """The callback that followed this one after a rectification, if any: a later round
    of the same complaint or work order, so found in its ``chain``
    (callbacks_for_source) when the page has read it already."""
    if chain is not None:
        return next((c for c in chain if c.previous_id == callback.pk), None)
    return Callback.objects.filter(previous=callback).first()


def spot_checks_of_month(*, month: date) -> QuerySet[SpotCheck]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(month, datetime.min.time(), tzinfo=tz)
    return (SpotCheck.objects.filter(at__gte=start, at__lt=start + relativedelta(months=1))
            .select_related("checked_by", "callback__unit", "callback__complaint", "callback__work_order",
                            "callback__activity").order_by("-at"))


def spot_check_candidates(*, since: datetime, until: datetime, limit: int = 10) -> list[Callback]:
    """A random sample of callbacks done between ``since`` and ``until`` that no one has
    spot-checked yet: the supervisor picks from these."""
    rows = (Callback.objects.filter(status=Status.DONE, done_at__gte=since, done_at__lt=until)
            .exclude(Exists(SpotCheck.objects.filter(callback=OuterRef("pk"))))
            .select_related(*_RELATED).prefetch_related(
                Prefetch("results", queryset=CallbackResult.objects.defer("signature_png").order_by("-at", "-pk"))))
    sample = list(rows.order_by("?")[:limit])
    for callback in sample:
        results = list(callback.results.all())
        callback.latest_result = results[0] if results else None
    return sample


def rule_history(*, estate) -> QuerySet:
    from callbacks.models import CallbackRule

    return CallbackRule.objects.filter(estate=estate).select_related("created_by").order_by("kind", "-effective_from")


def rate_checks_of_month(*, month: date) -> QuerySet:
    from callbacks.models import RateCheck

    return RateCheck.objects.filter(month=month).select_related("estate").order_by("estate__name", "kind", "payment")


# ---- the staff view ----------------------------------------------------------

# The callbacks list's figures of the staff view (pages/staff.py), by the name its links use.
STAFF_FIGURES = {
    "done": gettext_lazy("Callbacks done"),
    "on_time": gettext_lazy("Callbacks done on time"),
}


def _first_results(*, start: datetime, end: datetime):
    """The results that did a callback (a correction does not do it again) in [start, end),
    recorded by someone."""
    return CallbackResult.objects.filter(corrects__isnull=True, recorded_by__isnull=False, at__gte=start, at__lt=end)


_ON_TIME = Q(day__lte=F("callback__due_on"))


def staff_callback_figures(
    *, start: datetime, end: datetime, estate_id: int | None = None, person_id: int | None = None,
    by: str = "person",
) -> dict:
    """Callbacks done in [start, end) per person who recorded the owner's answer, keyed as
    ``propertydesk.periods.grouped`` says (``by``: person, month, or both): ``done``, and
    ``on_time`` among them (done on or before the Shanghai day they were due). An owner's
    own answer online counts for the owner's login, which the page leaves out: it is
    nobody's work. One grouped statement over the index callback_result_staff."""
    rows = _first_results(start=start, end=end)
    if estate_id is not None:
        rows = rows.filter(callback__estate_id=estate_id)
    if person_id is not None:
        rows = rows.filter(recorded_by_id=person_id)
    return grouped(rows.annotate(day=TruncDate("at")), at="at", person="recorded_by_id", by=by,
                   estate="callback__estate_id", done=Count("id"), on_time=Count("id", filter=_ON_TIME))


def staff_figure_callbacks(callbacks: QuerySet[Callback], *, figure: FigureFilter) -> QuerySet[Callback]:
    """The callbacks one figure of the staff view counts (the list behind it)."""
    results = _first_results(start=figure.start, end=figure.end).filter(
        recorded_by_id=figure.person_id, callback=OuterRef("pk"))
    if figure.figure == "on_time":
        results = results.annotate(day=TruncDate("at")).filter(_ON_TIME)
    return callbacks.filter(Exists(results))
# ---- the dashboard's figures


def dashboard_month_figures(*, start: datetime, end: datetime, as_of: datetime) -> dict[int, dict[str, tuple]]:
    """Per estate, the callback figures of the dashboard for [start, end) up to ``as_of``,
    each a (numerator, denominator) that adds up across months: owner satisfaction
    (very satisfied or satisfied, of the answers recorded in the period; a corrected
    answer counts by its correction only) and the supervisors' spot checks. Two grouped
    queries. The completion rate per kind is ``month_rates``."""
    from callbacks.models import Satisfaction

    end = min(end, as_of)
    out: dict[int, dict[str, tuple]] = {}
    happy = Q(satisfaction__in=(Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED))
    for row in (CallbackResult.objects.filter(at__gte=start, at__lt=end, corrected_by__isnull=True)
                .values("callback__estate_id").order_by().annotate(n=Count("pk"), happy=Count("pk", filter=happy))):
        out.setdefault(row["callback__estate_id"], {})["satisfaction"] = (row["happy"], row["n"])
    for row in (SpotCheck.objects.filter(at__gte=start, at__lt=end).values("callback__estate_id").order_by()
                .annotate(n=Count("pk"))):
        out.setdefault(row["callback__estate_id"], {})["spot_checks"] = (row["n"], None)
    return out


def overdue_per_estate(*, today: date) -> dict[int, int]:
    """Callbacks still due after their day, per estate (the due-only index)."""
    return dict(Callback.objects.filter(status=Status.DUE, due_on__lt=today).values_list("estate_id")
                .annotate(n=Count("pk")).order_by())


# ---- the desk's today page -------------------------------------------------------------------


def today_callback_counts(*, user, today: date) -> dict[str, QuerySet[Callback]]:
    """What the today page counts of the callbacks still due by ``today``: all of them,
    the ones assigned to ``user``, the overdue ones (due before today). Querysets, counted
    with the page's other counts in one capped statement."""
    due = Callback.objects.filter(status=Status.DUE, due_on__lte=today)
    return {"callbacks": due, "callbacks_mine": due.filter(assignee_id=user.pk),
            "callbacks_overdue": due.filter(due_on__lt=today)}


def today_callbacks(*, user, today: date, limit: int) -> list[Callback]:
    """The first ``limit`` callbacks due today or overdue, ``user``'s own first, each group
    the earliest due first, each with ``.source_number`` (its complaint's or work order's
    number, or its activity). At most two short reads (the due-callback indexes), the room
    and the assignee joined, the source's number read by primary key."""
    from django.db.models.functions import Coalesce

    from complaints.models import Complaint
    from repairs.models import WorkOrder

    def by_pk(model, column, field="number"):
        return Subquery(model.objects.filter(pk=OuterRef(column)).values(field)[:1])

    due = (Callback.objects.filter(status=Status.DUE, due_on__lte=today).select_related("unit", "assignee")
           .annotate(source_number=Coalesce(by_pk(Complaint, "complaint_id"), by_pk(WorkOrder, "work_order_id"),
                                            by_pk(Activity, "activity_id", "title")))
           .order_by("due_on", "pk"))
    rows = list(due.filter(assignee_id=user.pk)[:limit])
    if len(rows) < limit:
        rows += list(due.exclude(assignee_id=user.pk)[:limit - len(rows)])
    for row in rows:
        row.mine = row.assignee_id == user.pk
        row.overdue = row.due_on < today
    return rows


# ---- the desk's daily and weekly reports (pages.desk_reports) ---------------------------------


def desk_report_counts(*, start: datetime, end: datetime, as_of: datetime | None) -> dict[int, dict[str, int]]:
    """Per estate, the callbacks of the moments [start, end): done (the owner's first
    answer recorded, corrections aside) and of those the owner unsatisfied; with ``as_of``
    (the report is made on its own day), what is due by that day and of it what is
    overdue (due before it), as the desk's queue counts them. Two grouped statements."""
    out: dict[int, dict[str, int]] = {}
    for estate_id, n, unsatisfied in (
            CallbackResult.objects.filter(at__gte=start, at__lt=end, corrects__isnull=True)
            .values_list("callback__estate_id")
            .annotate(n=Count("pk"), unsatisfied=Count("pk", filter=Q(satisfaction=Satisfaction.UNSATISFIED)))
            .order_by()):
        out.setdefault(estate_id, {}).update({"done": n, "unsatisfied": unsatisfied})
    if as_of is not None:
        today = timezone.localdate(as_of)
        for estate_id, due, overdue in (Callback.objects.filter(status=Status.DUE, due_on__lte=today)
                                        .values_list("estate_id")
                                        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
                                        .order_by()):
            out.setdefault(estate_id, {}).update({"due": due, "overdue": overdue})
    return out
