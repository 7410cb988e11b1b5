"""The owner portal's fees: what I owe, my bills, payments and receipts, the payment
reminders I received, the published fee standards and the income and spending
statements of my estates. Thin: a selector, a render. Another owner's bill or receipt
is a 404, never a 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from fees import selectors
from propertydesk.web import owner_required


@owner_required
def portal_home(request, owner):
    owed = selectors.owner_owed(owner=owner)
    unit_ids = [unit.pk for unit, _owed, _bills in owed.units]   # read once, named to the lists below
    return render(request, "fees/portal/home.html", {
        "owner": owner, "owed": owed, "bills": selectors.owner_bills(owner=owner, unit_ids=unit_ids),
        "payments": selectors.owner_payments(owner=owner, unit_ids=unit_ids),
        "notices": selectors.owner_notices(owner=owner)[:20],
        # The units were read with their estates' fee policies.
        "fee_days": selectors.fee_policy_days(estates={unit.estate_id: unit.estate for unit, _o, _b in owed.units}
                                              .values()),
    })


@owner_required
def portal_bill(request, owner, pk):
    bill = get_object_or_404(selectors.bills_for_api(owner=owner), pk=pk)
    return render(request, "fees/portal/bill.html", {
        "owner": owner, "bill": bill, "allocations": list(bill.allocations.all()),
        "unit_owed": selectors.unit_owed(unit=bill.unit),
    })


@owner_required
def portal_receipt(request, owner, pk):
    receipt = get_object_or_404(selectors.owner_receipts(owner=owner), pk=pk)
    # A fee payment's receipt says which bills it settled; a paid service's has no bills.
    payment = selectors.payments_for_api(owner=owner).filter(receipt=receipt).first()
    return render(request, "fees/portal/receipt.html", {
        "owner": owner, "receipt": receipt, "payment": payment,
        "allocations": list(payment.allocations.all()) if payment else [],
    })


@owner_required
def portal_standards(request, owner):
    today = timezone.localdate()
    return render(request, "fees/portal/standards.html", {
        "owner": owner, "today": today, "estates": selectors.owner_standards_in_force(owner=owner, on=today),
    })


@owner_required
def portal_statements(request, owner):
    return render(request, "fees/portal/statements.html", {
        "owner": owner, "statements": selectors.owner_statements(owner=owner),
    })


urlpatterns = [
    path("portal/", portal_home, name="portal_home"),
    path("portal/bills/<int:pk>/", portal_bill, name="portal_bill"),
    path("portal/receipts/<int:pk>/", portal_receipt, name="portal_receipt"),
    path("portal/standards/", portal_standards, name="portal_standards"),
    path("portal/statements/", portal_statements, name="portal_statements"),
]
