"""Report downloads and on-demand runs for the portal (mounted under /portal/reports/ by reporting/urls.py).

Only portal users with a verified second factor and the compliance officer role (or superusers)
get here (`portal_view`); downloading also needs the `compliance.view_reportfile` permission, so a
role's grant is what decides. Each download is audited and carries the file's SHA-256.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.audit.services import audit_record
from apps.compliance.choices import CONTENT_TYPES
from apps.compliance.models import ReportDefinition
from apps.compliance.portal.access import OFFICER, portal_view
from apps.compliance.selectors.reports import report_file_get
from apps.compliance.tasks import run_report
from apps.core.actors import actor_for_request
from apps.core.enqueue import enqueue
from apps.core.errors import NotFoundError


@never_cache
@require_safe
@portal_view(OFFICER)
def report_file_download(request: HttpRequest, file_id: int) -> HttpResponse:
    """One stored report file as an attachment, with its SHA-256 in `X-Content-SHA256`."""
    if not request.user.has_perm("compliance.view_reportfile"):
        raise PermissionDenied("Your role may not download reports.")
    try:
        report_file = report_file_get(file_id=file_id)
    except NotFoundError:
        raise Http404("No such report file.") from None
    with transaction.atomic():
        audit_record(actor=actor_for_request(request), action="compliance.report_downloaded", target=report_file)
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
    if not request.user.has_perm("compliance.add_reportrun"):
        raise PermissionDenied("Your role may not run reports.")
    definition = ReportDefinition.objects.filter(pk=definition_id).first()
    if definition is None:
        raise Http404("No such report.")
    enqueue(run_report, definition.pk)  # kept in the outbox while the broker is down
    messages.success(request, f"{definition.name}: a new version is being built.")
    return redirect("portal:reports")
