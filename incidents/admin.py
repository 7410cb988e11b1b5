from django.contrib import admin

from incidents.models import EmergencyPlan, Incident, IncidentEvent, IncidentStep, PlanStep
from propertydesk.admin import ReadOnlyAdmin


class PlanStepInline(admin.TabularInline):
    model = PlanStep
    extra = 1
    fields = ["position", "text"]


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(admin.ModelAdmin):
    """An estate edits its plans here: the steps (copied into each incident when it is
    opened) and the callers' script."""

    list_display = ["estate", "kind"]
    list_filter = ["estate", "kind"]
    inlines = [PlanStepInline]

    def get_readonly_fields(self, request, obj=None):
        # one plan per estate and kind: made for every estate, never moved to another
        return ["estate", "kind"] if obj else []


class IncidentStepInline(admin.TabularInline):
    model = IncidentStep
    extra = 0
    can_delete = False
    readonly_fields = ["position", "text", "done_at", "done_by", "note"]


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "from_status", "to_status", "note"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["place", "estate", "kind", "status", "started_at", "closed_at"]
    list_filter = ["status", "kind", "estate"]
    search_fields = ["place", "description"]
    inlines = [IncidentStepInline, IncidentEventInline]
