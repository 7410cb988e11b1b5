"""REST API of incidents: /api/v1/incidents/, for staff who handle them (the desk and the
supervisors). Open one (POST), tick a step, change the script or the expected end,
generate the notice, close with a summary: each a call of incidents.services, so the
checklist, the state machine and the supervisors' alert are the pages' own. Owners and
the other roles get nothing (403)."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import decorators, mixins, serializers, status, viewsets
from rest_framework.response import Response

from incidents import selectors, services
from incidents.models import Incident, IncidentKind, IncidentStatus, IncidentStep
from owners.models import Estate
from propertydesk import limits
from propertydesk.api import (
    NULLABLE_INT,
    BusinessDateTimeField,
    DisplayField,
    IdFilter,
    RecordActions,
    StaffOnlyPermission,
    named_choice_field,
    service_errors,
    user_name,
)

IncidentKindField = named_choice_field("IncidentKindEnum", IncidentKind)
IncidentStatusField = named_choice_field("IncidentStatusEnum", IncidentStatus)


class StepSerializer(serializers.ModelSerializer):
    done_by = serializers.SerializerMethodField()

    class Meta:
        model = IncidentStep
        fields = ["id", "position", "text", "done_at", "done_by", "note"]
        read_only_fields = fields

    def get_done_by(self, step) -> str | None:
        return user_name(step.done_by)


class IncidentSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    kind = IncidentKindField(read_only=True)
    kind_display = DisplayField("kind")
    status = IncidentStatusField(read_only=True)
    status_display = DisplayField("status")
    buildings = serializers.SlugRelatedField(many=True, read_only=True, slug_field="number")
    steps = StepSerializer(many=True, read_only=True)
    notice = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                                help_text="The notice generated from it, if any.")

    class Meta:
        model = Incident
        fields = ["id", "estate", "estate_name", "kind", "kind_display", "whole_estate", "buildings", "place",
                  "description", "started_at", "expected_end", "script", "status", "status_display", "opened_at",
                  "closed_at", "summary", "notice", "steps"]
        read_only_fields = fields


class IncidentOpenSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())
    kind = IncidentKindField()
    whole_estate = serializers.BooleanField(default=False)
    buildings = serializers.ListField(child=serializers.CharField(max_length=20), required=False, default=list,
                                      max_length=500, help_text="Building numbers (unless the whole estate).")
    place = serializers.CharField(max_length=limits.max_length(Incident, "place"))
    description = serializers.CharField(max_length=limits.ACCOUNT_LENGTH)
    started_at = BusinessDateTimeField()
    expected_end = BusinessDateTimeField(required=False, allow_null=True, default=None)
    script = serializers.CharField(max_length=limits.NOTE_LENGTH, required=False, allow_blank=True, default="",
                                   help_text="Empty: the estate's plan's script for the kind.")


class IncidentUpdateSerializer(serializers.Serializer):
    script = serializers.CharField(max_length=limits.NOTE_LENGTH, required=False)
    expected_end = BusinessDateTimeField(required=False, allow_null=True)


class TickSerializer(serializers.Serializer):
    step = serializers.IntegerField(min_value=1, max_value=32767, help_text="The step's position (1, 2, …).")


class CloseSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=limits.ACCOUNT_LENGTH, allow_blank=True)


class NoticeMadeSerializer(serializers.Serializer):
    notice = NULLABLE_INT


class IncidentFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    kind = django_filters.ChoiceFilter(choices=IncidentKind.choices)
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)

    class Meta:
        model = Incident
        fields = []


_VIEW = ["incidents.view_incident"]
_HANDLE = ["incidents.view_incident", "incidents.handle_incident"]
_ACTION = dict(responses={200: IncidentSerializer})


class IncidentViewSet(RecordActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Incidents (突发事件): outages, lift entrapments, fire alarms, with the estate's
    emergency plan as a checklist and the callers' script."""

    permission_classes = [StaffOnlyPermission]
    filterset_class = IncidentFilter
    serializer_class = IncidentSerializer
    ordering_fields = ["started_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": _VIEW, "retrieve": _VIEW, "create": [*_VIEW, "incidents.add_incident"],
        "tick": _HANDLE, "update_script": _HANDLE, "close": _HANDLE,
        "notice": [*_HANDLE, "notices.add_notice"],
    }

    def get_queryset(self):
        return selectors.incidents_for(self.request.user)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        incident = selectors.incidents_for(self.request.user).get(pk=pk)
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(request=IncidentOpenSerializer, responses={201: IncidentSerializer})
    def create(self, request, *args, **kwargs):
        """Open an incident: the supervisors are told at once."""
        serializer = IncidentOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            incident = services.incident_open(now=timezone.now(), actor=request.user, **data)
        return self._detail(incident.pk, status.HTTP_201_CREATED)

    @extend_schema(request=TickSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def tick(self, request, pk=None):
        """A step of the checklist is done (who and when are recorded)."""
        def run(incident, data, who):
            step = incident.steps.filter(position=data["step"]).first()
            if step is None:
                raise serializers.ValidationError({"step": ["This incident has no such step."]})
            return services.incident_step_tick(step=step, **who)
        return self.act_and_show(TickSerializer, run)

    @extend_schema(request=IncidentUpdateSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="update-script")
    def update_script(self, request, pk=None):
        """Change the callers' script or the expected end while it is open."""
        return self.act_and_show(IncidentUpdateSerializer, lambda i, d, who: services.incident_update(
            incident=i, **d, **who))

    @extend_schema(request=None, responses={201: NoticeMadeSerializer})
    @decorators.action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        """Write a draft emergency notice to its buildings, to review and publish on the desk."""
        _incident, _data, notice = self.act(None, lambda i, d, who: services.incident_notice_generate(
            incident=i, **who))
        return Response({"notice": notice.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(request=CloseSerializer, **_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close it with a summary (refused without one)."""
        return self.act_and_show(CloseSerializer, lambda i, d, who: services.incident_close(
            incident=i, summary=d["summary"], **who))
