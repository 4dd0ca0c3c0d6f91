"""Tenant scoping for API resources under /api/v1/tenants/{guild_id}/."""

from django.utils.translation import gettext as _
from rest_framework.request import Request

from apps.core.api.viewsets import ApiViewSet
from apps.core.errors import NotFoundError
from apps.core.monitoring.requests import request_tenant_mark
from apps.tenants.models import Tenant
from apps.tenants.selectors import tenant_get


class TenantScopedViewSet(ApiViewSet):
    """`self.tenant` is resolved from the path before any permission check.

    A tenant key sees only its own tenant; on another tenant's path it gets the same 404 as for a
    guild that does not exist. Platform keys see every live tenant.
    """

    tenant: Tenant

    def resolve_tenant(self, request: Request) -> None:
        guild_id = self.kwargs.get("guild_id", "")
        tenant = tenant_get(guild_id=guild_id)
        key_tenant_id = request.auth.tenant_id
        if key_tenant_id is not None and key_tenant_id != tenant.pk:
            raise NotFoundError(
                _("No tenant with guild id %(guild_id)s.") % {"guild_id": guild_id}, code="tenant_not_found"
            )
        self.tenant = tenant
        request_tenant_mark(request, tenant.guild_id)  # the request metrics count it under this tenant

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset  # schema generation: no request, so no tenant; the model is enough
        return self.tenant_queryset()

    def tenant_queryset(self):
        """The resource's rows of `self.tenant`; every tenant-scoped view defines it."""
        raise NotImplementedError
