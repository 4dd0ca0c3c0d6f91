"""The code and enrolment steps of staff sign-in: one implementation for /admin/ (apps/accounts/admin_site.py)
and /portal/ (apps/portal/views/auth.py), each a `SigninSurface` that renders the steps' pages its own way.

The password step (each surface's own form) leaves the user pending (apps/core/second_factor.py). A user
with a confirmed TOTP device then types its code; one without enrols first: a new secret on every
visit (what was shown once is never shown again), confirmed by a code, which signs the user in.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps.accounts.selectors import totp_device_confirmed, totp_device_enrolling, totp_provisioning
from apps.accounts.services import totp_device_enrol_confirm, totp_device_enrol_start
from apps.core.errors import ApplicationError
from apps.core.second_factor import (
    enrol_session_key,
    safe_next_url,
    signin_actor,
    signin_failed,
    signin_finish,
    signin_pending_user,
    signin_token_error,
)

# a step's page: (context, status) -> the response; the context has "error" and "pending_user"
# (and, when enrolling, "provisioning": the QR code and the key)
StepPage = Callable[[dict, int], HttpResponse]


@dataclass(frozen=True)
class SigninSurface:
    """Where staff sign in. Its name is the session keys' prefix and its URL namespace, in which the
    steps are named "login", "login_verify" and "login_enrol"."""

    name: str
    start_url: str  # where a user goes once signed in, unless the password step named a page of this site
    expired_message: str = ""  # told when the password step expired, if anything

    @property
    def login_url(self) -> str:
        return f"{self.name}:login"

    @property
    def verify_url(self) -> str:
        return f"{self.name}:login_verify"

    @property
    def enrol_url(self) -> str:
        return f"{self.name}:login_enrol"


def token_step(view):
    """The decorators of a step that takes a code: never cached, CSRF-checked, the code kept out of error reports."""
    return never_cache(csrf_protect(sensitive_post_parameters("token")(require_http_methods(["GET", "POST"])(view))))


def _restart(request: HttpRequest, surface: SigninSurface) -> HttpResponse:
    if surface.expired_message:
        messages.info(request, surface.expired_message)
    return redirect(surface.login_url)


def _finish(request: HttpRequest, surface: SigninSurface, user, device, pending: dict) -> HttpResponse:
    next_url = safe_next_url(request, pending.get("next"), surface.start_url)
    signin_finish(request, surface=surface.name, user=user, device=device)
    return redirect(next_url)


def signin_verify_step(request: HttpRequest, surface: SigninSurface, page: StepPage) -> HttpResponse:
    """The code step of a user with a confirmed device."""
    user, pending = signin_pending_user(request, surface=surface.name)
    if user is None:
        return _restart(request, surface)
    device = totp_device_confirmed(user=user)
    if device is None:
        return redirect(surface.enrol_url)
    error = ""
    if request.method == "POST":
        error = signin_token_error(request, user=user, device=device, token=request.POST.get("token", ""))
        if not error:
            return _finish(request, surface, user, device, pending)
    return page({"error": error, "pending_user": user}, 400 if error else 200)


def signin_enrol_step(request: HttpRequest, surface: SigninSurface, page: StepPage) -> HttpResponse:
    """Enrolment of a user without a confirmed device: a new secret on every visit, confirmed by a code."""
    user, pending = signin_pending_user(request, surface=surface.name)
    if user is None:
        return _restart(request, surface)
    if totp_device_confirmed(user=user) is not None:
        return redirect(surface.verify_url)
    error = ""
    enrol_key = enrol_session_key(surface.name)
    device = totp_device_enrolling(user=user, device_id=request.session.get(enrol_key))
    if request.method == "POST" and device is not None:
        try:
            device = totp_device_enrol_confirm(
                device=device, token=request.POST.get("token", ""), actor=signin_actor(request, user)
            )
        except ApplicationError as refused:
            error = refused.message
            signin_failed(request, user)
        else:
            return _finish(request, surface, user, device, pending)
    if device is None or request.method == "GET":
        # what was shown once is never shown again: a reload makes a new secret
        device = totp_device_enrol_start(user=user)
        request.session[enrol_key] = device.pk
    context = {"error": error, "pending_user": user, "provisioning": totp_provisioning(device=device)}
    return page(context, 400 if error else 200)
