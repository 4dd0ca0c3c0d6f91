"""Escalation over the API (platform keys only): acknowledge an incident, list its deliveries, list and
create escalation policies. `incidents:read` to read, `incidents:write` to change."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.serializers import (
    DateTimeField,
    JSONObjectField,
    StrictCharField,
    StrictInputSerializer,
    StrictIntegerField,
)
from apps.core.api.viewsets import ApiViewSet
from apps.incidents.api.common import documented, incident_or_404, incident_scopes
from apps.incidents.api.serializers import StampedSerializer
from apps.incidents.models import EscalationLevel, EscalationPolicy, Incident
from apps.incidents.services.escalation import escalation_acknowledge, escalation_policy_create, incident_deliveries
from apps.notifications.choices import Channel, DeliveryStatus

ALREADY_ACKNOWLEDGED = {
    409: OpenApiResponse(ERROR_RESPONSES[400].response, description="Acknowledged already (already_acknowledged)")
}


class EscalationLevelSerializer(serializers.ModelSerializer):
    targets = serializers.ListField(child=serializers.DictField(), help_text='e.g. {"kind": "webhook", "url": "…"}')

    class Meta:
        model = EscalationLevel
        fields = ["level", "ack_timeout_seconds", "targets"]
        read_only_fields = fields


class EscalationPolicySerializer(StampedSerializer):
    levels = EscalationLevelSerializer(many=True, read_only=True)

    class Meta:
        model = EscalationPolicy
        fields = [
            "id",
            "name",
            "description",
            "is_default",
            "critical_start_level",
            "levels",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EscalationPolicyInput(StrictInputSerializer):
    name = StrictCharField(max_length=100)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    is_default = serializers.BooleanField(required=False, default=False)
    critical_start_level = StrictIntegerField(required=False, default=1)
    levels = serializers.ListField(
        child=JSONObjectField(max_depth=4),
        min_length=1,
        max_length=8,
        help_text='[{"level": 1, "ack_timeout_seconds": 300, "targets": [{"kind": "email", "address": "…"}, '
        '{"kind": "webhook", "url": "…"}, {"kind": "role", "role": "security_analyst"}, {"kind": "user", '
        '"user_id": 3}, {"kind": "discord", "url": "…"}]}, …] — levels 1 to 4, no gap, each at most once.',
    )


class AcknowledgedSerializer(serializers.ModelSerializer):
    acknowledged_at = DateTimeField(read_only=True)
    next_escalation_at = DateTimeField(read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "reference", "status", "escalation_level", "acknowledged_at", "next_escalation_at"]
        read_only_fields = fields


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    notification_id = serializers.IntegerField()
    level = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    kind = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    target = serializers.CharField(help_text="The e-mail addresses, webhook URL, Discord webhook (no token), user.")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    last_error = serializers.CharField(allow_blank=True)
    response_status = serializers.IntegerField(allow_null=True)
    sent_at = DateTimeField(allow_null=True)
    next_attempt_at = DateTimeField(allow_null=True)
    created_at = DateTimeField()


@extend_schema_view(
    acknowledge=extend_schema(
        summary="Acknowledge an incident: its escalation stops (audited)",
        request=None,
        responses={200: AcknowledgedSerializer, **ERROR_RESPONSES, **ALREADY_ACKNOWLEDGED},
    ),
    notifications=documented(
        "The incident's notification deliveries: level, channel, target, status, attempts",
        DeliverySerializer(many=True),
    ),
)
class IncidentEscalationViewSet(ApiViewSet):
    """The escalation routes of one incident (the incident itself is apps/incidents/api/incidents.py)."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = incident_scopes(read=("notifications",), write=("acknowledge",))
    lookup_value_regex = "[0-9]{1,18}"
    queryset = Incident.objects.none()

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        incident = escalation_acknowledge(incident=incident_or_404(pk), actor=actor_for_request(request))
        return Response(AcknowledgedSerializer(incident).data)

    @action(detail=True, methods=["get"])
    def notifications(self, request, pk=None):
        return Response(DeliverySerializer(incident_deliveries(incident=incident_or_404(pk)), many=True).data)


@extend_schema_view(
    list=documented("Escalation policies with their levels", EscalationPolicySerializer(many=True)),
    create=documented(
        "Create an escalation policy (levels 1–4 with timeouts and targets; audited)",
        EscalationPolicySerializer,
        request=EscalationPolicyInput,
        code=201,
    ),
)
class EscalationPolicyViewSet(mixins.ListModelMixin, ApiViewSet):
    """Escalation policies: `incidents:read` to list, `incidents:write` to create. Webhook targets get an
    endpoint with a generated signing secret, shown to staff in the admin (never over the API)."""

    serializer_class = EscalationPolicySerializer
    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = incident_scopes(read=("list",), write=("create",))

    def get_queryset(self):
        return EscalationPolicy.objects.prefetch_related(
            Prefetch("levels", queryset=EscalationLevel.objects.order_by("level"))
        ).order_by("name")

    def create(self, request):
        data = EscalationPolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = escalation_policy_create(actor=actor_for_request(request), **data.validated_data)
        policy = self.get_queryset().get(pk=policy.pk)
        return Response(EscalationPolicySerializer(policy).data, status=status.HTTP_201_CREATED)
