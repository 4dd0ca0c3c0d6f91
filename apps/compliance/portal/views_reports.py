"""The report library: every version of every report with its files; downloads are the reports part's
views (apps/compliance/reporting/views.py, mounted under /portal/reports/)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.compliance.portal.access import OFFICER, portal_view
from apps.compliance.portal.shell import paginate, render_portal
from apps.compliance.selectors.reports import report_library, report_run_list


@never_cache
@require_safe
@portal_view(OFFICER)
def reports(request: HttpRequest) -> HttpResponse:
    context = {
        "page": paginate(request, report_run_list()),
        "definitions": list(report_library()),
        "may_download": request.user.has_perm("compliance.view_reportfile"),
        "may_run": request.user.has_perm("compliance.add_reportrun"),
    }
    return render_portal(request, "portal/compliance/reports.html", context)
