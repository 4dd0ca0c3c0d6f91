"""CSV and XLSX exports of the portal's triage lists (issue 17, item 4), declared for apps/portal/list_exports.py.

Each export takes the same filters as its list (the list's query string: the export link carries it) and the
same access rule (`portal_view` with the list's roles: a verified second factor, a role that reads the list).
Each is recorded in the audit trail (`core.list_exported`: list, format, rows, filters)."""

from django.http import HttpRequest

from apps.core.exports import Column
from apps.fraud.choices import CaseStatus
from apps.fraud.selectors import fraud_case_list
from apps.portal.access import ANALYST, OFFICER
from apps.portal.list_exports import ListExport, export_view
from apps.portal.views.incidents import incident_filters, incident_rows
from apps.privacy.choices import RequestStatus
from apps.privacy.selectors.requests import request_list
from apps.security.choices import AlertStatus
from apps.security.selectors import alert_list

FRAUD_CASE_COLUMNS = [
    Column("id", "id"),
    Column("kind", "kind"),
    Column("score", "score"),
    Column("status", "status"),
    Column("detections", "detection_count"),
    Column("assignee", "assignee__username"),
    Column("explanation", "explanation"),
    Column("first detected (UTC)", "first_detected_at"),
    Column("last detected (UTC)", "last_detected_at"),
]
ALERT_COLUMNS = [
    Column("id", "id"),
    Column("title", "title"),
    Column("severity", "severity"),
    Column("status", "status"),
    Column("assignee", "assignee__username"),
    Column("detections", "detection_count"),
    Column("first seen (UTC)", "first_seen_at"),
    Column("last seen (UTC)", "last_seen_at"),
    Column("rule", "rule__slug"),
    Column("guild id", "guild_id"),
]
DSR_COLUMNS = [
    Column("id", "id"),
    Column("kind", "kind"),
    Column("status", "status"),
    Column("guild id", "tenant__guild_id"),
    Column("member id", "member_id"),
    Column("received at (UTC)", "received_at"),
    Column("due at (UTC)", "due_at"),
    Column("assignee", "assignee__username"),
    Column("verified at (UTC)", "verified_at"),
]
INCIDENT_COLUMNS = [
    Column("id", "id"),
    Column("title", "title"),
    Column("kind", "kind"),
    Column("severity", "severity"),
    Column("status", "status"),
    Column("owner", "owner__username"),
    Column("declared by", "declared_by_label"),
    Column("guild id", "guild_id"),
    Column("personal data involved", "personal_data_involved"),
    Column("detected at (UTC)", "detected_at"),
]


def _status(request: HttpRequest, values) -> str | None:
    status = request.GET.get("status", "")
    return status if status in values else None


def _mine(request: HttpRequest, rows):
    """Only the rows assigned to the signed-in user when the list asks for them (?assignee=me)."""
    return rows.filter(assignee=request.user) if request.GET.get("assignee") == "me" else rows


def fraud_case_rows(request: HttpRequest):
    """The fraud case list as /portal/fraud/cases/ shows it (its ?status= and ?assignee=me filters)."""
    return _mine(request, fraud_case_list(status=_status(request, CaseStatus.values)))


def alert_rows(request: HttpRequest):
    """The alert list as /portal/security/alerts/ shows it (its ?status= and ?assignee=me filters)."""
    rows = alert_list().prefetch_related(None).select_related("rule", "assignee")
    status = _status(request, AlertStatus.values)
    return _mine(request, rows.filter(status=status) if status else rows)


def dsr_rows(request: HttpRequest):
    """The data-subject requests as /portal/privacy/requests/ shows them (its ?status= and ?assignee=me filters)."""
    rows = request_list(status=_status(request, RequestStatus.values)).order_by("-received_at", "-id")
    return _mine(request, rows)


FRAUD_CASES = ListExport("fraud-cases", FRAUD_CASE_COLUMNS, fraud_case_rows, roles=(OFFICER, ANALYST))
SECURITY_ALERTS = ListExport("security-alerts", ALERT_COLUMNS, alert_rows, roles=(OFFICER, ANALYST))
DSRS = ListExport("data-subject-requests", DSR_COLUMNS, dsr_rows, roles=(OFFICER,))
INCIDENTS = ListExport(
    "incidents", INCIDENT_COLUMNS, lambda request: incident_rows(incident_filters(request)), roles=(OFFICER, ANALYST)
)

fraud_cases_export = export_view(FRAUD_CASES)
security_alerts_export = export_view(SECURITY_ALERTS)
dsrs_export = export_view(DSRS)
incidents_export = export_view(INCIDENTS)
