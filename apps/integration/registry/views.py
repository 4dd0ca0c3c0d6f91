"""GET /api/v1/registry/: the registry's map for monitoring (a platform key with `metrics:read`)."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.integration.registry.selectors import registry_map
from apps.integration.registry.serializers import RegistrySerializer


class RegistryView(APIView):
    """Every service with its registered instances (their metadata) and their health checks' latest state."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"get": "metrics:read"}

    @extend_schema(
        summary="The service registry: services, instances, health checks",
        responses={200: RegistrySerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        return Response(RegistrySerializer({"services": registry_map()}).data)
