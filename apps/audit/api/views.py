from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from apps.audit.api.filters import AuditEventFilter, PlatformAuditEventFilter
from apps.audit.api.serializers import AuditEventSerializer
from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_event_list
from apps.core.permissions import HasRequiredScope, IsPlatformKey
from apps.core.schema import ERROR_RESPONSES
from apps.core.viewsets import ApiViewSet
from apps.tenants.viewsets import TenantScopedViewSet

LIST_SCHEMA = extend_schema(responses={200: AuditEventSerializer(many=True), **ERROR_RESPONSES})


@extend_schema_view(list=LIST_SCHEMA, retrieve=extend_schema(responses={200: AuditEventSerializer, **ERROR_RESPONSES}))
class PlatformAuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The whole platform's audit trail (platform keys with `audit:read`). Read only, by design."""

    serializer_class = AuditEventSerializer
    filterset_class = PlatformAuditEventFilter
    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"list": "audit:read", "retrieve": "audit:read"}

    def get_queryset(self):
        return audit_event_list()


@extend_schema_view(list=LIST_SCHEMA, retrieve=extend_schema(responses={200: AuditEventSerializer, **ERROR_RESPONSES}))
class TenantAuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """One tenant's audit trail (`audit:read`). Read only, by design."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    required_scopes = {"list": "audit:read", "retrieve": "audit:read"}

    queryset = AuditEvent.objects.none()

    def tenant_queryset(self):
        return audit_event_list(guild_id=self.tenant.guild_id)
