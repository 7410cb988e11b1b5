"""REST API of the shift log and the handover under /api/v1/: log entries (read, write,
close), handovers (read, hand a shift over, receive the takings) and their items
(acknowledge, refuse; a supervisor reassigns or closes a refused one). Staff
only: the desk and the supervisors; owners, engineering and finance get nothing (the log
names units, complaints and work orders; finance reconciles the day's payments from fees).
Every write goes through desk/services.py."""

from __future__ import annotations

from contextlib import contextmanager

import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from complaints.models import Complaint
from desk import selectors, services
from desk.models import (EntryStatus, Handover, HandoverItem, HandoverStatus, ItemStatus, LogEntry, Priority,
                         TakingsStatus)
from owners.models import Estate, Unit
from propertydesk.api import (NULLABLE_STR, BusinessDateField, DayFilter, DisplayField, IdFilter, RecordActions,
                              StaffOnlyPermission, money_field, named_choice_field, service_errors, user_name)
from repairs.models import WorkOrder

PriorityField = named_choice_field("LogEntryPriorityEnum", Priority)
EntryStatusField = named_choice_field("LogEntryStatusEnum", EntryStatus)
HandoverStatusField = named_choice_field("HandoverStatusEnum", HandoverStatus)
ItemStatusField = named_choice_field("HandoverItemStatusEnum", ItemStatus)
TakingsStatusField = named_choice_field("HandoverTakingsStatusEnum", TakingsStatus)


class LogEntrySerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    shift_name = serializers.CharField(read_only=True)
    author_name = serializers.SerializerMethodField()
    priority = PriorityField(read_only=True)
    priority_display = DisplayField("priority")
    status = EntryStatusField(read_only=True)
    status_display = DisplayField("status")
    unit_number = serializers.CharField(source="unit.number", read_only=True, default=None, allow_null=True)
    complaint_number = serializers.CharField(source="complaint.number", read_only=True, default=None, allow_null=True)
    work_order_number = serializers.CharField(source="work_order.number", read_only=True, default=None,
                                              allow_null=True)

    class Meta:
        model = LogEntry
        fields = ["id", "estate", "estate_name", "shift_key", "shift_name", "shift_day", "written_at", "author_name",
                  "priority", "priority_display", "text", "unit", "unit_number", "complaint", "complaint_number",
                  "work_order", "work_order_number", "status", "status_display", "closed_at", "held_key",
                  "held_start"]
        read_only_fields = fields

    def get_author_name(self, entry) -> str:
        return user_name(entry.author)


class LogEntryWriteSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())
    text = serializers.CharField(max_length=2000, allow_blank=True)
    priority = PriorityField(default=Priority.NORMAL)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    complaint = serializers.PrimaryKeyRelatedField(queryset=Complaint.objects.all(), required=False, allow_null=True)
    work_order = serializers.PrimaryKeyRelatedField(queryset=WorkOrder.objects.all(), required=False,
                                                    allow_null=True)


class LogEntryFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    priority = django_filters.ChoiceFilter(choices=Priority.choices)
    shift_day = DayFilter(field_name="shift_day")

    class Meta:
        model = LogEntry
        fields = []


_VIEW = ["desk.view_logentry"]


