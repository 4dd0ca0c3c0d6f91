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
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.selectors import totp_device_confirmed, totp_device_enrolling, totp_provisioning
from apps.accounts.services import totp_device_enrol_confirm, totp_device_enrol_start
from apps.core.errors import ApplicationError
from apps.core.second_factor import (
    enrol_session_key,
    safe_next_url,
    signin_actor,
    signin_failed,
    signin_finish,
    signin_pending_start,
    signin_pending_user,
    signin_token_error,
)
from apps.portal.access import may_use_portal

SURFACE = "portal"
ENROL_KEY = enrol_session_key(SURFACE)


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    return safe_next_url(request, candidate, "portal:dashboard")


def _finish(request: HttpRequest, user, device, pending: dict) -> HttpResponse:
    next_url = _next_url(request, pending.get("next"))
    signin_finish(request, surface=SURFACE, user=user, device=device)
    return redirect(next_url)


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
            signin_pending_start(request, surface=SURFACE, user=user, next_url=next_url)
            step = "portal:login_verify" if totp_device_confirmed(user=user) else "portal:login_enrol"
            return redirect(step)
    status = 400 if error else 200
    context = {"error": error, "username": username, "next": next_url}
    return render(request, "portal/auth/login.html", context, status=status)


@never_cache
@csrf_protect
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user, pending = signin_pending_user(request, surface=SURFACE)
    if user is None:
        messages.info(request, "Sign in again: the password step expired.")
        return redirect("portal:login")
    device = totp_device_confirmed(user=user)
    if device is None:
        return redirect("portal:login_enrol")
    error = ""
    if request.method == "POST":
        error = signin_token_error(request, user=user, device=device, token=request.POST.get("token", ""))
        if not error:
            return _finish(request, user, device, pending)
    status = 400 if error else 200
    return render(request, "portal/auth/verify.html", {"error": error, "pending_user": user}, status=status)


@never_cache
@csrf_protect
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user, pending = signin_pending_user(request, surface=SURFACE)
    if user is None:
        messages.info(request, "Sign in again: the password step expired.")
        return redirect("portal:login")
    if totp_device_confirmed(user=user) is not None:
        return redirect("portal:login_verify")
    error = ""
    device = totp_device_enrolling(user=user, device_id=request.session.get(ENROL_KEY))
    if request.method == "POST" and device is not None:
        try:
            device = totp_device_enrol_confirm(
                device=device, token=request.POST.get("token", ""), actor=signin_actor(request, user)
            )
        except ApplicationError as refused:
            error = refused.message
            signin_failed(request, user)
        else:
            return _finish(request, user, device, pending)
    if device is None or request.method == "GET":
        # a new secret on every visit: what was shown once is never shown again
        device = totp_device_enrol_start(user=user)
        request.session[ENROL_KEY] = device.pk
    context = {"error": error, "pending_user": user, "provisioning": totp_provisioning(device=device)}
    return render(request, "portal/auth/enrol.html", context, status=400 if error else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:login")
