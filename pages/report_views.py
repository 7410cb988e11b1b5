"""The supervisors' month reports (issue 16): the list of the reports stored by the
pages.month_report job, one month's report (printable on A4), and its .xlsx made from
the stored report on request. For whoever may open the dashboard."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, register_converter

from pages import reports
from pages.dashboard import AGE_LABELS
from pages.models import DashboardReport
from propertydesk.web import staff_required


class MonthConverter:
    """A month in a URL: 2026-11."""

    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value: str) -> date:
        try:
            return date(int(value[:4]), int(value[5:]), 1)
        except ValueError as exc:  # 2026-13: no such month (a 404, not a 500)
            raise ValueError(value) from exc

    def to_url(self, value: date) -> str:
        return f"{value:%Y-%m}"


register_converter(MonthConverter, "month")


@staff_required
@permission_required("pages.view_monthfacts", raise_exception=True)
def report_list(request):
    return render(request, "pages/month_reports.html", {"reports": reports.report_list()})


def _report(month: date) -> DashboardReport:
    return get_object_or_404(DashboardReport, month=month)


@staff_required
@permission_required("pages.view_monthfacts", raise_exception=True)
def report_detail(request, month: date):
    report = _report(month)
    overall, estates = reports.report_parts(report)
    wanted = request.GET.get("estate", "")
    # An estate not in the report (or no number) shows all estates, as the dashboard does.
    chosen = next((part for part in estates if str(part.estate_id) == wanted), None)
    detail = chosen or overall
    kinds = []
    for part in [overall, *estates]:
        for rate in part.rates:
            if (rate.kind, rate.bank) not in [(k.kind, k.bank) for k in kinds]:
                kinds.append(rate)
    return render(request, "pages/month_report.html", {
        "report": report, "overall": overall, "estates": estates, "detail": detail, "chosen": chosen,
        "columns": [line.figure for line in overall.figures],
        "matrix": [(part, [part.by_key.get(figure.key) for figure in [line.figure for line in overall.figures]])
                   for part in [overall, *estates]],
        "kinds": kinds,
        "rate_matrix": [(part, [next((r for r in part.rates if (r.kind, r.bank) == (k.kind, k.bank)), None)
                                for k in kinds]) for part in [overall, *estates]],
        "age_labels": AGE_LABELS,
        "standing_parts": [part for part in [overall, *estates] if part.standing is not None],
        "standing_as_of": datetime.fromisoformat(report.data["standing_as_of"])
        if report.data.get("standing_as_of") else None,
        "previous": DashboardReport.objects.filter(month__lt=report.month).order_by("-month")
        .values_list("month", flat=True).first(),
        "next": DashboardReport.objects.filter(month__gt=report.month).order_by("month")
        .values_list("month", flat=True).first(),
    })


@staff_required
@permission_required("pages.view_monthfacts", raise_exception=True)
def report_download(request, month: date):
    report = _report(month)
    response = HttpResponse(reports.report_xlsx(report), content_type=reports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{reports.report_filename(report)}"'
    return response


urlpatterns = [
    path("dashboard/reports/", report_list, name="month_reports"),
    path("dashboard/reports/<month:month>/", report_detail, name="month_report"),
    path("dashboard/reports/<month:month>.xlsx", report_download, name="month_report_xlsx"),
]
