"""The desk's and supervisors' callback pages: the queue, one callback with its actions,
the week's calendar, the rates against the required rates, the rules and the spot
checks. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from callbacks import selectors, services
from callbacks.forms import (
    ALL,
    BUCKETS,
    MINE,
    NOBODY,
    AssignForm,
    CancelForm,
    CorrectForm,
    PerformForm,
    QueueFilterForm,
    RuleForm,
    SpotCheckForm,
)
from callbacks.models import Kind, Method, Satisfaction, Status
from callbacks.rules import rule_for
from owners.models import Estate
from propertydesk import periods, reveal
from propertydesk.actions import render_form, run_action
from propertydesk.paging import CappedPaginator
from propertydesk.web import day_ranges, moments_of, params_of, query_day, staff_required
from repairs.signature import signature_from_data_url

VIEW = "callbacks.view_callback"
PERFORM = "callbacks.perform_callback"
CANCEL = "callbacks.cancel_callback"
SPOT_CHECK = "callbacks.spotcheck_callback"
VIEW_RULES = "callbacks.view_callbackrule"
CHANGE_RULES = "callbacks.add_callbackrule"
# Spot checks re-contact owners about recent callbacks, while they still remember them.
SPOT_CHECK_WINDOW_DAYS = 90


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _parse_month(value: str | None) -> date | None:
    return query_day(value, "%Y-%m")


def _parse_day(value: str | None) -> date | None:
    return query_day(value)


def _estate_from(request):
    wanted = request.GET.get("estate") or ""
    return Estate.objects.filter(pk=wanted).first() if wanted.isdigit() else None


# ---- the queue ----------------------------------------------------------------


# The queue's filters on when things happened (the dashboard's links): ?done_from=…&done_to=…
MOMENTS = {"done": gettext_lazy("Done")}


def queue_rows(params, *, user, today):
    """The queue's filter form on ``params`` (a query string), its status tab, time
    bucket and assignee, the callbacks they select (with the owners' phones to show
    masked) in the queue's order, and the dashboard's and staff view's narrowing (day
    ranges, a figure): for the page and its .xlsx (callbacks/exports.py)."""
    form = QueueFilterForm(params or None, staff=list(selectors.callback_staff()))
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or ""
    bucket = params.get("bucket", "") if params.get("bucket") in BUCKETS else ""
    assignee = filters.get("assignee") or ""
    ranges = day_ranges(params, MOMENTS)
    moments = moments_of(ranges)
    rows = selectors.callback_queue(
        today=today, bucket=bucket if not status else "", kind=filters.get("kind") or "",
        assignee_id=user.pk if assignee == MINE else (int(assignee) if assignee.isdigit() else None),
        unassigned=assignee == NOBODY, estate=filters.get("estate"),
        status="" if status == ALL else (status or Status.DUE), moments=moments,
    )
    # A figure of the staff view opens this list narrowed to what it counts.
    figure = periods.figure_from_query(params, figures=selectors.STAFF_FIGURES)
    if figure is not None:
        rows = selectors.staff_figure_callbacks(rows, figure=figure)
    if status in (Status.DONE, ALL):
        rows = rows.order_by("-due_on", "-pk")
    return form, status, bucket, assignee, selectors.with_owner_phones(rows), ranges, figure


@staff_required
@permission_required(VIEW, raise_exception=True)
def queue(request):
    now = timezone.now()
    today = timezone.localdate(now)
    form, status, bucket, assignee, rows, ranges, figure = queue_rows(request.GET, user=request.user, today=today)
    page = CappedPaginator(rows, 30).get_page(request.GET.get("page"))

    query = request.GET.copy()
    query.pop("page", None)
    tabs = []
    counts = selectors.queue_counts(today=today)
    for key, label, count, icon in (
        ("today", _("Due today"), counts["today"], "bi-calendar-day"),
        ("overdue", _("Overdue"), counts["overdue"], "bi-alarm"),
        ("week", _("This week"), counts["week"], "bi-calendar-week"),
        ("", _("All due"), counts["all"], "bi-list-check"),
    ):
        link = query.copy()
        link.pop("status", None)
        link.pop("bucket", None)
        if key:
            link["bucket"] = key
        tabs.append({"key": key, "label": label, "count": count, "icon": icon, "query": link.urlencode(),
                     "active": not status and bucket == key})

    by_assignee = selectors.counts_by_assignee(today=today)
    users = get_user_model().objects.in_bulk([row["assignee_id"] for row in by_assignee if row["assignee_id"]])
    for row in by_assignee:
        row["user"] = users.get(row["assignee_id"])
        row["filter"] = str(row["assignee_id"]) if row["assignee_id"] else NOBODY
    return render(request, "callbacks/queue.html", {
        "form": form, "page": page, "today": today, "query_string": query.urlencode(), "tabs": tabs,
        "status": status, "bucket": bucket, "assignee": assignee, "by_assignee": by_assignee,
        "mine": next((row["n"] for row in by_assignee if row["assignee_id"] == request.user.pk), 0),
        "figure_filter": periods.figure_banner(figure, labels=selectors.STAFF_FIGURES),
        "day_ranges": ranges, "kept_params": params_of(ranges),
    })


# ---- one callback ---------------------------------------------------------------


def _forms(callback, latest, staff, bound=None):
    correct_initial = {}
    if latest is not None:
        correct_initial = {name: getattr(latest, name)
                           for name in ("quality", "effect", "shortcomings", "suggestions", "owner_words")}
    forms = {
        "perform": PerformForm(initial={"method": Method.PHONE, "signer_name": callback.contact_name}),
        "correct": CorrectForm(initial=correct_initial),
        "assign": AssignForm(staff=staff, initial={"assignee": str(callback.assignee_id or NOBODY)}),
        "cancel": CancelForm(),
        "spot_check": SpotCheckForm(),
    }
    if bound:
        forms.update(bound)
    return forms


@staff_required
@permission_required(VIEW, raise_exception=True)
def detail(request, pk, bound=None, status=200):
    callback = selectors.callback_detail(callback_id=pk)
    now = timezone.now()
    today = timezone.localdate(now)
    user = request.user
    # The source's chain, shown at the foot of the page, also holds the next round and
    # this callback's results.
    chain = (selectors.callbacks_for_source(complaint=callback.complaint, work_order=callback.work_order)
             if callback.complaint_id or callback.work_order_id else [])
    results = selectors.results_of(callback=callback, chain=chain)
    superseded = {result.corrects_id: result for result in results if result.corrects_id}
    for result in results:
        result.corrected_in = superseded.get(result.pk)
    latest = results[-1] if results else None
    due = callback.status == Status.DUE
    can_perform = user.has_perm(PERFORM)
    staff = list(selectors.callback_staff()) if can_perform and due else []
    shown = bound is None and reveal.take(request, f"callback:{callback.pk}")
    response = render(request, "callbacks/detail.html", {
        "callback": callback, "now": now, "today": today, "results": results, "latest": latest,
        "next_callback": selectors.next_in_chain(callback=callback, chain=chain), "chain": chain,
        "overdue": callback.is_overdue(today), "forms": _forms(callback, latest, staff, bound),
        "spot_checks": selectors.spot_checks_of(callback=callback),
        "can_offer": callback.owner_id is not None and callback.owner.user_id is not None,
        "show": {
            "perform": can_perform and due,
            "assign": can_perform and due,
            "offer": can_perform and due,
            "correct": can_perform and latest is not None,
            "cancel": user.has_perm(CANCEL) and due,
            "spot_check": user.has_perm(SPOT_CHECK) and callback.status == Status.DONE,
        },
        "can_reveal_phone": user.has_perm(services.REVEAL_PERMISSION),
        "revealed_phone": selectors.callback_contact_phone(callback=callback) if shown else None,
    }, status=status)
    return reveal.unstored(response) if shown else response


@never_cache
@staff_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def reveal_phone(request, pk):
    """Show the number to call on the callback's page; logged."""
    callback = selectors.callback_detail(callback_id=pk)
    return reveal.reveal_in_place(
        request, key=f"callback:{callback.pk}",
        reveal=lambda **at: services.callback_reveal_phone(callback=callback, user=request.user, **at),
        back_url=reverse("callbacks:detail", args=[pk]),
    )


