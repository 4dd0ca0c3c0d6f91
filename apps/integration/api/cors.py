"""Per-tenant CORS: a browser origin may call a tenant's API paths only when that tenant lists it.

django-cors-headers allows no origin globally (CORS_ALLOWED_ORIGINS is empty); its `check_request_enabled`
signal asks this receiver, which allows the request's Origin only for `/api/v1/tenants/{guild_id}/…` (and
`/api/v1/graphql/?guild_id=…`) when that tenant's settings list it in `cors_allowed_origins` (checked on
save: apps/tenants/origins.py). The tenant is read through the tenant cache, so a preflight costs no query
once warm, and a change of the list takes effect with the next request (tenant writes bump the cache).
CORS only tells a browser what it may read: the API key is still checked on every call.
"""

import re

from corsheaders.signals import check_request_enabled
from django.dispatch import receiver

from apps.tenants.selectors import tenant_cors_origins

TENANT_PATH = re.compile(r"^/api/v1/tenants/(?P<guild_id>[0-9]{1,20})/")
GRAPHQL_PATH = "/api/v1/graphql/"


def guild_id_of(request) -> str | None:
    """The tenant a CORS request is for: the guild id of a tenant path or of the GraphQL endpoint's query."""
    match = TENANT_PATH.match(request.path_info)
    if match is not None:
        return match["guild_id"]
    if request.path_info == GRAPHQL_PATH:
        guild_id = request.GET.get("guild_id", "")
        return guild_id if guild_id.isdigit() and len(guild_id) <= 20 else None
    return None


def origin_allowed(*, guild_id: str, origin: str) -> bool:
    """Whether the tenant of this guild (a live one) lists this origin."""
    return origin in tenant_cors_origins(guild_id=guild_id)


@receiver(check_request_enabled)
def tenant_origin_check(sender, request, **kwargs) -> bool:
    origin = request.headers.get("origin")
    guild_id = guild_id_of(request) if origin else None
    return guild_id is not None and origin_allowed(guild_id=guild_id, origin=origin)
