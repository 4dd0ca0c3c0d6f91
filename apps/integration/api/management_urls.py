"""API management URLs: usage per key and route (`GET /tenants/{guild_id}/usage/`) and the read-only GraphQL
endpoint (`POST /graphql/`)."""

from django.urls import path, re_path

from apps.integration.api.usage_views import TenantUsageViewSet
from apps.integration.graphql.views import GraphQLViewSet

urlpatterns = [
    re_path(r"^tenants/(?P<guild_id>[0-9]+)/usage/$", TenantUsageViewSet.as_view({"get": "list"}), name="tenant-usage"),
    path("graphql/", GraphQLViewSet.as_view({"post": "query"}), name="graphql"),
]
