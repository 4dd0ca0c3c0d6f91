"""The staff admin at /admin/, behind the same second factor as /portal/.

Every admin page, the custom ones mounted with `admin.site.admin_view` included, needs an active staff
user whose session passed a TOTP device (`request.user.is_verified()`); otherwise it redirects to the
login. The login is the portal's two steps (apps/core/second_factor.py, apps/accounts/signin.py): the
password does not sign anyone in; a user with a confirmed device then types its code, one without
enrols first (QR code and key shown once on the page) and is signed in by confirming it.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from unfold.sites import UnfoldAdminSite

from apps.accounts.selectors import totp_device_confirmed
from apps.accounts.signin import SigninSurface, StepPage, signin_enrol_step, signin_verify_step, token_step
from apps.core.second_factor import signin_pending_start

SURFACE = SigninSurface(name="admin", start_url="admin:index")


class _PasswordStep(LoginView):
    """Django's admin login form; a valid password leads to the code (or enrolment) step, not into the admin."""

    def form_valid(self, form):
        user = form.get_user()
        signin_pending_start(self.request, surface=SURFACE.name, user=user, next_url=self.get_redirect_url())
        return redirect(SURFACE.verify_url if totp_device_confirmed(user=user) else SURFACE.enrol_url)


class StaffAdminSite(UnfoldAdminSite):
    """django-unfold's AdminSite (the theme: settings UNFOLD), open only to active staff signed in with a
    verified second factor."""

    site_header = "DBSBM administration"  # the product's name, not "Django administration"
    site_title = "DBSBM admin"
    index_template = "admin/dbsbm_index.html"  # the dashboard (apps/portal/admin_dashboard.py) and the tools

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_verified())

    def get_urls(self):
        return [
            path("login/verify/", token_step(self.login_verify), name="login_verify"),
            path("login/enrol/", token_step(self.login_enrol), name="login_enrol"),
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

    def _step_page(self, request: HttpRequest, template: str) -> StepPage:
        def page(context: dict, status: int) -> TemplateResponse:
            request.current_app = self.name
            full = {**self.each_context(request), "title": "Second factor", "subtitle": None, **context}
            return TemplateResponse(request, template, full, status=status)

        return page

    def login_verify(self, request: HttpRequest) -> HttpResponse:
        """The code step of a user with a confirmed device."""
        return signin_verify_step(request, SURFACE, self._step_page(request, "admin/login_verify.html"))

    def login_enrol(self, request: HttpRequest) -> HttpResponse:
        """Enrolment of a user without a confirmed device (apps/accounts/signin.py)."""
        return signin_enrol_step(request, SURFACE, self._step_page(request, "admin/login_enrol.html"))
