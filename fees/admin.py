from django.conf import settings
from django.contrib import admin

from fees import services
from fees.models import BankCollectionCharge, FeePolicy, Receipt
from propertydesk.admin import ReadOnlyAdmin


@admin.register(FeePolicy)
class FeePolicyAdmin(admin.ModelAdmin):
    """Supervisors set an estate's fee calendar and thresholds here; an estate without
    a row follows settings.FEE_POLICY_DEFAULTS. The form shows the model's errors by
    field; the write goes through the service."""

    list_display = ["estate", "bill_day", "pay_by_day", "first_dunning_day", "second_dunning_day", "report_day",
                    "aging_buckets", "refuser_months", "refuser_months_after_lawyer"]

    def get_readonly_fields(self, request, obj=None):
        return ["estate"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        return {**settings.FEE_POLICY_DEFAULTS, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        saved = services.fee_policy_save(estate=obj.estate, actor=request.user,
                                         **{field: getattr(obj, field) for field in FeePolicy.VALUE_FIELDS})
        obj.pk = saved.pk


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "estate", "unit", "payer_name", "amount", "method", "purpose_text", "issued_at"]
    list_filter = ["method", "estate"]
    search_fields = ["number", "payer_name"]


@admin.register(BankCollectionCharge)
class BankCollectionChargeAdmin(ReadOnlyAdmin):
    list_display = ["unit", "amount", "description_text", "created_at", "billed_at"]
