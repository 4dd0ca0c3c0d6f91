"""`Authorization: Bearer <api key>` for the REST API."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from apps.accounts.keys import prefix_of
from apps.accounts.models import ApiKey
from apps.accounts.selectors import api_key_for_secret
from apps.accounts.services import api_key_touch
from apps.accounts.signals import api_key_rejected
from apps.tenants.choices import TenantStatus


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
    default_detail = "This tenant is suspended; its API keys are blocked until it is reactivated."


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode(errors="replace").lower() != self.keyword.lower() or len(header) != 2:
            self._reject(request, "malformed")
            raise exceptions.AuthenticationFailed("Send the API key as 'Authorization: Bearer <key>'.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            self._reject(request, "malformed")
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        api_key = api_key_for_secret(secret=secret)
        if api_key is None:
            self._reject(request, "invalid", prefix=prefix_of(secret) or "")
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if api_key.is_revoked:
            self._reject(request, "revoked", api_key=api_key)
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if api_key.is_expired(now=timezone.now()):
            self._reject(request, "expired", api_key=api_key)
            raise exceptions.AuthenticationFailed("This API key has expired.")
        if api_key.tenant is not None:
            if api_key.tenant.status == TenantStatus.OFFBOARDED:
                self._reject(request, "invalid", api_key=api_key)
                raise exceptions.AuthenticationFailed("Invalid API key.")
            if api_key.tenant.status == TenantStatus.SUSPENDED:
                raise TenantSuspended()
        api_key_touch(api_key=api_key)
        request._request.api_key = api_key  # the audit actor of this request (core.actors)
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
