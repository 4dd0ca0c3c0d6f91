"""Reading tenants."""

from apps.core.errors import NotFoundError
from apps.tenants.models import Tenant
from apps.tenants.querysets import TenantQuerySet


def tenant_list(*, include_offboarded: bool = False) -> TenantQuerySet:
    tenants = Tenant.objects.all()
    return tenants if include_offboarded else tenants.live()


def tenant_get(*, guild_id: str, include_offboarded: bool = False) -> Tenant:
    """The tenant of a guild; offboarded tenants do not exist for the API."""
    try:
        return tenant_list(include_offboarded=include_offboarded).get(guild_id=guild_id)
    except Tenant.DoesNotExist:
        raise NotFoundError(f"No tenant with guild id {guild_id}.", code="tenant_not_found") from None
