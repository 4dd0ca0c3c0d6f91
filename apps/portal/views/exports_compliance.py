"""The exports of the compliance lists (compliance alerts, the report library's versions and files, the workflow
inbox) and of the incident metrics table (issue 17, item 4): each reads its rows as its page does."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.compliance.selectors.alerts import alert_list, open_alerts
from apps.compliance.selectors.reports import report_run_list
from apps.compliance.selectors.workflows import workflow_inbox
from apps.core.exports import Column
from apps.incidents.selectors import incident_metrics
from apps.portal.access import ANALYST, OFFICER
from apps.portal.list_exports import ListExport, export_view
from apps.portal.views.incidents_review import METRIC_WINDOWS, metric_rows


def compliance_alert_rows(request: HttpRequest):
    """As /portal/alerts/ shows them: the open ones, or every alert with ?all=1."""
    return alert_list() if request.GET.get("all") == "1" else open_alerts()


def incident_metric_rows(request: HttpRequest) -> list[dict]:
    """The table of /portal/incidents/metrics/ for its ?days= window (90 days unless told)."""
    days = METRIC_WINDOWS.get(request.GET.get("days", ""), 90)
    rows, _levels = metric_rows(incident_metrics(since=timezone.now() - timedelta(days=days)))
    return rows


COMPLIANCE_ALERTS = ListExport(
    "compliance-alerts",
    [
        Column(_("id"), "id"),
        Column(_("priority"), "priority"),
        Column(_("status"), "status"),
        Column(_("rule"), "rule__name"),
        Column(_("subject"), "subject"),
        Column(_("summary"), "summary"),
        Column(_("occurrences"), "occurrence_count"),
        Column(_("raised at (UTC)"), "raised_at"),
        Column(_("last seen at (UTC)"), "last_seen_at"),
        Column(_("acknowledged by"), "acknowledged_by__username"),
        Column(_("acknowledged at (UTC)"), "acknowledged_at"),
        Column(_("resolved at (UTC)"), "resolved_at"),
    ],
    compliance_alert_rows,
    roles=(OFFICER,),
)
COMPLIANCE_REPORTS = ListExport(
    "compliance-report-files",
    [
        Column(_("run id"), "id"),
        Column(_("report"), "definition__name"),
        Column(_("version"), "number"),
        Column(_("kind"), "kind"),
        Column(_("status"), "status"),
        Column(_("rows"), "row_count"),
        Column(_("started at (UTC)"), "started_at"),
        Column(_("finished at (UTC)"), "finished_at"),
        Column(_("file format"), "files__format"),
        Column(_("file size (bytes)"), "files__size_bytes"),
        Column(_("file SHA-256"), "files__sha256"),
    ],
    lambda request: report_run_list(),
    roles=(OFFICER,),
)
WORKFLOW_STEPS = ListExport(
    "workflow-inbox",
    [
        Column(_("step id"), "id"),
        Column(_("workflow"), "instance__definition__name"),
        Column(_("subject"), "instance__title"),
        Column(_("step"), "name"),
        Column(_("status"), "status"),
        Column(_("role"), "assignee_role"),
        Column(_("assignee"), "assignee__username"),
        Column(_("started at (UTC)"), "started_at"),
        Column(_("due at (UTC)"), "due_at"),
    ],
    lambda request: workflow_inbox(request.user),
    roles=(OFFICER, ANALYST),
)
INCIDENT_METRICS = ListExport(
    "incident-metrics",
    [
        Column(_("severity"), "severity"),
        Column(_("measure"), "measure"),
        Column(_("incidents"), "count"),
        Column(_("mean (seconds)"), "mean"),
        Column(_("90th percentile (seconds)"), "p90"),
    ],
    incident_metric_rows,
    roles=(OFFICER, ANALYST),
)

compliance_alerts_export = export_view(COMPLIANCE_ALERTS)
compliance_reports_export = export_view(COMPLIANCE_REPORTS)
workflows_export = export_view(WORKFLOW_STEPS)
incident_metrics_export = export_view(INCIDENT_METRICS)