def _perform(callback, data, user, now):
    signature = None
    if data["method"] == Method.FACE_TO_FACE and data["signature"]:
        try:
            signature = signature_from_data_url(data["signature"])
        except ValidationError as error:
            raise ValidationError({"signature": error.messages}) from None
    result = services.callback_perform(
        callback=callback, method=data["method"], satisfaction=data["satisfaction"], quality=data["quality"],
        effect=data["effect"], shortcomings=data["shortcomings"], suggestions=data["suggestions"],
        owner_words=data["owner_words"] if data["method"] == Method.PHONE else "",
        signature_png=signature, signer_name=data["signer_name"] if data["method"] == Method.FACE_TO_FACE else "",
        now=now, actor=user,
    )
    callback.refresh_from_db()
    if result.satisfaction == Satisfaction.UNSATISFIED:
        if callback.rectification_ordered_at is None:
            return _("Recorded. The owner is unsatisfied; the supervisors have been told.")
        if callback.complaint_id:
            return _("Recorded. The owner is unsatisfied: the complaint is back in progress for rectification, "
                     "and a new callback will be due once it is resolved again.")
        return _("Recorded. The owner is unsatisfied: the work order goes back for rework, "
                 "and a new callback will be due once it is completed again.")
    if callback.complaint_id:
        return _("Recorded. The owner is satisfied and the complaint is closed.")
    return _("Recorded. The owner is satisfied.")


