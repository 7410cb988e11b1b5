"""The dashboard's data in the admin: each estate's targets kept here by supervisors;
the month facts and the month reports read-only (the pages.month_facts and
pages.month_report jobs write them)."""

from django import forms
from django.contrib import admin

from pages.figures import TARGET_CHOICES
from pages.models import DashboardReport, DashboardTarget, MonthFacts, StaffMonthFacts
from propertydesk.admin import ReadOnlyAdmin


class DashboardTargetForm(forms.ModelForm):
    figure = forms.ChoiceField(choices=TARGET_CHOICES)

    class Meta:
        model = DashboardTarget
        fields = ["estate", "figure", "target"]


@admin.register(DashboardTarget)
class DashboardTargetAdmin(admin.ModelAdmin):
    form = DashboardTargetForm
    list_display = ["estate", "figure", "target"]
    list_filter = ["estate"]


@admin.register(MonthFacts)
class MonthFactsAdmin(ReadOnlyAdmin):
    list_display = ["estate", "month", "as_of", "settled", "computed_at"]
    list_filter = ["estate", "settled"]


@admin.register(StaffMonthFacts)
class StaffMonthFactsAdmin(ReadOnlyAdmin):
    list_display = ["month", "estate", "person", "handled", "callbacks_done", "taken", "completed", "late_dispatch"]
    list_filter = ["estate", "month"]


@admin.register(DashboardReport)
class DashboardReportAdmin(ReadOnlyAdmin):
    list_display = ["month", "missed", "as_of", "generated_at"]
