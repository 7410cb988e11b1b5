"""REST API of notices: /api/v1/notices/, read-only. Staff who may read notices see every
one; an owner the notices sent to the units they own now (anything else is a 404).
Publishing, ending and withdrawing are the desk's pages."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, viewsets

from notices import selectors
from notices.models import Audience, Notice, NoticeKind, NoticeStatus
from propertydesk.api import DisplayField, IdFilter, StaffOrOwnerPermission, named_choice_field

NoticeKindField = named_choice_field("NoticeKindEnum", NoticeKind)
NoticeStatusField = named_choice_field("NoticeStatusEnum", NoticeStatus)
AudienceField = named_choice_field("NoticeAudienceEnum", Audience)


class NoticeSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    kind = NoticeKindField(read_only=True)
    kind_display = DisplayField("kind")
    audience = AudienceField(read_only=True)
    status = NoticeStatusField(read_only=True)
    status_display = DisplayField("status")
    title = serializers.CharField(source="shown_title", read_only=True)
    body = serializers.CharField(source="shown_body", read_only=True,
                                 help_text="The text with its window and place filled in.")
    buildings = serializers.SlugRelatedField(many=True, read_only=True, slug_field="number")
    units = serializers.SlugRelatedField(many=True, read_only=True, slug_field="number")

    class Meta:
        model = Notice
        fields = ["id", "estate", "estate_name", "kind", "kind_display", "emergency", "audience", "buildings",
                  "units", "title", "body", "place", "starts_at", "ends_at", "status", "status_display",
                  "published_at"]
        read_only_fields = fields


class StaffNoticeSerializer(NoticeSerializer):
    households = serializers.IntegerField(read_only=True, help_text="Households it was sent to.")
    read_households = serializers.IntegerField(read_only=True, help_text="Households that have opened it.")

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "households", "read_households", "messages_sent", "created_at"]
        read_only_fields = fields


class NoticeFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    kind = django_filters.ChoiceFilter(choices=NoticeKind.choices)
    status = django_filters.ChoiceFilter(choices=NoticeStatus.choices)
    emergency = django_filters.BooleanFilter()

    class Meta:
        model = Notice
        fields = []


_VIEW = ["notices.view_notice"]


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Notices (公告) to an estate, some buildings or some units: planned outages, lift
    maintenance, safety notices, fee publications; ordinary or emergency."""

    permission_classes = [StaffOrOwnerPermission]
    filterset_class = NoticeFilter
    ordering_fields = ["created_at"]
    ordering = ["-id"]
    lookup_value_regex = r"\d+"
    staff_permissions = {"list": _VIEW, "retrieve": _VIEW}
    owner_actions: set[str] = set()

    def get_queryset(self):
        return selectors.notices_for(self.request.user)

    def get_serializer_class(self):
        from propertydesk.roles import is_staff_member

        user = getattr(getattr(self, "request", None), "user", None)
        return StaffNoticeSerializer if user is not None and is_staff_member(user) else NoticeSerializer