class LogEntryViewSet(RecordActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The shift log (客服日志): entries stamped with their moment, author and shift."""

    permission_classes = [StaffOnlyPermission]
    filterset_class = LogEntryFilter
    ordering_fields = ["written_at"]
    ordering = ["-written_at", "-id"]
    lookup_value_regex = r"\d+"
    serializer_class = LogEntrySerializer
    staff_permissions = {"list": _VIEW, "retrieve": _VIEW, "create": [*_VIEW, "desk.add_logentry"],
                         "close": [*_VIEW, "desk.change_logentry"]}

    def get_queryset(self):
        return selectors.entries_for(self.request.user)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return Response(LogEntrySerializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @extend_schema(request=LogEntryWriteSerializer, responses={201: LogEntrySerializer})
    def create(self, request, *args, **kwargs):
        """Write an entry in the shift the moment falls in."""
        serializer = LogEntryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            entry = services.entry_add(
                estate=data["estate"], author=request.user, text=data["text"], priority=data["priority"],
                unit=data.get("unit"), complaint=data.get("complaint"), work_order=data.get("work_order"),
                now=timezone.now())
        return self._detail(entry.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: LogEntrySerializer})
    @decorators.action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The matter is done (refused while the entry waits in a handover)."""
        return self.act_and_show(None, lambda e, _d, who: services.entry_close(entry=e, **who))


class TakingsSerializer(serializers.Serializer):
    method = serializers.CharField()
    count = serializers.IntegerField()
    total = money_field()
    counted = money_field(allow_null=True, help_text="What the receiving shift counted; null until received.")
    difference_reason = serializers.CharField(help_text="Why the count differs from the total, if it does.")


class HandoverItemSerializer(serializers.ModelSerializer):
    entry = LogEntrySerializer(read_only=True)
    status = ItemStatusField(read_only=True)
    status_display = DisplayField("status")
    decided_by_name = serializers.SerializerMethodField()
    assigned_name = serializers.SerializerMethodField(help_text="The shift a supervisor reassigned it to.")
    assigned_to_name = serializers.SerializerMethodField()

    class Meta:
        model = HandoverItem
        fields = ["id", "handover", "entry", "status", "status_display", "decided_by_name", "decided_at", "reason",
                  "assigned_key", "assigned_name", "assigned_start", "assigned_to", "assigned_to_name"]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_STR)
    def get_decided_by_name(self, item) -> str | None:
        return user_name(item.decided_by)

    @extend_schema_field(NULLABLE_STR)
    def get_assigned_name(self, item) -> str | None:
        return str(item.assigned_name) if item.assigned_key else None

    @extend_schema_field(NULLABLE_STR)
    def get_assigned_to_name(self, item) -> str | None:
        return user_name(item.assigned_to)


class HandoverSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    shift_name = serializers.CharField(read_only=True)
    next_name = serializers.CharField(read_only=True)
    handed_by_name = serializers.SerializerMethodField()
    status = HandoverStatusField(read_only=True)
    status_display = DisplayField("status")
    takings = TakingsSerializer(many=True, read_only=True, help_text="Frozen at the handover, by payment method.")
    takings_total = money_field()
    takings_status = TakingsStatusField(source="receipt.status", read_only=True, default=None, allow_null=True,
                                        help_text="Null when nothing was taken in the shift.")
    takings_received_by_name = serializers.SerializerMethodField()
    takings_received_at = serializers.DateTimeField(source="receipt.received_at", read_only=True, default=None,
                                                    allow_null=True)
    items = HandoverItemSerializer(many=True, read_only=True)

    class Meta:
        model = Handover
        fields = ["id", "estate", "estate_name", "shift_key", "shift_name", "shift_day", "shift_start", "shift_end",
                  "next_key", "next_name", "next_start", "handed_by_name", "handed_at", "notes", "takings",
                  "takings_total", "takings_count", "takings_status", "takings_received_by_name",
                  "takings_received_at", "status", "status_display", "taken_over_at", "items"]
        read_only_fields = fields

    def get_handed_by_name(self, handover) -> str:
        return user_name(handover.handed_by)

    @extend_schema_field(NULLABLE_STR)
    def get_takings_received_by_name(self, handover) -> str | None:
        receipt = selectors.receipt_of(handover)
        return user_name(receipt.received_by) if receipt and receipt.received_by else None


class HandoverWriteSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())
    notes = serializers.CharField(max_length=2000, allow_blank=True, default="")
    shift_key = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                      help_text="The shift to hand over; by default the current one.")
    shift_day = BusinessDateField(required=False, allow_null=True, help_text="The day that shift started.")


class CountedSerializer(serializers.Serializer):
    method = serializers.CharField(max_length=20)
    counted = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="",
                                   help_text="Required when the amount counted differs from the one handed over.")


class ReceiveTakingsSerializer(serializers.Serializer):
    methods = CountedSerializer(many=True, help_text="One line per payment method handed over.")


@contextmanager
def _takings_field_names():
    """The service names its fields counted_<method> and reason_<method>; the API's body
    names them as lines of ``methods``: the errors say ``methods`` with the method."""
    try:
        yield
    except ValidationError as error:
        detail = error.detail
        if isinstance(detail, dict) and any(k.startswith(("counted_", "reason_")) for k in detail):
            raise ValidationError({"methods": [f"{k}: {' '.join(str(m) for m in v)}" for k, v in detail.items()]}) \
                from None
        raise


class HandoverFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    status = django_filters.ChoiceFilter(choices=HandoverStatus.choices)
    day_from = DayFilter(field_name="shift_day", lookup_expr="gte")
    day_to = DayFilter(field_name="shift_day", lookup_expr="lte")

    class Meta:
        model = Handover
        fields = []


_HANDOVER = ["desk.view_handover"]


