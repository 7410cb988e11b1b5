"""REST API of callbacks and their rules: /api/v1/callbacks, /api/v1/callback-rules.

The same rules as the pages: staff need callbacks.view_callback to read and
perform_callback to perform, correct, assign and offer; cancelling and spot checks are
a supervisor's. The system decides who gets a callback, so there is no create, no
update and no delete: a submitted result is corrected by a new, linked one. An owner
reaches only the callbacks offered to them online (others are 404) and answers them
with the method "online". Every write is a callbacks.services call. The owner's
signature is never part of the API: a result says whether it has one.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import decorators, exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from callbacks import selectors, services
from callbacks.models import (
    MAX_RULE_DAYS,
    MAX_RULE_MONTHS,
    Callback,
    CallbackResult,
    CallbackRule,
    Kind,
    Method,
    Satisfaction,
    SpotCheck,
    Status,
)
from owners.models import Estate
from propertydesk.api import (
    NULLABLE_INT,
    NULLABLE_STR,
    DayFilter,
    DisplayField,
    IdFilter,
    RecordActions,
    StaffOnlyPermission,
    StaffOrOwnerPermission,
    context_is_staff,
    named_choice_field,
    service_errors,
    user_name,
)
from propertydesk.limits import max_length
from propertydesk.roles import is_staff_member, owner_of
from repairs.signature import SIGNATURE_MAX_LENGTH, signature_from_data_url

CallbackStatusField = named_choice_field("CallbackStatusEnum", Status)
CallbackKindField = named_choice_field("CallbackKindEnum", Kind)
CallbackMethodField = named_choice_field("CallbackMethodEnum", Method)
SatisfactionField = named_choice_field("SatisfactionEnum", Satisfaction)
RESULT_LENGTH = {name: max_length(CallbackResult, name)
                 for name in ("quality", "effect", "shortcomings", "suggestions", "owner_words")}


# ---- callbacks: serializers ------------------------------------------------------


class SourceType(models.TextChoices):
    COMPLAINT = "complaint", gettext_lazy("Complaint")
    WORK_ORDER = "work_order", gettext_lazy("Work order")
    ACTIVITY = "activity", pgettext_lazy("source", "Community activity")


class CallbackSourceSerializer(serializers.Serializer):
    type = named_choice_field("CallbackSourceTypeEnum", SourceType)()
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="The complaint's or work order's number; an activity's title.")


class CallbackResultSerializer(serializers.ModelSerializer):
    """What the owner said; written once. A correction is a later entry whose
    ``corrects`` names the one it replaces."""

    method = CallbackMethodField(read_only=True)
    method_display = DisplayField("method")
    satisfaction = SatisfactionField(read_only=True)
    satisfaction_display = DisplayField("satisfaction")
    has_signature = serializers.BooleanField(read_only=True, help_text="The owner signed (face to face).")
    corrects = serializers.IntegerField(source="corrects_id", read_only=True, allow_null=True)
    recorded_by = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    recorded_by_name = serializers.SerializerMethodField(help_text="Staff only; null for owners.")

    class Meta:
        model = CallbackResult
        fields = ["id", "method", "method_display", "satisfaction", "satisfaction_display", "quality", "effect",
                  "shortcomings", "suggestions", "owner_words", "signer_name", "has_signature", "corrects",
                  "correction_reason", "at", "recorded_by", "recorded_by_name"]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_INT)
    def get_recorded_by(self, result) -> int | None:
        return result.recorded_by_id if context_is_staff(self.context) else None

    @extend_schema_field(NULLABLE_STR)
    def get_recorded_by_name(self, result) -> str | None:
        return user_name(result.recorded_by) if context_is_staff(self.context) else None


class SpotCheckSerializer(serializers.ModelSerializer):
    method = CallbackMethodField(read_only=True)
    checked_by_name = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheck
        fields = ["id", "at", "checked_by", "checked_by_name", "method", "agrees", "note"]
        read_only_fields = fields

    def get_checked_by_name(self, check) -> str:
        return user_name(check.checked_by)


class CallbackSerializer(serializers.ModelSerializer):
    """A callback with every result (oldest first) and the supervisors' spot checks.
    Staff-only fields are null (spot checks empty) in an owner's view."""

    kind = CallbackKindField(read_only=True)
    kind_display = DisplayField("kind")
    status = CallbackStatusField(read_only=True)
    status_display = DisplayField("status")
    source = serializers.SerializerMethodField()
    unit_number = serializers.CharField(source="unit.number", read_only=True, allow_null=True, default=None)
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    is_overdue = serializers.SerializerMethodField(help_text="Still due and past its date (Shanghai calendar).")
    assignee = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    assignee_name = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    cancelled_by = serializers.SerializerMethodField(help_text="Staff only; null for owners.")
    results = CallbackResultSerializer(many=True, read_only=True)
    spot_checks = serializers.SerializerMethodField(help_text="Staff only; empty for owners.")

    class Meta:
        model = Callback
        fields = [
            "id", "kind", "kind_display", "source", "round", "previous", "estate", "estate_name", "unit",
            "unit_number", "owner", "contact_name", "event_at", "due_on", "status", "status_display", "is_overdue",
            "assignee", "assignee_name", "created_by_job", "offered_online_at", "done_at",
            "rectification_ordered_at", "cancelled_at", "cancelled_by", "cancel_reason", "results", "spot_checks",
        ]
        read_only_fields = fields

    @extend_schema_field(CallbackSourceSerializer)
    def get_source(self, callback):
        if callback.complaint_id:
            return {"type": "complaint", "id": callback.complaint_id, "number": callback.complaint.number}
        if callback.work_order_id:
            return {"type": "work_order", "id": callback.work_order_id, "number": callback.work_order.number}
        return {"type": "activity", "id": callback.activity_id, "number": callback.activity.title}

    def get_is_overdue(self, callback) -> bool:
        return callback.is_overdue(self.context.get("today") or timezone.localdate())

    @extend_schema_field(NULLABLE_INT)
    def get_assignee(self, callback) -> int | None:
        return callback.assignee_id if context_is_staff(self.context) else None

    @extend_schema_field(NULLABLE_STR)
    def get_assignee_name(self, callback) -> str | None:
        return user_name(callback.assignee) if context_is_staff(self.context) else None

    @extend_schema_field(NULLABLE_INT)
    def get_cancelled_by(self, callback) -> int | None:
        return callback.cancelled_by_id if context_is_staff(self.context) else None

    @extend_schema_field(SpotCheckSerializer(many=True))
    def get_spot_checks(self, callback):
        if not context_is_staff(self.context):
            return []
        return SpotCheckSerializer(callback.spot_checks.all(), many=True, context=self.context).data


