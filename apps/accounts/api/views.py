from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from apps.accounts import services
from apps.accounts.api.serializers import ApiKeyCreatedSerializer, ApiKeyCreateInput, ApiKeySerializer
from apps.accounts.models import ApiKey
from apps.accounts.selectors import api_key_list
from apps.core.actors import actor_for_request
from apps.core.schema import ERROR_RESPONSES
from apps.core.serializers import OptionalReasonInput
from apps.tenants.viewsets import TenantScopedViewSet


@extend_schema_view(
    list=extend_schema(summary="A tenant's API keys", responses={200: ApiKeySerializer(many=True), **ERROR_RESPONSES}),
    create=extend_schema(
        summary="Create a tenant API key; the secret is in this response only",
        request=ApiKeyCreateInput,
        responses={201: ApiKeyCreatedSerializer, **ERROR_RESPONSES},
    ),
    destroy=extend_schema(
        summary="Revoke a tenant API key",
        request=OptionalReasonInput,
        responses={204: OpenApiResponse(description="Revoked"), **ERROR_RESPONSES},
    ),
)
class TenantApiKeyViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """Keys of one tenant: platform keys or the tenant's own keys with `tenants:admin`."""

    serializer_class = ApiKeySerializer
    lookup_field = "prefix"
    lookup_value_regex = "[a-z0-9_]+"
    required_scopes = {"list": "tenants:admin", "create": "tenants:admin", "destroy": "tenants:admin"}

    queryset = ApiKey.objects.none()

    def tenant_queryset(self):
        return api_key_list(tenant=self.tenant)

    def create(self, request, guild_id=None):
        data = ApiKeyCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        granting_key = None if request.auth.is_platform_wide else request.auth
        api_key, secret = services.api_key_create(
            actor=actor_for_request(request), tenant=self.tenant, granting_key=granting_key, **data.validated_data
        )
        api_key.key = secret
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, guild_id=None, prefix=None):
        data = OptionalReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        api_key = get_object_or_404(self.get_queryset(), prefix=prefix)
        services.api_key_revoke(api_key=api_key, actor=actor_for_request(request), **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
