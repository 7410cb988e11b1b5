"""Renovations in the admin are read-only: they change only through their services (the
pages). Supervisors keep each estate's renovation policy here. ID numbers and phones are
never shown unmasked."""

from django.conf import settings
from django.contrib import admin

from propertydesk.admin import ReadOnlyAdmin
from renovation import services
from renovation.models import (
    Breach,
    DepositRefund,
    GateCheck,
    Inspection,
    Renovation,
    RenovationCharge,
    RenovationEvent,
    RenovationPolicy,
    WorkerPass,
)


@admin.register(RenovationPolicy)
class RenovationPolicyAdmin(admin.ModelAdmin):
    """An estate without a row follows settings.RENOVATION_POLICY_DEFAULTS. The write
    goes through the service, which checks the working hours."""

    list_display = ["estate", "owner_deposit", "contractor_deposit", "rubbish_fee_per_m2", "pass_fee", "refund_days",
                    "refund_months_floors_altered", "pass_warning_days", "inspection_working_days", "work_windows"]

    def get_readonly_fields(self, request, obj=None):
        return ["estate"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        defaults = {name: value for name, value in settings.RENOVATION_POLICY_DEFAULTS.items()}
        defaults["work_windows"] = ",".join(defaults["work_windows"])
        defaults["days_off"] = ",".join(str(day) for day in defaults["days_off"])
        return {**defaults, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        # The admin form ran the model's checks (RenovationPolicy.clean) already.
        saved = services.renovation_policy_save(
            estate=obj.estate, actor=request.user,
            **{field: getattr(obj, field) for field in RenovationPolicy.VALUE_FIELDS})
        obj.pk = saved.pk


class EventInline(admin.TabularInline):
    model = RenovationEvent
    fields = ["at", "from_status", "to_status", "note", "data", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Renovation)
class RenovationAdmin(ReadOnlyAdmin):
    list_display = ["number", "unit", "owner", "status", "planned_start", "planned_end", "permit_number",
                    "deposits_due_on"]
    list_filter = ["status", "estate", "floors_altered", "rubbish_fee_declined"]
    search_fields = ["number", "permit_number", "unit__number", "contractor_name"]
    exclude = ["contractor_lead_id_number", "contractor_lead_phone"]
    inlines = [EventInline]


@admin.register(RenovationCharge)
class RenovationChargeAdmin(ReadOnlyAdmin):
    list_display = ["renovation", "kind", "amount", "receipt", "payer_name", "paid_at"]
    list_filter = ["kind"]
    search_fields = ["renovation__number", "receipt__number"]


@admin.register(DepositRefund)
class DepositRefundAdmin(ReadOnlyAdmin):
    list_display = ["voucher_number", "deposit", "deducted", "amount", "method", "payee_name", "paid_at", "paid_by"]
    search_fields = ["voucher_number"]


@admin.register(WorkerPass)
class WorkerPassAdmin(ReadOnlyAdmin):
    list_display = ["serial", "renovation", "holder_name", "holder_id_masked", "valid_from", "valid_to", "revoked_at",
                    "returned_at"]
    list_filter = ["revoke_reason"]
    search_fields = ["serial", "holder_name", "renovation__number"]
    exclude = ["holder_id_number"]


@admin.register(GateCheck)
class GateCheckAdmin(ReadOnlyAdmin):
    list_display = ["checked_at", "code", "result", "worker_pass", "checked_by"]
    list_filter = ["result"]
    search_fields = ["code"]


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdmin):
    list_display = ["renovation", "rule", "deposit_kind", "penalty", "status", "proposed_at", "decided_by"]
    list_filter = ["status"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["renovation", "requested_at", "inspected_at", "passed", "inspector"]
    list_filter = ["passed"]
