"""Admin: supervisors tune the per-estate policy here. Complaints and suggestions are
read-only: their changes go through the services (the desk pages), never by hand."""

from django.contrib import admin

from complaints.models import Complaint, ComplaintEvent, ComplaintPolicy, Suggestion
from propertydesk.admin import ReadOnlyAdmin


@admin.register(ComplaintPolicy)
class ComplaintPolicyAdmin(admin.ModelAdmin):
    list_display = ["estate", "emergency_hours", "urgent_hours", "normal_hours", "repeat_threshold",
                    "repeat_window_days", "cluster_threshold", "cluster_window_days"]


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    fields = ["at", "kind", "from_status", "to_status", "message", "note", "public", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "category", "urgency", "status", "received_at", "promised_at", "department"]
    list_filter = ["status", "urgency", "category", "department", "estate"]
    search_fields = ["number", "unit__number", "contact_name"]
    exclude = ["contact_phone"]
    inlines = [EventInline]


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ["number", "subject", "status", "received_at", "decided_at"]
    list_filter = ["status", "estate"]
    search_fields = ["number", "subject"]
