from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from apps.accounts.selectors import api_key_list
from apps.audit.api.filters import PlatformAuditEventFilter, TenantAuditEventFilter
from apps.audit.api.serializers import AuditEventSerializer, TenantAuditEventSerializer
from apps.audit.models import ActorKind, AuditEvent
from apps.audit.selectors import audit_event_list
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
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
    """One tenant's audit trail (`audit:read`). Read only, by design.

    Read with a tenant key, the platform's actors are hidden (`TenantAuditEventSerializer`); a platform
    key sees every detail.
    """

    serializer_class = AuditEventSerializer
    filterset_class = TenantAuditEventFilter
    required_scopes = {"list": "audit:read", "retrieve": "audit:read"}

    queryset = AuditEvent.objects.none()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.hides_platform_actors:
            request.audit_own_key_ids = self._own_key_ids

    @property
    def hides_platform_actors(self) -> bool:
        return getattr(self.request.auth, "tenant_id", None) is not None

    def _own_key_ids(self, candidates: list[str] | None = None) -> list[str]:
        """The tenant's own key ids (as the trail records them), among `candidates` when given."""
        keys = api_key_list(tenant=self.tenant)
        if candidates is not None:
            keys = keys.filter(pk__in=[int(candidate) for candidate in candidates if candidate.isdigit()])
        return [str(pk) for pk in keys.values_list("pk", flat=True)]

    def get_serializer(self, *args, **kwargs):
        if not (args and self.hides_platform_actors):
            return super().get_serializer(*args, **kwargs)
        events = args[0] if kwargs.get("many") else [args[0]]
        key_actors = sorted({event.actor_identifier for event in events if event.actor_kind == ActorKind.API_KEY})
        context = self.get_serializer_context()
        # one query, and only for a page with key actors on it
        context["own_key_ids"] = set(self._own_key_ids(key_actors)) if key_actors else set()
        return TenantAuditEventSerializer(*args, context=context, **kwargs)

    def tenant_queryset(self):
        return audit_event_list(guild_id=self.tenant.guild_id)
