from django.contrib import admin

from propertydesk.models import JobRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that change only through their services (a complaint, a work order,
    a receipt) or never (an audit log): the admin shows them and nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "slot", "status", "as_of", "attempts", "worker", "started_at", "finished_at"]
    list_filter = ["status", "name"]
    readonly_fields = ["name", "slot", "status", "as_of", "attempts", "worker", "claimed_at", "started_at",
                       "heartbeat_at", "finished_at", "summary"]
