"""Rows behind the feed admin pages for the admin smoke tests (tests/admin/conftest.py:admin_rows)."""

from datetime import timedelta

from django.utils import timezone

from apps.core.actors import Actor
from apps.integration.feeds.services import feed_source_save
from apps.integration.models import FeedRunStatus, FeedSyncRun


def feed_admin_rows(*, actor: Actor, rows: int) -> None:
    now = timezone.now()
    for number in range(rows):
        source = feed_source_save(
            actor=actor, name=f"feed-{number:02}", base_urls=[f"https://feed-{number:02}.example.org/v1/games"]
        )
        FeedSyncRun.objects.create(
            source=source,
            status=FeedRunStatus.OK,
            started_at=now - timedelta(minutes=number),
            finished_at=now,
            pages=1,
            games_seen=3,
            lag_seconds=12.5,
        )
