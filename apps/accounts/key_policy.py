"""The one rule for minting API keys, whoever mints them (API, `manage.py create_api_key`, the admin).

`api_key_create` (services.py) calls `grant_check` before it writes anything; nothing else decides.

1. Platform-only scopes never go on a tenant key. They act across tenants or on platform data: games
   and their results (a result grades every tenant's bets), security, privacy, metrics, compliance and
   `analytics:read` (every tenant's figures). `audit:read` is not among them: on a tenant key it reads
   that tenant's own trail only (the platform-wide trail needs a platform key, apps/audit/api/views.py);
   a tenant key queries its own tenant's metrics with `bets:read` (apps/analytics/api/).
2. A key mints only a subset of its own scopes, never outliving itself: a key with an expiry mints
   only keys expiring no later (so never a key without expiry); a key without expiry may mint any.
   The child records its parent, and revoking a key revokes its descendants (services.py).
3. A staff user grants only scopes their own Django permissions cover (`SCOPE_PERMISSIONS`;
   superusers hold every permission), and only superusers create platform keys (no tenant).

Pure functions over the key and the user: no queries beyond the user's permission cache.
"""

from collections.abc import Iterable
from datetime import datetime

from django.utils.translation import gettext as _

from apps.accounts.choices import ApiScope
from apps.core.errors import ApplicationError, PermissionDeniedError

# whole families of scopes, so a scope added later to one of them is platform-only from the start
# (analytics: a tenant key reads its own tenant's metrics with bets:read; `analytics:*` spans tenants)
_PLATFORM_ONLY_FAMILIES = ("security", "privacy", "metrics", "compliance", "incidents", "analytics")
_PLATFORM_ONLY_EXACT = frozenset({ApiScope.GAMES_WRITE.value})


def is_platform_only(scope: str) -> bool:
    """May only a platform key (no tenant) hold this scope?"""
    return scope in _PLATFORM_ONLY_EXACT or scope.split(":", 1)[0] in _PLATFORM_ONLY_FAMILIES


PLATFORM_ONLY_SCOPES = frozenset(scope for scope in ApiScope.values if is_platform_only(scope))
TENANT_SCOPES = tuple(scope for scope in ApiScope.values if not is_platform_only(scope))

# What a staff user must hold (every one of them) to grant a scope in the admin: the same power over
# the same data that the scope gives a key. Platform-only scopes map too, for completeness; in practice
# only superusers create platform keys, and superusers hold every permission.
SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ApiScope.TENANTS_READ: ("tenants.view_tenant",),
    ApiScope.TENANTS_ADMIN: (
        "tenants.view_tenant",
        "tenants.add_tenant",
        "tenants.change_tenant",
        "accounts.add_apikey",
        "accounts.change_apikey",
    ),
    ApiScope.AUDIT_READ: ("audit.view_auditevent",),
    ApiScope.MEMBERS_READ: ("accounts.view_member",),
    ApiScope.MEMBERS_WRITE: ("accounts.view_member", "accounts.add_member", "accounts.change_member"),
    ApiScope.BETS_READ: ("betting.view_bet", "betting.view_ledgerentry"),
    ApiScope.BETS_WRITE: ("betting.view_bet", "betting.change_capper"),
    ApiScope.BETS_SETTLE: ("betting.view_bet", "betting.change_bet"),
    ApiScope.GAMES_WRITE: ("betting.view_game", "betting.change_game"),
    ApiScope.METRICS_READ: ("core.view_slowquery", "core.view_memorysnapshot"),
    ApiScope.SECURITY_READ: ("security.view_securityevent", "security.view_alert", "fraud.view_fraudcase"),
    ApiScope.SECURITY_WRITE: ("security.change_alert", "fraud.change_fraudcase"),
    ApiScope.PRIVACY_READ: ("privacy.view_datasubjectrequest", "privacy.view_dataexport"),
    ApiScope.PRIVACY_WRITE: ("privacy.view_datasubjectrequest", "privacy.change_datasubjectrequest"),
    ApiScope.COMPLIANCE_READ: ("compliance.view_framework", "compliance.view_requirement", "compliance.view_checkrun"),
    ApiScope.INCIDENTS_READ: ("incidents.view_incident", "incidents.view_evidence", "incidents.access_evidence"),
    ApiScope.INCIDENTS_WRITE: (
        "incidents.view_incident",
        "incidents.add_incident",
        "incidents.change_incident",
        "incidents.add_evidence",
        "incidents.add_escalationpolicy",
    ),
    # every tenant's betting figures and the counts of cases, alerts, incidents and requests behind them
    ApiScope.ANALYTICS_READ: (
        "betting.view_bet",
        "betting.view_ledgerentry",
        "fraud.view_fraudcase",
        "security.view_alert",
        "incidents.view_incident",
        "privacy.view_datasubjectrequest",
        "compliance.view_framework",
        "analytics.view_forecast",
    ),
    # a tenant's webhook subscriptions are the notification layer's endpoints (issue #15 item 1)
    ApiScope.WEBHOOKS_ADMIN: (
        "notifications.view_webhookendpoint",
        "notifications.add_webhookendpoint",
        "notifications.change_webhookendpoint",
        "notifications.delete_webhookendpoint",
        "notifications.view_delivery",
    ),
    # issue #16 mlreg: calling the models (what they are) and writing the sampled prediction log
    ApiScope.ML_PREDICT: ("ml.view_registeredmodel", "ml.view_predictionlog"),
}


