"""Beat jobs of reports, alerts and workflows (listed in the app's SCHEDULES by schedules.py).

Report definitions schedule themselves (a crontab PeriodicTask per definition, services_reports.py);
these are the fixed jobs.
"""

from django.conf import settings

AUTOMATION_SCHEDULES = [
    {
        "name": "compliance: evaluate score alert rules",
        "task": "apps.compliance.tasks_alerts.alerts_evaluate_scores_task",
        "every_seconds": settings.COMPLIANCE_ALERT_SCORE_INTERVAL_SECONDS,
    },
    {
        "name": "compliance: escalate unacknowledged alerts",
        "task": "apps.compliance.tasks_alerts.alerts_escalate_task",
        "every_seconds": settings.COMPLIANCE_ESCALATION_INTERVAL_SECONDS,
    },
    {
        "name": "compliance: escalate overdue workflow steps",
        "task": "apps.compliance.tasks_workflows.workflow_steps_escalate_task",
        "every_seconds": settings.COMPLIANCE_ESCALATION_INTERVAL_SECONDS,
    },
    {
        "name": "compliance: start the quarterly access review",
        "task": "apps.compliance.tasks_workflows.access_review_start_task",
        "every_seconds": settings.COMPLIANCE_ACCESS_REVIEW_CHECK_INTERVAL_SECONDS,
    },
]
