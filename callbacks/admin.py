"""Callbacks in the admin are read-only: staff cannot delete, skip or edit one there
either. Rules are kept here by supervisors;
activities are the activities app's."""

from django.contrib import admin

from callbacks.models import Callback, CallbackResult, CallbackRule, RateCheck, SpotCheck
from propertydesk.admin import ReadOnlyAdmin


@admin.register(CallbackRule)
class CallbackRuleAdmin(ReadOnlyAdmin):
    """Changed through the rules page (a new row effective now), never edited in place."""

    list_display = ["estate", "kind", "days", "months", "by_day_of_next_month", "required_rate",
                    "required_rate_bank", "effective_from", "created_by"]
    list_filter = ["estate", "kind"]


class ResultInline(admin.TabularInline):
    model = CallbackResult
    fields = ["at", "method", "satisfaction", "shortcomings", "owner_words", "corrects", "recorded_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["kind", "source_key", "owner", "due_on", "status", "assignee", "done_at"]
    list_filter = ["status", "kind", "estate"]
    search_fields = ["source_key", "contact_name"]
    inlines = [ResultInline]


@admin.register(SpotCheck)
class SpotCheckAdmin(ReadOnlyAdmin):
    list_display = ["callback", "at", "checked_by", "agrees"]


@admin.register(RateCheck)
class RateCheckAdmin(ReadOnlyAdmin):
    list_display = ["estate", "month", "kind", "payment", "owed", "done", "required_rate", "checked_at"]
    list_filter = ["estate", "kind"]
