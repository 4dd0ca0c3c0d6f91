"""The compliance app's part of the staff portal: its pages in the navigation, its dashboard widgets and the
signals that refresh them, the permissions its portal actions need (the registry is apps/core/portal.py;
apps/portal reads it). The page views live in the portal (apps/portal/views/compliance.py, reports.py)."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.compliance import charts
from apps.compliance.selectors import failing_checks, framework_scores
from apps.compliance.selectors.alerts import open_alerts
from apps.compliance.signals import check_run_recorded, compliance_alert_changed
from apps.core.portal import (
    register_portal_page,
    register_portal_permission,
    register_portal_refresh,
    register_portal_widget,
)

OFFICER = StaffRole.COMPLIANCE_OFFICER.value
ANALYST = StaffRole.SECURITY_ANALYST.value
FAILING_LIMIT = 10
ALERTS_LIMIT = 8


def _scores() -> dict:
    rows = framework_scores()
    return {"rows": rows, "figure": charts.framework_scores_figure(rows) if rows else None}


def _failing() -> dict:
    runs = failing_checks()
    return {"runs": runs[:FAILING_LIMIT], "count": len(runs)}


def _alerts() -> dict:
    alerts = list(open_alerts()[: ALERTS_LIMIT + 1])
    return {"alerts": alerts[:ALERTS_LIMIT], "more": len(alerts) > ALERTS_LIMIT}


register_portal_page(_("Compliance"), _("Frameworks"), "portal:frameworks", roles=[OFFICER], order=20)
register_portal_page(_("Compliance"), _("Reports"), "portal:reports", roles=[OFFICER], order=30)
register_portal_page(_("Compliance"), _("Compliance alerts"), "portal:alerts", roles=[OFFICER], order=40)
register_portal_page(_("Compliance"), _("Workflow inbox"), "portal:workflows", roles=[OFFICER, ANALYST], order=50)

register_portal_widget("scores", _("Framework scores"), "portal/widgets/scores.html", _scores, order=10)
register_portal_widget("failing", _("Failing checks"), "portal/widgets/failing.html", _failing, order=20)
register_portal_widget("alerts", _("Open compliance alerts"), "portal/widgets/alerts.html", _alerts, order=30)

register_portal_permission("compliance.alert_acknowledge", "compliance.change_compliancealert")
register_portal_permission("compliance.report_download", "compliance.view_reportfile")
register_portal_permission("compliance.report_run", "compliance.add_reportrun")

# a check run may change the scores, the failing checks and the data-protection widget (privacy's)
register_portal_refresh(check_run_recorded, "check_run", ["scores", "failing", "protection"])
register_portal_refresh(compliance_alert_changed, "compliance_alert", ["alerts"])
