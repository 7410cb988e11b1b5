"""REST API of fees: /api/v1/fee-standards, /api/v1/bills, /api/v1/payments,
/api/v1/dunning-notices, /api/v1/arrears, /api/v1/month-reports.

The same rules as the pages: staff need the model permission for each action (view to
read; add_payment to take a payment; reversing is a supervisor's, checked by the
service; change_dunningnotice to mark a printed notice delivered). An owner reads the
bills, payments and receipts of the units they own now, the reminders addressed to
them and the published fee standards of their estates; anything else is a 404. Arrears
are the office's business: staff only. Every write is a fees.services call, so the
oldest-first allocation, the gapless receipt numbers and the checks are the pages' own.
Money is a string with two decimals (exact yuan); a month is written YYYY-MM.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import decorators, mixins, serializers, status, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from fees import selectors, services
from fees.models import (
    Allocation,
    Basis,
    Bill,
    BillLine,
    BillStatus,
    DunningNotice,
    FeeStandard,
    LineKind,
    MonthReport,
    NoticeChannel,
    NoticeStatus,
    Payment,
    PaymentMethod,
)
from owners.models import Estate, Unit
from propertydesk.api import (
    NULLABLE_STR,
    DayFilter,
    DisplayField,
    IdFilter,
    ListFiltersOnly,
    MomentFilter,
    RecordActions,
    StaffOnlyPermission,
    StaffOrOwnerPermission,
    context_is_staff,
    money_field,
    named_choice_field,
    service_errors,
    user_name,
)
from propertydesk.limits import max_length
from propertydesk.roles import is_staff_member, owner_of

# ---- helpers ------------------------------------------------------------------


FeeBasisField = named_choice_field("FeeBasisEnum", Basis)
BillStatusField = named_choice_field("BillStatusEnum", BillStatus)
BillLineKindField = named_choice_field("BillLineKindEnum", LineKind)
FeePaymentMethodField = named_choice_field("FeePaymentMethodEnum", PaymentMethod)
NoticeChannelField = named_choice_field("DunningNoticeChannelEnum", NoticeChannel)
NoticeStatusField = named_choice_field("DunningNoticeStatusEnum", NoticeStatus)

_MONTH_SCHEMA = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"}


@extend_schema_field(_MONTH_SCHEMA)
class MonthField(serializers.Field):
    """A month (the model keeps its first day), written YYYY-MM."""

    def to_representation(self, value):
        return value.strftime("%Y-%m")


# ---- filters ------------------------------------------------------------------


@extend_schema_field(_MONTH_SCHEMA)
class MonthFilter(DayFilter):
    """``period=2026-11``: the bills or notices of that month."""

    def __init__(self, **kwargs):
        super().__init__(field_name="period", input_formats=["%Y-%m"], label="month, YYYY-MM", **kwargs)


class FeeStandardFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    building = IdFilter(field_name="building_id", label="building id")
    item = django_filters.CharFilter(field_name="item", label="fee item (exact)",
                                     max_length=max_length(FeeStandard, "item"))
    in_force_on = DayFilter(method="filter_in_force_on", label="in force on this date")

    class Meta:
        model = FeeStandard
        fields = []

    def filter_in_force_on(self, queryset, name, value):
        return queryset.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=value), effective_from__lte=value)


class BillFilter(django_filters.FilterSet):
    period = MonthFilter()
    estate = IdFilter(field_name="estate_id", label="estate id")
    unit = IdFilter(field_name="unit_id", label="unit id")
    status = django_filters.ChoiceFilter(choices=BillStatus.choices)
    owing = django_filters.BooleanFilter(method="filter_owing", label="still owes something (open or partly paid)")

    class Meta:
        model = Bill
        fields = []

    def filter_owing(self, queryset, name, value):
        owing = Q(status__in=selectors.OWING)
        return queryset.filter(owing) if value else queryset.exclude(owing)


class PaymentFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    unit = IdFilter(field_name="unit_id", label="unit id")
    method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    reversed = django_filters.BooleanFilter(field_name="reversed_at", lookup_expr="isnull", exclude=True,
                                            label="reversed")
    received_after = MomentFilter(field_name="received_at", lookup_expr="gte")
    received_before = MomentFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Payment
        fields = []


class DunningNoticeFilter(django_filters.FilterSet):
    period = MonthFilter()
    round = django_filters.TypedChoiceFilter(choices=[(1, "1"), (2, "2")], coerce=int,
                                             label="1: first reminder, 2: second (on the estate's dunning days)")
    channel = django_filters.ChoiceFilter(choices=NoticeChannel.choices)
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices)
    estate = IdFilter(field_name="estate_id", label="estate id")
    unit = IdFilter(field_name="unit_id", label="unit id")

    class Meta:
        model = DunningNotice
        fields = []


# ---- fee standards --------------------------------------------------------------


class FeeStandardSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    building_number = serializers.CharField(source="building.number", read_only=True, allow_null=True, default=None)
    basis = FeeBasisField(read_only=True)
    basis_display = DisplayField("basis")
    rate = money_field(help_text="Yuan, per the basis.")

    class Meta:
        model = FeeStandard
        fields = ["id", "estate", "estate_name", "building", "building_number", "item", "basis", "basis_display",
                  "rate", "effective_from", "effective_to", "published_at"]
        read_only_fields = fields


class FeeStandardViewSet(ListFiltersOnly, viewsets.ReadOnlyModelViewSet):
    """Fee standards (收费标准) per estate, or per building (which then replaces the
    estate's standard for the same item). Staff read them all; owners the published
    ones of the estates where they own a unit now."""

    permission_classes = [StaffOrOwnerPermission]
    serializer_class = FeeStandardSerializer
    filterset_class = FeeStandardFilter
    ordering_fields = ["item", "effective_from", "rate"]
    ordering = ["estate_id", "item", "-effective_from"]
    queryset = FeeStandard.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {"list": ["fees.view_feestandard"], "retrieve": ["fees.view_feestandard"]}
    owner_actions: set[str] = set()

    def get_queryset(self):
        user = self.request.user
        if is_staff_member(user):
            return selectors.standards_for_api()
        owner = owner_of(user)
        return selectors.standards_for_api(owner=owner) if owner else FeeStandard.objects.none()


# ---- bills ----------------------------------------------------------------------


class BillLineSerializer(serializers.ModelSerializer):
    kind = BillLineKindField(read_only=True)
    kind_display = DisplayField("kind")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True,
                                        help_text="m² for a per-m² fee, else 1.")
    rate = money_field()
    amount = money_field()
    description = serializers.CharField(source="description_text", read_only=True,
                                        help_text="In the language of the request.")

    class Meta:
        model = BillLine
        fields = ["id", "kind", "kind_display", "standard", "description", "quantity", "rate", "amount"]
        read_only_fields = fields


class BillAllocationSerializer(serializers.ModelSerializer):
    """A payment's share of this bill; a reversed payment's share no longer counts."""

    receipt_number = serializers.CharField(source="payment.receipt.number", read_only=True)
    received_at = serializers.DateTimeField(source="payment.received_at", read_only=True)
    reversed = serializers.SerializerMethodField()
    amount = money_field()

    class Meta:
        model = Allocation
        fields = ["id", "payment", "receipt_number", "received_at", "amount", "reversed"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_reversed(self, allocation) -> bool:
        return allocation.payment.reversed_at is not None


class BillSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    period = MonthField(read_only=True)
    status = BillStatusField(read_only=True)
    status_display = DisplayField("status")
    amount = money_field()
    paid = money_field()
    owing = money_field(help_text="amount - paid.")
    lines = BillLineSerializer(many=True, read_only=True)
    allocations = BillAllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Bill
        fields = ["id", "number", "estate", "estate_name", "unit", "unit_number", "owner", "period", "amount",
                  "paid", "owing", "status", "status_display", "issued_at", "due_on", "lines", "allocations"]
        read_only_fields = fields


class BillViewSet(ListFiltersOnly, viewsets.ReadOnlyModelViewSet):
    """Bills (费用单), one per unit and month, issued on the estate's bill day (its fee
    policy; the 10th by default), with their lines and the payments that settled them.
    Made by the bill run, never by hand."""

    permission_classes = [StaffOrOwnerPermission]
    serializer_class = BillSerializer
    filterset_class = BillFilter
    # Only what an index answers at a million bills: (period, id), number.
    ordering_fields = ["period", "number"]
    ordering = ["-id"]
    queryset = Bill.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {"list": ["fees.view_bill"], "retrieve": ["fees.view_bill"]}
    owner_actions: set[str] = set()

    def get_queryset(self):
        user = self.request.user
        if is_staff_member(user):
            return selectors.bills_for_api()
        owner = owner_of(user)
        return selectors.bills_for_api(owner=owner) if owner else Bill.objects.none()


# ---- payments -------------------------------------------------------------------


class PaymentAllocationSerializer(serializers.ModelSerializer):
    bill_number = serializers.CharField(source="bill.number", read_only=True)
    period = MonthField(source="bill.period", read_only=True)
    amount = money_field()

    class Meta:
        model = Allocation
        fields = ["bill", "bill_number", "period", "amount"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    method = FeePaymentMethodField(read_only=True)
    method_display = DisplayField("method")
    amount = money_field()
    receipt_number = serializers.CharField(source="receipt.number", read_only=True)
    received_by_name = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    reversed_by_name = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    allocations = PaymentAllocationSerializer(many=True, read_only=True,
                                              help_text="The bills it settled, oldest first.")

    class Meta:
        model = Payment
        fields = ["id", "estate", "estate_name", "unit", "unit_number", "payer_name", "amount", "method",
                  "method_display", "receipt", "receipt_number", "received_at", "received_by_name", "reversed_at",
                  "reversed_by_name", "reversal_reason", "allocations"]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_STR)
    def get_received_by_name(self, payment) -> str | None:
        return user_name(payment.received_by) if context_is_staff(self.context) else None

    @extend_schema_field(NULLABLE_STR)
    def get_reversed_by_name(self, payment) -> str | None:
        return user_name(payment.reversed_by) if context_is_staff(self.context) else None


class PaymentCreateSerializer(serializers.Serializer):
    """Money received for a unit: it settles the unit's oldest bill first, then the
    next; more than the unit owes is refused (400 on ``amount``)."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.select_related("estate"))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Yuan.")
    method = FeePaymentMethodField()
    # Blank reaches the service, whose message says what to write.
    payer_name = serializers.CharField(allow_blank=True, max_length=max_length(Payment, "payer_name"),
                                       help_text="Who paid.")


class PaymentReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=200, help_text="Why the payment is reversed.")


_PAY_VIEW = ["fees.view_payment"]


class PaymentViewSet(RecordActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Payments, each with its numbered receipt. Taken by the desk or finance; reversed
    by a supervisor with a reason, never changed or deleted."""

    permission_classes = [StaffOrOwnerPermission]
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    # Only what an index answers at a million payments: (received_at, id).
    ordering_fields = ["received_at"]
    ordering = ["-id"]
    queryset = Payment.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": _PAY_VIEW,
        "retrieve": _PAY_VIEW,
        "create": [*_PAY_VIEW, "fees.add_payment"],
        # A supervisor's: the service checks, and says so.
        "reverse": _PAY_VIEW,
    }
    owner_actions: set[str] = set()

    def get_queryset(self):
        user = self.request.user
        if is_staff_member(user):
            return selectors.payments_for_api()
        owner = owner_of(user)
        return selectors.payments_for_api(owner=owner) if owner else Payment.objects.none()

    def get_serializer_class(self):
        return PaymentCreateSerializer if self.action == "create" else PaymentSerializer

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        payment = selectors.payments_for_api().get(pk=pk)
        return Response(PaymentSerializer(payment, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            payment = services.payment_take(unit=data["unit"], amount=data["amount"], method=data["method"],
                                            payer_name=data["payer_name"], now=timezone.now(), actor=request.user)
        return self._detail(payment.pk, status.HTTP_201_CREATED)

    @extend_schema(request=PaymentReverseSerializer, responses={200: PaymentSerializer})
    @decorators.action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """A supervisor reverses a payment taken in error, with the reason: the bills owe
        again and the receipt is marked reversed (its number stays used)."""
        return self.act_and_show(PaymentReverseSerializer, lambda p, d, who: services.payment_reverse(
            payment=p, reason=d["reason"], **who))


# ---- dunning notices --------------------------------------------------------------


class DunningNoticeSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    period = MonthField(read_only=True)
    round = serializers.IntegerField(read_only=True, help_text="1: first reminder, 2: second (on the estate's "
                                                               "dunning days, the 16th and 21st by default).")
    amount_owed = money_field(help_text="What the unit owed for the month when the notice was made.")
    channel = NoticeChannelField(read_only=True)
    channel_display = DisplayField("channel")
    status = NoticeStatusField(read_only=True)
    status_display = DisplayField("status")

    class Meta:
        model = DunningNotice
        fields = ["id", "estate", "estate_name", "unit", "unit_number", "owner", "period", "round", "amount_owed",
                  "channel", "channel_display", "status", "status_display", "created_at", "sent_at"]
        read_only_fields = fields


_NOTICE_VIEW = ["fees.view_dunningnotice"]


class DunningNoticeViewSet(RecordActions, viewsets.ReadOnlyModelViewSet):
    """Payment reminders (催款通知): round 1 and round 2 on the estate's dunning days (its
    fee policy; the 16th and the 21st by default), at most one per unit, month and round.
    Made by the dunning runs, never by hand."""

    permission_classes = [StaffOrOwnerPermission]
    serializer_class = DunningNoticeSerializer
    filterset_class = DunningNoticeFilter
    ordering_fields = ["period", "round", "created_at"]
    ordering = ["-id"]
    queryset = DunningNotice.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": _NOTICE_VIEW,
        "retrieve": _NOTICE_VIEW,
        "delivered": [*_NOTICE_VIEW, "fees.change_dunningnotice"],
    }
    owner_actions: set[str] = set()

    def get_queryset(self):
        user = self.request.user
        if is_staff_member(user):
            return selectors.notices_for_api()
        owner = owner_of(user)
        return selectors.notices_for_api(owner=owner) if owner else DunningNotice.objects.none()

    @extend_schema(request=None, responses={200: DunningNoticeSerializer})
    @decorators.action(detail=True, methods=["post"])
    def delivered(self, request, pk=None):
        """A printed notice was put through the owner's door (400 for any other notice)."""
        return self.act_and_show(None, lambda n, d, who: services.notice_mark_delivered(notice=n, **who))

    def _detail(self, pk):
        notice = selectors.notices_for_api().get(pk=pk)
        return Response(DunningNoticeSerializer(notice, context=self.get_serializer_context()).data)


