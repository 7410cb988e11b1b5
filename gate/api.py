"""REST API of the gate under /api/v1/: visitors (the desk registers, checks out and
reveals; an owner reads their units' visitors), item passes (the desk and owners apply,
an owner confirms, the guard checks and releases) and card applications (the desk
applies, takes the fee, marks ready, hands over, deactivates; an owner reads their
units'). Every write goes through gate/services.py. ID numbers are masked."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import decorators, permissions, serializers, status, viewsets
from rest_framework.response import Response

from gate import selectors, services
from gate.models import (
    AppliedVia,
    CardApplication,
    CardKind,
    CardStatus,
    ConfirmedHow,
    DeactivationReason,
    ItemPass,
    OwnerConfirmedHow,
    PassCheck,
    PassStatus,
    Visit,
)
from gate.rules import pass_check
from owners.models import Owner, Resident, Unit
from propertydesk.api import (
    BusinessDateField,
    DisplayField,
    IdFilter,
    RecordActions,
    StaffOrOwnerPermission,
    named_choice_field,
    service_errors,
)
from propertydesk.roles import is_staff_member, owner_of

class GatePermission(StaffOrOwnerPermission):
    """StaffOrOwnerPermission, and a tenant with a portal login in use (gate.ResidentLogin):
    reads and the actions in ``tenant_actions``; the querysets keep them to their own records."""

    def has_permission(self, request, view):
        if super().has_permission(request, view):
            return True
        user = request.user
        if not user or not user.is_authenticated or is_staff_member(user) or owner_of(user) is not None:
            return False
        person = selectors.portal_person(user)
        if person is None:
            return False
        return request.method in permissions.SAFE_METHODS or view.action in getattr(view, "tenant_actions", ())


def _applicant(request, data) -> dict:
    """Who applies through the API: the staff's choice, the owner calling, or the tenant calling."""
    if is_staff_member(request.user):
        return {"applicant_owner": data.get("applicant_owner"), "applicant_resident": data.get("applicant_resident"),
                "via": AppliedVia.DESK}
    owner = owner_of(request.user)
    if owner is not None:
        return {"applicant_owner": owner, "via": AppliedVia.PORTAL}
    return {"applicant_resident": selectors.portal_person(request.user).resident, "via": AppliedVia.PORTAL}


ConfirmedHowField = named_choice_field("VisitConfirmedHowEnum", ConfirmedHow)
PassStatusField = named_choice_field("ItemPassStatusEnum", PassStatus)
PassCheckField = named_choice_field("ItemPassCheckEnum", PassCheck)
CardKindField = named_choice_field("CardKindEnum", CardKind)
CardStatusField = named_choice_field("CardStatusEnum", CardStatus)


# ---- visitors ----------------------------------------------------------------------------------

class VisitSerializer(serializers.ModelSerializer):
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True, help_text="Masked.")
    confirmed_how = ConfirmedHowField(read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "estate", "unit", "unit_number", "visitor_name", "id_number", "confirmed", "confirmed_how",
                  "time_in", "time_out", "note"]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)
    code = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                 help_text="A pre-registration's code: fills the unit and the name.")
    visitor_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    id_number = serializers.CharField(max_length=40)
    confirmed = serializers.BooleanField()
    confirmed_how = ConfirmedHowField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class VisitFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    unit = IdFilter(field_name="unit_id", label="unit id")
    still_in = django_filters.BooleanFilter(field_name="time_out", lookup_expr="isnull", label="not left yet")

    class Meta:
        model = Visit
        fields = []


_VISITS = ["gate.view_visit"]
_ADD_VISIT = ["gate.view_visit", "gate.add_visit"]


class VisitViewSet(RecordActions, viewsets.ReadOnlyModelViewSet):
    """Visitors registered at the desk (访客登记)."""

    permission_classes = [StaffOrOwnerPermission]
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["time_in"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    staff_permissions = {"list": _VISITS, "retrieve": _VISITS, "create": _ADD_VISIT, "out": _ADD_VISIT,
                         "reveal": ["gate.view_visit", "gate.reveal_gate_pii"]}
    owner_actions: set[str] = set()

    def get_queryset(self):
        return selectors.visits_for(user=self.request.user)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return Response(VisitSerializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def create(self, request, *args, **kwargs):
        serializer = VisitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            visit = services.visit_register(
                unit=data.get("unit"), visitor_name=data.get("visitor_name", ""), id_number=data["id_number"],
                confirmed=data["confirmed"], confirmed_how=data.get("confirmed_how", ""), code=data.get("code", ""),
                note=data.get("note", ""), now=timezone.now(), actor=request.user)
        return self._detail(visit.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: VisitSerializer})
    @decorators.action(detail=True, methods=["post"])
    def out(self, request, pk=None):
        """The visitor has left (once)."""
        return self.act_and_show(None, lambda v, d, who: services.visit_check_out(visit=v, **who))

    @extend_schema(request=None, responses={200: inline_serializer("VisitReveal", {
        "id_number": serializers.CharField()})})
    @decorators.action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The visitor's full ID number; the reveal is logged."""
        visit = self.get_object()
        number = services.visit_reveal_id(visit=visit, user=request.user, now=timezone.now(),
                                          ip_address=request.META.get("REMOTE_ADDR"), via="api")
        return Response({"id_number": number})


# ---- item passes -------------------------------------------------------------------------------

class ItemPassLineSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=1, max_value=9999)


