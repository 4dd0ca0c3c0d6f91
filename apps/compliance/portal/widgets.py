"""The dashboard's widgets: each one a name, a title, a template and a context builder.

The dashboard renders them all; /portal/widgets/<name>/ renders one (the browser fetches it when the
websocket says that widget changed). Each builder costs a fixed number of queries, whatever the number
of frameworks, rows or encrypted columns (tests/portal/test_query_budgets.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from apps.compliance.portal import charts
from apps.compliance.portal.access import OFFICER, SUPERUSER, user_roles
from apps.compliance.portal.selectors import audit_activity, dsr_sla, retention_last_run
from apps.compliance.selectors import failing_checks, framework_scores
from apps.compliance.selectors.alerts import open_alerts
from apps.keyring.selectors import key_ring_status

FAILING_LIMIT = 10
ALERTS_LIMIT = 8
RETENTION_STALE_HOURS = 48


@dataclass(frozen=True)
class Widget:
    name: str
    title: str
    template: str
    build: Callable[[], dict]


def _scores() -> dict:
    rows = framework_scores()
    return {"rows": rows, "figure": charts.framework_scores_figure(rows) if rows else None}


def _failing() -> dict:
    runs = failing_checks()
    return {"runs": runs[:FAILING_LIMIT], "count": len(runs)}


def _alerts() -> dict:
    alerts = list(open_alerts()[: ALERTS_LIMIT + 1])
    return {"alerts": alerts[:ALERTS_LIMIT], "more": len(alerts) > ALERTS_LIMIT}


def _audit() -> dict:
    hours = settings.PORTAL_AUDIT_ACTIVITY_HOURS
    slots, counts = audit_activity(hours=hours)
    labels = [slot.strftime("%H:00") for slot in slots]
    return {
        "total": sum(counts),
        "hours": hours,
        "last_hour": counts[-1] if counts else 0,
        "figure": charts.audit_activity_figure(labels, counts),
    }


def _protection() -> dict:
    retention = retention_last_run()
    stale_before = timezone.now() - timedelta(hours=RETENTION_STALE_HOURS)
    return {
        "keyring": key_ring_status(),
        "retention": retention,
        "retention_stale": retention is None
        or retention.status != "succeeded"
        or (retention.finished_at or retention.started_at) < stale_before,
        "dsr": dsr_sla(),
    }


def _dsr() -> dict:
    return {"sla": dsr_sla()}


WIDGETS: dict[str, Widget] = {
    widget.name: widget
    for widget in [
        Widget("scores", "Framework scores", "portal/widgets/scores.html", _scores),
        Widget("failing", "Failing checks", "portal/widgets/failing.html", _failing),
        Widget("alerts", "Open compliance alerts", "portal/widgets/alerts.html", _alerts),
        Widget("audit", "Audit activity", "portal/widgets/audit.html", _audit),
        Widget("protection", "Data protection", "portal/widgets/protection.html", _protection),
        Widget("dsr", "Data-subject request SLA", "portal/widgets/dsr.html", _dsr),
    ]
}


def render_widget(name: str, request=None) -> str:
    """One widget's HTML; links into officer-only pages are shown to officers (and superusers) only."""
    widget = WIDGETS[name]
    roles = user_roles(request.user) if request is not None else frozenset()
    context = {"widget": widget, "drill_down": bool(roles & {OFFICER, SUPERUSER}), **widget.build()}
    return render_to_string(widget.template, context, request=request)
