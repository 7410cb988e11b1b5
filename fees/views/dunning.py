"""Dunning, arrears and report pages: the month's payment reminders and the printed
door-delivery notices, the arrears by age with each unit's case and measures, the
month report, the day's takings, the income and spending statements for owners, and
their .xlsx downloads. Thin: parse, call a service or a read, render."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fees import reports, selectors, services
from fees.models import (
    MEASURE_ORDER,
    ArrearsCase,
    ArrearsMeasure,
    ArrearsReason,
    Bill,
    DunningNotice,
    FeePolicy,
    IncomeStatement,
    IncomeStatementLine,
    MeasureKind,
    NoticeChannel,
    NoticeStatus,
    PaymentMethod,
    StatementLineKind,
)
from owners.models import Estate, Unit
from owners.selectors import owner_of_record
from propertydesk.actions import run_action
from propertydesk.limits import max_length
from propertydesk.paging import IdsFirstPaginator
from propertydesk.web import DATE_INPUT, BusinessDateField, query_day, staff_required

VIEW_NOTICES = "fees.view_dunningnotice"
VIEW_ARREARS = "fees.view_arrearscase"
VIEW_REPORTS = "fees.view_monthreport"
VIEW_STATEMENTS = "fees.view_incomestatement"


# ---- parsing ------------------------------------------------------------------------------------

def _month(value: str | None) -> date | None:
    return query_day(value, "%Y-%m")


def _day(value: str | None) -> date | None:
    return query_day(value)


def _estate(request) -> Estate | None:
    return estate_param(request.GET)


def estate_param(params) -> Estate | None:
    """The estate a query string names (``?estate=<id>``), if any."""
    pk = params.get("estate") or ""
    return Estate.objects.filter(pk=pk).first() if pk.isdigit() else None


def _back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# ---- dunning: the month's notices -------------------------------------------------------------

@staff_required
@permission_required(VIEW_NOTICES, raise_exception=True)
def dunning(request):
    today = timezone.localdate()
    estate = _estate(request)
    # Before the first round of the month, the latest month that had reminders.
    period = _month(request.GET.get("period")) or selectors.latest_dunned_month(today=today, estate=estate)
    month_notices = DunningNotice.objects.filter(period=period)
    if estate is not None:
        month_notices = month_notices.filter(estate=estate)
    rounds = dict(month_notices.values_list("round").annotate(n=Count("pk")).order_by())
    requested = request.GET.get("round")
    round_ = int(requested) if requested in ("1", "2") else (2 if rounds.get(2) else 1)
    notices = selectors.notices_for(period=period, round_=round_, estate=estate)
    counts = {(row["channel"], row["status"]): row["n"]
              for row in notices.values("channel", "status").annotate(n=Count("pk")).order_by()}
    statuses = [s for s in NoticeStatus if any(k[1] == s for k in counts)] or [NoticeStatus.SENT]
    matrix = [
        {"channel": label, "key": key, "cells": [counts.get((key, s), 0) for s in statuses],
         "total": sum(counts.get((key, s), 0) for s in statuses)}
        for key, label in NoticeChannel.choices if any(k[0] == key for k in counts)
    ]
    status, channel = request.GET.get("status") or "", request.GET.get("channel") or ""
    listed = notices.select_related("estate")
    if status in NoticeStatus.values:
        listed = listed.filter(status=status)
    if channel in NoticeChannel.values:
        listed = listed.filter(channel=channel)
    # The rows of the list are counted in the table above already.
    listed_count = sum(n for (c, s), n in counts.items() if status in ("", s) and channel in ("", c))
    page = IdsFirstPaginator(listed, 50, count=listed_count).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "fees/dunning/notices.html", {
        "period": period, "previous": period.replace(day=1) - _one_month(), "next": period + _one_month(),
        "this_month": today.replace(day=1), "round": round_, "rounds": rounds, "estate": estate,
        "estates": Estate.objects.order_by("name"), "matrix": matrix,
        "statuses": [(s.value, s.label) for s in statuses],
        "status_totals": [sum(counts.get((c, s), 0) for c in NoticeChannel.values) for s in statuses],
        "total": sum(counts.values()), "to_print": counts_total(counts, status=NoticeStatus.TO_PRINT),
        "status": status, "channel": channel, "page": page, "query_string": query.urlencode(),
        "status_choices": NoticeStatus.choices, "channel_choices": NoticeChannel.choices,
        "can_deliver": request.user.has_perm("fees.change_dunningnotice"),
        "dunning_days": _dunning_days(estate),
    })


def _dunning_days(estate) -> dict[int, list[int]]:
    """{round: its days}: the estate's, or each day the estates use."""
    days = selectors.fee_policy_days(estate_ids=[estate.pk] if estate else None)
    return {1: days["first_dunning_day"], 2: days["second_dunning_day"]}


