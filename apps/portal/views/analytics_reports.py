"""BI reports in the portal: the scopes (the platform and each tenant with reports), and per scope its report
definitions, every version with its files, a form to define a report, "run now" and downloads.

Every page is for portal users with a verified second factor (`portal_view`); what they may do is what the
permissions apps/analytics/portal.py registered say (read, define, run, download, and the platform's reports).
The scope is part of every URL and every read: a file, run or definition of another scope is not found (404)
whatever its id, and the platform's reports need their own permission (403 without it). A bad form is shown
again with its messages (4xx) and writes nothing; writes go through the analytics services (audited).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.analytics.choices import CONTENT_TYPES
from apps.analytics.selectors.reports import (
    report_definition_get,
    report_definitions,
    report_file_get,
    report_runs,
    report_scope_tenant,
    report_scopes,
    report_templates,
)
from apps.analytics.services.report_requests import report_file_download_record, report_run_request
from apps.analytics.services.reports import report_definition_create, scope_slug
from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError, NotFoundError
from apps.core.portal import portal_user_may
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.views.analytics_reports_forms import ReportDefinitionForm

ROLES = (OFFICER, ANALYST)
VIEW, DEFINE, RUN, DOWNLOAD, PLATFORM = (
    "analytics.report_view",
    "analytics.report_define",
    "analytics.report_run",
    "analytics.report_download",
    "analytics.report_platform",
)


def _require(request: HttpRequest, action: str, what: str) -> None:
    if not portal_user_may(request.user, action):
        raise PermissionDenied(f"Your role may not {what}.")


def _scope(request: HttpRequest, scope: str):
    """The tenant the URL names (None: the platform), after checking the user may read that scope's reports."""
    _require(request, VIEW, "read BI reports")
    try:
        tenant = report_scope_tenant(scope=scope)
    except NotFoundError:
        raise Http404("No such tenant.") from None
    if tenant is None:
        _require(request, PLATFORM, "read the platform's reports")
    return tenant


@never_cache
@require_safe
@portal_view(*ROLES)
def analytics_reports(request: HttpRequest) -> HttpResponse:
    """The scopes with reports; a guild id typed in the box opens that tenant's page (to define its first)."""
    _require(request, VIEW, "read BI reports")
    guild_id = (request.GET.get("tenant") or "").strip()
    status = 200
    if guild_id:
        if guild_id.isdigit() and len(guild_id) <= 20:
            return redirect("portal:analytics_reports_scope", scope=guild_id)
        messages.error(
            request,
            _("%(guild_id)s is not a guild id: give the Discord server's number (digits).")
            % {"guild_id": repr(guild_id[:40])},
        )
        status = 400
    may_platform = portal_user_may(request.user, PLATFORM)
    context = {"scopes": report_scopes(include_platform=may_platform), "may_platform": may_platform}
    return render_portal(request, "portal/analytics_reports/index.html", context, status=status)


def _render_scope(request: HttpRequest, tenant, form: ReportDefinitionForm | None = None, status: int = 200):
    may_define = portal_user_may(request.user, DEFINE)
    context = {
        "tenant": tenant,
        "scope": scope_slug(tenant),
        "scope_name": tenant.name if tenant is not None else "The platform",
        "is_platform": tenant is None,
        "definitions": list(report_definitions(tenant=tenant)),
        "page": paginate(request, report_runs(tenant=tenant)),
        "templates": report_templates(tenant=tenant),
        "form": form if form is not None else (ReportDefinitionForm(tenant=tenant) if may_define else None),
        "may_define": may_define,
        "may_run": portal_user_may(request.user, RUN),
        "may_download": portal_user_may(request.user, DOWNLOAD),
    }
    return render_portal(request, "portal/analytics_reports/scope.html", context, status=status)


@never_cache
@require_safe
@portal_view(*ROLES)
def analytics_reports_scope(request: HttpRequest, scope: str) -> HttpResponse:
    return _render_scope(request, _scope(request, scope))


@never_cache
@require_POST
@portal_view(*ROLES)
def analytics_report_create(request: HttpRequest, scope: str) -> HttpResponse:
    """Define a report for the scope; a bad form comes back with its messages and nothing is written."""
    tenant = _scope(request, scope)
    _require(request, DEFINE, "define BI reports")
    form = ReportDefinitionForm(request.POST, tenant=tenant)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            definition = report_definition_create(
                actor=actor_for_request(request),
                tenant=tenant,
                **{name: data[name] for name in ["name", "template", "period", "formats", "recipients", "cron"]},
                is_enabled=data["is_enabled"],
            )
        except ApplicationError as refused:
            form.add_error("name" if refused.code == "report_definition_exists" else None, refused.message)
            status = refused.status_code if 400 <= refused.status_code < 500 else 400
        else:
            messages.success(request, _("%(name)s defined.") % {"name": definition.name})
            return redirect("portal:analytics_reports_scope", scope=scope_slug(tenant))
    messages.error(request, _("The report was not defined: check the form."))
    return _render_scope(request, tenant, form, status=status)


@require_POST
@portal_view(*ROLES)
def analytics_report_run(request: HttpRequest, scope: str, definition_id: int) -> HttpResponse:
    """Queue a run of one of the scope's reports now (the worker builds, stores and e-mails it)."""
    tenant = _scope(request, scope)
    _require(request, RUN, "run BI reports")
    try:
        definition = report_definition_get(tenant=tenant, definition_id=definition_id)
    except NotFoundError:
        raise Http404("No such report here.") from None
    report_run_request(definition=definition, actor=actor_for_request(request))
    messages.success(request, _("%(name)s: a new version is being built.") % {"name": definition.name})
    return redirect("portal:analytics_reports_scope", scope=scope_slug(tenant))


@never_cache
@require_safe
@portal_view(*ROLES)
def analytics_report_file(request: HttpRequest, scope: str, file_id: int) -> HttpResponse:
    """One stored file of the scope's reports as an attachment, with its SHA-256 in `X-Content-SHA256`."""
    tenant = _scope(request, scope)
    _require(request, DOWNLOAD, "download BI reports")
    try:
        report_file = report_file_get(tenant=tenant, file_id=file_id)
    except NotFoundError:
        raise Http404("No such report file here.") from None
    report_file_download_record(report_file=report_file, actor=actor_for_request(request))
    response = FileResponse(
        report_file.file.open("rb"),
        as_attachment=True,
        filename=report_file.filename,
        content_type=CONTENT_TYPES[report_file.format],
    )
    response["X-Content-SHA256"] = report_file.sha256
    return response
