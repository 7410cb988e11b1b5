"""The fee lists as .xlsx (propertydesk.exports): a month's bills, a day's payments (the
takings page's, one row each) and the arrears, the rows the pages show over all their
pages, through the same filters (views.desk.bill_rows, views.dunning.takings_day, the
arrears page's estate and age bucket)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fees import reports, selectors
from fees.models import BillStatus, Payment, PaymentMethod
from fees.views import desk, dunning
from propertydesk.exports import CHUNK_ROWS, Column, ListExport, People, Rows, ValuesRows, form_filters, labels, register

# ---- bills ---------------------------------------------------------------------------------


BILL_FIELDS = ("number", "period", "estate__name", "unit__building__name", "unit__building__number", "unit__number",
               "owner__name", "amount", "paid", "status", "due_on")


def _bill():
    status = labels(BillStatus.choices)

    def cells(v):
        number, period, estate, building_name, building_number, room, owner, amount, paid, status_, due_on = v
        return (number, f"{period:%Y-%m}", estate, building_name or building_number, room, owner, amount, paid,
                amount - paid, status[status_], due_on)
    return cells


def bill_rows(params, *, user, now):
    form, _filters, period, bills = desk.bill_rows(params, now=now)
    shown = [(label, value) for label, value in form_filters(form) if label != str(form.fields["period"].label)]
    return ValuesRows(bills, BILL_FIELDS, _bill(), filters=[(str(form.fields["period"].label), f"{period:%Y-%m}"), *shown])


register(ListExport(
    name="bills", title=gettext_lazy("Bills"), permission="fees.view_bill", list_url="fees:bills", rows=bill_rows,
    columns=(
        Column(gettext_lazy("Bill"), 24), Column(gettext_lazy("Month"), 9), Column(gettext_lazy("Estate"), 16),
        Column(gettext_lazy("Building"), 10), Column(gettext_lazy("Room"), 12), Column(gettext_lazy("Billed to"), 12),
        Column(gettext_lazy("Receivable (yuan)"), 14), Column(gettext_lazy("Paid (yuan)"), 14),
        Column(gettext_lazy("Owing (yuan)"), 14), Column(gettext_lazy("Status"), 12), Column(gettext_lazy("Pay by"), 11),
    ),
))


# ---- a day's payments -------------------------------------------------------------------------


PAYMENT_FIELDS = ("receipt__number", "received_at", "estate__name", "unit__number", "payer_name", "method", "amount",
                  "received_by_id", "received_by__first_name", "received_by__last_name", "received_by__username",
                  "reversed_at", "reversal_reason")


def _payment():
    method, people, nobody = labels(PaymentMethod.choices), People(), _("(online or bank)")

    def cells(v):
        (receipt, received_at, estate, room, payer, method_, amount, received_by, first, last, username, reversed_at,
         reason) = v
        return (receipt, received_at, estate, room, payer, method[method_], amount,
                people.name(received_by, first, last, username) or nobody, reversed_at, reason)
    return cells


def payment_rows(params, *, user, now):
    day, estate = dunning.takings_day(params, now=now)
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    payments = (Payment.objects.filter(received_at__gte=start, received_at__lt=start + timedelta(days=1))
                .order_by("received_at", "pk"))
    filters = [(_("Date"), f"{day:%Y-%m-%d}")]
    if estate is not None:
        payments = payments.filter(estate=estate)
        filters.append((_("Estate"), estate.name))
    return ValuesRows(payments, PAYMENT_FIELDS, _payment(), filters=filters)


register(ListExport(
    name="payments", title=gettext_lazy("Payments"), permission="fees.view_payment", list_url="fees:takings",
    rows=payment_rows,
    columns=(
        Column(gettext_lazy("Receipt"), 24), Column(pgettext_lazy("payment", "Received at"), 17), Column(gettext_lazy("Estate"), 16),
        Column(gettext_lazy("Room"), 12), Column(gettext_lazy("Received from"), 12), Column(gettext_lazy("Method"), 14),
        Column(gettext_lazy("Amount (yuan)"), 14), Column(gettext_lazy("Received by"), 12),
        Column(gettext_lazy("Reversed at"), 17), Column(gettext_lazy("Why reversed"), 24),
    ),
))


# ---- arrears -------------------------------------------------------------------------------


class ArrearsRows(Rows):
    """The arrears page's list (selectors.arrears_list), read a chunk at a time with each
    chunk's owners, cases and last measures (reports.arrears_lines)."""

    def __init__(self, *, as_of, estate, bucket: str):
        self.policies = selectors.fee_policies(estate_ids=[estate.pk] if estate else None)
        buckets = {key for key, _low, _high in selectors.aging_buckets(estate=estate, policies=self.policies)}
        bucket = bucket if bucket in buckets else ""  # as the page: an unknown bucket shows them all
        self.listed = selectors.arrears_list(as_of=as_of, estate=estate, bucket=bucket, policies=self.policies)
        self.filters = [(_("Day"), f"{as_of:%Y-%m-%d}")]
        if estate is not None:
            self.filters.append((_("Estate"), estate.name))
        if bucket:
            self.filters.append((_("In arrears for"), reports.bucket_label(bucket)))

    def count(self, *, limit: int | None = None) -> int:
        return len(self.listed)

    def chunks(self, size: int = CHUNK_ROWS):
        for start in range(0, len(self.listed), size):
            lines = reports.arrears_lines(self.listed[start:start + size], policies=self.policies)
            yield [[ln.row.unit_number, ln.owner_name, f"{ln.row.oldest:%Y-%m}", ln.row.months, ln.bucket_label,
                    ln.row.bills, ln.row.owed, ln.case.get_reason_display() if ln.case else "", ln.last_measure_label,
                    _("yes") if ln.is_long_term_refuser else ""] for ln in lines]


def arrears_rows(params, *, user, now):
    return ArrearsRows(as_of=timezone.localdate(now), estate=dunning.estate_param(params),
                       bucket=params.get("bucket") or "")


register(ListExport(
    name="arrears", title=gettext_lazy("Arrears"), permission=dunning.VIEW_ARREARS, list_url="fees:arrears",
    rows=arrears_rows,
    columns=(
        Column(gettext_lazy("Unit"), 14), Column(gettext_lazy("Owner"), 14), Column(gettext_lazy("Oldest month owed"), 16),
        Column(gettext_lazy("Months owed"), 8), Column(gettext_lazy("In arrears for"), 16), Column(gettext_lazy("Bills"), 8),
        Column(gettext_lazy("Owed (yuan)"), 14), Column(gettext_lazy("Reason"), 20),
        Column(gettext_lazy("Last measure"), 18), Column(gettext_lazy("Long-term refuser"), 16),
    ),
))
