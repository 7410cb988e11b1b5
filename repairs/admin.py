from django.contrib import admin

from propertydesk.admin import ReadOnlyAdmin
from repairs.models import DispatchRule, PriceItem, Worker, WorkOrder, WorkOrderEvent


@admin.register(PriceItem)
class PriceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "estate", "trade", "price", "unit_label", "active"]
    list_filter = ["estate", "trade", "active"]
    search_fields = ["name"]


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["estate", "kind", "mode", "minutes"]
    list_filter = ["estate", "mode"]


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    list_display = ["user", "estate", "trades", "on_duty", "last_assigned_at"]
    list_filter = ["estate", "on_duty"]
    raw_id_fields = ["user"]


class EventInline(admin.TabularInline):
    model = WorkOrderEvent
    fields = ["at", "from_status", "to_status", "note", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "kind", "trade", "status", "registered_at", "dispatched_at", "worker"]
    list_filter = ["status", "kind", "trade", "estate"]
    search_fields = ["number", "unit__number", "requester_name"]
    exclude = ["requester_phone"]
    inlines = [EventInline]