# ---- arrears ------------------------------------------------------------------------

_BUCKET_HELP = ("An age bucket of the estate's fee policy, in months: by default 1, 2-3, 4-6, 7-12 or 12+ "
                "(more than 12).")


class AgingBucketField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(help_text=kwargs.pop("help_text", _BUCKET_HELP), **kwargs)


class ArrearsRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_number = serializers.CharField()
    estate = serializers.IntegerField(source="estate_id")
    owner = serializers.IntegerField(source="owner_id", allow_null=True,
                                     help_text="The owner the oldest owing bill was addressed to.")
    owed = money_field()
    oldest = MonthField(help_text="The month of the oldest bill still owing.")
    bills = serializers.IntegerField(help_text="Bills still owing.")
    months = serializers.IntegerField(help_text="How many months the debt has run (this month counts 1).")
    bucket = AgingBucketField()


class AgingBucketSerializer(serializers.Serializer):
    bucket = AgingBucketField()
    units = serializers.IntegerField()
    owed = money_field()


class ArrearsQuery(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all(), required=False, default=None)
    bucket = AgingBucketField(required=False, allow_blank=True, default="")

    def validate(self, data):
        keys = [key for key, _low, _high in selectors.aging_buckets(estate=data["estate"])]
        if data["bucket"] and data["bucket"] not in keys:
            raise serializers.ValidationError({"bucket": [
                _("Not an age bucket of the fee policy: %(buckets)s.") % {"buckets": ", ".join(keys)}]})
        return data


