"""The fee desk: find a unit's account and take a payment, the printable receipt, a
payment and its reversal, the bills of a month, the fee standards. Thin: parse, call
a service or selector, render."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fees import selectors, services
from fees.amount_words import rmb_upper
from fees.forms import BillFilterForm, FeeStandardForm, PaymentForm, ReverseForm, UnitFindForm
from fees.models import FeeStandard, PaymentMethod
from owners.models import Estate, Unit
from owners.selectors import unit_owners
from propertydesk.actions import render_form, run_action
from propertydesk.web import staff_required

VIEW_BILL = "fees.view_bill"


def _pick_estate(estates, value):
    return next((e for e in estates if str(e.pk) == str(value or "")), estates[0] if estates else None)


# ---- the fee desk -----------------------------------------------------------------------------


@staff_required
@permission_required(VIEW_BILL, raise_exception=True)
def home(request):
    """Find a unit by its room number, and the month's figures at a glance."""
    estates = list(Estate.objects.order_by("name"))
    estate = _pick_estate(estates, request.GET.get("estate"))
    form = UnitFindForm(request.GET if "unit_number" in request.GET else None,
                        initial={"estate": getattr(estate, "pk", None)})
    matches = None
    if form.is_bound and form.is_valid():
        number = form.cleaned_data["unit_number"]
        matches = selectors.units_by_number(estate=form.cleaned_data["estate"], number=number)
        if matches and (matches[0].number.upper() == number or len(matches) == 1):
            return redirect("fees:unit_account", pk=matches[0].pk)
        if not matches:
            form.add_error("unit_number", _("No room in %(estate)s starts with %(number)s.")
                           % {"estate": form.cleaned_data["estate"].name, "number": number})
    return render(request, "fees/desk/home.html", {
        "form": form, "matches": matches, "estates": estates, "estate": estate,
        "figures": selectors.desk_figures(now=timezone.now(), estate=estate),
        "fee_days": selectors.fee_policy_days(estate_ids=[estate.pk] if estate else None),
    })


# ---- a unit's account and taking a payment ------------------------------------------------------


def _account(request, unit, form, status=200, *, owners=None, bills=None):
    # The unit's bills are read once: what it owes and the preview come from the owing ones.
    bills = selectors.unit_bills(unit=unit) if bills is None else bills
    owing = [bill for bill in bills if bill.status in selectors.OWING]
    owed = sum((bill.owing for bill in owing), selectors.ZERO)
    amount = form["amount"].value() if form.is_bound else owed
    try:
        amount = Decimal(str(amount).strip()) if amount not in (None, "") else None
    except InvalidOperation:
        amount = None
    if amount is not None and not amount.is_finite():
        # "NaN" parses, then fails every comparison: the form says why, the preview shows nothing.
        amount = None
    return render(request, "fees/desk/unit_account.html", {
        "unit": unit, "owners": unit_owners(unit=unit) if owners is None else owners, "owed": owed,
        "bills": bills, "payments": selectors.unit_payments(unit=unit),
        "notices": selectors.unit_notices(unit=unit), "form": form,
        "preview": selectors.allocation_preview(unit=unit, amount=amount, owing=owing),
        "preview_over": amount is not None and amount > owed,
        "owing_bills": [{"number": b.number, "month": b.period.strftime("%Y-%m"), "owing": str(b.owing)}
                        for b in owing],
        "can_take": request.user.has_perm("fees.add_payment"), "today": timezone.localdate(),
    }, status=status)


@staff_required
@permission_required(VIEW_BILL, raise_exception=True)
def unit_account(request, pk):
    unit = get_object_or_404(Unit.objects.select_related("estate", "building"), pk=pk)
    if request.method != "POST":
        owners = unit_owners(unit=unit)
        bills = selectors.unit_bills(unit=unit)
        owed = sum((bill.owing for bill in bills if bill.status in selectors.OWING), selectors.ZERO)
        form = PaymentForm(initial={"amount": owed, "method": PaymentMethod.CASH,
                                    "payer_name": owners[0].name if owners else ""})
        return _account(request, unit, form, owners=owners, bills=bills)
    if not request.user.has_perm("fees.add_payment"):
        raise PermissionDenied
    return run_action(
        request, target=unit, form=PaymentForm(request.POST),
        run=lambda unit, data, user, now: services.payment_take(
            unit=unit, amount=data["amount"], method=data["method"], payer_name=data["payer_name"], now=now,
            actor=user),
        rerender=lambda form: _account(request, unit, form, status=400),
        message=lambda payment: _("¥%(amount)s received from %(payer)s: receipt %(number)s.") % {
            "amount": payment.amount, "payer": payment.payer_name, "number": payment.receipt.number},
        back_url=reverse("fees:unit_account", args=[unit.pk]),
        done_url=lambda payment: reverse("fees:receipt_print", args=[payment.receipt_id]),
    )