class CallbackPerformSerializer(serializers.Serializer):
    """What the owner said. Face to face the owner signs on the pad; by phone the
    owner's words are written down as they said them. Owners answer with "online"."""

    method = CallbackMethodField(required=False, help_text="Staff: required. Owners: online (the default).")
    satisfaction = SatisfactionField()
    quality = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["quality"], default="")
    effect = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["effect"], default="")
    shortcomings = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["shortcomings"], default="",
                                         help_text="Required when unsatisfied: the source goes back for rectification.")
    suggestions = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["suggestions"], default="")
    owner_words = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["owner_words"], default="",
                                        help_text="By phone: required, the owner's own words.")
    signature = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=SIGNATURE_MAX_LENGTH,
        help_text="Face to face: the signature drawn on the pad, as a data:image/png;base64 URL.",
    )
    signer_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                        help_text="Who signed; defaults to the callback's contact.")

    def validate_signature(self, value):
        if not value:
            return None
        try:
            return signature_from_data_url(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def validate(self, data):
        if context_is_staff(self.context):
            if not data.get("method"):
                raise serializers.ValidationError({"method": [_("Choose how the owner was reached.")]})
        else:
            if data.get("method", Method.ONLINE) != Method.ONLINE:
                raise exceptions.PermissionDenied(_("Owners answer their callbacks online."))
            data["method"] = Method.ONLINE
        return data


class CallbackCorrectSerializer(serializers.Serializer):
    """A correction of the latest result: the fields given replace its text; the
    satisfaction and the method cannot be corrected."""

    reason = serializers.CharField(allow_blank=True, max_length=200, help_text="Why the record is corrected.")
    quality = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["quality"])
    effect = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["effect"])
    shortcomings = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["shortcomings"])
    suggestions = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["suggestions"])
    owner_words = serializers.CharField(required=False, allow_blank=True, max_length=RESULT_LENGTH["owner_words"])


class CallbackAssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), allow_null=True,
        help_text="A member of staff who does callbacks; null to unassign.",
    )


class CallbackCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=200, help_text="Why: the owner moved away, say.")


class SpotCheckCreateSerializer(serializers.Serializer):
    method = CallbackMethodField(help_text="How the supervisor reached the owner.")
    agrees = serializers.BooleanField(help_text="The owner confirms what was recorded.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=max_length(SpotCheck, "note"),
                                 help_text="Required when the owner does not agree.")


