"""The desk's daily and weekly reports (seed 002; pages.desk_reports): the list of the
reports kept (days, weeks, and for whoever may open the dashboard the month reports),
one report with each figure linked to the list behind it, and its .xlsx. For the desk
and the supervisors: these are the desk's own reports (002 6.16, 四.3). Finance has its
own day's takings page (fees); the reports count complaints, work orders and callbacks,
which are none of its business (domain §1)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _

from owners.models import Estate
from pages import desk_reports, reports
from pages.models import DeskReport
from propertydesk.web import query_day, staff_required

MONTH = "month"
PER_PAGE = 31


def _estate(params) -> Estate | None:
    value = params.get("estate") or ""
    return Estate.objects.filter(pk=int(value)).first() if value.isdigit() else None


@staff_required
@permission_required("pages.view_deskreport", raise_exception=True)
def report_list(request):
    may_months = request.user.has_perm("pages.view_monthfacts")
    periods = [(DeskReport.Period.DAY, DeskReport.Period.DAY.label), (DeskReport.Period.WEEK,
                                                                       DeskReport.Period.WEEK.label)]
    if may_months:
        periods.append((MONTH, _("Month reports")))
    period = request.GET.get("period") or DeskReport.Period.DAY
    if period not in dict(periods):
        period = DeskReport.Period.DAY
    estate = _estate(request.GET)
    if period == MONTH:
        rows = reports.report_list()
        page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    else:
        page = Paginator(DeskReport.objects.filter(period=period).order_by("-last_day"), PER_PAGE).get_page(
            request.GET.get("page"))
        for report in page.object_list:
            report.title = desk_reports.report_title(report)
            report.headline = desk_reports.headline(report, estate_id=estate.pk if estate else None)
    return render(request, "pages/desk_reports.html", {
        "page": page, "period": period, "periods": periods, "estate": estate,
        "estates": Estate.objects.order_by("name"), "is_month": period == MONTH,
    })


def _report(period: str, day: str) -> DeskReport:
    last_day = query_day(day)
    if period not in DeskReport.Period.values or last_day is None:
        raise Http404
    return get_object_or_404(DeskReport, period=period, last_day=last_day)


@staff_required
@permission_required("pages.view_deskreport", raise_exception=True)
def report_detail(request, period: str, day: str):
    report = _report(period, day)
    estate = _estate(request.GET)
    estate_id = estate.pk if estate and any(p["estate"] == estate.pk for p in report.data.get("estates", [])) \
        else None
    siblings = DeskReport.objects.filter(period=period)
    return render(request, "pages/desk_report.html", {
        "report": report, "title": desk_reports.report_title(report), "window": desk_reports.window_text(report),
        "columns": [name for name, _pk, _sections in desk_reports.report_columns(report, estate_id=estate_id)],
        "blocks": desk_reports.report_blocks(report, estate_id=estate_id),
        "estates": [(p["estate"], p["name"]) for p in report.data.get("estates", [])], "estate_id": estate_id,
        "previous": siblings.filter(last_day__lt=report.last_day).order_by("-last_day")
        .values_list("last_day", flat=True).first(),
        "next": siblings.filter(last_day__gt=report.last_day).order_by("last_day")
        .values_list("last_day", flat=True).first(),
    })


@staff_required
@permission_required("pages.view_deskreport", raise_exception=True)
def report_download(request, period: str, day: str):
    report = _report(period, day)
    response = HttpResponse(desk_reports.report_xlsx(report), content_type=desk_reports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{desk_reports.report_filename(report)}"'
    return response


urlpatterns = [
    path("desk/reports/", report_list, name="desk_reports"),
    path("desk/reports/<slug:period>/<str:day>/", report_detail, name="desk_report"),
    path("desk/reports/<slug:period>/<str:day>.xlsx", report_download, name="desk_report_xlsx"),
]