def _correct(callback, data, user, now):
    services.callback_correct(
        callback=callback, reason=data["reason"], quality=data["quality"], effect=data["effect"],
        shortcomings=data["shortcomings"], suggestions=data["suggestions"], owner_words=data["owner_words"],
        now=now, actor=user,
    )
    return _("The correction is recorded as a new entry; the original stays on the record.")


def _assign(callback, data, user, now):
    choice = data["assignee"]
    assignee = user if choice == MINE else None
    if choice not in (MINE, NOBODY):
        assignee = get_object_or_404(get_user_model(), pk=choice)
    services.callback_assign(callback=callback, assignee=assignee, now=now, actor=user)
    return _("Assigned.") if assignee is not None else _("Nobody is assigned now.")


def _offer(callback, data, user, now):
    services.callback_offer_online(callback=callback, now=now, actor=user)
    return _("Offered to the owner: they have a link in their inbox to answer online.")


def _cancel(callback, data, user, now):
    services.callback_cancel(callback=callback, reason=data["reason"], now=now, actor=user)
    return _("The callback is cancelled; the reason is kept on the record.")


def _spot_check(callback, data, user, now):
    services.spot_check_record(callback=callback, method=data["method"], agrees=data["agrees"], note=data["note"],
                               now=now, actor=user)
    return _("Spot check recorded.")


# name: (form class or None, permission needed, what to do; it returns the success message).
ACTIONS = {
    "perform": (PerformForm, PERFORM, _perform),
    "correct": (CorrectForm, PERFORM, _correct),
    "assign": (AssignForm, PERFORM, _assign),
    "offer": (None, PERFORM, _offer),
    "cancel": (CancelForm, CANCEL, _cancel),
    "spot_check": (SpotCheckForm, SPOT_CHECK, _spot_check),
}


@staff_required
@permission_required(VIEW, raise_exception=True)
@require_POST
def action(request, pk, name):
    if name not in ACTIONS:
        raise Http404
    form_class, perm, run = ACTIONS[name]
    if perm and not request.user.has_perm(perm):
        raise PermissionDenied
    callback = selectors.callback_detail(callback_id=pk)
    form = None
    if form_class is AssignForm:
        form = AssignForm(request.POST, staff=selectors.callback_staff())
    elif form_class is not None:
        form = form_class(request.POST)
    return run_action(
        request, target=callback, form=form, run=run,
        rerender=lambda form: detail(request, pk, bound={name: form}, status=400),
        back_url=reverse("callbacks:detail", args=[pk]),
    )


