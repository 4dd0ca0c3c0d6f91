"""The base of every API viewset.

Order of refusals, the same on every endpoint: no or bad key → 401; a tenant path the key may not
see (unknown, offboarded or another tenant's) → 404, so keys cannot probe which guilds exist;
a missing scope → 403. Tenant resolution is a hook that `TenantScopedViewSet` (tenants app) fills.
"""

from rest_framework import viewsets
from rest_framework.request import Request


class ApiViewSet(viewsets.GenericViewSet):
    """`required_scopes` maps an action name to the scope it needs."""

    required_scopes: dict[str, str] = {}

    def check_permissions(self, request: Request) -> None:
        if request.auth is None:
            self.permission_denied(request)  # 401 with WWW-Authenticate: no credentials at all
        self.resolve_tenant(request)
        super().check_permissions(request)

    def resolve_tenant(self, request: Request) -> None:
        """Hook for tenant-scoped views; platform views have nothing to resolve."""
