"""REST API of the desk's daily and weekly reports (pages.DeskReport) under /api/v1/desk-reports:
the list (by kind, estate and days; without the figures) and one report with its sections
as JSON, each with the link to its page and its .xlsx. For the desk and the supervisors, as
the pages (pages/desk_report_views.py): finance and engineering get nothing."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from pages import desk_reports, selectors
from pages.models import DeskReport
from propertydesk.api import DayFilter, DisplayField, IdFilter, StaffOnlyPermission, named_choice_field

KindField = named_choice_field("DeskReportKindEnum", DeskReport.Period)


def _link(context, name: str, report: DeskReport) -> str:
    path = reverse(name, kwargs={"period": report.period, "day": f"{report.last_day:%Y-%m-%d}"})
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


class DeskReportSerializer(serializers.ModelSerializer):
    kind = KindField(source="period", read_only=True)
    kind_display = DisplayField("period")
    title = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The report's page.")
    xlsx_url = serializers.SerializerMethodField(help_text="The report as .xlsx.")

    class Meta:
        model = DeskReport
        fields = ["id", "kind", "kind_display", "title", "first_day", "last_day", "starts_at", "ends_at", "as_of",
                  "generated_at", "standing", "url", "xlsx_url"]
        read_only_fields = fields

    def get_title(self, report) -> str:
        return desk_reports.report_title(report)

    def get_url(self, report) -> str:
        return _link(self.context, "desk_report", report)

    def get_xlsx_url(self, report) -> str:
        return _link(self.context, "desk_report_xlsx", report)


class DeskReportColumnSerializer(serializers.Serializer):
    estate = serializers.IntegerField(allow_null=True, help_text="Null: all estates together.")
    name = serializers.CharField()


class DeskReportLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    money = serializers.BooleanField(help_text="Values in yuan, as strings with two decimals.")
    standing = serializers.BooleanField(help_text="What stood open when the report was made.")
    values = serializers.ListField(child=serializers.JSONField(allow_null=True),
                                   help_text="One per column: a count, an amount (string), or null.")


class DeskReportSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    lines = DeskReportLineSerializer(many=True)


class DeskReportDetailSerializer(DeskReportSerializer):
    columns = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()

    class Meta(DeskReportSerializer.Meta):
        fields = [*DeskReportSerializer.Meta.fields, "columns", "sections"]
        read_only_fields = fields

    def _estate_id(self):
        return self.context.get("estate_id")

    @extend_schema_field(DeskReportColumnSerializer(many=True))
    def get_columns(self, report):
        return [{"estate": pk, "name": str(name)}
                for name, pk, _sections in desk_reports.report_columns(report, estate_id=self._estate_id())]

    @extend_schema_field(DeskReportSectionSerializer(many=True))
    def get_sections(self, report):
        return [{"key": block.section.key, "title": str(block.section.title),
                 "lines": [{"key": row.line.key, "label": str(row.line.label), "money": row.line.money,
                            "standing": row.line.standing,
                            "values": [None if cell.value is None else str(cell.value) if row.line.money
                                       else cell.value for cell in row.cells]}
                           for row in block.rows]}
                for block in desk_reports.report_blocks(report, estate_id=self._estate_id(), links=False)]


class DeskReportFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(field_name="period", choices=DeskReport.Period.choices)
    estate = IdFilter(method="with_estate", label="estate id: the reports that count it (and, in one report, "
                                                   "its column beside all estates')")
    day_from = DayFilter(field_name="last_day", lookup_expr="gte", label="reports whose last day is on or after")
    day_to = DayFilter(field_name="last_day", lookup_expr="lte", label="reports whose last day is on or before")

    class Meta:
        model = DeskReport
        fields = []

    def with_estate(self, queryset, name, value):
        return queryset.filter(data__estates__contains=[{"estate": value}]) if value is not None else queryset


_REPORTS = ["pages.view_deskreport"]


class DeskReportViewSet(viewsets.ReadOnlyModelViewSet):
    """The desk's daily (日报) and weekly (周报) reports, kept as the jobs made them."""

    permission_classes = [StaffOnlyPermission]
    filterset_class = DeskReportFilter
    ordering_fields = ["last_day"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    staff_permissions = {"list": _REPORTS, "retrieve": _REPORTS}

    def get_queryset(self):
        return selectors.desk_reports_for_api(with_figures=self.action != "list")

    def get_serializer_class(self):
        return DeskReportSerializer if self.action == "list" else DeskReportDetailSerializer

    def get_serializer_context(self):
        raw = self.request.query_params.get("estate", "") if self.request else ""
        return {**super().get_serializer_context(), "estate_id": int(raw) if raw.isdigit() else None}
