"""Reads of the results feed: which sources are due, their runs, and the lag metric."""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.integration.models import FeedSource, FeedSyncRun


def feed_sources_due(*, now: datetime) -> list[int]:
    """Ids of the enabled sources whose interval has passed since their last run started (or never run)."""
    sources = FeedSource.objects.filter(is_enabled=True).only("pk", "interval_seconds", "last_run_at")
    return [
        source.pk
        for source in sources
        if source.last_run_at is None or source.last_run_at + timedelta(seconds=source.interval_seconds) <= now
    ]


def feed_runs(*, source: FeedSource) -> QuerySet[FeedSyncRun]:
    return FeedSyncRun.objects.filter(source=source).order_by("-started_at")


def feed_lag_seconds(*, now: datetime | None = None) -> dict[str, float]:
    """{source name: seconds since the newest item any run of it has seen was updated at the provider}, for the
    enabled sources that have seen one: grows while a feed (or our pulling of it) stalls. For Prometheus
    (`feed_lag_seconds{source=...}`, apps/core/cache/views.py MetricsView, the observability helper's)."""
    now = now or timezone.now()
    rows = FeedSource.objects.filter(is_enabled=True, newest_item_at__isnull=False).values_list(
        "name", "newest_item_at"
    )
    return {name: max(0.0, (now - newest).total_seconds()) for name, newest in rows}