_ARREARS_PARAMETERS = [
    OpenApiParameter("estate", OpenApiTypes.INT, description="estate id"),
]


class ArrearsViewSet(viewsets.GenericViewSet):
    """Units owing for a bill past its pay-by day, today in Shanghai, with how long the
    debt has run and its age bucket under the estate's fee policy (by default 1, 2-3,
    4-6, 7-12, >12 months). Staff only."""

    permission_classes = [StaffOnlyPermission]
    serializer_class = ArrearsRowSerializer
    filter_backends: list = []
    # The rows are computed in Python (one per owing unit), not a queryset a cursor can
    # seek in: numbered pages of the list already in memory.
    pagination_class = PageNumberPagination
    staff_permissions = {
        "list": ["fees.view_arrearscase"],
        "retrieve": ["fees.view_arrearscase"],
        "summary": ["fees.view_arrearscase"],
    }

    def _query(self):
        query = ArrearsQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    @extend_schema(parameters=[*_ARREARS_PARAMETERS, OpenApiParameter(
        "bucket", OpenApiTypes.STR, description="only this age bucket (" + _BUCKET_HELP + ")")])
    def list(self, request):
        query = self._query()
        # The count from one grouped query, the page's rows by ORDER BY and LIMIT.
        rows = selectors.arrears_list(as_of=timezone.localdate(), estate=query["estate"], bucket=query["bucket"])
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(ArrearsRowSerializer(page, many=True).data)
        return Response(ArrearsRowSerializer(rows, many=True).data)

    @extend_schema(parameters=_ARREARS_PARAMETERS, responses={200: AgingBucketSerializer(many=True)})
    @decorators.action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request):
        """Units and amounts per age bucket, every bucket listed."""
        query = self._query()
        rows = selectors.aging_summary(as_of=timezone.localdate(), estate=query["estate"])
        return Response(AgingBucketSerializer(rows, many=True).data)


