"""Changing dashboards from the portal: create, settings, copy, delete; add and remove widgets; save the grid's
layout (JSON from the grid library, CSRF-protected). Each is one service call (one transaction, one audit event).

Bad input shows the page again with the service's message (400) and writes nothing; changing a dashboard the
user may not change is a 403 (only its owner changes a custom dashboard; superusers the shipped ones).
"""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.analytics.models import DashboardScope
from apps.analytics.selectors.dashboards import widget_catalogue, widget_get
from apps.analytics.services.dashboards import dashboard_copy, dashboard_create, dashboard_delete, dashboard_update
from apps.analytics.services.widgets import dashboard_layout_save, widget_add, widget_remove
from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError, NotFoundError, PermissionDeniedError, error_body
from apps.portal.access import portal_view
from apps.portal.views.analytics import ROLES, DashboardPage, dashboard_url, render_dashboard, render_list
from apps.portal.views.analytics_forms import DashboardCreateForm, DashboardForm, WidgetForm
from apps.tenants.selectors import tenant_get

LAYOUT_MAX_BYTES = 64 * 1024


def _refused(error: ApplicationError):
    if isinstance(error, PermissionDeniedError):
        raise PermissionDenied(error.message)
    if isinstance(error, NotFoundError):
        raise Http404(error.message)


def _again(request: HttpRequest, page: DashboardPage, message: str, **forms) -> HttpResponse:
    messages.error(request, message)
    return render_dashboard(request, page, forms, status=400)


def _back(page: DashboardPage) -> HttpResponse:
    return redirect(dashboard_url(page.dashboard, page.params()))


@never_cache
@require_POST
@portal_view(*ROLES)
def dashboard_create_view(request: HttpRequest) -> HttpResponse:
    form = DashboardCreateForm(request.POST, prefix="new")
    problem = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            tenant = None
            if data["scope"] == DashboardScope.TENANT and data["tenant"]:
                tenant = tenant_get(guild_id=data["tenant"].strip(), include_offboarded=True)
            created = dashboard_create(
                owner=request.user, actor=actor_for_request(request), title=data["title"],
                description=data["description"], scope=data["scope"], tenant=tenant, kind=data["kind"],
                time_range=data["time_range"], refresh_seconds=data["refresh_seconds"],
            )  # fmt: skip
        except ApplicationError as refused:
            problem = refused.message
        else:
            messages.success(
                request, _("Dashboard %(title)s created: add its widgets.") % {"title": repr(created.title)}
            )
            return redirect(dashboard_url(created))
    problem = problem or " ".join(str(e) for errors in form.errors.values() for e in errors)
    messages.error(request, _("The dashboard was not created: %(problem)s") % {"problem": problem})
    return render_list(request, form, status=400)


@never_cache
@require_POST
@portal_view(*ROLES)
def dashboard_settings_view(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    page = DashboardPage(request, dashboard_id)
    form = DashboardForm(request.POST, prefix="settings")
    if not form.is_valid():
        return _again(request, page, "The settings were not saved: check the form.", settings_form=form)
    try:
        dashboard_update(dashboard=page.dashboard, editor=request.user, actor=actor_for_request(request),
                         **form.cleaned_data)  # fmt: skip
    except ApplicationError as refused:
        _refused(refused)
        return _again(request, page, f"The settings were not saved: {refused.message}", settings_form=form)
    messages.success(request, _("Settings saved."))
    return _back(page)


@never_cache
@require_POST
@portal_view(*ROLES)
def dashboard_copy_view(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    page = DashboardPage(request, dashboard_id)
    copy = dashboard_copy(dashboard=page.dashboard, owner=request.user, actor=actor_for_request(request))
    messages.success(request, _("Copied to %(title)s: this one is yours to change.") % {"title": repr(copy.title)})
    return redirect(dashboard_url(copy, page.params()))


@never_cache
@require_POST
@portal_view(*ROLES)
def dashboard_delete_view(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    page = DashboardPage(request, dashboard_id)
    try:
        dashboard_delete(dashboard=page.dashboard, editor=request.user, actor=actor_for_request(request))
    except ApplicationError as refused:
        _refused(refused)
        return _again(request, page, refused.message)
    messages.success(request, _("Dashboard %(title)s deleted.") % {"title": repr(page.dashboard.title)})
    return redirect("portal:analytics_dashboards")


@never_cache
@require_POST
@portal_view(*ROLES)
def widget_add_view(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    page = DashboardPage(request, dashboard_id)
    form = WidgetForm(request.POST, prefix="widget", catalogue=widget_catalogue(dashboard=page.dashboard))
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _again(request, page, f"The widget was not added: {problems}", widget_form=form, editing=True)
    try:
        added = widget_add(dashboard=page.dashboard, editor=request.user, actor=actor_for_request(request),
                           **form.service_arguments())  # fmt: skip
    except ApplicationError as refused:
        _refused(refused)
        return _again(request, page, f"The widget was not added: {refused.message}", widget_form=form, editing=True)
    messages.success(request, _("Widget %(title)s added.") % {"title": repr(added.title)})
    return _back(page)


@never_cache
@require_POST
@portal_view(*ROLES)
def widget_remove_view(request: HttpRequest, dashboard_id: int, widget_id: int) -> HttpResponse:
    page = DashboardPage(request, dashboard_id)
    try:
        found = widget_get(dashboard=page.dashboard, widget_id=widget_id)
        widget_remove(widget=found, editor=request.user, actor=actor_for_request(request))
    except ApplicationError as refused:
        _refused(refused)
        return _again(request, page, refused.message)
    messages.success(request, _("Widget %(title)s removed.") % {"title": repr(found.title)})
    return _back(page)


@never_cache
@require_POST
@portal_view(*ROLES)
def layout_save_view(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    """The grid's layout as JSON `{"items": [{"id", "x", "y", "w", "h"}, …]}`; answers the saved boxes."""
    page = DashboardPage(request, dashboard_id)
    if len(request.body) > LAYOUT_MAX_BYTES:
        return JsonResponse(error_body("too_large", "The layout is too large."), status=413)
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(error_body("invalid_layout", 'Send the layout as JSON: {"items": [...]}.'), status=400)
    items = payload.get("items") if isinstance(payload, dict) else None
    try:
        dashboard_layout_save(dashboard=page.dashboard, editor=request.user, actor=actor_for_request(request),
                              items=items)  # fmt: skip
    except ApplicationError as refused:
        return JsonResponse(error_body(refused.code, refused.message, refused.fields), status=refused.status_code)
    boxes = [{"id": w.pk, "x": w.x, "y": w.y, "w": w.w, "h": w.h} for w in page.dashboard.widgets.order_by("pk")]
    return JsonResponse({"saved": True, "items": boxes})