# ---- a payment, its reversal, the printed receipt ----------------------------------------------


def _payment_page(request, payment, form=None, status=200):
    can_reverse = request.user.has_perm("fees.reverse_payment") and payment.reversed_at is None
    return render(request, "fees/desk/payment.html", {
        "payment": payment, "can_reverse": can_reverse, "reverse_form": form or ReverseForm(),
    }, status=status)


@staff_required
@permission_required("fees.view_payment", raise_exception=True)
def payment(request, pk):
    return _payment_page(request, selectors.payment_detail(payment_id=pk))


@staff_required
@permission_required("fees.reverse_payment", raise_exception=True)
@require_POST
def payment_reverse(request, pk):
    payment = selectors.payment_detail(payment_id=pk)
    return run_action(
        request, target=payment, form=ReverseForm(request.POST),
        run=lambda payment, data, user, now: services.payment_reverse(
            payment=payment, reason=data["reason"], now=now, actor=user),
        rerender=lambda form: _payment_page(request, payment, form, status=400),
        message=_("Payment reversed: receipt %(number)s stays used and is marked reversed; "
                  "the bills owe again.") % {"number": payment.receipt.number},
        back_url=reverse("fees:payment", args=[payment.pk]),
    )


@staff_required
@permission_required("fees.view_receipt", raise_exception=True)
def receipt_print(request, pk):
    receipt = selectors.receipt_detail(receipt_id=pk)
    return render(request, "fees/desk/receipt_print.html", {
        "receipt": receipt, "payment": receipt.fee_payment, "amount_upper": rmb_upper(receipt.amount),
        "payer_language": selectors.payer_language(receipt),
        # Lazy: the sheet is printed in the payer's language, the page around it in the clerk's.
        "copies": [("payer", gettext_lazy("Payer's copy")), ("stub", gettext_lazy("Desk stub"))],
    })


# ---- bills ---------------------------------------------------------------------------------------


class CountedPaginator(Paginator):
    """A paginator told its count (the list's totals have it): no second COUNT of the rows."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count


def bill_rows(params, *, now):
    """The bills' filter form on ``params`` (a query string), its filters, the month
    shown (the latest billed month unless one is chosen) and the bills they select, in the
    list's order: for the page and its .xlsx (fees/exports.py)."""
    def latest():
        return selectors.latest_billed_month(now=now)

    form = BillFilterForm(params or None, initial={} if params else {"period": latest()})
    filters = form.cleaned_data if form.is_valid() else {}
    period = filters.get("period") or form.initial.get("period") or latest()
    rows = selectors.bill_list(period=period, estate_id=getattr(filters.get("estate"), "pk", None),
                               building_id=getattr(filters.get("building"), "pk", None),
                               status=filters.get("status") or "", query=filters.get("q") or "")
    return form, filters, period, rows


@staff_required
@permission_required(VIEW_BILL, raise_exception=True)
def bills(request):
    form, filters, period, rows = bill_rows(request.GET, now=timezone.now())
    totals = selectors.bill_totals(rows)
    page = CountedPaginator(rows, 50, count=totals["count"]).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    estate = filters.get("estate")
    return render(request, "fees/desk/bills.html", {
        "form": form, "period": period, "page": page, "totals": totals,
        "query_string": query_string.urlencode(),
        "fee_days": selectors.fee_policy_days(estate_ids=[estate.pk] if estate else None),
    })


@staff_required
@permission_required(VIEW_BILL, raise_exception=True)
def bill(request, pk):
    return render(request, "fees/desk/bill.html", {"bill": selectors.bill_detail(bill_id=pk)})


