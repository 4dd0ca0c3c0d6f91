"""Periodic jobs of the automated checks: the dispatcher runs each check due at its own frequency."""

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
