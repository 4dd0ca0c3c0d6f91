"""Rollups: the betting components (sources/components.py) summed per tenant × capper × league × market ×
bet type × local day (and × hour for the last ANALYTICS_HOURLY_DAYS days), so that a month of a tenant's
daily figures reads a few thousand rollup rows instead of its bets and ledger entries; and three summaries
of the daily rows (summed again without some of their key): per tenant × local day, so that a platform-wide
month by tenant reads a few hundred; per tenant × capper × day (KPIs, active cappers, splits by capper) and
per tenant × league × market × bet type × day (splits by league or market), so that a dashboard's
platform-wide month reads thousands of rows, not ~90,000 daily ones.

A row stores exactly the additive parts of `Components` (the ratios are derived after summing); the sport
is the league's, read through the league, so a rollup row never disagrees with its league. They are
derived data: services/rollups.py recomputes a tenant-day's rows from the raw rows whenever one of its
bets changes (the dirty queue below), and `analytics_rebuild` recomputes everything.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from apps.betting.models import Bet, Capper, League
from apps.tenants.models import Tenant


# Derived rows, checked against their source by `analytics_verify`, so no database foreign keys: their
# trigger checks were a sixth of a rebuild's time. No index of their own either: the key's unique index
# leads with the tenant, and a capper or a league is never deleted while it has bets (PROTECT).
def _derived_key(model, **options) -> models.ForeignKey:
    return models.ForeignKey(
        model, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+", **options
    )


class RollupSums(models.Model):
    """The additive parts of one rollup row (apps/analytics/sources/components.py)."""

    tenant = _derived_key(Tenant)
    bets = models.PositiveIntegerField()
    stake = models.DecimalField(max_digits=16, decimal_places=2)
    odds_sum = models.DecimalField(max_digits=24, decimal_places=6)
    parlays = models.PositiveIntegerField()
    pending = models.PositiveIntegerField()
    lag_sum = models.DurationField(null=True, blank=True, help_text="Σ grading lag of auto-graded bets (empty: 0)")
    lag_count = models.PositiveIntegerField()
    won = models.IntegerField()
    lost = models.IntegerField()
    push = models.IntegerField()
    void = models.IntegerField()
    staked = models.DecimalField(max_digits=16, decimal_places=2)
    net = models.DecimalField(max_digits=20, decimal_places=4)

    class Meta:
        abstract = True


class RollupParts(RollupSums):
    """A rollup row's key bar the time, and its parts."""

    capper = _derived_key(Capper)
    league = _derived_key(League, null=True, blank=True)
    market = models.CharField(max_length=16, help_text="The first leg's market; parlay for a parlay.")
    bet_type = models.CharField(max_length=8, help_text="single or parlay")

    class Meta:
        abstract = True


def _no_league_is_a_key():
    # a bet on no listed game has no league: NULL, which must still be one key (not distinct per row)
    return Coalesce("league", models.Value(0), output_field=models.BigIntegerField())


def _key(*time_fields: str) -> list:
    return [models.F("tenant"), *(models.F(name) for name in time_fields), models.F("capper"), _no_league_is_a_key()]


class DailyRollup(RollupParts):
    """One tenant-local day of one key. "A tenant's month by league" is a range scan of `rollup_day_key`."""

    day = models.DateField(help_text="The day the bets were placed, in the tenant's time zone.")

    class Meta:
        constraints = [
            models.UniqueConstraint(*_key("day"), models.F("market"), models.F("bet_type"), name="rollup_day_key"),
        ]
        indexes = [
            # platform-wide ranges (every tenant's days): a range of days across tenants
            models.Index(fields=["day"], name="rollup_day"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.day}/{self.capper_id}/{self.league_id}/{self.market}/{self.bet_type}"


class HourlyRollup(RollupParts):
    """One tenant-local hour of one key, kept for the last ANALYTICS_HOURLY_DAYS days.

    `hour` is the instant the local hour starts, so a tenant's query reads it in the tenant's zone and a
    platform-wide query in UTC (where both agree: zones whose offset is whole hours).
    """

    hour = models.DateTimeField(help_text="The instant the tenant-local hour starts.")

    class Meta:
        constraints = [
            models.UniqueConstraint(*_key("hour"), models.F("market"), models.F("bet_type"), name="rollup_hour_key"),
        ]
        indexes = [models.Index(fields=["hour"], name="rollup_hour")]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.hour:%Y-%m-%dT%H:%M}/{self.capper_id}/{self.league_id}/{self.market}"


