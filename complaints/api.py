"""REST API of complaints and suggestions: /api/v1/complaints, /api/v1/suggestions.

The same rules as the pages: staff need the model permission (view for reads, add
for intake, work_complaint / change_suggestion for the actions); engineering sees
what complaints.selectors gives it; an owner reaches only their own complaints and
suggestions (others are 404), may submit new ones for their current units and runs
no staff action. Every write is a complaints.services call, so the state machine,
the permissions it checks and the timeline are the pages' own. There is no "close":
a complaint closes only when its callback finds the owner satisfied.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import (
    decorators,
    exceptions,
    mixins,
    serializers,
    status,
    viewsets,
)
from rest_framework.response import Response

from complaints import selectors, services
from complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    Department,
    PauseReason,
    Status,
    Suggestion,
    SuggestionStatus,
    Urgency,
)
from owners.models import Estate, Owner, Unit
from owners.selectors import owner_of_record, owner_units
from propertydesk import files
from propertydesk.api import (
    FILE_RENDERERS,
    FILE_RESPONSE,
    NULLABLE_INT,
    NULLABLE_STR,
    BusinessDateTimeField,
    DisplayField,
    IdFilter,
    RecordActions,
    StaffOrOwnerPermission,
    service_errors,
    user_name,
)
from propertydesk.api import context_is_staff as _is_staff
from propertydesk.api import context_owner as _owner
from propertydesk.limits import max_length
from propertydesk.roles import is_staff_member, owner_of

# ---- complaints: serializers ----------------------------------------------


class ComplaintEventSerializer(serializers.ModelSerializer):
    kind_display = DisplayField("kind")
    message = serializers.CharField(
        read_only=True,
        help_text="The system's sentence (including a system note such as a work order opened or the callback's "
                  "result), in the request's language.",
    )
    actor_name = serializers.SerializerMethodField(help_text="Staff only; null for owners.")

    class Meta:
        model = ComplaintEvent
        fields = ["id", "at", "kind", "kind_display", "message", "from_status", "to_status", "note", "public",
                  "actor_name"]
        extra_kwargs = {"note": {"help_text": "What a person wrote, as written."}}

    @extend_schema_field(NULLABLE_STR)
    def get_actor_name(self, event) -> str | None:
        return user_name(event.actor) if _is_staff(self.context) else None


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint as the queue shows it. The contact phone is only ever masked;
    staff-only fields (assignee) are null in an owner's view."""

    unit_number = serializers.CharField(source="unit.number", read_only=True)
    building = serializers.IntegerField(source="unit.building_id", read_only=True)
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True, default=None)
    contact_phone_masked = serializers.CharField(read_only=True)
    status_display = DisplayField("status")
    category_display = DisplayField("category")
    urgency_display = DisplayField("urgency")
    channel_display = DisplayField("channel")
    department = serializers.ChoiceField(
        choices=Department.choices, allow_blank=True, read_only=True,
        label=Complaint._meta.get_field("department").verbose_name, help_text="Blank until the complaint is assigned.")
    department_display = DisplayField("department")
    assignee = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    assignee_name = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    is_paused = serializers.BooleanField(read_only=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id", "number", "estate", "estate_name", "building", "unit", "unit_number", "owner", "owner_name",
            "contact_name", "contact_phone_masked", "channel", "channel_display", "category", "category_display",
            "urgency", "urgency_display", "location", "description", "status", "status_display",
            "department", "department_display", "assignee", "assignee_name",
            "received_at", "promised_at", "promise_note", "assigned_at", "started_at", "resolved_at",
            "closed_at", "resolution", "late_by", "paused_since", "is_paused", "is_overdue", "reopen_count",
        ]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_INT)
    def get_assignee(self, complaint) -> int | None:
        return complaint.assignee_id if _is_staff(self.context) else None

    @extend_schema_field(NULLABLE_STR)
    def get_assignee_name(self, complaint) -> str | None:
        return user_name(complaint.assignee) if _is_staff(self.context) else None

    def get_is_overdue(self, complaint) -> bool:
        return complaint.is_overdue(self.context.get("now") or timezone.now())


