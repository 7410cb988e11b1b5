"""REST API of work orders and the special-service price list: /api/v1/work-orders,
/api/v1/price-items.

The same rules as the pages: staff need the model permission for each action (view
to read, add to register, dispatch to judge, dispatch and void, work to carry an order
out, settle for escalations and damage); a worker's steps run as the caller's Worker
record. An owner reads only their own orders (others are 404) and the offered items of
the estates where they own a unit now, registers requests for their own units and
cancels them until a worker has them. Every write is a repairs.services call, so the
transition map, the permissions it checks and the event log are the pages' own.
Phone numbers are only ever read back masked.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import (
    decorators,
    exceptions,
    mixins,
    serializers,
    status,
    viewsets,
)
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from owners.models import Estate, Owner, Unit
from owners.selectors import owner_units
from propertydesk import files
from propertydesk.api import FILE_RENDERERS, FILE_RESPONSE
from propertydesk.api import IdFilter, MomentFilter, RecordActions, StaffOrOwnerPermission, named_choice_field
from propertydesk.api import NULLABLE_BOOL, NULLABLE_INT, NULLABLE_STR, BusinessDateTimeField, DisplayField, service_errors
from propertydesk.api import context_is_staff as _is_staff
from propertydesk.api import context_owner as _owner
from propertydesk.limits import max_length
from propertydesk.roles import is_staff_member, owner_of, worker_of
from repairs import selectors, services
from repairs.models import (
    Acceptance,
    DamageIncident,
    DrawKind,
    Kind,
    MaterialDraw,
    PaymentMethod,
    PhotoStage,
    PriceItem,
    Source,
    Status,
    Trade,
    Worker,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
)
from repairs.signature import SIGNATURE_MAX_LENGTH, signature_from_data_url

# ---- choice fields ------------------------------------------------------------


WorkOrderStatusField = named_choice_field("WorkOrderStatusEnum", Status)
WorkOrderKindField = named_choice_field("WorkOrderKindEnum", Kind)
DrawKindField = named_choice_field("DrawKindEnum", DrawKind)
PhotoStageField = named_choice_field("PhotoStageEnum", PhotoStage)


# ---- price list --------------------------------------------------------------


class PriceItemSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    trade_display = DisplayField("trade")

    class Meta:
        model = PriceItem
        fields = ["id", "estate", "estate_name", "name", "trade", "trade_display", "price", "unit_label", "active"]
        read_only_fields = fields


class PriceItemWriteSerializer(serializers.Serializer):
    """A new line of an estate's price list, or a change to one. An item stays in its
    estate (estate is ignored on update); withdraw it with ``active: false``."""

    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all(), help_text="On create only.")
    # Blank reaches the service, whose message says what to write.
    name = serializers.CharField(allow_blank=True, max_length=100)
    trade = serializers.ChoiceField(choices=Trade.choices)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Yuan.")
    unit_label = serializers.CharField(
        allow_blank=True, max_length=20, help_text="What the price is per: job, metre, hour…"
    )
    active = serializers.BooleanField(required=False, default=True, help_text="Offered to owners.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.context.get("item") is not None:
            self.fields.pop("estate")


class PriceItemFilter(django_filters.FilterSet):
    class Meta:
        model = PriceItem
        fields = ["estate", "trade", "active"]


class PriceItemViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The special-service price list (特约服务项目价格表). Staff with the view permission
    read every estate's; owners read the offered items of the estates where they own a
    unit now. Supervisors add and change items; nothing is deleted."""

    permission_classes = [StaffOrOwnerPermission]
    filterset_class = PriceItemFilter
    ordering_fields = ["name", "price", "trade"]
    ordering = ["estate_id", "trade", "name"]
    queryset = PriceItem.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": ["repairs.view_priceitem"],
        "retrieve": ["repairs.view_priceitem"],
        "create": ["repairs.view_priceitem", "repairs.add_priceitem"],
        "update": ["repairs.view_priceitem", "repairs.change_priceitem"],
        "partial_update": ["repairs.view_priceitem", "repairs.change_priceitem"],
    }
    owner_actions: set[str] = set()

    def get_queryset(self):
        user = self.request.user
        if is_staff_member(user):
            return PriceItem.objects.select_related("estate").order_by("estate__name", "trade", "name")
        owner = owner_of(user)
        return selectors.owner_price_items(owner=owner) if owner else PriceItem.objects.none()

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return PriceItemWriteSerializer
        return PriceItemSerializer

    def _respond(self, item, status_code=status.HTTP_200_OK):
        item = self.get_queryset().get(pk=item.pk)
        return Response(PriceItemSerializer(item, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(request=PriceItemWriteSerializer, responses={201: PriceItemSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            item = services.price_item_save(
                estate=data["estate"], name=data["name"], trade=data["trade"], price=data["price"],
                unit_label=data["unit_label"], active=data["active"], actor=request.user,
            )
        return self._respond(item, status.HTTP_201_CREATED)

    @extend_schema(request=PriceItemWriteSerializer, responses={200: PriceItemSerializer})
    def update(self, request, *args, **kwargs):
        item = self.get_object()
        serializer = PriceItemWriteSerializer(
            data=request.data, partial=kwargs.get("partial", False),
            context={**self.get_serializer_context(), "item": item},
        )
        serializer.is_valid(raise_exception=True)
        current = {"name": item.name, "trade": item.trade, "price": item.price, "unit_label": item.unit_label,
                   "active": item.active}
        data = {**current, **serializer.validated_data}
        with service_errors():
            item = services.price_item_save(item=item, estate=item.estate, actor=request.user, **data)
        return self._respond(item)

    @extend_schema(request=PriceItemWriteSerializer(partial=True), responses={200: PriceItemSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)


# ---- work orders: serializers ------------------------------------------------


class MaterialDrawSerializer(serializers.ModelSerializer):
    kind = DrawKindField(read_only=True)
    kind_display = DisplayField("kind")

    class Meta:
        model = MaterialDraw
        fields = ["id", "kind", "kind_display", "name", "quantity", "unit_label", "drawn_at", "returned_at"]
        read_only_fields = fields


class DamageSerializer(serializers.ModelSerializer):
    status_display = DisplayField("status")

    class Meta:
        model = DamageIncident
        fields = ["id", "description", "status", "status_display", "reported_at", "compensation", "agreement",
                  "settled_at"]
        read_only_fields = fields


class AcceptanceSerializer(serializers.ModelSerializer):
    """A customer verdict; the signature image itself is not part of the API."""

    signed_on_display = DisplayField("signed_on")

    class Meta:
        model = Acceptance
        fields = ["id", "at", "satisfied", "rating", "comment", "signer_name", "signed_on", "signed_on_display"]
        read_only_fields = fields


class WorkOrderSerializer(serializers.ModelSerializer):
    """A work order as the queue shows it. The requester's phone is only ever masked;
    staff-only fields are null in an owner's view."""

    estate_name = serializers.CharField(source="estate.name", read_only=True)
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    requester_phone_masked = serializers.CharField(read_only=True)
    kind = WorkOrderKindField(read_only=True)
    status = WorkOrderStatusField(read_only=True)
    kind_display = DisplayField("kind")
    source_display = DisplayField("source")
    trade_display = DisplayField("trade")
    status_display = DisplayField("status")
    price_item_name = serializers.CharField(
        source="price_item.name", read_only=True, allow_null=True, default=None
    )
    worker_name = serializers.SerializerMethodField()
    dispatch_late_by = serializers.SerializerMethodField(
        help_text="Seconds past the dispatch deadline when it was dispatched; null if on time or not "
                  "yet. Staff only."
    )
    is_late_for_dispatch = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    trade_override = serializers.SerializerMethodField(
        help_text="Why the worker was sent outside his trade. Staff only; null for owners."
    )

    class Meta:
        model = WorkOrder
        fields = [
            "id", "number", "estate", "estate_name", "unit", "unit_number", "owner", "requester_name",
            "requester_phone_masked", "kind", "kind_display", "source", "source_display", "complaint",
            "trade", "trade_display", "description", "appointment_at", "price_item", "price_item_name",
            "status", "status_display", "registered_at", "dispatch_due_at", "judged_at", "dispatched_at",
            "dispatch_late_by", "is_late_for_dispatch", "worker", "worker_name", "trade_override", "taken_at",
            "arrived_at", "planned_end_at", "price_confirmed_at", "agreed_price", "completed_at", "signed_off_at",
            "rework_count", "refusal_reason", "voided_at", "void_reason", "payment_method",
        ]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_STR)
    def get_worker_name(self, order) -> str | None:
        return order.worker.display_name if order.worker_id else None

    @extend_schema_field(NULLABLE_INT)
    def get_dispatch_late_by(self, order) -> int | None:
        if order.dispatch_late_by is None or not _is_staff(self.context):
            return None
        return int(order.dispatch_late_by.total_seconds())

    @extend_schema_field(NULLABLE_BOOL)
    def get_is_late_for_dispatch(self, order) -> bool | None:
        return order.is_late_for_dispatch if _is_staff(self.context) else None

    @extend_schema_field(NULLABLE_STR)
    def get_trade_override(self, order) -> str | None:
        return order.trade_override if _is_staff(self.context) else None


def photo_url(context, photo: WorkOrderPhoto) -> str:
    path = reverse("work-order-photo", args=[photo.work_order_id, photo.pk])
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


class WorkOrderPhotoSerializer(serializers.ModelSerializer):
    """A photo on the order: the owner's with the request, the worker's before or after
    the work, with the time it was added."""

    stage = PhotoStageField(read_only=True)
    stage_display = DisplayField("stage")
    url = serializers.SerializerMethodField(help_text="The picture (JPEG or PNG), for a caller who may see the order.")

    class Meta:
        model = WorkOrderPhoto
        fields = ["id", "stage", "stage_display", "taken_at", "content_type", "size", "url"]
        read_only_fields = fields

    def get_url(self, photo) -> str:
        return photo_url(self.context, photo)


class WorkOrderDetailSerializer(WorkOrderSerializer):
    """With what was drawn from the store, damage incidents, the customer's verdicts
    and the photos. Materials and damage stay inside: empty in an owner's view; the
    worker's photos reach the owner once the work is done."""

    draws = serializers.SerializerMethodField()
    damages = serializers.SerializerMethodField()
    acceptances = AcceptanceSerializer(many=True, read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta(WorkOrderSerializer.Meta):
        fields = [*WorkOrderSerializer.Meta.fields, "draws", "damages", "acceptances", "photos"]
        read_only_fields = fields

    @extend_schema_field(WorkOrderPhotoSerializer(many=True))
    def get_photos(self, order):
        photos = order.all_photos
        if not _is_staff(self.context) and not selectors.owner_sees_worker_photos(order):
            photos = [photo for photo in photos if photo.stage == PhotoStage.REQUEST]
        return WorkOrderPhotoSerializer(photos, many=True, context=self.context).data

    @extend_schema_field(MaterialDrawSerializer(many=True))
    def get_draws(self, order):
        return MaterialDrawSerializer(order.draws.all(), many=True).data if _is_staff(self.context) else []

    @extend_schema_field(DamageSerializer(many=True))
    def get_damages(self, order):
        return DamageSerializer(order.damages.all(), many=True).data if _is_staff(self.context) else []


class WorkOrderCreateSerializer(serializers.Serializer):
    """Staff register any request. An owner's uses only unit (one of their current
    units), kind, trade, description, appointment_at and price_item: the source is the
    portal and the requester is themselves."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.select_related("estate"))
    kind = WorkOrderKindField()
    trade = serializers.ChoiceField(choices=Trade.choices)
    # Blank reaches the service, whose message says what to write.
    description = serializers.CharField(allow_blank=True, max_length=max_length(WorkOrder, "description"))
    source = serializers.ChoiceField(choices=Source.choices, help_text="Staff: required. Owners: always portal.")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Owner.objects.all(), required=False, allow_null=True, default=None,
        help_text="Staff: the requesting owner (must own the unit).",
    )
    requester_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100,
        help_text="Staff: required unless an owner is given.",
    )
    requester_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=30, write_only=True,
        help_text="Written in full, read back masked. Defaults to the owner's primary phone.",
    )
    appointment_at = BusinessDateTimeField(required=False, allow_null=True, default=None)
    price_item = serializers.PrimaryKeyRelatedField(
        queryset=PriceItem.objects.all(), required=False, allow_null=True, default=None,
        help_text="Required for a special paid service: an offered item of the unit's estate.",
    )
    planned_end_at = BusinessDateTimeField(
        required=False, allow_null=True, default=None,
        help_text="A special service that spans days: when it is planned to finish (after the appointment). "
                  "It is also called back half-way.",
    )

    STAFF_ONLY = ("source", "owner", "requester_name", "requester_phone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owner = None if _is_staff(self.context) else _owner(self.context)
        if owner is not None:
            # Someone else's unit looks exactly like one that does not exist.
            self.fields["unit"].queryset = owner_units(owner=owner).select_related("estate")
            self.fields["price_item"].queryset = selectors.owner_price_items(owner=owner)
            for name in self.STAFF_ONLY:
                self.fields.pop(name)


class JudgeSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true: we do it; false: refused, with the explanation.")
    explanation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(WorkOrder, "refusal_reason"),
        help_text="Required when refusing: told to the customer.",
    )


class DispatchSerializer(serializers.Serializer):
    worker = serializers.PrimaryKeyRelatedField(
        queryset=Worker.objects.none(), required=False, allow_null=True, default=None,
        help_text="A worker of the order's estate. Required when the desk assigns; optional in round "
                  "robin; ignored for the shared pool.",
    )
    trade_override = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200,
        help_text="Why a worker outside the order's trade is sent.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.context.get("record")
        if order is not None:
            self.fields["worker"].queryset = Worker.objects.filter(estate_id=order.estate_id).select_related("user")


class ConfirmPriceSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Yuan, agreed with the customer.")


class CompleteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length(WorkOrderEvent, "note"))


class AddPhotosSerializer(serializers.Serializer):
    """multipart/form-data: ``stage`` and one ``photos`` part per picture."""

    stage = serializers.ChoiceField(choices=[PhotoStage.BEFORE, PhotoStage.AFTER],
                                    help_text="before or after the work.")
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False), allow_empty=True, default=list,
        help_text="JPEG, PNG or WebP pictures; each is re-encoded without its metadata. At most "
                  "FILES_MAX_PHOTOS at a time.")


class VerdictSerializer(serializers.Serializer):
    satisfied = serializers.BooleanField()
    rating = serializers.IntegerField(help_text="1 to 5.")
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=max_length(Acceptance, "comment"),
                                    help_text="Required when the customer is not satisfied.")
    signed_on_paper = serializers.BooleanField(required=False, default=False)
    signature = serializers.CharField(
        required=False, allow_blank=True, default="",
        max_length=SIGNATURE_MAX_LENGTH, help_text="The signature drawn on the pad, as a data:image/png;base64 URL.",
    )
    signer_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)

    def validate_signature(self, value):
        if not value:
            return None
        try:
            return signature_from_data_url(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class SettleSerializer(serializers.Serializer):
    rework = serializers.BooleanField(help_text="true: one more rework; false: settled and signed off.")
    note = serializers.CharField(allow_blank=True, max_length=max_length(WorkOrderEvent, "note"),
                                 help_text="What was agreed with the customer.")


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=200)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class DrawSerializer(serializers.Serializer):
    kind = DrawKindField(default=DrawKind.MATERIAL)
    name = serializers.CharField(allow_blank=True, max_length=100)
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_label = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)


class ReportDamageSerializer(serializers.Serializer):
    description = serializers.CharField(allow_blank=True, max_length=max_length(DamageIncident, "description"))


class SettleDamageSerializer(serializers.Serializer):
    damage = serializers.PrimaryKeyRelatedField(queryset=DamageIncident.objects.none(),
                                                help_text="A damage incident of this order.")
    compensation = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Yuan; 0 if none.")
    agreement = serializers.CharField(allow_blank=True, max_length=max_length(DamageIncident, "agreement"),
                                      help_text="What was agreed with the customer.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.context.get("record")
        if order is not None:
            self.fields["damage"].queryset = DamageIncident.objects.filter(work_order=order)


class CollectPaymentSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=[(m.value, m.label) for m in PaymentMethod if m != PaymentMethod.NONE]
    )


class PaymentResultSerializer(serializers.Serializer):
    payment_method = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    receipt_number = serializers.CharField(allow_null=True, help_text="Cash: the receipt issued.")
    charge = serializers.IntegerField(
        allow_null=True, help_text="Bank collection: the charge put on the next bill."
    )


# ---- work orders: filters and views ------------------------------------------


class WorkOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    trade = django_filters.ChoiceFilter(choices=Trade.choices)
    estate = IdFilter(field_name="estate_id", label="estate id")
    unit = IdFilter(field_name="unit_id", label="unit id")
    worker = IdFilter(field_name="worker_id", label="worker id")
    late = django_filters.BooleanFilter(method="filter_late", label="dispatched late, or flagged as late")
    registered_after = MomentFilter(field_name="registered_at", lookup_expr="gte")
    registered_before = MomentFilter(field_name="registered_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", max_length=100,
                                  label="order number (its start or its end), or room-number prefix")

    class Meta:
        model = WorkOrder
        fields = []

    def filter_late(self, queryset, name, value):
        # WorkOrder.is_late_for_dispatch, in SQL.
        late = Q(dispatch_late_by__isnull=False) | Q(dispatch_alerted_at__isnull=False)
        return queryset.filter(late) if value else queryset.exclude(late)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(selectors.number_or_room(value))


_VIEW = ["repairs.view_workorder"]
_DISPATCH = [*_VIEW, "repairs.dispatch_workorder"]
_WORK = [*_VIEW, "repairs.work_workorder"]
_SETTLE = [*_VIEW, "repairs.settle_workorder"]
_ORDER_ACTION = dict(responses={200: WorkOrderDetailSerializer})


class WorkOrderViewSet(RecordActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [StaffOrOwnerPermission]
    filterset_class = WorkOrderFilter
    # Not appointment_at: a cursor cannot compare the nulls of orders without one.
    ordering_fields = ["registered_at", "dispatch_due_at", "number"]
    ordering = ["-id"]
    queryset = WorkOrder.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": _VIEW,
        "retrieve": _VIEW,
        "create": [*_VIEW, "repairs.add_workorder"],
        "judge": _DISPATCH,
        "dispatch_order": _DISPATCH,
        "void": _DISPATCH,
        "take": _WORK,
        "arrive": _WORK,
        "confirm_price": _WORK,
        "complete": _WORK,
        "add_photos": _WORK,
        "photo": _VIEW,
        # The worker on the order or the desk (from the paper form); the services check which.
        "verdict": _VIEW,
        "draw": _VIEW,
        "report_damage": _VIEW,
        "collect_payment": _VIEW,
        "settle": _SETTLE,
        "settle_damage": _SETTLE,
    }
    owner_actions = {"create", "cancel"}

    def get_queryset(self):
        # Only the relations the rows name (not the unit's building or the owner): fewer
        # joins, a plan made in a fraction of the time; the worker and the price list item,
        # which many orders lack, by primary key after the page.
        return (selectors.work_orders_for(self.request.user).select_related(None).prefetch_related(None)
                .select_related("estate", "unit").prefetch_related("worker__user", "price_item"))

    def get_serializer_class(self):
        if self.action == "create":
            return WorkOrderCreateSerializer
        if self.action == "list":
            return WorkOrderSerializer
        return WorkOrderDetailSerializer

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        order = selectors.work_order_detail(order_id=pk, user=self.request.user)
        return Response(WorkOrderDetailSerializer(order, context=self.get_serializer_context()).data,
                        status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(request=WorkOrderCreateSerializer, responses={201: WorkOrderDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if is_staff_member(request.user):
            fields = dict(source=data["source"], owner=data["owner"], requester_name=data["requester_name"],
                          requester_phone=data["requester_phone"])
        else:
            fields = dict(source=Source.PORTAL, owner=owner_of(request.user))
        with service_errors():
            order = services.work_order_register(
                unit=data["unit"], kind=data["kind"], trade=data["trade"], description=data["description"],
                appointment_at=data["appointment_at"], price_item=data["price_item"],
                planned_end_at=data["planned_end_at"], actor=request.user, now=timezone.now(), **fields,
            )
        return self._detail(order.pk, status.HTTP_201_CREATED)

    def _worker_step(self, serializer_class, run):
        """A worker's step runs as the caller's Worker record."""
        order = self.get_object()
        worker = worker_of(self.request.user)
        if worker is None:
            raise exceptions.PermissionDenied(_("Only a worker can do this."))
        return self.act_and_show(serializer_class, run, record=order, who={"worker": worker, "now": timezone.now()})

    # -- the desk

    @extend_schema(request=JudgeSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def judge(self, request, pk=None):
        """Can we do it? Accept, or refuse with the explanation the customer is given."""
        return self.act_and_show(JudgeSerializer, lambda o, d, who: services.work_order_judge(
            order=o, accept=d["accept"], explanation=d["explanation"], **who))

    @extend_schema(request=DispatchSerializer, **_ORDER_ACTION)
    # Not named "dispatch": that is APIView's request entry point.
    @decorators.action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_order(self, request, pk=None):
        """Put an accepted order in a worker's hands, the way the estate dispatches this
        kind (desk, shared pool or round robin). Dispatching again reassigns it."""
        return self.act_and_show(DispatchSerializer, lambda o, d, who: services.work_order_dispatch(
            order=o, worker=d["worker"], trade_override=d["trade_override"], **who))

    @extend_schema(request=VoidSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """The customer cancelled: the order is voided with the reason, never deleted."""
        return self.act_and_show(VoidSerializer, lambda o, d, who: services.work_order_void(
            order=o, reason=d["reason"], **who))

    # -- the worker

    @extend_schema(request=None, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        """The calling worker takes the order: his own, or one from the shared pool."""
        return self._worker_step(None, lambda o, d, who: services.work_order_take(order=o, **who))

    @extend_schema(request=None, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        """The worker is at the door."""
        return self._worker_step(None, lambda o, d, who: services.work_order_arrive(order=o, **who))

    @extend_schema(request=ConfirmPriceSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="confirm-price")
    def confirm_price(self, request, pk=None):
        """A paid service: the price agreed with the customer on site, before the work."""
        return self._worker_step(ConfirmPriceSerializer, lambda o, d, who: services.work_order_confirm_price(
            order=o, price=d["price"], **who))

    @extend_schema(request=CompleteSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """The work is done (or the rework); the customer's verdict comes next."""
        return self._worker_step(CompleteSerializer, lambda o, d, who: services.work_order_complete(
            order=o, note=d["note"], **who))

    @extend_schema(request={"multipart/form-data": AddPhotosSerializer}, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="photos", url_name="photos",
                       parser_classes=[MultiPartParser, FormParser])
    def add_photos(self, request, pk=None):
        """The worker's photos of the job, before or after the work, with the time: the
        desk sees them at once, the owner once the work is done."""
        return self._worker_step(AddPhotosSerializer, lambda o, d, who: services.work_order_add_photos(
            order=o, stage=d["stage"], photos=d["photos"], **who))

    @extend_schema(**FILE_RESPONSE)
    @decorators.action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>[0-9]+)", url_name="photo",
                       renderer_classes=FILE_RENDERERS)
    def photo(self, request, pk=None, photo_id=None):
        """One photo of the order, for a caller who may see the order (the owner sees the
        worker's once the work is done)."""
        item = selectors.work_order_photo(order_id=self.get_object().pk, photo_id=photo_id, user=request.user)
        return files.serve(request, item.file, filename=item.download_name, content_type=item.content_type)

    # -- the worker on the order, or the desk from the paper form

    @extend_schema(request=VerdictSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def verdict(self, request, pk=None):
        """The customer's verdict: satisfied and signed signs the order off; unsatisfied
        sends it back for rework, and after a failed rework to a supervisor."""
        return self.act_and_show(VerdictSerializer, lambda o, d, who: services.work_order_customer_verdict(
            order=o, satisfied=d["satisfied"], rating=d["rating"], comment=d["comment"],
            signature_png=d["signature"], signed_on_paper=d["signed_on_paper"],
            signer_name=d["signer_name"], **who))

    @extend_schema(request=DrawSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        """A material or tool drawn from the store for this order."""
        return self.act_and_show(DrawSerializer, lambda o, d, who: services.work_order_draw(
            order=o, kind=d["kind"], name=d["name"], quantity=d["quantity"], unit_label=d["unit_label"], **who))

    @extend_schema(request=ReportDamageSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="report-damage")
    def report_damage(self, request, pk=None):
        """Something of the customer's was damaged or lost: the supervisors are told."""
        return self.act_and_show(ReportDamageSerializer, lambda o, d, who: services.damage_report(
            order=o, description=d["description"], **who))

    @extend_schema(request=CollectPaymentSerializer, responses={200: PaymentResultSerializer})
    @decorators.action(detail=True, methods=["post"], url_path="collect-payment")
    def collect_payment(self, request, pk=None):
        """Charge a finished paid service: cash gets a receipt number, bank collection a
        charge on the unit's next bill. The worker on the order or the desk."""
        order = self.get_object()
        user = request.user
        is_his = order.worker is not None and order.worker.user_id == user.pk
        if not (is_his or user.has_perm("repairs.dispatch_workorder")):
            raise exceptions.PermissionDenied(_("This is not your work order."))
        order, data, result = self.act(
            CollectPaymentSerializer,
            lambda o, d, who: services.work_order_collect_payment(order=o, method=d["method"], **who),
            record=order,
        )
        cash = data["method"] == PaymentMethod.CASH
        return Response(PaymentResultSerializer({
            "payment_method": data["method"], "amount": result.amount,
            "receipt_number": result.number if cash else None, "charge": None if cash else result.pk,
        }).data)

    # -- the supervisor

    @extend_schema(request=SettleSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        """Decide an escalated order: one more rework, or a settlement signed off."""
        return self.act_and_show(SettleSerializer, lambda o, d, who: services.work_order_settle(
            order=o, rework=d["rework"], note=d["note"], **who))

    @extend_schema(request=SettleDamageSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="settle-damage")
    def settle_damage(self, request, pk=None):
        """Record the compensation agreed with the customer for a damage incident."""
        return self.act_and_show(SettleDamageSerializer, lambda o, d, who: services.damage_settle(
            incident=d["damage"], compensation=d["compensation"], agreement=d["agreement"], **who))

    # -- the owner

    @extend_schema(request=CancelSerializer, **_ORDER_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The owner cancels their own request, as long as no worker has it yet."""
        return self.act_and_show(CancelSerializer, lambda o, d, who: services.work_order_cancel_by_owner(
            order=o, owner=owner_of(request.user), reason=d["reason"], now=who["now"]))