class TenantDayRollup(RollupSums):
    """One tenant-local day of a tenant, all keys together: the daily rows of the day summed. It answers
    queries split by nothing but the tenant (a platform-wide month by tenant, a tenant's totals)."""

    day = models.DateField(help_text="The day the bets were placed, in the tenant's time zone.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="rollup_tenant_day_key")]
        indexes = [models.Index(fields=["day"], name="rollup_tenant_day")]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.day}"


class CapperDayRollup(RollupSums):
    """One tenant-local day of one capper, every league, market and bet type together (the capper's daily
    rows of the day summed). It answers queries split and filtered by nothing but the tenant and the capper,
    active cappers included: a platform-wide month of KPIs reads ~12,000 of these, not ~90,000 daily rows
    (a dashboard's KPIs, bench-analytics (d))."""

    capper = _derived_key(Capper)
    day = models.DateField(help_text="The day the bets were placed, in the tenant's time zone.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "day", "capper"], name="rollup_capper_day_key")]
        indexes = [models.Index(fields=["day"], name="rollup_capper_day")]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.day}/{self.capper_id}"


class MarketDayRollup(RollupSums):
    """One tenant-local day of one league × market × bet type, every capper together (the daily rows of the
    day summed over cappers). It answers queries split by sport, league, market or bet type (and tenant)
    without active cappers: ~17 times fewer rows than the daily ones ("top leagues", "handle by market")."""

    league = _derived_key(League, null=True, blank=True)
    market = models.CharField(max_length=16, help_text="The first leg's market; parlay for a parlay.")
    bet_type = models.CharField(max_length=8, help_text="single or parlay")
    day = models.DateField(help_text="The day the bets were placed, in the tenant's time zone.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                *_key("day")[:2], _no_league_is_a_key(), models.F("market"), models.F("bet_type"),
                name="rollup_market_day_key",
            )
        ]  # fmt: skip
        indexes = [models.Index(fields=["day"], name="rollup_market_day")]

    def __str__(self) -> str:
        return f"{self.tenant_id}/{self.day}/{self.league_id}/{self.market}/{self.bet_type}"


class RollupState(models.Model):
    """Whether a tenant's rollups can answer its queries.

    Fresh: built (`built_at`) in the tenant's current time zone, not `is_stale` (a refresh failed; its
    error in `stale_reason`), and no change waiting in the dirty queue longer than
    ANALYTICS_STALE_AFTER_SECONDS. Otherwise queries fall back to the raw rows and say `stale`.
    """

    tenant = models.OneToOneField(Tenant, primary_key=True, on_delete=models.CASCADE, related_name="rollup_state")
    built_at = models.DateTimeField(null=True, blank=True, help_text="The last full rebuild; empty: never built.")
    timezone_name = models.CharField(max_length=64, help_text="The time zone the local days were cut in.")
    refreshed_at = models.DateTimeField(null=True, blank=True, help_text="The last incremental refresh.")
    is_stale = models.BooleanField(default=False)
    stale_reason = models.CharField(max_length=500, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(is_stale=False) | ~Q(stale_reason=""), name="rollup_stale_has_reason"),
        ]

    def __str__(self) -> str:
        return f"rollups of tenant {self.tenant_id} ({'stale' if self.is_stale else 'ok'})"


class RollupDirtyBet(models.Model):
    """A bet whose rollup rows must be recomputed: written in the transaction of the bet's change,
    taken (and deleted) by the next refresh.

    No foreign-key constraints: a queue row costs one insert and lives seconds; bets are never deleted.
    """

    bet = models.ForeignKey(Bet, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    tenant = models.ForeignKey(
        Tenant, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    marked_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "marked_at"], name="rollup_dirty_tenant"),
            models.Index(fields=["marked_at"], name="rollup_dirty_marked"),
        ]

    def __str__(self) -> str:
        return f"bet {self.bet_id} (tenant {self.tenant_id}) dirty since {self.marked_at:%H:%M:%S}"
