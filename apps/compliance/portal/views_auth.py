"""Portal sign-in: password, then a TOTP token (or, without a confirmed device, enrolment); sign-out.

The password step does not sign the user in: it leaves the user's id in the session for
PORTAL_LOGIN_PENDING_SECONDS, and only a valid token completes `login()` and `otp_login()`. Both steps
go through django-axes (the password through `authenticate`, a wrong token as `user_login_failed`), so a
username+address pair is locked out after AXES_FAILURE_LIMIT failures of either kind.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.compliance.portal.access import may_use_portal
from apps.compliance.portal.otp import (
    confirmed_totp_device,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_provisioning,
)
from apps.core.actors import Actor, actor_for_request
from apps.core.errors import ApplicationError

PENDING_KEY = "portal_login_pending"
ENROL_KEY = "portal_enrol_device"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
User = get_user_model()


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:dashboard")


def _pending_user(request: HttpRequest):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > settings.PORTAL_LOGIN_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user = User.objects.filter(pk=pending["user_id"], is_active=True, is_staff=True).first()
    return user, pending


def _finish(request: HttpRequest, user, device: TOTPDevice, pending: dict) -> HttpResponse:
    next_url = _next_url(request, pending.get("next"))
    login(request, user, backend=MODEL_BACKEND)
    otp_login(request, device)
    for key in (PENDING_KEY, ENROL_KEY):
        request.session.pop(key, None)
    return redirect(next_url)


def _user_actor(request: HttpRequest, user) -> Actor:
    base = actor_for_request(request)
    return Actor(
        kind="user",
        identifier=str(user.pk),
        label=user.get_username(),
        ip_address=base.ip_address,
        user_agent=base.user_agent,
        request_id=base.request_id,
    )


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
            request.session.cycle_key()
            request.session[PENDING_KEY] = {"user_id": user.pk, "at": time.time(), "next": next_url}
            step = "portal:login_verify" if confirmed_totp_device(user) else "portal:login_enrol"
            return redirect(step)
    status = 400 if error else 200
    context = {"error": error, "username": username, "next": next_url}
    return render(request, "portal/auth/login.html", context, status=status)


@never_cache
@csrf_protect
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again: the password step expired.")
        return redirect("portal:login")
    device = confirmed_totp_device(user)
    if device is None:
        return redirect("portal:login_enrol")
    error = ""
    if request.method == "POST":
        token = request.POST.get("token", "").strip()
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            error = "Too many wrong codes: wait a little and try again."
        elif token.isdigit() and device.verify_token(token):
            return _finish(request, user, device, pending)
        else:
            error = "That code does not match: type the 6 digits your authenticator app shows now."
            # axes counts it (and may lock the username+address out); security records the failure
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    status = 400 if error else 200
    return render(request, "portal/auth/verify.html", {"error": error, "pending_user": user}, status=status)


@never_cache
@csrf_protect
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again: the password step expired.")
        return redirect("portal:login")
    if confirmed_totp_device(user) is not None:
        return redirect("portal:login_verify")
    error = ""
    device = TOTPDevice.objects.filter(pk=request.session.get(ENROL_KEY), user=user, confirmed=False).first()
    if request.method == "POST" and device is not None:
        try:
            device = totp_enrolment_confirm(
                device=device, token=request.POST.get("token", ""), actor=_user_actor(request, user)
            )
        except ApplicationError as refused:
            error = refused.message
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        else:
            return _finish(request, user, device, pending)
    if device is None or request.method == "GET":
        # a new secret on every visit: what was shown once is never shown again
        device = totp_enrolment_start(user=user)
        request.session[ENROL_KEY] = device.pk
    context = {"error": error, "pending_user": user, "provisioning": totp_provisioning(device)}
    return render(request, "portal/auth/enrol.html", context, status=400 if error else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:login")