def counts_total(counts: dict, *, status: str) -> int:
    return sum(n for (_channel, s), n in counts.items() if s == status)


def _one_month():
    from dateutil.relativedelta import relativedelta

    return relativedelta(months=1)


PRINT_MONTHS = 5


@staff_required
@permission_required(VIEW_NOTICES, raise_exception=True)
def dunning_print(request):
    """The printed notices for door delivery: two A5 notices on each A4 sheet."""
    period = _month(request.GET.get("period")) or timezone.localdate().replace(day=1)
    round_ = 2 if request.GET.get("round") == "2" else 1
    notices = selectors.notices_for(period=period, round_=round_, estate=_estate(request)).select_related(
        "estate", "owner")
    if request.GET.get("notice", "").isdigit():
        notices = notices.filter(pk=request.GET["notice"])
    else:
        notices = notices.filter(status=NoticeStatus.TO_PRINT)
    notices = list(notices)
    owing = defaultdict(list)
    for bill in Bill.objects.filter(unit_id__in={n.unit_id for n in notices}, status__in=selectors.OWING).order_by(
            "period", "pk"):
        owing[bill.unit_id].append(bill)
    for notice in notices:
        bills = owing.get(notice.unit_id, [])
        notice.total_owed = sum((b.owing for b in bills), Decimal("0.00"))
        # An A5 sheet holds about six months; older months are summed on one line.
        notice.rows = [{"label": f"{b.period:%Y-%m}", "amount": b.owing} for b in bills[-PRINT_MONTHS:]]
        if len(bills) > PRINT_MONTHS:
            older = bills[:-PRINT_MONTHS]
            notice.rows.insert(0, {"label": f"{older[0].period:%Y-%m} – {older[-1].period:%Y-%m}",
                                   "months": len(older), "amount": sum((b.owing for b in older), Decimal("0.00"))})
        notice.row_pairs = [notice.rows[i:i + 2] for i in range(0, len(notice.rows), 2)]
    sheets = [notices[i:i + 2] for i in range(0, len(notices), 2)]
    return render(request, "fees/dunning/print.html", {
        "period": period, "round": round_, "sheets": sheets, "count": len(notices),
        "today": timezone.localdate(), "methods": PaymentMethod.choices,
    })


@staff_required
@require_POST
@permission_required("fees.change_dunningnotice", raise_exception=True)
def notice_delivered(request, pk):
    notice = get_object_or_404(DunningNotice.objects.select_related("unit"), pk=pk)
    return run_action(
        request, target=notice, form=None,
        run=lambda notice, _data, user, now: services.notice_mark_delivered(notice=notice, now=now, actor=user),
        message=_("The notice to %(unit)s is marked delivered.") % {"unit": notice.unit.number},
        back_url=_back(request, f"{reverse('fees:dunning')}?period={notice.period:%Y-%m}&round={notice.round}"),
    )


# ---- arrears ----------------------------------------------------------------------------------

@staff_required
@permission_required(VIEW_ARREARS, raise_exception=True)
def arrears(request):
    as_of = timezone.localdate()
    estate = _estate(request)
    bucket = request.GET.get("bucket") or ""
    # The fee policies read once; one grouped query for the summary (it gives the counts);
    # the list reads its page only.
    policies = selectors.fee_policies(estate_ids=[estate.pk] if estate else None)
    summary = selectors.aging_summary(as_of=as_of, estate=estate, policies=policies)
    if bucket not in {row["bucket"] for row in summary}:
        bucket = ""
    for row in summary:
        row["label"] = reports.bucket_label(row["bucket"])
    listed = [row for row in summary if not bucket or row["bucket"] == bucket]
    rows = selectors.arrears_list(as_of=as_of, estate=estate, bucket=bucket, summary=summary, policies=policies)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = reports.arrears_lines(list(page.object_list), policies=policies)
    query = request.GET.copy()
    query.pop("page", None)
    estates = list(Estate.objects.order_by("name"))
    refuser_rules = {(p.refuser_months, p.refuser_months_after_lawyer) for p in policies.values()}
    return render(request, "fees/dunning/arrears.html", {
        "as_of": as_of, "estate": estate, "estates": estates,
        "bucket": bucket, "summary": summary, "page": page, "query_string": query.urlencode(),
        "units": sum(r["units"] for r in summary), "owed": sum((r["owed"] for r in summary), Decimal("0.00")),
        "refusers": reports.long_term_refusers(as_of=as_of, estate=estate, policies=policies),
        # The rule in numbers when the estates listed share it.
        "refuser_rule": next(iter(refuser_rules)) if len(refuser_rules) == 1 else None,
        "listed_units": sum(r["units"] for r in listed),
        "listed_owed": sum((r["owed"] for r in listed), Decimal("0.00")),
    })


class CaseForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Why the unit is in arrears"), choices=ArrearsReason.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=max_length(ArrearsCase, "note"),
                           widget=forms.Textarea(attrs={"rows": 2}))


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Measure taken"), choices=MeasureKind.choices)
    note = forms.CharField(label=gettext_lazy("Outcome"), required=False, max_length=max_length(ArrearsMeasure, "note"),
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=gettext_lazy("What the owner said or what was sent; when to follow up."))


@staff_required
@permission_required(VIEW_ARREARS, raise_exception=True)
def arrears_case(request, pk):
    unit = get_object_or_404(Unit.objects.select_related("estate", "building"), pk=pk)
    case = (ArrearsCase.objects.filter(unit=unit).select_related("opened_by")
            .prefetch_related(Prefetch("measures", queryset=ArrearsMeasure.objects.select_related("by"))).first())
    can_case = request.user.has_perm("fees.change_arrearscase" if case else "fees.add_arrearscase")
    can_measure = case is not None and request.user.has_perm("fees.add_arrearsmeasure")
    suggested = reports.next_measure(case)
    back_url = reverse("fees:arrears_case", args=[unit.pk])

    def page(case_form, measure_form, status=200):
        bills = list(selectors.unit_owing(unit=unit))
        as_of = timezone.localdate()
        overdue = [b for b in bills if b.due_on < as_of]
        months = selectors.months_in_arrears(oldest_period=overdue[0].period, as_of=as_of) if overdue else 0
        done = {m.kind for m in case.measures.all()} if case else set()
        steps = [{"kind": k, "label": k.label, "done": k in done, "next": k == suggested} for k in MEASURE_ORDER]
        return render(request, "fees/dunning/arrears_case.html", {
            "unit": unit, "owner": owner_of_record(unit=unit), "case": case, "bills": bills,
            "owed": sum((b.owing for b in bills), Decimal("0.00")), "months": months,
            "bucket_label": reports.bucket_label(selectors.fee_policy(estate=unit.estate).bucket_of(months))
            if months else "",
            "case_form": case_form, "measure_form": measure_form, "can_case": can_case, "can_measure": can_measure,
            "suggested": MeasureKind(suggested).label, "steps": steps,
            "notices": DunningNotice.objects.filter(unit=unit).order_by("-period", "-round")[:12],
        }, status=status)

    case_form = CaseForm(initial={"reason": case.reason, "note": case.note} if case else None)
    measure_form = MeasureForm(initial={"kind": suggested})
    if request.method != "POST":
        return page(case_form, measure_form)
    action = request.POST.get("action")
    if action == "case" and can_case:
        return run_action(
            request, target=case, form=CaseForm(request.POST), run=partial(_case_save, unit),
            rerender=lambda form: page(form, measure_form, status=400),
            message=_("The case is saved."), back_url=back_url,
        )
    if action == "measure" and can_measure:
        return run_action(
            request, target=case, form=MeasureForm(request.POST),
            run=lambda case, data, user, now: services.arrears_measure_add(
                case=case, kind=data["kind"], note=data["note"], actor=user, now=now),
            rerender=lambda form: page(case_form, form, status=400),
            message=_("The measure is recorded."), back_url=back_url,
        )
    messages.error(request, _("You cannot change this case."))
    return redirect(back_url)


def _case_save(unit, case, data, user, now):
    if case is None:
        return services.arrears_case_open(unit=unit, reason=data["reason"], note=data["note"], actor=user, now=now)
    return services.arrears_case_update(case=case, reason=data["reason"], note=data["note"], actor=user, now=now)


# ---- reports ------------------------------------------------------------------------------------

@staff_required
@permission_required(VIEW_REPORTS, raise_exception=True)
def reports_page(request):
    today = timezone.localdate()
    month = _month(request.GET.get("month")) or selectors.last_month(today)
    estates = reports.report_estates()
    overall, per_estate, stored = reports.month_report(month=month, as_of=timezone.now(), estates=estates,
                                                       as_of_is_now=True)
    return render(request, "fees/reports/month.html", {
        "month": month, "this_month": today.replace(day=1), "previous": month - _one_month(),
        "next": month + _one_month() if month < today.replace(day=1) else None,
        "overall": overall, "estates": per_estate, "stored": overall if stored else None,
        # The report of all estates is made once every estate's report day has come.
        "report_day": max((estate.policy.report_day for estate in estates),
                          default=FeePolicy.with_defaults().report_day),
    })


