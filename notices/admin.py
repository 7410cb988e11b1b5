from django.contrib import admin

from notices.models import Notice, NoticeEvent
from propertydesk.admin import ReadOnlyAdmin


class NoticeEventInline(admin.TabularInline):
    model = NoticeEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "from_status", "to_status", "note"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "estate", "kind", "emergency", "status", "published_at", "households", "read_households"]
    list_filter = ["status", "kind", "emergency", "estate"]
    search_fields = ["title"]
    inlines = [NoticeEventInline]
