"""`Authorization: Bearer <api key>` for the REST API.

Keys are resolved through the cache manager (namespace `api_key`, keyed by the SHA-256 of the
secret, never the secret): every request needs its key, and the row barely ever changes. What could
make a cached key wrong is bumped where it happens: creating or revoking a key bumps `api_key`
(accounts.services), a tenant's status change bumps `tenant` (tenants.services), and the key's
tenant is read through the tenant cache on every request — so a revocation or a suspension takes
effect with the next request. Expiry is checked against the clock on every request.
"""

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from apps.accounts.keys import hash_key, prefix_of
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_touch, api_key_touch_due
from apps.accounts.signals import api_key_rejected
from apps.core.cache import cache_get_or_set
from apps.tenants.choices import TenantStatus
from apps.tenants.selectors import tenant_get

_FIELDS = [field.attname for field in ApiKey._meta.concrete_fields if field.attname != "key_hash"]
_REFUSED_TENANT_STATUSES = (TenantStatus.OFFBOARDED, TenantStatus.SUSPENDED)


class _UnknownKey(Exception):
    """No key has this secret (not cached: guessed secrets must not fill the cache)."""


def _key_row(key_hash: str) -> dict:
    row = ApiKey.objects.filter(key_hash=key_hash).values(*_FIELDS, tenant_guild_id=F("tenant__guild_id")).first()
    if row is None:
        raise _UnknownKey
    return row


def api_key_resolve(*, secret: str) -> ApiKey | None:
    """The key whose secret this is, with its tenant (revoked and expired included: callers say why it
    fails); None when no key has this secret. Read through the cache (see the module docstring)."""
    if prefix_of(secret) is None:
        return None
    key_hash = hash_key(secret)
    try:
        row = dict(cache_get_or_set("api_key", key_hash, lambda: _key_row(key_hash)))
    except _UnknownKey:
        return None
    guild_id = row.pop("tenant_guild_id")
    api_key = ApiKey(**row, key_hash=key_hash)
    api_key._state.adding = False
    api_key._state.db = "default"
    if api_key.tenant_id is not None:
        api_key.tenant = tenant_get(guild_id=guild_id, include_offboarded=True)
    return api_key


class ApiKeyPrincipal:
    """request.user for API-key requests: authenticated, never staff, carries the key."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.pk = None

    def __str__(self) -> str:
        return f"api key {self.api_key.prefix}"


class TenantSuspended(exceptions.APIException):
    status_code = 403
    default_code = "tenant_suspended"
    default_detail = gettext_lazy("This tenant is suspended; its API keys are blocked until it is reactivated.")


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode(errors="replace").lower() != self.keyword.lower() or len(header) != 2:
            self._reject(request, "malformed")
            raise exceptions.AuthenticationFailed(_("Send the API key as 'Authorization: Bearer <key>'."))
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            self._reject(request, "malformed")
            raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None
        api_key = api_key_resolve(secret=secret)
        if api_key is None:
            self._reject(request, "invalid", prefix=prefix_of(secret) or "")
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        if api_key.is_revoked:
            self._reject(request, "revoked", api_key=api_key)
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        if api_key.is_expired(now=timezone.now()):
            self._reject(request, "expired", api_key=api_key)
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        if api_key.tenant is not None:
            if api_key.tenant.status == TenantStatus.OFFBOARDED:
                self._reject(request, "invalid", api_key=api_key)
                raise exceptions.AuthenticationFailed(_("Invalid API key."))
            if api_key.tenant.status == TenantStatus.SUSPENDED:
                raise TenantSuspended()
        api_key_touch(api_key=api_key)
        request._request.api_key = api_key  # the audit actor of this request (core.actors)
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_quietly(self, request: Request):
        """(principal, key) when `authenticate` would accept this request without writing anything;
        None otherwise (no key, a refused key, a last-use write due): the caller then takes the full
        path, which refuses, reports and records exactly as always. Used by the conditional GET fast
        path inside `cache_only()`, so it never queries the database either."""
        header = get_authorization_header(request).split()
        if len(header) != 2 or header[0].decode(errors="replace").lower() != self.keyword.lower():
            return None
        try:
            api_key = api_key_resolve(secret=header[1].decode("ascii"))
        except UnicodeDecodeError:
            return None
        if api_key is None or api_key.is_revoked or api_key.is_expired(now=timezone.now()):
            return None
        if api_key.tenant is not None and api_key.tenant.status in _REFUSED_TENANT_STATUSES:
            return None
        if api_key_touch_due(api_key=api_key):
            return None
        request._request.api_key = api_key
        return ApiKeyPrincipal(api_key), api_key

    @staticmethod
    def _reject(request: Request, reason: str, *, prefix: str = "", api_key: ApiKey | None = None) -> None:
        """Report an unusable key to whoever listens (the security app); the secret never leaves here."""
        api_key_rejected.send(
            sender=ApiKeyAuthentication,
            request=request._request,
            reason=reason,
            prefix=api_key.prefix if api_key is not None else prefix,
            guild_id=api_key.tenant.guild_id if api_key is not None and api_key.tenant is not None else "",
        )

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
