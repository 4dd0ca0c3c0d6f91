from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.security.api.filters import AlertFilter, SecurityEventFilter
from apps.security.api.serializers import AlertSerializer, AlertTriageInput, SecurityEventSerializer
from apps.security.models import SecurityEvent
from apps.security.selectors import alert_list, security_event_list
from apps.security.services import alert_triage
from apps.security.services.alerts import alert_assignee_by_username


@extend_schema_view(
    list=extend_schema(responses={200: AlertSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: AlertSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(request=AlertTriageInput, responses={200: AlertSerializer, **ERROR_RESPONSES}),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Security alerts (platform keys): read with `security:read`, triage with `security:write`."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"list": "security:read", "retrieve": "security:read", "partial_update": "security:write"}
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return alert_list().prefetch_related(
            Prefetch("events", queryset=SecurityEvent.objects.only("pk", "occurred_at"))
        )

    def partial_update(self, request, pk=None):
        """Triage: any of `status`, `assignee` (a staff username, or null to clear) and `note`."""
        data = AlertTriageInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "assignee" in changes:
            changes["assignee"] = alert_assignee_by_username(changes["assignee"])
        alert = alert_triage(alert=self.get_object(), actor=actor_for_request(request), **changes)
        return Response(AlertSerializer(self.get_queryset().get(pk=alert.pk)).data)


@extend_schema_view(
    list=extend_schema(responses={200: SecurityEventSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: SecurityEventSerializer, **ERROR_RESPONSES}),
)
class SecurityEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Security events (platform keys with `security:read`), e.g. for a SIEM. Read only."""

    serializer_class = SecurityEventSerializer
    filterset_class = SecurityEventFilter
    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"list": "security:read", "retrieve": "security:read"}

    def get_queryset(self):
        return security_event_list()