class ComplaintAttachmentSerializer(serializers.ModelSerializer):
    """A photo or PDF handed in with the complaint, and where to fetch it."""

    name = serializers.CharField(source="download_name", read_only=True)
    content_type = serializers.CharField(source="served_type", read_only=True)
    url = serializers.SerializerMethodField(help_text="The file (a photo inline, a PDF as a download), for a "
                                                      "caller who may see the complaint.")

    class Meta:
        model = ComplaintAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        path = reverse("complaint-file", args=[attachment.complaint_id, attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ComplaintDetailSerializer(ComplaintSerializer):
    """With the timeline (every event for staff, the public ones for the owner) and the
    files handed in with the complaint."""

    timeline = ComplaintEventSerializer(many=True, read_only=True)
    attachments = ComplaintAttachmentSerializer(many=True, read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "timeline", "attachments"]
        read_only_fields = fields


class ComplaintCreateSerializer(serializers.Serializer):
    """Staff intake takes every field. An owner's complaint uses only unit (one of
    their current units), category, urgency, location and description: the channel is
    the portal and the owner is themselves."""

    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.select_related("estate"))
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Owner.objects.all(), required=False, allow_null=True, default=None,
        help_text="Staff: the complaining owner (must own the unit).",
    )
    from_owner = serializers.BooleanField(
        required=False, default=False,
        help_text="Staff: the complaint comes from the unit's current owner (ignored when owner is given).",
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_blank=True, default="",
        help_text="Staff: required. Owners: always portal.",
    )
    category = serializers.ChoiceField(choices=Category.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    # Blank reaches the service, whose message says what to write.
    description = serializers.CharField(allow_blank=True, max_length=max_length(Complaint, "description"))
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=30, write_only=True,
        help_text="Written in full, read back masked.",
    )
    promised_at = BusinessDateTimeField(
        required=False, allow_null=True, default=None,
        help_text="Staff: a promise other than the standard one for the urgency.",
    )
    promise_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    STAFF_ONLY = ("owner", "from_owner", "channel", "contact_name", "contact_phone", "promised_at", "promise_note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owner = None if _is_staff(self.context) else _owner(self.context)
        if owner is not None:
            # Someone else's unit looks exactly like one that does not exist.
            self.fields["unit"].queryset = owner_units(owner=owner).select_related("estate")
            for name in self.STAFF_ONLY:
                self.fields.pop(name)


class AssignSerializer(serializers.Serializer):
    department = serializers.ChoiceField(choices=Department.choices)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True, default=None,
        help_text="A staff user working in the department at the complaint's estate (owners.StaffMembership); "
                  "moving an assigned complaint is a reassignment (supervisors).",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class StartSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length(ComplaintEvent, "note"))


class ProgressSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, max_length=max_length(ComplaintEvent, "note"))
    internal = serializers.BooleanField(
        required=False, default=False, help_text="An internal note is not shown to the owner."
    )


class PauseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=PauseReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(allow_blank=True, max_length=max_length(Complaint, "resolution"))


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=max_length(ComplaintEvent, "note"),
                                   help_text="What the owner is still unhappy about.")


# ---- complaints: filters and views -----------------------------------------


