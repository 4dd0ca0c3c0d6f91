"""The metric catalogue: what a metric query may ask for (metrics, dimensions, grains, limits), read from
the one registry (apps/analytics/metrics.py) so integrators discover exactly what the query accepts."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.analytics.api.parameters import DEFAULT_DAYS, dimensions_for
from apps.analytics.api.serializers import CatalogueSerializer
from apps.analytics.metrics import DIMENSIONS, GRAINS, metrics_for
from apps.analytics.query import CLOSED_VALUES, MAX_FILTER_VALUES, MAX_METRICS, MAX_RANGE_DAYS
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.tenants.models import Tenant
from apps.tenants.viewsets import TenantScopedViewSet


def catalogue(*, tenant_scoped: bool) -> dict:
    """The catalogue of a tenant's query (no platform-only metric, no tenant dimension) or the platform's."""
    dimensions = dimensions_for(tenant_scoped=tenant_scoped)
    metrics = []
    for metric in metrics_for(tenant_scoped=tenant_scoped):
        described = metric.as_dict()
        described["dimensions"] = [name for name in described["dimensions"] if name in dimensions]
        metrics.append(described)
    return {
        "metrics": metrics,
        "dimensions": [
            {"name": name, "description": DIMENSIONS[name], "values": list(CLOSED_VALUES.get(name, ())) or None}
            for name in dimensions
        ],
        "grains": [{"name": grain or "none", "max_range_days": MAX_RANGE_DAYS[grain]} for grain in (*GRAINS, None)],
        "max_metrics": MAX_METRICS,
        "default_days": DEFAULT_DAYS,
        "max_filter_values": MAX_FILTER_VALUES,
    }


class TenantMetricCatalogueViewSet(TenantScopedViewSet):
    queryset = Tenant.objects.none()  # the schema's path parameter type
    pagination_class = None
    filter_backends = []
    required_scopes = {"list": "bets:read"}
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="The metrics, dimensions and grains a tenant's metric query may ask for",
        responses={200: CatalogueSerializer, **ERROR_RESPONSES},
    )
    def list(self, request: Request, guild_id: str | None = None) -> Response:
        return Response(CatalogueSerializer(catalogue(tenant_scoped=True)).data)


class PlatformMetricCatalogueViewSet(ApiViewSet):
    permission_classes = [HasRequiredScope, IsPlatformKey]
    pagination_class = None
    filter_backends = []
    required_scopes = {"list": "analytics:read"}
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Every metric, dimension and grain of the platform-wide metric query",
        responses={200: CatalogueSerializer, **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        return Response(CatalogueSerializer(catalogue(tenant_scoped=False)).data)
