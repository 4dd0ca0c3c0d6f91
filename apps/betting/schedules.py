"""Periodic jobs of the betting app (synced into django-celery-beat by apps/core/beat.py)."""

SCHEDULES = [
    {
        "name": "betting: grade final games left with pending legs",
        "task": "apps.betting.tasks.games_grade_sweep_task",
        "every_seconds": 600,
    },
]