class ComplaintFilter(django_filters.FilterSet):
    """The queue's filters. complaints.selectors.complaint_queue does the scoping and
    the filtering; this class only parses the query string."""

    status = django_filters.ChoiceFilter(
        choices=[("open", gettext_lazy("Open")), *Status.choices], label="status, or open for all open ones"
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    department = django_filters.ChoiceFilter(choices=Department.choices)
    building = IdFilter(label="building id")
    unit = IdFilter(label="unit id")
    owner = IdFilter(label="owner id")
    assignee = IdFilter(label="assignee (user) id")
    overdue = django_filters.BooleanFilter(label="past the promise (open, clock running)")
    q = django_filters.CharFilter(label="number (its start or its end), room-number prefix or start of the contact name",
                                  max_length=100)

    class Meta:
        model = Complaint
        fields = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        complaints = selectors.complaint_queue(
            user=self.request.user, now=timezone.now(), status=data.get("status") or "",
            urgency=data.get("urgency") or "", department=data.get("department") or "",
            building_id=data.get("building"), assignee_id=data.get("assignee"),
            overdue=bool(data.get("overdue")), query=data.get("q") or "",
        )
        if data.get("unit") is not None:
            complaints = complaints.filter(unit_id=data["unit"])
        if data.get("owner") is not None:
            complaints = complaints.filter(owner_id=data["owner"])
        return complaints


_WORK = ["complaints.view_complaint", "complaints.work_complaint"]
_COMPLAINT_ACTION = dict(responses={200: ComplaintDetailSerializer})


class ComplaintViewSet(RecordActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [StaffOrOwnerPermission]
    filterset_class = ComplaintFilter
    ordering_fields = ["received_at", "promised_at", "number"]
    ordering = ["-id"]
    queryset = Complaint.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": ["complaints.view_complaint"],
        "retrieve": ["complaints.view_complaint"],
        "create": ["complaints.view_complaint", "complaints.add_complaint"],
        "file": ["complaints.view_complaint"],
        **{name: _WORK for name in ("assign", "start", "progress", "pause", "resume", "resolve", "reopen")},
    }
    owner_actions = {"create"}

    def get_queryset(self):
        return selectors.complaint_queryset_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return ComplaintCreateSerializer
        if self.action == "list":
            return ComplaintSerializer
        return ComplaintDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        complaint = selectors.complaint_detail(
            complaint_id=pk, user=self.request.user, public_only=not is_staff_member(self.request.user)
        )
        return Response(ComplaintDetailSerializer(complaint, context=self.get_serializer_context()).data,
                        status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(kwargs["pk"])

    @extend_schema(**FILE_RESPONSE)
    @decorators.action(detail=True, methods=["get"], url_path=r"files/(?P<attachment_id>[0-9]+)", url_name="file",
                       renderer_classes=FILE_RENDERERS)
    def file(self, request, pk=None, attachment_id=None):
        """A photo or PDF of the complaint, for a caller who may see the complaint."""
        item = selectors.complaint_attachment(complaint_id=pk, attachment_id=attachment_id, user=request.user)
        return files.serve(request, item.file, filename=item.download_name, content_type=item.content_type)

    @extend_schema(request=ComplaintCreateSerializer, responses={201: ComplaintDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        now = timezone.now()
        if is_staff_member(request.user):
            fields = dict(
                channel=data["channel"], contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                promised_at=data["promised_at"], promise_note=data["promise_note"],
                owner=self._complaining_owner(data),
            )
        else:
            fields = dict(channel=Channel.PORTAL, owner=owner_of(request.user))
        with service_errors():
            complaint = services.complaint_register(
                unit=data["unit"], category=data["category"], urgency=data["urgency"],
                description=data["description"], location=data["location"],
                actor=request.user, now=now, **fields,
            )
        return self._detail(complaint.pk, status.HTTP_201_CREATED)

    def _complaining_owner(self, data):
        if data["owner"] is not None:
            return data["owner"]
        if data["from_owner"]:
            owner = owner_of_record(unit=data["unit"])
            if owner is None:
                raise serializers.ValidationError({"from_owner": [_("Nobody owns this unit now.")]})
            return owner
        return None

    @extend_schema(request=AssignSerializer, **_COMPLAINT_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Route to a department (and person). Moving an assigned complaint is a
        reassignment, which needs the supervisors' reassign permission (403 otherwise)."""
        return self.act_and_show(AssignSerializer, lambda c, d, who: services.complaint_assign(
            complaint=c, department=d["department"], assignee=d["assignee"], note=d["note"], **who))

    @extend_schema(request=StartSerializer, **_COMPLAINT_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Work starts on an assigned complaint."""
        return self.act_and_show(StartSerializer, lambda c, d, who: services.complaint_start(
            complaint=c, note=d["note"], **who))

    @extend_schema(request=ProgressSerializer, **_COMPLAINT_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """A progress note on the timeline; the owner sees it unless it is internal."""
        return self.act_and_show(ProgressSerializer, lambda c, d, who: services.complaint_add_progress(
            complaint=c, note=d["note"], internal=d["internal"], **who))

    @extend_schema(request=PauseSerializer, **_COMPLAINT_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        """Stop the promise clock while waiting for something outside our hands."""
        return self.act_and_show(PauseSerializer, lambda c, d, who: services.complaint_pause(
            complaint=c, reason=d["reason"], note=d["note"], **who))

    @extend_schema(request=None, **_COMPLAINT_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Restart the clock; the promise moves later by the time it was paused."""
        return self.act_and_show(None, lambda c, d, who: services.complaint_resume(complaint=c, **who))

    @extend_schema(request=ResolveSerializer, **_COMPLAINT_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """The problem is dealt with; a callback follows and closes it if the owner is satisfied."""
        return self.act_and_show(ResolveSerializer, lambda c, d, who: services.complaint_resolve(
            complaint=c, resolution=d["resolution"], **who))

    @extend_schema(request=ReopenSerializer, **_COMPLAINT_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """The owner is not satisfied: back to work with a new promise."""
        return self.act_and_show(ReopenSerializer, lambda c, d, who: services.complaint_reopen(
            complaint=c, reason=d["reason"], **who))


# ---- suggestions -----------------------------------------------------------


class SuggestionSerializer(serializers.ModelSerializer):
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    unit_number = serializers.CharField(source="unit.number", read_only=True, allow_null=True, default=None)
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True, default=None)
    status_display = DisplayField("status")
    channel_display = DisplayField("channel")
    decided_by_name = serializers.SerializerMethodField(help_text="Staff only; null for owners.")

    class Meta:
        model = Suggestion
        fields = [
            "id", "number", "estate", "estate_name", "unit", "unit_number", "owner", "owner_name",
            "channel", "channel_display", "subject", "content", "status", "status_display",
            "received_at", "review_started_at", "decided_at", "decided_by_name", "reply",
        ]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_STR)
    def get_decided_by_name(self, suggestion) -> str | None:
        return user_name(suggestion.decided_by) if _is_staff(self.context) else None


class SuggestionCreateSerializer(serializers.Serializer):
    """Staff give the estate or a unit (the unit's current owner becomes the author)
    and the channel. An owner's suggestion comes from the portal and one of their
    current units (the first, unless they name another of theirs)."""

    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all(), required=False, allow_null=True)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.select_related("estate"), required=False, allow_null=True
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_blank=True, default="",
        help_text="Staff: required. Owners: always portal.",
    )
    subject = serializers.CharField(allow_blank=True, max_length=200)
    content = serializers.CharField(allow_blank=True, max_length=max_length(Suggestion, "content"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owner = None if _is_staff(self.context) else _owner(self.context)
        if owner is not None:
            self.fields["unit"].queryset = owner_units(owner=owner).select_related("estate")

    def validate(self, data):
        estate, unit = data.get("estate"), data.get("unit")
        if _is_staff(self.context):
            if estate is None and unit is None:
                raise serializers.ValidationError({"estate": [_("Choose the estate or a unit.")]})
            if estate is not None and unit is not None and unit.estate_id != estate.pk:
                raise serializers.ValidationError({"unit": [_("This unit is not in that estate.")]})
        return data


class DecideSerializer(serializers.Serializer):
    adopt = serializers.BooleanField(help_text="true: adopted; false: declined.")
    reply = serializers.CharField(allow_blank=True, max_length=max_length(Suggestion, "reply"),
                                  help_text="The answer the owner reads, with thanks.")


class SuggestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SuggestionStatus.choices)
    estate = IdFilter(field_name="estate_id")
    unit = IdFilter(field_name="unit_id")

    class Meta:
        model = Suggestion
        fields = []


class SuggestionViewSet(RecordActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [StaffOrOwnerPermission]
    filterset_class = SuggestionFilter
    # Not decided_at: a cursor cannot compare the nulls of the undecided.
    ordering_fields = ["received_at", "number"]
    ordering = ["-id"]
    queryset = Suggestion.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": ["complaints.view_suggestion"],
        "retrieve": ["complaints.view_suggestion"],
        "create": ["complaints.view_suggestion", "complaints.add_suggestion"],
        "review": ["complaints.view_suggestion", "complaints.change_suggestion"],
        # Adopting or declining needs decide_suggestion too, which the service checks (403).
        "decide": ["complaints.view_suggestion", "complaints.change_suggestion"],
    }
    owner_actions = {"create"}

    def get_queryset(self):
        return selectors.suggestion_queryset_for(self.request.user).order_by("-received_at", "-pk")

    def get_serializer_class(self):
        return SuggestionCreateSerializer if self.action == "create" else SuggestionSerializer

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        suggestion = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(SuggestionSerializer(suggestion, context=self.get_serializer_context()).data,
                        status=status_code)

    @extend_schema(request=SuggestionCreateSerializer, responses={201: SuggestionSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = data.get("unit")
        if is_staff_member(request.user):
            estate, channel = (unit.estate if unit else data["estate"]), data["channel"]
            owner = owner_of_record(unit=unit) if unit else None
        else:
            owner = owner_of(request.user)
            unit = unit or owner_units(owner=owner).first()
            if unit is None:
                raise exceptions.PermissionDenied(_("You own no unit now."))
            estate, channel = unit.estate, Channel.PORTAL
        with service_errors():
            suggestion = services.suggestion_submit(
                estate=estate, unit=unit, owner=owner, channel=channel, subject=data["subject"],
                content=data["content"], actor=request.user, now=timezone.now(),
            )
        return self._detail(suggestion.pk, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SuggestionSerializer})
    @decorators.action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Start reviewing a received suggestion."""
        return self.act_and_show(None, lambda s, d, who: services.suggestion_start_review(suggestion=s, **who))

    @extend_schema(request=DecideSerializer, responses={200: SuggestionSerializer})
    @decorators.action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Adopt or decline with a reply the owner sees. Supervisors only (403)."""
        return self.act_and_show(DecideSerializer, lambda s, d, who: services.suggestion_decide(
            suggestion=s, adopt=d["adopt"], reply=d["reply"], **who))