class ItemPassSerializer(serializers.ModelSerializer):
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    status = PassStatusField(read_only=True)
    status_display = DisplayField("status")
    check = serializers.SerializerMethodField(help_text="What the guard's page says of it now.")
    lines = ItemPassLineSerializer(many=True, read_only=True)
    carrier_id_number = serializers.CharField(source="carrier_id_masked", read_only=True, help_text="Masked.")

    class Meta:
        model = ItemPass
        fields = ["id", "number", "estate", "unit", "unit_number", "day", "applicant_name", "applied_via", "status",
                  "status_display", "check", "lines", "confirmed_at", "confirmed_how", "carrier_name",
                  "carrier_id_number", "released_at", "created_at"]
        read_only_fields = fields

    def get_check(self, item_pass) -> str:
        return pass_check(item_pass, now=self.context.get("now") or timezone.now())


class ItemPassCreateSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    day = BusinessDateField()
    lines = ItemPassLineSerializer(many=True)
    applicant_owner = serializers.PrimaryKeyRelatedField(queryset=Owner.objects.all(), required=False,
                                                         allow_null=True, help_text="Staff only.")
    applicant_resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.all(), required=False,
                                                            allow_null=True, help_text="Staff only.")


class ItemPassRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ReleaseSerializer(serializers.Serializer):
    carrier_name = serializers.CharField(max_length=100)
    carrier_id_number = serializers.CharField(max_length=40)


class ItemPassFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    unit = IdFilter(field_name="unit_id", label="unit id")
    status = django_filters.ChoiceFilter(choices=PassStatus.choices)
    number = django_filters.CharFilter(field_name="number", lookup_expr="iexact", max_length=40)

    class Meta:
        model = ItemPass
        fields = []


_PASSES = ["gate.view_itempass"]


