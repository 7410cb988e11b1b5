from complaints.admin import ReadOnlyAdmin
from django.contrib import admin

from fees.models import BankCollectionCharge, Receipt


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "estate", "unit", "payer_name", "amount", "method", "issued_at"]
    list_filter = ["method", "estate"]
    search_fields = ["number", "payer_name"]


@admin.register(BankCollectionCharge)
class BankCollectionChargeAdmin(ReadOnlyAdmin):
    list_display = ["unit", "amount", "description", "created_at", "billed_at"]
