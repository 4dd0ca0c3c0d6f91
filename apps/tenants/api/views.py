from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.actors import actor_for_request
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.serializers import OptionalReasonInput, ReasonInput
from apps.core.api.viewsets import ApiViewSet
from apps.core.errors import PermissionDeniedError
from apps.tenants import services
from apps.tenants.api.serializers import PlanSerializer, TenantCreateInput, TenantSerializer, TenantUpdateInput
from apps.tenants.models import Tenant
from apps.tenants.plans import PLANS
from apps.tenants.selectors import tenant_list
from apps.tenants.viewsets import TenantScopedViewSet

PLATFORM_ONLY = {"list", "create", "destroy", "suspend", "reactivate"}


@extend_schema_view(
    list=extend_schema(summary="The plan catalogue", responses={200: PlanSerializer(many=True), **ERROR_RESPONSES})
)
class PlanViewSet(ApiViewSet):
    """Plans with prices and quotas; any valid key may read them."""

    pagination_class = None
    serializer_class = PlanSerializer
    queryset = Tenant.objects.none()  # plans are not rows; this only names a model for the schema

    def list(self, request):
        return Response(PlanSerializer([plan.as_dict() for plan in PLANS.values()], many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="List tenants (platform key)", responses={200: TenantSerializer(many=True), **ERROR_RESPONSES}
    ),
    create=extend_schema(
        summary="Register a guild as a tenant (platform key)",
        request=TenantCreateInput,
        responses={201: TenantSerializer, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(summary="A tenant", responses={200: TenantSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(
        summary="Change a tenant's settings",
        request=TenantUpdateInput,
        responses={200: TenantSerializer, **ERROR_RESPONSES},
    ),
    destroy=extend_schema(
        summary="Offboard a tenant (soft delete, platform key)",
        request=ReasonInput,
        responses={204: OpenApiResponse(description="Offboarded"), **ERROR_RESPONSES},
    ),
    suspend=extend_schema(
        summary="Suspend a tenant: its keys stop working (platform key)",
        request=ReasonInput,
        responses={200: TenantSerializer, **ERROR_RESPONSES},
    ),
    reactivate=extend_schema(
        summary="Lift a suspension (platform key)",
        request=OptionalReasonInput,
        responses={200: TenantSerializer, **ERROR_RESPONSES},
    ),
)
class TenantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    serializer_class = TenantSerializer
    lookup_field = "guild_id"
    lookup_value_regex = "[0-9]+"
    required_scopes = {
        "list": "tenants:read",
        "retrieve": "tenants:read",
        "create": "tenants:admin",
        "partial_update": "tenants:admin",
        "destroy": "tenants:admin",
        "suspend": "tenants:admin",
        "reactivate": "tenants:admin",
    }

    def get_permissions(self):
        permissions = [HasRequiredScope()]
        if self.action in PLATFORM_ONLY:
            permissions.append(IsPlatformKey())
        return permissions

    def resolve_tenant(self, request) -> None:
        if self.detail:
            super().resolve_tenant(request)

    def get_queryset(self):
        return tenant_list()

    def get_object(self):
        return self.tenant

    def create(self, request):
        data = TenantCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["timezone_name"] = values.pop("timezone")
        tenant = services.tenant_create(actor=actor_for_request(request), **values)
        return Response(TenantSerializer(tenant).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, guild_id=None):
        data = TenantUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason", "")
        if "plan_code" in changes and request.auth.tenant_id is not None:
            # the plan is billing: a tenant's own key may tune its settings, not upgrade itself
            raise PermissionDeniedError(
                _("Only a platform key can change a tenant's plan."), code="plan_change_forbidden"
            )
        tenant = services.tenant_update(tenant=self.tenant, actor=actor_for_request(request), reason=reason, **changes)
        return Response(TenantSerializer(tenant).data)

    def destroy(self, request, guild_id=None):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.tenant_offboard(tenant=self.tenant, actor=actor_for_request(request), **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def suspend(self, request, guild_id=None):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = services.tenant_suspend(tenant=self.tenant, actor=actor_for_request(request), **data.validated_data)
        return Response(TenantSerializer(tenant).data)

    @action(detail=True, methods=["post"])
    def reactivate(self, request, guild_id=None):
        data = OptionalReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = services.tenant_reactivate(tenant=self.tenant, actor=actor_for_request(request), **data.validated_data)
        return Response(TenantSerializer(tenant).data)