@staff_required
@permission_required(VIEW, raise_exception=True)
def signature(request, pk):
    png = selectors.signature_of(result_id=pk)
    if not png:
        raise Http404
    response = HttpResponse(bytes(png), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- the week -----------------------------------------------------------------------


@staff_required
@permission_required(VIEW, raise_exception=True)
def week(request):
    today = timezone.localdate()
    start = _parse_day(request.GET.get("start")) or today
    start -= timedelta(days=start.weekday())  # the Monday of that week
    estate = _estate_from(request)
    days = selectors.week_calendar(start=start, estate=estate)
    extra = f"&estate={estate.pk}" if estate else ""
    return render(request, "callbacks/week.html", {
        "days": days, "start": start, "end": start + timedelta(days=6), "today": today, "estate": estate,
        "estates": Estate.objects.order_by("name"),
        "previous_url": f"?start={start - timedelta(days=7):%Y-%m-%d}{extra}",
        "next_url": f"?start={start + timedelta(days=7):%Y-%m-%d}{extra}",
        "this_week": start <= today <= start + timedelta(days=6),
        "total": sum(len(callbacks) for _day, callbacks in days),
    })


# ---- rates -----------------------------------------------------------------------


@staff_required
@permission_required(VIEW, raise_exception=True)
def rates(request):
    now = timezone.now()
    today = timezone.localdate(now)
    this_month = _month_start(today)
    month = _parse_month(request.GET.get("month")) or this_month - relativedelta(months=1)
    estates: dict[str, list] = {}
    for row in selectors.month_rates(month=month, as_of=now):
        estates.setdefault(row.estate_name, []).append(row)
    required = settings.CALLBACK_SPOT_CHECKS_PER_MONTH
    done = selectors.spot_checks_in_month(month=this_month)
    return render(request, "callbacks/rates.html", {
        "month": month, "estates": estates, "checks": selectors.rate_checks_of_month(month=month),
        "previous_month": month - relativedelta(months=1),
        "next_month": month + relativedelta(months=1) if month < this_month else None,
        "this_month": this_month, "spot_checks_done": done, "spot_checks_required": required,
        "spot_checks_percent": min(100, round(done * 100 / required)) if required else 100,
    })


# ---- rules -----------------------------------------------------------------------


@staff_required
@permission_required(VIEW_RULES, raise_exception=True)
def rules(request):
    estates = list(Estate.objects.order_by("name"))
    wanted = request.POST.get("estate") if request.method == "POST" else request.GET.get("estate")
    estate = next((e for e in estates if str(e.pk) == wanted), estates[0] if estates else None)
    form = RuleForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})

    def page(form):
        now = timezone.now()
        history = list(selectors.rule_history(estate=estate)) if estate else []
        current = []
        if estate is not None:
            for kind, label in Kind.choices:
                row = next((r for r in history if r.kind == kind and r.effective_from <= now), None)
                current.append({"kind": kind, "label": label,
                                "rule": rule_for(estate=estate, kind=kind, at=now),
                                "row": row, "special": kind in (Kind.SPECIAL_MIDTERM, Kind.SPECIAL_COMPLETION)})
        return render_form(request, "callbacks/rules.html", form, estates=estates, estate=estate, current=current,
                           history=history, can_change=request.user.has_perm(CHANGE_RULES))

    if request.method != "POST":
        return page(form)
    if not request.user.has_perm(CHANGE_RULES):
        raise PermissionDenied
    if estate is None:
        raise Http404
    return run_action(
        request, target=estate, form=form, rerender=page,
        run=lambda estate, data, user, now: services.callback_rule_set(
            estate=estate, kind=data["kind"], days=data["days"] or 0, months=data["months"] or 0,
            by_day_of_next_month=data["by_day_of_next_month"], required_rate=data["required_rate"],
            required_rate_bank=data["required_rate_bank"], now=now, actor=user,
        ),
        message=lambda rule: _(
            "New rule for %(kind)s in force from now: it applies to callbacks created from now on. "
            "Callbacks already due keep their date.") % {"kind": rule.get_kind_display()},
        done_url=f"{reverse('callbacks:rules')}?estate={estate.pk}",
    )


# ---- spot checks ---------------------------------------------------------------------


@staff_required
@permission_required(SPOT_CHECK, raise_exception=True)
def spot_checks(request):
    now = timezone.now()
    this_month = _month_start(timezone.localdate(now))
    since = now - timedelta(days=SPOT_CHECK_WINDOW_DAYS)
    checks = list(selectors.spot_checks_of_month(month=this_month))
    required = settings.CALLBACK_SPOT_CHECKS_PER_MONTH
    return render(request, "callbacks/spot_checks.html", {
        "checks": checks, "month": this_month, "required": required,
        "percent": min(100, round(len(checks) * 100 / required)) if required else 100,
        # until is exclusive: a callback done this very second is a candidate too
        "candidates": selectors.spot_check_candidates(since=since, until=now + timedelta(seconds=1), limit=10),
        "window_days": SPOT_CHECK_WINDOW_DAYS,
    })


urlpatterns = [
    path("", queue, name="queue"),
    path("week/", week, name="week"),
    path("rates/", rates, name="rates"),
    path("rules/", rules, name="rules"),
    path("spot-checks/", spot_checks, name="spot_checks"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/phone/", reveal_phone, name="reveal_phone"),
    path("<int:pk>/<slug:name>/", action, name="action"),
    path("results/<int:pk>/signature.png", signature, name="signature"),
]