class HandoverViewSet(RecordActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Handovers (交接班): the shift's takings by method, notes and the items carried."""

    permission_classes = [StaffOnlyPermission]
    filterset_class = HandoverFilter
    ordering_fields = ["shift_start"]
    ordering = ["-shift_start", "-id"]
    lookup_value_regex = r"\d+"
    serializer_class = HandoverSerializer
    staff_permissions = {"list": _HANDOVER, "retrieve": _HANDOVER,
                         "create": [*_HANDOVER, "desk.hand_over_shift"],
                         "receive_takings": [*_HANDOVER, "desk.hand_over_shift"]}

    def get_queryset(self):
        return selectors.handovers_for(self.request.user)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return Response(HandoverSerializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @extend_schema(request=ReceiveTakingsSerializer, responses={200: HandoverSerializer})
    @decorators.action(detail=True, methods=["post"], url_path="receive-takings")
    def receive_takings(self, request, pk=None):
        """The receiving shift counts the takings handed over, per method, and signs for them;
        a method counted differently needs a reason and the supervisors are told."""
        def run(handover, data, who):
            lines = data["methods"]
            return services.takings_receive(
                handover=handover, counted={line["method"]: line["counted"] for line in lines},
                reasons={line["method"]: line.get("reason", "") for line in lines}, **who)
        with _takings_field_names():
            return self.act_and_show(ReceiveTakingsSerializer, run)

    @extend_schema(request=HandoverWriteSerializer, responses={201: HandoverSerializer})
    def create(self, request, *args, **kwargs):
        """Hand a shift over (once): its takings frozen, every open entry an item to sign for."""
        serializer = HandoverWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            handover = services.handover_create(
                estate=data["estate"], actor=request.user, now=timezone.now(), notes=data["notes"],
                shift_key=data.get("shift_key") or None, shift_day=data.get("shift_day"))
        return Response(HandoverSerializer(self.get_queryset().get(pk=handover.pk)).data,
                        status=status.HTTP_201_CREATED)


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class ReassignSerializer(serializers.Serializer):
    shift_key = serializers.CharField(max_length=20, required=False, allow_blank=True, default="",
                                      help_text="The shift that signs for it now; by default the current one.")
    shift_day = BusinessDateField(required=False, allow_null=True, help_text="The day that shift starts.")
    person = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True), required=False,
                                                allow_null=True, help_text="Only this person may sign for it.")
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class SettleCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True)


class HandoverItemViewSet(RecordActions, viewsets.ReadOnlyModelViewSet):
    """The items of handovers: the next shift acknowledges (签收) or refuses each."""

    permission_classes = [StaffOnlyPermission]
    filterset_fields = ["status", "handover"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    serializer_class = HandoverItemSerializer
    staff_permissions = {"list": _HANDOVER, "retrieve": _HANDOVER,
                         "acknowledge": [*_HANDOVER, "desk.hand_over_shift"],
                         "refuse": [*_HANDOVER, "desk.hand_over_shift"],
                         "reassign": [*_HANDOVER, "desk.settle_handoveritem"],
                         "close": [*_HANDOVER, "desk.settle_handoveritem"]}

    def get_queryset(self):
        return HandoverItem.objects.select_related("entry__author", "entry__estate", "entry__unit",
                                                   "entry__complaint", "entry__work_order", "decided_by",
                                                   "assigned_to")

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return Response(HandoverItemSerializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @extend_schema(request=None, responses={200: HandoverItemSerializer})
    @decorators.action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Sign for the item: the entry becomes the receiving shift's."""
        return self.act_and_show(None, lambda i, _d, who: services.item_acknowledge(item=i, **who))

    @extend_schema(request=RefuseSerializer, responses={200: HandoverItemSerializer})
    @decorators.action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Refuse the item with a reason; the supervisors are told."""
        return self.act_and_show(RefuseSerializer, lambda i, d, who: services.item_refuse(
            item=i, reason=d["reason"], **who))

    @extend_schema(request=ReassignSerializer, responses={200: HandoverItemSerializer})
    @decorators.action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """A supervisor gives a refused item to a shift (and a person of it): pending again."""
        return self.act_and_show(ReassignSerializer, lambda i, d, who: services.item_reassign(
            item=i, shift_key=d.get("shift_key") or "", shift_day=d.get("shift_day"), person=d.get("person"),
            note=d.get("note", ""), **who))

    @extend_schema(request=SettleCloseSerializer, responses={200: HandoverItemSerializer})
    @decorators.action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """A supervisor closes a refused item with a note; its entry is closed with it."""
        return self.act_and_show(SettleCloseSerializer, lambda i, d, who: services.item_close(
            item=i, note=d["note"], **who))
