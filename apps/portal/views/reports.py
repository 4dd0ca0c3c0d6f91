"""The report library: every version of every report with its files, downloads and on-demand runs.

Only portal users with a verified second factor and the compliance officer role (or superusers) get
here (`portal_view`); downloading and running also need the permissions apps/compliance/portal.py
registered (`compliance.view_reportfile`, `compliance.add_reportrun`), so a role's grant is what decides.
Each download is audited (by the compliance service) and carries the file's SHA-256.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.compliance.choices import CONTENT_TYPES
from apps.compliance.models import ReportDefinition
from apps.compliance.selectors.reports import report_file_get, report_library, report_run_list
from apps.compliance.services.report_requests import report_file_download_record, report_run_request
from apps.core.actors import actor_for_request
from apps.core.errors import NotFoundError
from apps.core.portal import portal_user_may
from apps.portal.access import OFFICER, portal_view
from apps.portal.shell import paginate, render_portal

DOWNLOAD = "compliance.report_download"
RUN = "compliance.report_run"


@never_cache
@require_safe
@portal_view(OFFICER)
def reports(request: HttpRequest) -> HttpResponse:
    context = {
        "page": paginate(request, report_run_list()),
        "definitions": list(report_library()),
        "may_download": portal_user_may(request.user, DOWNLOAD),
        "may_run": portal_user_may(request.user, RUN),
        "may_define": portal_user_may(request.user, "compliance.report_define"),  # issue 17 officer actions
    }
    return render_portal(request, "portal/compliance/reports.html", context)


@never_cache
@require_safe
@portal_view(OFFICER)
def report_file_download(request: HttpRequest, file_id: int) -> HttpResponse:
    """One stored report file as an attachment, with its SHA-256 in `X-Content-SHA256`."""
    if not portal_user_may(request.user, DOWNLOAD):
        raise PermissionDenied("Your role may not download reports.")
    try:
        report_file = report_file_get(file_id=file_id)
    except NotFoundError:
        raise Http404("No such report file.") from None
    report_file_download_record(report_file=report_file, actor=actor_for_request(request))
    response = FileResponse(
        report_file.file.open("rb"),
        as_attachment=True,
        filename=report_file.filename,
        content_type=CONTENT_TYPES[report_file.format],
    )
    response["X-Content-SHA256"] = report_file.sha256
    return response


@require_POST
@portal_view(OFFICER)
def report_run_now(request: HttpRequest, definition_id: int) -> HttpResponse:
    """Queue a run of one report now (the worker builds, stores and e-mails it)."""
    if not portal_user_may(request.user, RUN):
        raise PermissionDenied("Your role may not run reports.")
    definition = ReportDefinition.objects.filter(pk=definition_id).first()
    if definition is None:
        raise Http404("No such report.")
    report_run_request(definition=definition)
    messages.success(request, _("%(name)s: a new version is being built.") % {"name": definition.name})
    return redirect("portal:reports")