# ---- callbacks: filters and views -------------------------------------------------


class CallbackFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    estate = IdFilter(field_name="estate_id", label="estate id")
    assignee = IdFilter(field_name="assignee_id", label="assignee (user) id")
    complaint = IdFilter(field_name="complaint_id", label="complaint id")
    work_order = IdFilter(field_name="work_order_id", label="work order id")
    due_after = DayFilter(field_name="due_on", lookup_expr="gte", label="due on or after")
    due_before = DayFilter(field_name="due_on", lookup_expr="lte", label="due on or before")
    overdue = django_filters.BooleanFilter(method="filter_overdue",
                                           label="still due and past its date (today in Shanghai)")

    class Meta:
        model = Callback
        fields = []

    def filter_overdue(self, queryset, name, value):
        # Callback.is_overdue, in SQL.
        overdue = Q(status=Status.DUE, due_on__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


_VIEW = ["callbacks.view_callback"]
_PERFORM = [*_VIEW, "callbacks.perform_callback"]
_CALLBACK_ACTION = dict(responses={200: CallbackSerializer})


class CallbackViewSet(RecordActions, viewsets.ReadOnlyModelViewSet):
    """Callbacks (回访). Made by their source events, never by hand: list, read and the
    actions below; no create, update or delete."""

    permission_classes = [StaffOrOwnerPermission]
    serializer_class = CallbackSerializer
    filterset_class = CallbackFilter
    # Not done_at: a cursor cannot compare the nulls of those still due.
    ordering_fields = ["due_on", "event_at"]
    ordering = ["-id"]
    queryset = Callback.objects.all()
    lookup_value_regex = r"\d+"
    staff_permissions = {
        "list": _VIEW,
        "retrieve": _VIEW,
        "perform": _PERFORM,
        "correct": _PERFORM,
        "assign": _PERFORM,
        "offer": _PERFORM,
        "cancel": [*_VIEW, "callbacks.cancel_callback"],
        "spot_check": [*_VIEW, "callbacks.spotcheck_callback"],
    }
    owner_actions = {"perform"}

    def get_queryset(self):
        user = self.request.user
        if is_staff_member(user):
            return selectors.callbacks_for_api()
        owner = owner_of(user)
        return selectors.callbacks_for_api(owner=owner) if owner else Callback.objects.none()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        callback = self.get_queryset().get(pk=pk)
        return Response(CallbackSerializer(callback, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(request=CallbackPerformSerializer, **_CALLBACK_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def perform(self, request, pk=None):
        """Record the callback. Satisfied closes a complaint; unsatisfied sends the
        complaint or work order back for rectification, and a new callback follows once
        it is resolved again. A callback is performed once (400 after that)."""
        return self.act_and_show(CallbackPerformSerializer, lambda c, d, who: services.callback_perform(
            callback=c, method=d["method"], satisfaction=d["satisfaction"], quality=d["quality"],
            effect=d["effect"], shortcomings=d["shortcomings"], suggestions=d["suggestions"],
            owner_words=d["owner_words"], signature_png=d["signature"], signer_name=d["signer_name"], **who))

    @extend_schema(request=CallbackCorrectSerializer, **_CALLBACK_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Correct a mistake in the latest result: a new result linked to it; the
        original stays."""
        def run(callback, data, who):
            fields = {name: data[name] for name in ("quality", "effect", "shortcomings", "suggestions", "owner_words")
                      if name in data}
            return services.callback_correct(callback=callback, reason=data["reason"], **fields, **who)

        return self.act_and_show(CallbackCorrectSerializer, run)

    @extend_schema(request=CallbackAssignSerializer, **_CALLBACK_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give a callback still due to a member of staff who does callbacks."""
        return self.act_and_show(CallbackAssignSerializer, lambda c, d, who: services.callback_assign(
            callback=c, assignee=d["assignee"], **who))

    @extend_schema(request=None, **_CALLBACK_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def offer(self, request, pk=None):
        """Invite the owner to answer online: a link in their portal inbox."""
        return self.act_and_show(None, lambda c, d, who: services.callback_offer_online(callback=c, **who))

    @extend_schema(request=CallbackCancelSerializer, **_CALLBACK_ACTION)
    @decorators.action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """A supervisor cancels a callback still due, with the reason."""
        return self.act_and_show(CallbackCancelSerializer, lambda c, d, who: services.callback_cancel(
            callback=c, reason=d["reason"], **who))

    @extend_schema(request=SpotCheckCreateSerializer, **_CALLBACK_ACTION)
    @decorators.action(detail=True, methods=["post"], url_path="spot-check", url_name="spot-check")
    def spot_check(self, request, pk=None):
        """A supervisor re-contacted the owner of a done callback: does the owner agree
        with what was recorded?"""
        return self.act_and_show(SpotCheckCreateSerializer, lambda c, d, who: services.spot_check_record(
            callback=c, method=d["method"], agrees=d["agrees"], note=d["note"], **who))


# ---- callback rules ----------------------------------------------------------------


class CallbackRuleSerializer(serializers.ModelSerializer):
    """One version of a rule: a later ``effective_from`` replaces it for callbacks
    created from then on."""

    kind = CallbackKindField(read_only=True)
    kind_display = DisplayField("kind")
    estate_name = serializers.CharField(source="estate.name", read_only=True)
    created_by_name = serializers.SerializerMethodField()

    class Meta:
        model = CallbackRule
        fields = ["id", "estate", "estate_name", "kind", "kind_display", "days", "months", "by_day_of_next_month",
                  "required_rate", "required_rate_bank", "effective_from", "created_by", "created_by_name"]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_STR)
    def get_created_by_name(self, rule) -> str | None:
        return user_name(rule.created_by)


class CallbackRuleCreateSerializer(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())
    kind = CallbackKindField()
    days = serializers.IntegerField(required=False, default=0, min_value=0, max_value=MAX_RULE_DAYS,
                                    help_text="Days after the event.")
    months = serializers.IntegerField(required=False, default=0, min_value=0, max_value=MAX_RULE_MONTHS,
                                      help_text="Calendar months after the event.")
    by_day_of_next_month = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="At the latest by this day of the next month (1-28).")
    required_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None,
        help_text="Percent; null: decided case by case.")
    required_rate_bank = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None,
        help_text="Percent, for special services paid by bank collection.")


class RuleInForceSerializer(serializers.Serializer):
    estate = serializers.IntegerField()
    kind = CallbackKindField()
    kind_display = serializers.CharField()
    days = serializers.IntegerField()
    months = serializers.IntegerField()
    by_day_of_next_month = serializers.IntegerField(allow_null=True)
    required_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    required_rate_bank = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    effective_from = serializers.DateTimeField(allow_null=True, help_text="Null: the default rule.")
    rule = serializers.IntegerField(allow_null=True, help_text="The version in force; null: the default rule.")


class CallbackRuleFilter(django_filters.FilterSet):
    estate = IdFilter(field_name="estate_id", label="estate id")
    kind = django_filters.ChoiceFilter(choices=Kind.choices)

    class Meta:
        model = CallbackRule
        fields = []


class CurrentRulesQuery(serializers.Serializer):
    estate = serializers.PrimaryKeyRelatedField(queryset=Estate.objects.all())


class CallbackRuleViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """When callbacks are due and how many must be done, per estate and kind. A change
    is a new version effective now, for callbacks created from then on; every version
    stays listed."""

    permission_classes = [StaffOnlyPermission]
    serializer_class = CallbackRuleSerializer
    filterset_class = CallbackRuleFilter
    ordering_fields = ["effective_from"]
    ordering = ["estate_id", "kind", "-effective_from"]
    queryset = CallbackRule.objects.all()
    staff_permissions = {
        "list": ["callbacks.view_callbackrule"],
        "retrieve": ["callbacks.view_callbackrule"],
        "current": ["callbacks.view_callbackrule"],
        "create": ["callbacks.view_callbackrule", "callbacks.add_callbackrule"],
    }

    def get_queryset(self):
        return CallbackRule.objects.select_related("estate", "created_by").order_by(
            "estate__name", "kind", "-effective_from", "-pk")

    def get_serializer_class(self):
        return CallbackRuleCreateSerializer if self.action == "create" else CallbackRuleSerializer

    @extend_schema(request=CallbackRuleCreateSerializer, responses={201: CallbackRuleSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            rule = services.callback_rule_set(now=timezone.now(), actor=request.user, **data)
        rule = self.get_queryset().get(pk=rule.pk)
        return Response(CallbackRuleSerializer(rule, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("estate", OpenApiTypes.INT, required=True, description="estate id")],
        responses={200: RuleInForceSerializer(many=True)},
    )
    @decorators.action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def current(self, request):
        """The rule in force now for each kind of callback in the estate (its latest
        version, or the default)."""
        query = CurrentRulesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.rules_in_force(estate=query.validated_data["estate"], at=timezone.now())
        return Response(RuleInForceSerializer(rows, many=True).data)
