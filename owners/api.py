"""REST API of the registry: /api/v1/estates, buildings, units, owners.

The same permissions as the pages: staff need the model permission (view for
reads), owners may read only their own owner record and current units. Writes go
through owners.services like the pages do.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import decorators, exceptions, mixins, permissions, serializers, viewsets
from rest_framework.response import Response

from owners import selectors, services
from owners.models import (
    Building,
    Estate,
    IdType,
    Owner,
    PhoneLabel,
    PiiField,
    SpecialNeed,
    Unit,
)
from propertydesk.api import raise_as_drf
from propertydesk.models import ContactChannel
from propertydesk.roles import is_staff_member, owner_of


class RegistryPermission(permissions.DjangoModelPermissions):
    """Staff: Django model permissions, view included. Owners: safe methods only;
    the viewsets' querysets keep them to their own records (others are 404)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if is_staff_member(user):
            return super().has_permission(request, view)
        return (
            getattr(view, "owner_readable", False)
            and owner_of(user) is not None
            and request.method in permissions.SAFE_METHODS
        )


class EstateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Estate
        fields = ["id", "name", "code", "address", "service_phone", "language"]


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "estate", "number", "name", "floors"]


class OwnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="owner.id")
    name = serializers.CharField(source="owner.name")
    since = serializers.DateField(source="start_date")


class UnitSerializer(serializers.ModelSerializer):
    current_owners = OwnerRefSerializer(many=True, read_only=True, source="current_ownerships")

    class Meta:
        model = Unit
        fields = ["id", "estate", "building", "number", "floor", "area", "current_owners"]


class PhoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.ChoiceField(choices=PhoneLabel.choices, default=PhoneLabel.MOBILE)
    number = serializers.CharField(write_only=True, max_length=30)
    masked = serializers.CharField(read_only=True)
    is_primary = serializers.BooleanField(read_only=True)


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="unit.id")
    number = serializers.CharField(source="unit.number")
    estate = serializers.CharField(source="unit.estate.name")
    since = serializers.DateField(source="start_date")


class OwnerSerializer(serializers.ModelSerializer):
    """Phones and the ID number are written in full and read back masked."""

    phones = PhoneSerializer(many=True, required=False)
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)
    id_number_masked = serializers.CharField(read_only=True)
    special_needs = serializers.ListField(
        child=serializers.ChoiceField(choices=SpecialNeed.choices), required=False
    )
    units = UnitRefSerializer(many=True, read_only=True, source="current_ownerships")
    remove_phone_ids = serializers.ListField(
        child=serializers.IntegerField(), write_only=True, required=False
    )

    class Meta:
        model = Owner
        fields = [
            "id", "name", "id_type", "id_number", "id_number_masked", "phones", "remove_phone_ids",
            "address", "email", "preferred_channel", "language", "special_needs", "special_needs_note",
            "units",
        ]

    def _phones(self, data):
        return [
            services.PhoneInput(number=p["number"], label=p.get("label", PhoneLabel.MOBILE))
            for p in data.get("phones", [])
        ]

    def create(self, validated):
        try:
            return services.owner_create(
                name=validated["name"],
                id_type=validated.get("id_type", IdType.RESIDENT_ID),
                id_number=validated.get("id_number", ""),
                phones=self._phones(validated),
                address=validated.get("address", ""),
                email=validated.get("email", ""),
                preferred_channel=validated.get("preferred_channel", ContactChannel.PHONE),
                special_needs=validated.get("special_needs", []),
                special_needs_note=validated.get("special_needs_note", ""),
                language=validated.get("language", ""),
            )
        except DjangoValidationError as error:
            raise_as_drf(error)

    def update(self, owner, validated):
        try:
            return services.owner_update(
                owner=owner,
                name=validated.get("name", owner.name),
                id_type=validated.get("id_type", owner.id_type),
                new_id_number=validated.get("id_number", ""),
                address=validated.get("address", owner.address),
                email=validated.get("email", owner.email),
                preferred_channel=validated.get("preferred_channel", owner.preferred_channel),
                special_needs=validated.get("special_needs", owner.special_needs),
                special_needs_note=validated.get("special_needs_note", owner.special_needs_note),
                add_phones=self._phones(validated),
                remove_phone_ids=validated.get("remove_phone_ids", []),
                language=validated.get("language", ""),
            )
        except DjangoValidationError as error:
            raise_as_drf(error)

    def to_representation(self, instance):
        if not hasattr(instance, "current_ownerships"):
            instance.current_ownerships = list(selectors.owners_units_prefetch().queryset.filter(owner=instance))
        return super().to_representation(instance)


