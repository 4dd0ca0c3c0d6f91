"""API permissions over the credential protocol every API key satisfies.

`request.auth` is the credential set by the authentication class (accounts' API keys): it has
`tenant_id` (None for a platform-wide key) and `has_scope(scope)`. Core only knows that protocol.
"""

from django.utils.translation import gettext, gettext_lazy
from rest_framework.permissions import BasePermission


def required_scope(view) -> str | None:
    """The scope `view.required_scopes` names for the current action (or HTTP method)."""
    scopes = getattr(view, "required_scopes", {})
    action = getattr(view, "action", None) or view.request.method.lower()
    return scopes.get(action)


class HasRequiredScope(BasePermission):
    """Authenticated by an API key holding the scope the action requires."""

    message = gettext_lazy("This API key lacks the scope this action needs.")

    def has_permission(self, request, view) -> bool:
        credential = request.auth
        if credential is None:
            return False
        scope = required_scope(view)
        if scope is not None and not credential.has_scope(scope):
            self.message = gettext("This API key lacks the '%(scope)s' scope.") % {"scope": scope}
            return False
        return True


class IsPlatformKey(BasePermission):
    """Only platform-wide keys (not tied to one tenant)."""

    message = gettext_lazy("This action needs a platform-wide API key.")

    def has_permission(self, request, view) -> bool:
        return request.auth is not None and request.auth.tenant_id is None
