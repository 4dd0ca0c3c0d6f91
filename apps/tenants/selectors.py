"""Reading tenants. `tenant_get` runs on every API request, so it goes through the cache."""

from django.utils.translation import gettext as _

from apps.core.cache import cache_get_or_set
from apps.core.errors import NotFoundError
from apps.tenants.models import Tenant
from apps.tenants.origins import cors_origins_of
from apps.tenants.querysets import TenantQuerySet

_FIELDS = [field.attname for field in Tenant._meta.concrete_fields]


def tenant_list(*, include_offboarded: bool = False) -> TenantQuerySet:
    tenants = Tenant.objects.all()
    return tenants if include_offboarded else tenants.live()


def _instance(fields: dict) -> Tenant:
    tenant = Tenant(**fields)
    tenant._state.adding = False
    tenant._state.db = "default"
    return tenant


def _row(guild_id: str) -> dict | None:
    return Tenant.objects.filter(guild_id=guild_id).values(*_FIELDS).first()


def tenant_get(*, guild_id: str, include_offboarded: bool = False) -> Tenant:
    """The tenant of a guild (cached; every tenant write bumps the `tenant` namespace).

    Offboarded tenants do not exist for the API.
    """
    fields = cache_get_or_set("tenant", guild_id, lambda: _row(guild_id))
    if fields is None or (not include_offboarded and fields["status"] == "offboarded"):
        raise NotFoundError(
            _("No tenant with guild id %(guild_id)s.") % {"guild_id": guild_id}, code="tenant_not_found"
        )
    return _instance(fields)


def tenant_cors_origins(*, guild_id: str) -> list[str]:
    """The browser origins a live tenant allows on its API paths (its settings' `cors_allowed_origins`); none
    for a guild that is not a live tenant. Read through the tenant cache."""
    try:
        tenant = tenant_get(guild_id=guild_id)
    except NotFoundError:
        return []
    return cors_origins_of(tenant.settings)
