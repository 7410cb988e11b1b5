"""REST API of community activities: /api/v1/activities/. Staff who may read activities see
every one with its households; an owner the activities of the estates where they own a unit
now, without the households. The desk plans (POST), records a household (``households``),
marks held (``hold``: the callbacks are made) or cancels (``cancel``), through the services."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, serializers, status, viewsets
from rest_framework.response import Response

from activities import selectors, services
from activities.models import Activity, ActivityKind, ActivityStatus, Participation
from owners.models import Estate, Owner, Resident, Unit
from propertydesk import limits
from propertydesk.api import (
    BusinessDateTimeField,
    DisplayField,
    IdFilter,
    RecordActions,
    StaffOrOwnerPermission,
    context_is_staff,
    named_choice_field,
    service_errors,
)

ActivityKindField = named_choice_field("ActivityKindEnum", ActivityKind)
ActivityStatusField = named_choice_field("ActivityStatusEnum", ActivityStatus)


class ParticipationSerializer(serializers.ModelSerializer):
    unit_number = serializers.CharField(source="unit.number", read_only=True)

    class Meta:
        model = Participation
        fields = ["unit", "unit_number", "owner", "resident", "people", "attended", "recorded_at"]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    kind = ActivityKindField(read_only=True)
    kind_display = DisplayField("kind")
    status = ActivityStatusField(read_only=True)
    status_display = DisplayField("status")
    households = serializers.SerializerMethodField(help_text="Staff only: the households signed up and who came.")

    class Meta:
        model = Activity
        fields = ["id", "estate", "estate_name", "title", "kind", "kind_display", "place", "starts_at", "ends_at",
                  "organiser", "capacity", "description", "status", "status_display", "held_on", "finished_at",
                  "households"]
        read_only_fields = fields

    @extend_schema_field(ParticipationSerializer(many=True))
    def get_households(self, activity) -> list[dict]:
        if not context_is_staff(self.context):
            return []
        return ParticipationSerializer(activity.participations.all(), many=True).data


class ActivityPlanSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())
    title = serializers.CharField(max_length=limits.max_length(Activity, "title"))
    kind = ActivityKindField(default=ActivityKind.OTHER)
    place = serializers.CharField(max_length=limits.max_length(Activity, "place"), required=False, allow_blank=True,
                                  default="")
    starts_at = BusinessDateTimeField()
    ends_at = BusinessDateTimeField(required=False, allow_null=True, default=None)
    organiser = serializers.CharField(max_length=limits.max_length(Activity, "organiser"), required=False,
                                      allow_blank=True, default="")
    capacity = serializers.IntegerField(min_value=1, max_value=100000, required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=limits.NOTE_LENGTH, required=False, allow_blank=True, default="")


class HouseholdSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    owner = serializers.PrimaryKeyRelatedField(queryset=Owner.objects.all(), required=False, allow_null=True,
                                               default=None, help_text="The owner who came (or none).")
    resident = serializers.PrimaryKeyRelatedField(queryset=Resident.objects.all(), required=False, allow_null=True,
                                                  default=None, help_text="The resident who came (or none).")
    people = serializers.IntegerField(min_value=1, max_value=100, default=1)
    attended = serializers.BooleanField(default=True, help_text="False: signed up, not come (yet).")


class ActivityCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=limits.NOTE_LENGTH)


class ActivityFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    status = django_filters.ChoiceFilter(choices=ActivityStatus.choices)

    class Meta:
        model = Activity
        fields = []


_VIEW = ["activities.view_activity"]
_ACTION = dict(responses={200: ActivitySerializer})


class ActivityViewSet(RecordActions, viewsets.ReadOnlyModelViewSet):
    """Community activities (社区活动): planned, their households, held (one callback per
    household that came, a month later) or cancelled."""

    permission_classes = [StaffOrOwnerPermission]
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields = ["starts_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": _VIEW, "retrieve": _VIEW, "create": ["activities.add_activity"],
        "households": ["activities.change_activity"], "hold": ["activities.hold_activity"],
        "cancel": ["activities.hold_activity"],
    }
    owner_actions: set[str] = set()

    def get_queryset(self):
        return selectors.activities_for(self.request.user)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        activity = self.get_queryset().get(pk=pk)
        return Response(ActivitySerializer(activity, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(request=ActivityPlanSerializer, responses={201: ActivitySerializer})
    def create(self, request):
        """Plan an activity."""
        serializer = ActivityPlanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            activity = services.activity_plan(now=timezone.now(), actor=request.user, **serializer.validated_data)
        return self._detail(activity.pk, status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def households(self, request, pk=None):
        """Record a household of a planned activity: signed up, or came (with who and how
        many). Recording a unit again corrects its row."""
        return self.act_and_show(HouseholdSerializer, lambda a, d, who: services.participation_record(
            activity=a, unit=d["unit"], owner=d["owner"], resident=d["resident"], people=d["people"],
            attended=d["attended"], **who))

    @extend_schema(request=None, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """The activity was held: each household that came gets a callback due a month later.
        Refused (400) unless it is planned and has started."""
        return self.act_and_show(None, lambda a, _d, who: services.activity_hold(activity=a, **who))

    @extend_schema(request=ActivityCancelSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Call a planned activity off, with the reason; its households are told."""
        return self.act_and_show(ActivityCancelSerializer, lambda a, d, who: services.activity_cancel(
            activity=a, reason=d["reason"], **who))