class RevealRequestSerializer(serializers.Serializer):
    """What to unmask: the phone numbers (the default) or the ID number. A body that is
    not an object, or names another field, is a 400 on ``field``."""

    field = serializers.ChoiceField(PiiField.choices, required=False, default=PiiField.PHONE)


class BuildingFilter(django_filters.FilterSet):
    class Meta:
        model = Building
        fields = ["estate"]


class UnitFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(field_name="number", lookup_expr="istartswith", max_length=30)
    area_min = django_filters.NumberFilter(field_name="area", lookup_expr="gte")
    area_max = django_filters.NumberFilter(field_name="area", lookup_expr="lte")

    class Meta:
        model = Unit
        fields = ["estate", "building", "floor", "number"]


class OwnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="name, full phone or its last 4 digits", max_length=100)
    estate = django_filters.NumberFilter(method="in_estate")
    has_special_needs = django_filters.BooleanFilter(method="with_special_needs")

    class Meta:
        model = Owner
        fields = ["preferred_channel"]

    def search(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.owner_list(query=value).values("pk"))

    def in_estate(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.owner_list(estate_id=value).values("pk"))

    def with_special_needs(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.owner_list(special_needs=value).values("pk"))


class EstateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EstateSerializer
    permission_classes = [RegistryPermission]
    queryset = Estate.objects.all()
    ordering = ["name"]

    def get_queryset(self):
        if is_staff_member(self.request.user):
            return Estate.objects.order_by("name")
        return Estate.objects.none()


class BuildingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BuildingSerializer
    permission_classes = [RegistryPermission]
    filterset_class = BuildingFilter
    queryset = Building.objects.all()
    # The estate by id (the cursor compares the building's own columns), then the number.
    ordering = ["estate_id", "number"]

    def get_queryset(self):
        if is_staff_member(self.request.user):
            return Building.objects.select_related("estate").order_by("estate__name", "number")
        return Building.objects.none()


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    permission_classes = [RegistryPermission]
    filterset_class = UnitFilter
    owner_readable = True
    queryset = Unit.objects.all()
    ordering_fields = ["number", "area", "floor"]
    ordering = ["estate_id", "number"]

    def get_queryset(self):
        return (
            # The rows name their estate and building by id only: nothing to join.
            selectors.unit_queryset_for(self.request.user).select_related(None)
            .prefetch_related(
                Prefetch("ownerships", queryset=selectors.current_ownerships().select_related("owner"),
                         to_attr="current_ownerships")
            )
            .order_by("estate__name", "number")
        )


class OwnerViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = OwnerSerializer
    permission_classes = [RegistryPermission]
    filterset_class = OwnerFilter
    owner_readable = True
    queryset = Owner.objects.all()
    ordering = ["name"]

    def get_queryset(self):
        return (
            selectors.owner_queryset_for(self.request.user)
            .prefetch_related(selectors.owners_units_prefetch())
            .order_by("name", "id")
        )

    @extend_schema(
        request=RevealRequestSerializer,
        responses=inline_serializer(
            "RevealResponse",
            {"phones": serializers.ListField(required=False), "id_number": serializers.CharField(required=False)},
        ),
    )
    @decorators.action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    @method_decorator(never_cache)  # the full numbers stay in no cache
    def reveal(self, request, pk=None):
        """Unmask the owner's phone numbers or ID number. Needs the reveal permission; logged."""
        if is_staff_member(request.user) and not request.user.has_perm("owners.reveal_owner_pii"):
            raise exceptions.PermissionDenied
        owner = self.get_object()
        asked = RevealRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            revealed = services.owner_reveal_pii(
                owner=owner, user=request.user, field=asked.validated_data["field"], now=timezone.now(),
                ip_address=request.META.get("REMOTE_ADDR"), via="api",
            )
        except DjangoValidationError as error:
            raise_as_drf(error)
        return Response(revealed)