@staff_required
@permission_required(VIEW_REPORTS, raise_exception=True)
def month_xlsx(request):
    """The month report as .xlsx: the one stored on the report day if it was made, else the
    figures as they are now."""
    month = _month(request.GET.get("month")) or selectors.last_month(timezone.localdate())
    now = timezone.now()
    overall, per_estate, stored = reports.month_report(month=month, as_of=now, as_of_is_now=True)
    sheets = reports.month_report_sheets(overall=overall, estates=per_estate, month=month,
                                         generated_at=overall.generated_at if stored else now)
    return reports.xlsx_response(f"fee-report-{month:%Y-%m}.xlsx", sheets)


def _takings(request) -> tuple[dict, Estate | None]:
    day, estate = takings_day(request.GET, now=timezone.now())
    return selectors.daily_takings(day=day, estate=estate), estate


def takings_day(params, *, now) -> tuple[date, Estate | None]:
    """The day (today unless one is chosen) and the estate (or all) of the takings page's
    query string: for the page, its .xlsx and the day's payments (fees/exports.py)."""
    return _day(params.get("day")) or timezone.localdate(now), estate_param(params)


# The day's takings are the desk's own reconciliation of its drawer (002 6.16): whoever
# sees payments sees them.
@staff_required
@permission_required("fees.view_payment", raise_exception=True)
def takings(request):
    data, estate = _takings(request)
    methods = dict(PaymentMethod.choices)
    for row in data["by_method"]:
        row["label"] = methods.get(row["method"], row["method"])
    for row in data["by_staff"]:
        row["name"] = reports.staff_name(row)
    day = data["day"]
    return render(request, "fees/reports/takings.html", {
        "takings": data, "day": day, "estate": estate, "estates": Estate.objects.order_by("name"),
        "count": sum(r["count"] for r in data["by_method"]), "today": timezone.localdate(),
        "previous": day.fromordinal(day.toordinal() - 1), "next": day.fromordinal(day.toordinal() + 1),
        "printed_at": timezone.now(),
    })


@staff_required
@permission_required("fees.view_payment", raise_exception=True)
def takings_xlsx(request):
    data = _takings(request)[0]
    return reports.xlsx_response(f"takings-{data['day']:%Y-%m-%d}.xlsx", reports.takings_sheets(data))


# ---- income and spending statements -----------------------------------------------------------

