from django.conf import settings
from django.contrib import admin

from gate.models import CardApplication, CardEvent, GatePolicy, GateReveal, ItemPass, ItemPassEvent, Visit
from propertydesk.admin import ReadOnlyAdmin


@admin.register(GatePolicy)
class GatePolicyAdmin(admin.ModelAdmin):
    """An estate without a row follows settings.GATE_POLICY_DEFAULTS; a change applies to
    the applications that come after it."""

    list_display = ["estate", "card_fee", "parking_fee", "ready_days"]

    def get_readonly_fields(self, request, obj=None):
        return ["estate"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        return dict(settings.GATE_POLICY_DEFAULTS)


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["visitor_name", "unit", "confirmed", "confirmed_how", "time_in", "time_out"]
    list_filter = ["confirmed", "estate"]
    exclude = ["id_number", "id_number_hash"]
    readonly_fields = ["id_number_masked"]


class ItemPassEventInline(admin.TabularInline):
    model = ItemPassEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "from_status", "to_status", "note"]


@admin.register(ItemPass)
class ItemPassAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "day", "applicant_name", "status", "released_at"]
    list_filter = ["status", "estate"]
    search_fields = ["number"]
    exclude = ["carrier_id_number", "owner_signature"]
    readonly_fields = ["carrier_id_masked"]
    inlines = [ItemPassEventInline]


class CardEventInline(admin.TabularInline):
    model = CardEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "from_status", "to_status", "note"]


@admin.register(CardApplication)
class CardApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "unit", "holder_name", "fee", "ready_on", "status"]
    list_filter = ["status", "kind", "estate"]
    search_fields = ["number", "card_number", "plate_number"]
    inlines = [CardEventInline]


@admin.register(GateReveal)
class GateRevealAdmin(ReadOnlyAdmin):
    list_display = ["revealed_at", "user", "field", "visit", "item_pass", "via"]
    list_filter = ["field"]