# ---- fee standards --------------------------------------------------------------------------------


@staff_required
@permission_required("fees.view_feestandard", raise_exception=True)
def standards(request):
    estates = list(Estate.objects.order_by("name"))
    estate = _pick_estate(estates, request.GET.get("estate"))
    today = timezone.localdate()
    groups = selectors.standards_by_state(estate=estate, on=today) if estate else {}
    sections = [("in_force", _("In force today"), "bi-check2-circle", groups.get("in_force", [])),
                ("coming", _("Coming into force"), "bi-calendar-plus", groups.get("coming", [])),
                ("past", _("No longer in force"), "bi-clock-history", groups.get("past", []))]
    return render(request, "fees/desk/standards.html", {
        "estates": estates, "estate": estate, "today": today, "sections": sections,
        "can_add": request.user.has_perm("fees.add_feestandard"),
        "can_change": request.user.has_perm("fees.change_feestandard"),
    })


def _standard_form(request, standard=None):
    if standard is not None:
        initial = {"estate": standard.estate_id, "building": standard.building_id, "item": standard.item,
                   "basis": standard.basis, "rate": standard.rate, "effective_from": standard.effective_from,
                   "effective_to": standard.effective_to}
    else:
        initial = {"estate": request.GET.get("estate") or None}
    form = FeeStandardForm(request.POST or None, initial=initial)
    if standard is not None:
        form.fields["estate"].disabled = True
    estate_id = standard.estate_id if standard is not None else (request.POST or request.GET).get("estate")
    if str(estate_id or "").isdigit():
        form.fields["building"].queryset = form.fields["building"].queryset.filter(estate_id=estate_id)

    def page(form):
        fee_days = selectors.fee_policy_days(estate_ids=[int(estate_id)] if str(estate_id or "").isdigit() else None)
        return render_form(request, "fees/desk/standard_form.html", form, standard=standard, fee_days=fee_days)

    if request.method != "POST":
        return page(form)
    return run_action(
        request, target=standard, form=form, rerender=page,
        run=lambda standard, data, user, now: services.fee_standard_save(
            estate=standard.estate if standard else data["estate"], building=data["building"],
            item=data["item"], basis=data["basis"], rate=data["rate"], effective_from=data["effective_from"],
            effective_to=data["effective_to"], actor=user, standard=standard,
        ),
        message=lambda saved: _("Fee standard saved: %(item)s.") % {"item": saved.item},
        done_url=lambda saved: f"{reverse('fees:standards')}?estate={saved.estate_id}",
    )


@staff_required
@permission_required("fees.add_feestandard", raise_exception=True)
def standard_new(request):
    return _standard_form(request)


@staff_required
@permission_required("fees.change_feestandard", raise_exception=True)
def standard_edit(request, pk):
    return _standard_form(request, get_object_or_404(FeeStandard.objects.select_related("estate", "building"), pk=pk))


@staff_required
@permission_required("fees.change_feestandard", raise_exception=True)
@require_POST
def standard_publish(request, pk):
    standard = get_object_or_404(FeeStandard, pk=pk)
    return run_action(
        request, target=standard, form=None,
        run=lambda standard, _data, user, now: services.fee_standard_publish(standard=standard, now=now, actor=user),
        message=_("Published to owners: %(item)s.") % {"item": standard.item},
        back_url=f"{reverse('fees:standards')}?estate={standard.estate_id}",
    )


urlpatterns = [
    path("", home, name="home"),
    path("standards/", standards, name="standards"),
    path("standards/new/", standard_new, name="standard_new"),
    path("standards/<int:pk>/edit/", standard_edit, name="standard_edit"),
    path("standards/<int:pk>/publish/", standard_publish, name="standard_publish"),
    path("bills/", bills, name="bills"),
    path("bills/<int:pk>/", bill, name="bill"),
    path("units/<int:pk>/", unit_account, name="unit_account"),
    path("payments/<int:pk>/", payment, name="payment"),
    path("payments/<int:pk>/reverse/", payment_reverse, name="payment_reverse"),
    path("receipts/<int:pk>/print/", receipt_print, name="receipt_print"),
]
