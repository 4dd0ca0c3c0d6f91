"""Who may use the portal: active staff holding a portal role, signed in with a verified second factor."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from apps.accounts.choices import StaffRole

# Roles that may open the portal; each of them must sign in with a TOTP second factor.
PORTAL_ROLES = frozenset({StaffRole.SUPERUSER, StaffRole.COMPLIANCE_OFFICER, StaffRole.SECURITY_ANALYST})
OFFICER = StaffRole.COMPLIANCE_OFFICER.value
ANALYST = StaffRole.SECURITY_ANALYST.value
SUPERUSER = StaffRole.SUPERUSER.value

# Role groups are named after the role's label (apps/accounts/roles.py ROLE_GROUP_NAMES; a test keeps
# the two in step), so the portal can read roles without importing the accounts app's role module.
_ROLE_BY_GROUP = {role.label: role.value for role in StaffRole if role != StaffRole.SUPERUSER}


def user_roles(user) -> frozenset[str]:
    """The StaffRole values a user holds (cached on the user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        names = {group.name for group in user.groups.all()}
        cached = frozenset({_ROLE_BY_GROUP[name] for name in names if name in _ROLE_BY_GROUP})
        if user.is_superuser:
            cached |= {SUPERUSER}
        user._portal_roles = cached
    return cached


def may_use_portal(user) -> bool:
    return bool(user_roles(user) & PORTAL_ROLES)


def _login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")


def portal_view(*roles: str) -> Callable:
    """Decorate a portal view: sign-in with a verified second factor, and one of `roles` (default: any
    portal role; a superuser always passes). Anonymous or unverified users go to the login page."""
    allowed = frozenset(roles) or PORTAL_ROLES

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return _login_redirect(request)
            if not may_use_portal(user):
                raise PermissionDenied("This account has no portal role.")
            if not user.is_verified():
                return _login_redirect(request)
            held = user_roles(user)
            if SUPERUSER not in held and not (held & allowed):
                raise PermissionDenied("Your role may not open this page.")
            request.portal_roles = held
            return view(request, *args, **kwargs)

        wrapped.portal_roles = allowed
        return wrapped

    return decorator