class StatementForm(forms.Form):
    estate = forms.ModelChoiceField(Estate.objects.order_by("name"), label=gettext_lazy("Estate"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120, required=False,
                            help_text=gettext_lazy("e.g. Income and spending, first half of 2026"))
    period_start = BusinessDateField(label=gettext_lazy("Period from"), widget=DATE_INPUT, required=False)
    period_end = BusinessDateField(label=gettext_lazy("Period to"), widget=DATE_INPUT, required=False)


class LineForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Income or spending"), required=False,
                             choices=[("", "—"), *StatementLineKind.choices])
    category = forms.CharField(label=gettext_lazy("Category"), max_length=60, required=False)
    amount = forms.DecimalField(label=gettext_lazy("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=0,
                                required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("category") or data.get("amount") is not None or data.get("note"))


LineFormSet = forms.formset_factory(LineForm, extra=0)
BLANK_LINES = 6


def _statement_form(request, statement: IncomeStatement | None):
    if statement is not None:
        initial = {"estate": statement.estate_id, "title": statement.title, "period_start": statement.period_start,
                   "period_end": statement.period_end}
        lines = [{"kind": ln.kind, "category": ln.category, "amount": ln.amount, "note": ln.note}
                 for ln in statement.lines.all()]
    else:
        initial, lines = {}, [{"kind": StatementLineKind.INCOME}, {"kind": StatementLineKind.SPENDING}]
    lines += [{} for _i in range(BLANK_LINES)]
    if request.method == "POST":
        return StatementForm(request.POST), LineFormSet(request.POST, prefix="lines")
    return StatementForm(initial=initial), LineFormSet(initial=lines, prefix="lines")


def _statement_edit(request, statement: IncomeStatement | None):
    form, formset = _statement_form(request, statement)

    def page(form, status=200):
        return render(request, "fees/reports/statement_form.html", {
            "form": form, "formset": formset, "statement": statement,
        }, status=status)

    def save(statement, data, user, now):
        if not formset.is_valid():
            raise ValidationError({})  # the lines say what is wrong with them
        filled = [f for f in formset.forms if not f.is_blank()]
        try:
            return services.income_statement_save(
                statement=statement, estate=data["estate"], title=data["title"], period_start=data["period_start"],
                period_end=data["period_end"], lines=[f.cleaned_data for f in filled], actor=user, now=now)
        except ValidationError as error:
            raise _on_lines(error, filled) from None

    if request.method != "POST":
        return page(form)
    formset.is_valid()  # an invalid statement form shows what is wrong with the lines too
    return run_action(
        request, target=statement, form=form, run=save, aliases={"lines": None},
        rerender=lambda form: page(form, status=400),
        message=_("The statement is saved. Check it, then publish it to the owners."),
        back_url=reverse("fees:statements"), done_url=lambda saved: reverse("fees:statement", args=[saved.pk]),
    )


def _on_lines(error: ValidationError, filled: list) -> ValidationError:
    """A service's errors about line 3 (``lines-2-amount``) go on that line's form; the
    rest stay for the statement's form."""
    if not hasattr(error, "error_dict"):
        return error
    rest = {}
    for key, errors in error.message_dict.items():
        if key.startswith("lines-"):
            _prefix, index, field = key.split("-", 2)
            filled[int(index)].add_error(field, errors)
        else:
            rest[key] = errors
    return ValidationError(rest)


@staff_required
@permission_required("fees.add_incomestatement", raise_exception=True)
def statement_new(request):
    return _statement_edit(request, None)


@staff_required
@permission_required("fees.change_incomestatement", raise_exception=True)
def statement_edit(request, pk):
    statement = get_object_or_404(IncomeStatement.objects.prefetch_related("lines"), pk=pk)
    if statement.published_at is not None:
        messages.error(request, _("A published statement is not changed; enter a correcting one."))
        return redirect("fees:statement", pk=pk)
    return _statement_edit(request, statement)


def _statements():
    return IncomeStatement.objects.select_related("estate", "entered_by").prefetch_related(
        Prefetch("lines", queryset=IncomeStatementLine.objects.order_by("kind", "pk")))


@staff_required
@permission_required(VIEW_STATEMENTS, raise_exception=True)
def statements(request):
    estate = _estate(request)
    rows = _statements()
    if estate is not None:
        rows = rows.filter(estate=estate)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(request, "fees/reports/statements.html", {
        "page": page, "estate": estate, "estates": Estate.objects.order_by("name"),
        "can_add": request.user.has_perm("fees.add_incomestatement"),
    })


@staff_required
@permission_required(VIEW_STATEMENTS, raise_exception=True)
def statement_detail(request, pk):
    statement = get_object_or_404(_statements(), pk=pk)
    lines = list(statement.lines.all())
    return render(request, "fees/reports/statement.html", {
        "statement": statement,
        "income": [ln for ln in lines if ln.kind == StatementLineKind.INCOME],
        "spending": [ln for ln in lines if ln.kind == StatementLineKind.SPENDING],
        "can_publish": statement.published_at is None and request.user.has_perm("fees.publish_incomestatement"),
        "can_edit": statement.published_at is None and request.user.has_perm("fees.change_incomestatement"),
    })


@staff_required
@require_POST
@permission_required("fees.publish_incomestatement", raise_exception=True)
def statement_publish(request, pk):
    statement = get_object_or_404(IncomeStatement, pk=pk)
    return run_action(
        request, target=statement, form=None,
        run=lambda statement, _data, user, now: services.income_statement_publish(
            statement=statement, actor=user, now=now),
        message=lambda _published: _("Published: the owners of %(estate)s see it in the portal.")
        % {"estate": statement.estate.name},
        back_url=reverse("fees:statement", args=[pk]),
    )


urlpatterns = [
    path("dunning/", dunning, name="dunning"),
    path("dunning/print/", dunning_print, name="dunning_print"),
    path("dunning/<int:pk>/delivered/", notice_delivered, name="notice_delivered"),
    path("arrears/", arrears, name="arrears"),
    path("arrears/units/<int:pk>/", arrears_case, name="arrears_case"),
    path("reports/", reports_page, name="reports"),
    path("reports/month.xlsx", month_xlsx, name="month_xlsx"),
    path("reports/takings/", takings, name="takings"),
    path("reports/takings.xlsx", takings_xlsx, name="takings_xlsx"),
    path("statements/", statements, name="statements"),
    path("statements/new/", statement_new, name="statement_new"),
    path("statements/<int:pk>/", statement_detail, name="statement"),
    path("statements/<int:pk>/edit/", statement_edit, name="statement_edit"),
    path("statements/<int:pk>/publish/", statement_publish, name="statement_publish"),
]
