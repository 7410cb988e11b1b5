"""Django admin for the registry. Encrypted phone and ID numbers are shown masked
and never put into an admin form: an unlogged reveal would defeat the reveal log."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from owners.models import (
    Building,
    Estate,
    Owner,
    OwnerPhone,
    OwnerAnonymisation,
    Ownership,
    PiiReveal,
    RegistryCheck,
    Resident,
    StaffMembership,
    Unit,
)
from propertydesk.admin import ReadOnlyAdmin


@admin.register(Estate)
class EstateAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "address", "service_phone", "language"]
    search_fields = ["name", "code"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "estate", "number", "floors"]
    list_filter = ["estate"]
    search_fields = ["number", "name"]


class OwnershipInline(admin.TabularInline):
    model = Ownership
    extra = 0
    autocomplete_fields = ["owner", "unit"]
    readonly_fields = ["created_at", "created_by"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["number", "estate", "building", "floor", "area"]
    list_filter = ["estate", "building"]
    search_fields = ["number"]
    list_select_related = ["estate", "building"]
    exclude = ["estate"]
    inlines = [OwnershipInline]


class OwnerPhoneInline(admin.TabularInline):
    model = OwnerPhone
    extra = 0
    fields = ["label", "masked", "is_primary"]
    readonly_fields = ["masked"]
    can_delete = True

    @admin.display(description=_("phone number"))
    def masked(self, obj):
        return obj.masked

    def has_add_permission(self, request, obj=None):
        # New numbers are entered on the staff pages, which validate and index them.
        return False


@admin.register(Owner)
class OwnerAdmin(admin.ModelAdmin):
    list_display = ["name", "id_type", "id_number_masked", "preferred_channel", "language", "user"]
    list_filter = ["preferred_channel", "language", "id_type"]
    search_fields = ["name"]
    exclude = ["id_number"]
    readonly_fields = ["id_number_masked", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    inlines = [OwnerPhoneInline, OwnershipInline]

    @admin.display(description=_("ID number"))
    def id_number_masked(self, obj):
        return obj.id_number_masked


@admin.register(Ownership)
class OwnershipAdmin(admin.ModelAdmin):
    list_display = ["unit", "owner", "start_date", "end_date", "move_in_date", "move_out_date"]
    list_filter = ["unit__estate"]
    autocomplete_fields = ["unit", "owner"]
    search_fields = ["unit__number", "owner__name"]
    list_select_related = ["unit__estate", "owner"]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "relation", "phone_masked", "move_in_date", "move_out_date"]
    list_filter = ["relation"]
    search_fields = ["name", "unit__number"]
    exclude = ["phone"]
    readonly_fields = ["phone_masked"]
    autocomplete_fields = ["unit"]

    @admin.display(description=_("phone number"))
    def phone_masked(self, obj):
        return obj.phone_masked


@admin.register(PiiReveal)
class PiiRevealAdmin(ReadOnlyAdmin):
    """The reveal log is evidence: nobody edits or deletes it."""

    list_display = ["revealed_at", "user", "owner", "field", "reason", "record_number", "via", "ip_address"]
    list_filter = ["field", "via"]
    date_hierarchy = "revealed_at"


@admin.register(OwnerAnonymisation)
class OwnerAnonymisationAdmin(ReadOnlyAdmin):
    """Who anonymised which owner, when and why: evidence, like the reveal log."""

    list_display = ["anonymised_at", "owner", "anonymised_by", "reason"]
    date_hierarchy = "anonymised_at"


@admin.register(RegistryCheck)
class RegistryCheckAdmin(admin.ModelAdmin):
    list_display = ["check_date", "units_without_owner", "owners_without_phone", "owners_without_unit"]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    """Who works in which department of which estate: the people a complaint routed to a
    department may be given to."""

    list_display = ["user", "estate", "department"]
    list_filter = ["estate", "department"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]
    list_select_related = ["user", "estate"]
    raw_id_fields = ["user"]
