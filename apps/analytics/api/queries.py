"""The metric query endpoints: a tenant's own figures (tenant keys and platform keys with `bets:read`) and
every tenant's (platform keys with `analytics:read`).

Both parse the parameters into a checked MetricQuery (a 400 naming what is allowed), then answer from the
cache versions of the data under it (apps/analytics/invalidation.py): a 304 for a matching If-None-Match
before any query runs, else the cached body of the same question, else the query, cached. The question is
the normalized query — the same metrics, dimensions, grain, resolved days, filters and time zone however
they were spelled — so "the last 30 days" asked tomorrow is a new question, not yesterday's answer.
"""

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.analytics.api.parameters import DEFAULT_DAYS, query_parameters
from apps.analytics.api.serializers import QueryResultSerializer
from apps.analytics.invalidation import answer_namespaces
from apps.analytics.metrics import DIMENSIONS
from apps.analytics.query import FILTER_PREFIX, MetricQuery, run_query
from apps.core.api.http_caching import versioned_read
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.core.errors import ApplicationError
from apps.tenants.models import Tenant
from apps.tenants.viewsets import TenantScopedViewSet

QUERY_PARAMETERS = ("metrics", "group_by", "grain", "from", "to")
# DRF's own: ?format=json picks the renderer
ALLOWED_PARAMETERS = frozenset({*QUERY_PARAMETERS, "format"} | {f"{FILTER_PREFIX}{name}" for name in DIMENSIONS})
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified since the ETag in If-None-Match")}
DESCRIPTION = (
    "Columns are the group-by dimensions, the time bucket (named by the grain) and the metrics. Unknown "
    "metrics or parameters, dimensions a metric does not allow, and ranges over the grain's limit are a 400 "
    "naming what is allowed (`fields` names the parameter). The answer carries an ETag: send it back in "
    "If-None-Match for a 304 until a bet of the tenant is placed, settled, voided or corrected (or another "
    "input of the metrics asked changes)."
)


def query_params(request: Request) -> dict[str, str]:
    """The query's parameters as one string each (a repeated parameter's values joined by commas);
    a parameter the query does not know is refused, so a misspelled one is not silently ignored."""
    unknown = sorted(
        name
        for name in request.query_params
        if name not in ALLOWED_PARAMETERS and not name.startswith(FILTER_PREFIX)  # parse names unknown dimensions
    )
    if unknown:
        allowed = ", ".join([*QUERY_PARAMETERS, f"{FILTER_PREFIX}<dimension>"])
        message = _("Unknown parameter %(unknown)s: a metric query takes %(allowed)s.") % {
            "unknown": ", ".join(unknown),
            "allowed": allowed,
        }
        raise ApplicationError(message, code="invalid_query", fields={name: [message] for name in unknown})
    return {name: ",".join(request.query_params.getlist(name)) for name in request.query_params}


def question(request: Request, query: MetricQuery) -> str:
    """The normalized question (the identity of its ETag and cached body)."""
    filters = [(f"{FILTER_PREFIX}{dimension}", ",".join(sorted(values))) for dimension, values in query.filters]
    params = [
        ("metrics", ",".join(query.metrics)),
        ("group_by", ",".join(query.group_by)),
        ("grain", query.grain or "none"),
        ("from", query.start.isoformat()),
        ("to", query.end.isoformat()),
        ("zone", query.timezone_name),
        *filters,
    ]
    return f"{request.path}?{urlencode(params)}"


def answer(request: Request, query: MetricQuery) -> Response:
    """A 304, the cached body or the query's result, under the versions of the data it reads."""
    return versioned_read(
        request,
        namespaces=answer_namespaces(query),
        tenant_id=query.tenant_id,
        identity=question(request, query),
        render=lambda: Response(run_query(query).as_dict()),
    )


class TenantMetricQueryViewSet(TenantScopedViewSet):
    """One tenant's figures; a tenant key reaches only its own tenant (another's path is a 404)."""

    queryset = Tenant.objects.none()  # the schema's path parameter type; reads go through the query layer
    pagination_class = None
    filter_backends = []
    required_scopes = {"list": "bets:read"}
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Query a tenant's metrics (ETag: send If-None-Match for a 304)",
        description=DESCRIPTION,
        parameters=query_parameters(tenant_scoped=True),
        responses={200: QueryResultSerializer, **NOT_MODIFIED, **ERROR_RESPONSES},
    )
    def list(self, request: Request, guild_id: str | None = None) -> Response:
        query = MetricQuery.parse(query_params(request), tenant=self.tenant, default_days=DEFAULT_DAYS)
        return answer(request, query)


class PlatformMetricQueryViewSet(ApiViewSet):
    """Every tenant's figures and the platform's own; platform keys with `analytics:read`."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    pagination_class = None
    filter_backends = []
    required_scopes = {"list": "analytics:read"}
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Query the metrics of every tenant and of the platform (ETag: send If-None-Match for a 304)",
        description=DESCRIPTION + " Days are each tenant's own local days (hours are UTC hours); "
        "group_by=tenant splits by guild id, filter_tenant narrows to guild ids.",
        parameters=query_parameters(tenant_scoped=False),
        responses={200: QueryResultSerializer, **NOT_MODIFIED, **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        query = MetricQuery.parse(query_params(request), tenant=None, default_days=DEFAULT_DAYS)
        return answer(request, query)