def scopes_validate(scopes: list[str]) -> list[str]:
    """Known scopes, at least one, sorted and without repeats."""
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise ApplicationError(
            _("Unknown scopes: %(unknown)s. Known scopes: %(values)s.")
            % {"unknown": ", ".join(unknown), "values": ", ".join(ApiScope.values)},
            code="unknown_scope",
            fields={"scopes": [_("Unknown scope %(scope)r.") % {"scope": scope} for scope in unknown]},
        )
    if not scopes:
        raise ApplicationError(_("An API key needs at least one scope."), fields={"scopes": [_("Required.")]})
    return sorted(set(scopes))


def scopes_user_may_grant(user) -> list[str]:
    """The scopes a staff user's permissions cover (every scope for a superuser)."""
    return [scope for scope in ApiScope.values if user.has_perms(SCOPE_PERMISSIONS[scope])]


def platform_only_error(scopes: Iterable[str]) -> ApplicationError:
    listed = sorted(scopes)
    return ApplicationError(
        _(
            "A tenant key cannot hold platform-only scopes: %(listed)s. Create a platform key (no tenant) for them, or "
            "leave them out."
        )
        % {"listed": ", ".join(listed)},
        code="platform_only_scope",
        fields={"scopes": [_("%(scope)s is platform-only.") % {"scope": scope} for scope in listed]},
    )


def grant_check(
    *,
    scopes: list[str],
    is_tenant_key: bool,
    expires_at: datetime | None,
    granting_key=None,
    granting_user=None,
) -> None:
    """Raise the first rule the grant breaks (module docstring); return quietly when it may be minted.

    `granting_key` is the API key minting the new one (an ApiKey), `granting_user` the staff user
    creating it in the admin; with neither (the management command, run by an operator with shell
    access) only rule 1 applies.
    """
    platform_only = [scope for scope in scopes if is_platform_only(scope)]
    if is_tenant_key and platform_only:
        raise platform_only_error(platform_only)
    if granting_key is not None:
        _check_key_grant(scopes=scopes, expires_at=expires_at, granting_key=granting_key)
    if granting_user is not None:
        _check_user_grant(scopes=scopes, is_tenant_key=is_tenant_key, granting_user=granting_user)


def _check_key_grant(*, scopes: list[str], expires_at: datetime | None, granting_key) -> None:
    beyond = sorted(set(scopes) - {scope for scope in granting_key.scopes if granting_key.has_scope(scope)})
    if beyond:
        raise PermissionDeniedError(
            _("This key cannot grant scopes it does not hold: %(beyond)s.") % {"beyond": ", ".join(beyond)},
            code="scope_escalation",
        )
    limit = granting_key.expires_at
    if limit is not None and (expires_at is None or expires_at > limit):
        raise PermissionDeniedError(
            _("This key expires at %(expires_at)s; the key it mints must expire no later.")
            % {"expires_at": limit.isoformat()},
            code="expiry_escalation",
            fields={
                "expires_at": [_("Must be set, and no later than %(expires_at)s.") % {"expires_at": limit.isoformat()}]
            },
        )


def _check_user_grant(*, scopes: list[str], is_tenant_key: bool, granting_user) -> None:
    if not is_tenant_key and not granting_user.is_superuser:
        raise PermissionDeniedError(
            _("Only a superuser can create a platform key."),
            code="platform_key_forbidden",
            fields={"tenant": [_("Only a superuser can create a platform key.")]},
        )
    beyond = sorted(set(scopes) - set(scopes_user_may_grant(granting_user)))
    if beyond:
        needed = "; ".join(f"{scope} needs {', '.join(SCOPE_PERMISSIONS[scope])}" for scope in beyond)
        raise PermissionDeniedError(
            _("You cannot grant scopes your own permissions do not cover: %(beyond)s (%(needed)s).")
            % {"beyond": ", ".join(beyond), "needed": needed},
            code="scope_escalation",
            fields={"scopes": [_("%(scope)s is beyond your permissions.") % {"scope": scope} for scope in beyond]},
        )