# ---- the stored month reports (002 五: made on the report day by the fees.month_report job) ----


class MonthReportSerializer(serializers.ModelSerializer):
    """A month report as stored: one estate's, or all estates' together (``estate`` null),
    with the links to its page and its .xlsx (the month's report of every estate)."""

    estate_name = serializers.CharField(source="estate.name", read_only=True, default=None, allow_null=True)
    month = serializers.SerializerMethodField(help_text="YYYY-MM")
    url = serializers.SerializerMethodField(help_text="The month report's page.")
    xlsx_url = serializers.SerializerMethodField(help_text="The month report as .xlsx.")

    class Meta:
        model = MonthReport
        fields = ["id", "estate", "estate_name", "month", "generated_at", "url", "xlsx_url"]
        read_only_fields = fields

    def get_month(self, report) -> str:
        return f"{report.month:%Y-%m}"

    def _link(self, name: str, report) -> str:
        path = f"{reverse(name)}?month={report.month:%Y-%m}"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, report) -> str:
        return self._link("fees:reports", report)

    def get_xlsx_url(self, report) -> str:
        return self._link("fees:month_xlsx", report)


class MonthReportDetailSerializer(MonthReportSerializer):
    figures = serializers.JSONField(source="data", read_only=True,
                                    help_text="The report's figures as stored; money as strings (exact yuan).")

    class Meta(MonthReportSerializer.Meta):
        fields = [*MonthReportSerializer.Meta.fields, "figures"]
        read_only_fields = fields


class MonthReportFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    all_estates = django_filters.BooleanFilter(field_name="estate", lookup_expr="isnull",
                                               label="only the reports of all estates together (true) or none of them")
    month_from = DayFilter(field_name="month", lookup_expr="gte", label="first month (its first day, YYYY-MM-01)")
    month_to = DayFilter(field_name="month", lookup_expr="lte", label="last month (its first day, YYYY-MM-01)")

    class Meta:
        model = MonthReport
        fields = []


_REPORTS = ["fees.view_monthreport"]


class MonthReportViewSet(viewsets.ReadOnlyModelViewSet):
    """The month reports stored on the report day: supervisors and finance, as the page."""

    permission_classes = [StaffOnlyPermission]
    filterset_class = MonthReportFilter
    ordering_fields = ["month"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    staff_permissions = {"list": _REPORTS, "retrieve": _REPORTS}

    def get_queryset(self):
        return selectors.month_reports_for_api(with_figures=self.action != "list")

    def get_serializer_class(self):
        return MonthReportSerializer if self.action == "list" else MonthReportDetailSerializer
