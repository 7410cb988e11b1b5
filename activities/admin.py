"""Activities in the admin are read-only: they are planned, recorded and held on the desk's
pages, through the services (a held activity's callbacks are made there)."""

from django.contrib import admin

from activities.models import Activity, ActivityEvent, Participation
from propertydesk.admin import ReadOnlyAdmin


class ParticipationInline(admin.TabularInline):
    model = Participation
    fields = ["unit", "owner", "resident", "people", "attended", "recorded_at", "recorded_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = ActivityEvent
    fields = ["at", "actor", "from_status", "to_status", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "estate", "kind", "starts_at", "status", "finished_at"]
    list_filter = ["estate", "kind", "status"]
    inlines = [ParticipationInline, EventInline]
