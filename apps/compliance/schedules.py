"""Periodic jobs (synced into django-celery-beat by apps/core/beat.py): the checks' dispatcher runs each
check due at its own frequency; alerts and workflow steps escalate; the access review starts quarterly.
Report definitions schedule themselves (a crontab PeriodicTask per definition, services/reports.py).
"""

from django.conf import settings

CHECK_SCHEDULES = [
    {
        "name": "compliance: run due checks",
        "task": "apps.compliance.tasks.checks_dispatch_task",
        "every_seconds": 60,
    },
    {
        "name": "compliance: daily score snapshots",
        "task": "apps.compliance.tasks.score_snapshots_task",
        "every_seconds": 6 * 60 * 60,
    },
]


AUTOMATION_SCHEDULES = [
    {
        "name": "compliance: evaluate score alert rules",
        "task": "apps.compliance.tasks.alerts_evaluate_scores_task",
        "every_seconds": settings.COMPLIANCE_ALERT_SCORE_INTERVAL_SECONDS,
    },
    {
        "name": "compliance: escalate unacknowledged alerts",
        "task": "apps.compliance.tasks.alerts_escalate_task",
        "every_seconds": settings.COMPLIANCE_ESCALATION_INTERVAL_SECONDS,
    },
    {
        "name": "compliance: escalate overdue workflow steps",
        "task": "apps.compliance.tasks.workflow_steps_escalate_task",
        "every_seconds": settings.COMPLIANCE_ESCALATION_INTERVAL_SECONDS,
    },
    {
        "name": "compliance: start the quarterly access review",
        "task": "apps.compliance.tasks.access_review_start_task",
        "every_seconds": settings.COMPLIANCE_ACCESS_REVIEW_CHECK_INTERVAL_SECONDS,
    },
]


SCHEDULES = [*CHECK_SCHEDULES, *AUTOMATION_SCHEDULES]
