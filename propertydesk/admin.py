from django.contrib import admin

from propertydesk.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["name", "as_of", "started_at", "finished_at", "ok"]
    list_filter = ["name", "ok"]
    readonly_fields = ["name", "as_of", "started_at", "finished_at", "ok", "summary"]
