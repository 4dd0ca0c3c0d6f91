"""Periodic jobs of the analytics app (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    # each rule has its own interval; this sweep only finds the rules that are due
    {
        "name": "analytics: evaluate due alert rules",
        "task": "apps.analytics.tasks.alert_rules_dispatch_task",
        "every_seconds": settings.ANALYTICS_ALERT_SWEEP_SECONDS,
    },
    # hourly, so that each tenant is scanned soon after its own midnight; each scope once a day
    {
        "name": "analytics: daily anomaly insights",
        "task": "apps.analytics.tasks.insights_dispatch_task",
        "every_seconds": settings.ANALYTICS_INSIGHT_SWEEP_SECONDS,
    },
    # each series is refitted only when its history changed (a new complete bucket, a late settlement)
    {
        "name": "analytics: refresh the default forecasts",
        "task": "apps.analytics.tasks.forecasts_refresh_task",
        "every_seconds": settings.ANALYTICS_FORECAST_REFRESH_SECONDS,
    },
    {
        "name": "analytics: sample telemetry (requests, cache, queues, worker memory)",
        "task": "apps.analytics.tasks.telemetry_sample_task",
        "every_seconds": settings.TELEMETRY_SAMPLE_SECONDS,
    },
    {
        "name": "analytics: compact and prune telemetry samples",
        "task": "apps.analytics.tasks.telemetry_compact_task",
        "every_seconds": 3600,
    },
    # the rollups' refresh besides the task each change enqueues: a lost task or a failed tenant is
    # retried within this period; tenants never built (or whose time zone changed) are rebuilt here
    {
        "name": "analytics: refresh the rollups",
        "task": "apps.analytics.tasks.analytics_rollups_maintain_task",
        "every_seconds": settings.ANALYTICS_REFRESH_SECONDS,
    },
]
