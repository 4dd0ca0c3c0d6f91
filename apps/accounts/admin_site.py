"""The staff admin at /admin/, behind the same second factor as /portal/.

Every admin page, the custom ones mounted with `admin.site.admin_view` included, needs an active staff
user whose session passed a TOTP device (`request.user.is_verified()`); otherwise it redirects to the
login. The login is the portal's two steps (apps/core/second_factor.py): the password does not sign
anyone in; a user with a confirmed device then types its code, one without enrols first (QR code and
key shown once on the page) and is signed in by confirming it.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

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

SURFACE = "admin"


class _PasswordStep(LoginView):
    """Django's admin login form; a valid password leads to the code (or enrolment) step, not into the admin."""

    def form_valid(self, form):
        user = form.get_user()
        signin_pending_start(self.request, surface=SURFACE, user=user, next_url=self.get_redirect_url())
        return redirect("admin:login_verify" if totp_device_confirmed(user=user) else "admin:login_enrol")


def _token_step(view):
    return never_cache(csrf_protect(sensitive_post_parameters("token")(require_http_methods(["GET", "POST"])(view))))


class StaffAdminSite(admin.AdminSite):
    """Django's AdminSite, open only to active staff signed in with a verified second factor."""

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_verified())

    def get_urls(self):
        return [
            path("login/verify/", _token_step(self.login_verify), name="login_verify"),
            path("login/enrol/", _token_step(self.login_enrol), name="login_enrol"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.method == "GET" and self.has_permission(request):
            return redirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return _PasswordStep.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

    def _step_page(self, request: HttpRequest, template: str, context: dict, status: int) -> TemplateResponse:
        request.current_app = self.name
        page = {**self.each_context(request), "title": "Second factor", "subtitle": None, **context}
        return TemplateResponse(request, template, page, status=status)

    def _finish(self, request: HttpRequest, user, device: TOTPDevice, pending: dict) -> HttpResponse:
        next_url = safe_next_url(request, pending.get("next"), "admin:index")
        signin_finish(request, surface=SURFACE, user=user, device=device)
        return redirect(next_url)

    def login_verify(self, request: HttpRequest) -> HttpResponse:
        """The code step of a user with a confirmed device."""
        user, pending = signin_pending_user(request, surface=SURFACE)
        if user is None:
            return redirect("admin:login")
        device = totp_device_confirmed(user=user)
        if device is None:
            return redirect("admin:login_enrol")
        error = ""
        if request.method == "POST":
            error = signin_token_error(request, user=user, device=device, token=request.POST.get("token", ""))
            if not error:
                return self._finish(request, user, device, pending)
        context = {"error": error, "pending_user": user}
        return self._step_page(request, "admin/login_verify.html", context, status=400 if error else 200)

    def login_enrol(self, request: HttpRequest) -> HttpResponse:
        """Enrolment of a user without a confirmed device: a new secret on every visit, confirmed by a code."""
        user, pending = signin_pending_user(request, surface=SURFACE)
        if user is None:
            return redirect("admin:login")
        if totp_device_confirmed(user=user) is not None:
            return redirect("admin:login_verify")
        error = ""
        enrol_key = enrol_session_key(SURFACE)
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
                return self._finish(request, user, device, pending)
        if device is None or request.method == "GET":
            # what was shown once is never shown again: a reload makes a new secret
            device = totp_device_enrol_start(user=user)
            request.session[enrol_key] = device.pk
        context = {"error": error, "pending_user": user, "provisioning": totp_provisioning(device=device)}
        return self._step_page(request, "admin/login_enrol.html", context, status=400 if error else 200)