class ItemPassViewSet(RecordActions, viewsets.ReadOnlyModelViewSet):
    """Item release passes (物品放行)."""

    permission_classes = [GatePermission]
    serializer_class = ItemPassSerializer
    filterset_class = ItemPassFilter
    ordering_fields = ["day"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    staff_permissions = {"list": _PASSES, "retrieve": _PASSES, "create": ["gate.add_itempass"],
                         "confirm": None, "refuse": None, "release": ["gate.check_item_pass"],
                         "cancel": ["gate.change_itempass"]}
    owner_actions = {"create", "confirm", "refuse"}
    tenant_actions = {"create"}

    def get_queryset(self):
        return selectors.passes_for(user=self.request.user)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return Response(ItemPassSerializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @extend_schema(request=ItemPassCreateSerializer, responses={201: ItemPassSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ItemPassCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = [services.PassLine(line["description"], line["quantity"]) for line in data["lines"]]
        who = _applicant(request, data)
        with service_errors():
            item_pass = services.item_pass_apply(unit=data["unit"], day=data["day"], lines=lines, now=timezone.now(),
                                                 actor=request.user, **who)
        return self._detail(item_pass.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ItemPassSerializer})
    @decorators.action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """An owner of the unit confirms a tenant's pass (owners only; at the desk the owner signs)."""
        owner = owner_of(request.user)
        if owner is None:
            return Response({"detail": "Only an owner of the unit confirms in the portal or the API."},
                            status=status.HTTP_403_FORBIDDEN)
        return self.act_and_show(None, lambda p, d, who: services.item_pass_confirm(
            item_pass=p, owner=owner, how=OwnerConfirmedHow.PORTAL, **who))

    @extend_schema(request=ItemPassRefuseSerializer, responses={200: ItemPassSerializer})
    @decorators.action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """An owner of the unit refuses a tenant's pass (owners only); the tenant is told."""
        owner = owner_of(request.user)
        if owner is None:
            return Response({"detail": "Only an owner of the unit refuses a tenant's pass."},
                            status=status.HTTP_403_FORBIDDEN)
        return self.act_and_show(ItemPassRefuseSerializer, lambda p, d, who: services.item_pass_refuse(
            item_pass=p, owner=owner, reason=d.get("reason", ""), **who))

    @extend_schema(request=ReleaseSerializer, responses={200: ItemPassSerializer})
    @decorators.action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """The guard lets the goods of a valid pass out, recording the carrier."""
        return self.act_and_show(ReleaseSerializer, lambda p, d, who: services.item_pass_release(
            item_pass=p, carrier_name=d["carrier_name"], carrier_id_number=d["carrier_id_number"], **who))

    @extend_schema(request=None, responses={200: ItemPassSerializer})
    @decorators.action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self.act_and_show(None, lambda p, d, who: services.item_pass_cancel(item_pass=p, **who))


# ---- cards -------------------------------------------------------------------------------------

class CardSerializer(serializers.ModelSerializer):
    unit_number = serializers.CharField(source="unit.number", read_only=True)
    kind = CardKindField(read_only=True)
    status = CardStatusField(read_only=True)
    status_display = DisplayField("status")
    applicant_name = serializers.SerializerMethodField()
    receipt_number = serializers.CharField(source="receipt.number", read_only=True, default=None)
    fee = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = CardApplication
        fields = ["id", "number", "kind", "estate", "unit", "unit_number", "applicant_name", "holder_name",
                  "plate_number", "fee", "ready_on", "status", "status_display", "card_number", "receipt_number",
                  "applied_at", "deactivated_at", "deactivation_reason"]
        read_only_fields = fields

    def get_applicant_name(self, card) -> str:
        """The tenant who applied, else the owner."""
        return (card.applicant_resident or card.applicant).name


class CardCreateSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    kind = CardKindField()
    applicant = serializers.PrimaryKeyRelatedField(queryset=Owner.objects.all(), required=False, allow_null=True,
                                                   help_text="Staff: the owner applying. A tenant applies as "
                                                             "themselves (leave it out).")
    holder_name = serializers.CharField(max_length=100)
    plate_number = serializers.CharField(required=False, allow_blank=True, max_length=20)


class CardPaySerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=["cash", "card"])


class CardReadySerializer(serializers.Serializer):
    card_number = serializers.CharField(required=False, allow_blank=True, max_length=40)


class CardDeactivateSerializer(serializers.Serializer):
    reason = named_choice_field("CardDeactivationReasonEnum", DeactivationReason)()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CardFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    unit = IdFilter(field_name="unit_id", label="unit id")
    status = django_filters.ChoiceFilter(choices=CardStatus.choices)
    kind = django_filters.ChoiceFilter(choices=CardKind.choices)

    class Meta:
        model = CardApplication
        fields = []


_CARDS = ["gate.view_cardapplication"]
_CHANGE_CARD = ["gate.change_cardapplication"]


class CardViewSet(RecordActions, viewsets.ReadOnlyModelViewSet):
    """Access-card (门禁卡) and parking applications."""

    permission_classes = [GatePermission]
    serializer_class = CardSerializer
    filterset_class = CardFilter
    ordering_fields = ["applied_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    staff_permissions = {"list": _CARDS, "retrieve": _CARDS, "create": ["gate.add_cardapplication"],
                         "pay": ["gate.take_card_fee"], "ready": _CHANGE_CARD, "hand_over": _CHANGE_CARD,
                         "deactivate": _CHANGE_CARD, "cancel": _CHANGE_CARD}
    owner_actions: set[str] = set()
    tenant_actions = {"create"}

    def get_queryset(self):
        return selectors.cards_for(user=self.request.user)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return Response(CardSerializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @extend_schema(request=CardCreateSerializer, responses={201: CardSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CardCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not is_staff_member(request.user):  # a tenant (owners apply at the desk)
            data.pop("applicant", None)
            data["applicant_resident"] = selectors.portal_person(request.user).resident
        with service_errors():
            card = services.card_apply(now=timezone.now(), actor=request.user, **data)
        return self._detail(card.pk, status.HTTP_201_CREATED)

    @extend_schema(request=CardPaySerializer, responses={200: CardSerializer})
    @decorators.action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        """The fee paid at the desk: a receipt from the fees app's sequence."""
        return self.act_and_show(CardPaySerializer, lambda c, d, who: services.card_pay(
            card=c, method=d["method"], **who))

    @extend_schema(request=CardReadySerializer, responses={200: CardSerializer})
    @decorators.action(detail=True, methods=["post"])
    def ready(self, request, pk=None):
        """The card is made: the applicant is told through the outbox."""
        return self.act_and_show(CardReadySerializer, lambda c, d, who: services.card_mark_ready(
            card=c, card_number=d.get("card_number", ""), **who))

    @extend_schema(request=None, responses={200: CardSerializer})
    @decorators.action(detail=True, methods=["post"], url_path="hand-over", url_name="hand-over")
    def hand_over(self, request, pk=None):
        return self.act_and_show(None, lambda c, d, who: services.card_hand_over(card=c, **who))

    @extend_schema(request=CardDeactivateSerializer, responses={200: CardSerializer})
    @decorators.action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """A lost card stops opening the doors; a replacement is a new application."""
        return self.act_and_show(CardDeactivateSerializer, lambda c, d, who: services.card_deactivate(
            card=c, reason=d["reason"], note=d.get("note", ""), **who))

    @extend_schema(request=None, responses={200: CardSerializer})
    @decorators.action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self.act_and_show(None, lambda c, d, who: services.card_cancel(card=c, **who))
