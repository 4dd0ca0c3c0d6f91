"""Hot keys of the betting app, registered with the core cache warmer (apps/core/cache/warming.py)."""

from datetime import UTC, datetime

from apps.betting import selectors
from apps.betting.models import LedgerEntry
from apps.betting.periods import current_month_label, parse_period
from apps.tenants.models import Tenant


def warm_leaderboards_and_ledgers() -> int:
    """Each active tenant's leaderboard and its active cappers' ledgers for the current month."""
    warmed = 0
    for tenant in Tenant.objects.active().order_by("pk"):
        month = current_month_label(timezone_name=tenant.timezone)
        selectors.leaderboard(tenant=tenant, period_label=month)
        warmed += 1
        # the month's start in the tenant's zone, as the ledger reads count it
        since = parse_period(month, timezone_name=tenant.timezone).starts_at
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
