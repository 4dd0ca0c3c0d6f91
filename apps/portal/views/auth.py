"""Portal sign-in: password, then a TOTP token (or, without a confirmed device, enrolment); sign-out.

The password step does not sign the user in (apps/core/second_factor.py keeps it pending for
PORTAL_LOGIN_PENDING_SECONDS), and only a valid token completes `login()` and `otp_login()`; /admin/
signs in the same way (apps/accounts/admin_site.py). Both steps go through django-axes (the password
through `authenticate`, a wrong token as `user_login_failed`), so a username+address pair is locked out
after AXES_FAILURE_LIMIT failures of either kind.
"""

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.selectors import totp_device_confirmed
from apps.accounts.signin import SigninSurface, StepPage, signin_enrol_step, signin_verify_step, token_step
from apps.core.second_factor import safe_next_url, signin_pending_start
from apps.portal.access import may_use_portal

SURFACE = SigninSurface(
    name="portal", start_url="portal:dashboard", expired_message="Sign in again: the password step expired."
)


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    return safe_next_url(request, candidate, SURFACE.start_url)


@never_cache
@csrf_protect
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated and may_use_portal(request.user) and request.user.is_verified():
        return redirect(_next_url(request, next_url))
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()[:150]
        password = request.POST.get("password", "")
        user = authenticate(request, username=username, password=password) if username and password else None
        if user is None:
            error = "Wrong username or password."
        elif not may_use_portal(user):
            error = "This account has no portal role (compliance officer, security analyst or superuser)."
        else:
            signin_pending_start(request, surface=SURFACE.name, user=user, next_url=next_url)
            step = SURFACE.verify_url if totp_device_confirmed(user=user) else SURFACE.enrol_url
            return redirect(step)
    status = 400 if error else 200
    context = {"error": error, "username": username, "next": next_url}
    return render(request, "portal/auth/login.html", context, status=status)


def _page(request: HttpRequest, template: str) -> StepPage:
    return lambda context, status: render(request, template, context, status=status)


@token_step
def verify_view(request: HttpRequest) -> HttpResponse:
    return signin_verify_step(request, SURFACE, _page(request, "portal/auth/verify.html"))


@token_step
def enrol_view(request: HttpRequest) -> HttpResponse:
    return signin_enrol_step(request, SURFACE, _page(request, "portal/auth/enrol.html"))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:login")
