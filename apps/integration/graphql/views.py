"""`POST /api/v1/graphql/`: the read-only GraphQL API behind the REST API's own keys, scopes and tenant scoping.

A DRF view, so a GraphQL request passes exactly what a REST request passes, in the same order and with the
same error shape: no or a bad key → 401, a path tenant the key may not see → 404, no `bets:read` → 403, the
plan's rate limit → 429 (apps/core/api/viewsets.py). The tenant: a tenant key reads its own (`?guild_id=`
may name it, and naming another tenant is the 404 of REST); a platform key must name one with `?guild_id=`.
Only then does GraphQL run; its answer is GraphQL's: `{"data", "errors"}`, 200 when it ran, 400 when the
document was refused (a parse error, an unknown field, a limit) — never a 500. There is no GraphiQL page
(it would load its assets from a CDN); the schema is introspectable with any local client.
"""

import logging

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.core.errors import ApplicationError, NotFoundError
from apps.core.monitoring.requests import request_tenant_mark
from apps.integration.graphql.schema import schema
from apps.tenants.models import Tenant
from apps.tenants.selectors import tenant_get

logger = logging.getLogger(__name__)

GraphQLRequestSerializer = inline_serializer(
    name="GraphQLRequest",
    fields={
        "query": serializers.CharField(),
        "variables": serializers.DictField(required=False, allow_null=True),
        "operationName": serializers.CharField(required=False, allow_null=True),
    },
)
GraphQLResponseSerializer = inline_serializer(
    name="GraphQLResponse",
    fields={
        "data": serializers.DictField(allow_null=True),
        "errors": serializers.ListField(child=serializers.DictField(), required=False),
    },
)


def _graphql_error(message: str, status: int = 400) -> Response:
    return Response({"data": None, "errors": [{"message": message}]}, status=status)


class GraphQLViewSet(ApiViewSet):
    queryset = Tenant.objects.none()  # names a model for the schema generator only
    pagination_class = None
    required_scopes = {"query": "bets:read"}
    tenant: Tenant

    def resolve_tenant(self, request: Request) -> None:
        guild_id = request.query_params.get("guild_id", "")
        key_tenant_id = request.auth.tenant_id
        if not guild_id:
            if key_tenant_id is None:
                message = _("A platform key must name the tenant: POST /api/v1/graphql/?guild_id=<guild id>.")
                raise ApplicationError(message, code="tenant_required", fields={"guild_id": [message]})
            self.tenant = request.auth.tenant
        else:
            tenant = tenant_get(guild_id=guild_id)
            if key_tenant_id is not None and key_tenant_id != tenant.pk:
                raise NotFoundError(
                    _("No tenant with guild id %(guild_id)s.") % {"guild_id": guild_id}, code="tenant_not_found"
                )
            self.tenant = tenant
        request_tenant_mark(request, self.tenant.guild_id)

    @extend_schema(
        summary="Read a tenant's bets, cappers and leaderboard with GraphQL (read-only)",
        description="Body: `{query, variables, operationName}`. Scope `bets:read`. A platform key names the "
        "tenant with `guild_id`. Limits: depth, aliases, tokens and an estimated cost (objects the query may "
        "return); a refused document is a 400 with GraphQL `errors`.",
        parameters=[OpenApiParameter("guild_id", str, description="The tenant (required with a platform key)")],
        request=GraphQLRequestSerializer,
        responses={200: GraphQLResponseSerializer, **ERROR_RESPONSES},
    )
    def query(self, request: Request) -> Response:
        body = request.data
        if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
            return _graphql_error(_("Send a JSON object with a non-empty 'query' string."))
        variables = body.get("variables")
        operation_name = body.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            return _graphql_error(_("'variables' must be a JSON object."))
        if operation_name is not None and not isinstance(operation_name, str):
            return _graphql_error(_("'operationName' must be a string."))
        result = schema.execute_sync(
            body["query"],
            variable_values=variables,
            operation_name=operation_name,
            context_value={"tenant": self.tenant, "request": request},
        )
        payload: dict = {"data": result.data}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        return Response(payload, status=200 if result.data is not None else 400)
