"""Hot keys of the betting app, registered with the core cache warmer (apps/core/cache/warming.py)."""

import zoneinfo
from datetime import UTC, datetime

from django.utils import timezone

from apps.betting import selectors
from apps.betting.models import LedgerEntry
from apps.tenants.models import Tenant


def _current_month(tenant: Tenant) -> str:
    return timezone.localtime(timezone.now(), timezone=zoneinfo.ZoneInfo(tenant.timezone)).strftime("%Y-%m")


def warm_leaderboards_and_ledgers() -> int:
    """Each active tenant's leaderboard and its active cappers' ledgers for the current month."""
    warmed = 0
    for tenant in Tenant.objects.active().order_by("pk"):
        month = _current_month(tenant)
        selectors.leaderboard(tenant=tenant, period_label=month)
        warmed += 1
        since = datetime.now(UTC).replace(day=1)
        capper_ids = set(
            LedgerEntry.objects.filter(tenant=tenant, placed_at__gte=since).values_list("capper_id", flat=True)
        )
        for capper in selectors.capper_list(tenant=tenant).filter(pk__in=capper_ids):
            selectors.capper_record(tenant=tenant, capper=capper, period_label=month)
            warmed += 1
    return warmed


def warm_todays_games() -> int:
    selectors.games_on(day=datetime.now(UTC).date())
    return 1
