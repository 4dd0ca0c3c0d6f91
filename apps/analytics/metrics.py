"""The metric layer: every metric is defined once here, and the API, dashboards, alert rules, forecasts
and BI reports all read it through `apps.analytics.query`, so a number means the same everywhere.

A metric names its `source` (which module of `apps/analytics/sources/` computes it), how it
aggregates over rows and time, and which dimensions it may be grouped or filtered by. Dimensions a
metric does not allow are refused with a 400 that lists the allowed ones (query.py).

Betting metrics count a bet in the period it was *placed* (the ledger's rule, apps/betting/models/ledger.py):
a settlement or a correction months later changes the figures of the placement day, not of today.
The time grains are read in the tenant's time zone; a platform-wide day is the sum of each tenant's
own local day.
"""

from dataclasses import dataclass, field

# dimension -> what its values are (the value in a row; `labels` in a query result names them)
DIMENSIONS: dict[str, str] = {
    "tenant": "the tenant's Discord guild id",
    "capper": "the capper's id (labels: display name)",
    "sport": "the sport's key of the bet's first leg (empty: a leg on no listed game)",
    "league": "the league's key of the bet's first leg (empty: a leg on no listed game)",
    "market": "moneyline, spread, total or prop for a single; parlay for a parlay",
    "bet_type": "single or parlay",
    "route": "the API route: its URL pattern's name, e.g. v1:tenant-bet-list (request telemetry only)",
}
TELEMETRY_ONLY_DIMENSIONS = frozenset({"route"})  # no betting metric may be split by these
BET_DIMENSIONS = frozenset(DIMENSIONS) - TELEMETRY_ONLY_DIMENSIONS
TENANT_ONLY = frozenset({"tenant"})
REQUEST_DIMENSIONS = frozenset({"tenant", "route"})
GRAINS = ("hour", "day", "week", "month")


@dataclass(frozen=True)
class Metric:
    """One metric. `format` is a d3-format string (plotly's tick and hover formats use it too)."""

    name: str
    label: str
    unit: str  # bets, units, ratio, seconds, count, cappers, odds, score, requests, milliseconds, tasks, MiB
    format: str
    # sum, ratio (of two sums), mean (of a sum over a count), distinct, snapshot (the value at the end of the
    # period), quantile (estimated from the summed histograms of the period)
    aggregation: str
    source: str  # the module in apps/analytics/sources/ that computes it
    dimensions: frozenset[str] = field(default_factory=frozenset)
    description: str = ""
    higher_is_better: bool | None = None  # how a change is coloured and how insights read it
    platform_only: bool = False  # not a tenant's figure (the tenant query refuses it)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "unit": self.unit,
            "format": self.format,
            "aggregation": self.aggregation,
            "dimensions": sorted(self.dimensions),
            "description": self.description,
            "higher_is_better": self.higher_is_better,
            "platform_only": self.platform_only,
        }


_METRICS = [
    # --- bets and the ledger (sources/bets.py; rollups when fresh) ---------------------------------
    Metric(
        "bets_placed", "Bets placed", "bets", ",.0f", "sum", "bets", BET_DIMENSIONS, "Bets placed in the period.", True
    ),
    Metric(
        "stake_units",
        "Handle (units staked)",
        "units",
        ",.2f",
        "sum",
        "bets",
        BET_DIMENSIONS,
        "Units staked on the bets placed in the period (the handle).",
        True,
    ),
    Metric(
        "units_net",
        "Net units",
        "units",
        "+,.2f",
        "sum",
        "bets",
        BET_DIMENSIONS,
        "Net units of the settled bets placed in the period (profit, −stake or 0), from the ledger.",
        True,
    ),
    Metric(
        "roi",
        "ROI",
        "ratio",
        "+.2%",
        "ratio",
        "bets",
        BET_DIMENSIONS,
        "Net units over the units staked on settled bets (the leaderboard's ROI).",
        True,
    ),
    Metric(
        "win_rate",
        "Win rate",
        "ratio",
        ".1%",
        "ratio",
        "bets",
        BET_DIMENSIONS,
        "Won over won + lost settled bets (pushes and voids left out).",
        True,
    ),
    Metric(
        "active_cappers",
        "Active cappers",
        "cappers",
        ",.0f",
        "distinct",
        "bets",
        BET_DIMENSIONS - {"capper"},
        "Cappers who placed at least one bet in the period.",
        True,
    ),
    Metric(
        "avg_decimal_odds",
        "Average decimal odds",
        "odds",
        ".3f",
        "mean",
        "bets",
        BET_DIMENSIONS,
        "Mean decimal odds of the bets placed in the period.",
        None,
    ),
    Metric(
        "pending_bets",
        "Pending bets",
        "bets",
        ",.0f",
        "sum",
        "bets",
        BET_DIMENSIONS,
        "Bets placed in the period that are not settled now.",
        False,
    ),
    Metric(
        "parlay_share",
        "Parlay share",
        "ratio",
        ".1%",
        "ratio",
        "bets",
        BET_DIMENSIONS - {"bet_type", "market"},
        "Parlays over all bets placed in the period.",
        None,
    ),
    Metric(
        "grading_lag_seconds",
        "Grading lag",
        "seconds",
        ",.0f",
        "mean",
        "bets",
        BET_DIMENSIONS,
        "Mean seconds from the last game of a bet becoming final to the bet being settled, over the "
        "bets of the period settled after a final score.",
        False,
    ),
    # --- the other apps' rows, counted by when they were opened (sources/events.py) ---------------
    Metric(
        "fraud_cases_opened",
        "Fraud cases opened",
        "count",
        ",.0f",
        "sum",
        "events",
        TENANT_ONLY,
        "Fraud cases opened in the period.",
        False,
    ),
    Metric(
        "security_alerts_opened",
        "Security alerts opened",
        "count",
        ",.0f",
        "sum",
        "events",
        TENANT_ONLY,
        "Security alerts raised in the period.",
        False,
    ),
    Metric(
        "incidents_opened",
        "Incidents opened",
        "count",
        ",.0f",
        "sum",
        "events",
        frozenset(),
        "Security incidents opened in the period (platform-wide).",
        False,
        platform_only=True,
    ),
    Metric(
        "dsr_open",
        "Data-subject requests open",
        "count",
        ",.0f",
        "snapshot",
        "events",
        TENANT_ONLY,
        "Data-subject requests open at the end of each period.",
        False,
    ),
    Metric(
        "compliance_score",
        "Compliance score",
        "score",
        ".1f",
        "snapshot",
        "events",
        frozenset(),
        "The mean of the frameworks' scores (0–100) at the end of each period, from the stored snapshots.",
        True,
        platform_only=True,
    ),
    # --- the platform's own telemetry, sampled by beat (sources/samples.py) -----------------------
    Metric(
        "api_requests",
        "API requests",
        "requests",
        ",.0f",
        "sum",
        "samples",
        REQUEST_DIMENSIONS,
        "Requests answered by the REST API in the period (every status; a refused request for a tenant "
        "that was not checked counts without a tenant).",
        None,
    ),
    Metric(
        "api_error_rate",
        "API error rate",
        "ratio",
        ".2%",
        "ratio",
        "samples",
        REQUEST_DIMENSIONS,
        "Share of API requests answered with a 5xx status in the period.",
        False,
    ),
    Metric(
        "api_latency_p95_ms",
        "API latency (p95)",
        "milliseconds",
        ",.0f",
        "quantile",
        "samples",
        REQUEST_DIMENSIONS,
        "95th percentile of the time the API took to answer in the period (whole middleware stack), "
        "estimated from a fixed latency histogram (5 ms … 10 s buckets) as Prometheus does.",
        False,
    ),
    Metric(
        "cache_hit_ratio",
        "Cache hit ratio",
        "ratio",
        ".1%",
        "ratio",
        "samples",
        frozenset(),
        "Cache hits over all cache reads in the period (all namespaces; a stale value served while it is "
        "refreshed is a read, not a hit, as on the cache statistics page).",
        True,
        platform_only=True,
    ),
    Metric(
        "queue_depth",
        "Queue depth",
        "tasks",
        ",.0f",
        "snapshot",
        "samples",
        frozenset(),
        "Tasks waiting at the end of the period: messages in the broker's queues plus outbox rows due and not "
        "yet handed to the broker.",
        False,
        platform_only=True,
    ),
    Metric(
        "worker_memory_mb",
        "Worker memory",
        "MiB",
        ",.0f",
        "snapshot",
        "samples",
        frozenset(),
        "Resident memory of all live Celery worker processes at the end of the period, from their heartbeats.",
        False,
        platform_only=True,
    ),
]

METRICS: dict[str, Metric] = {metric.name: metric for metric in _METRICS}


def metric_get(name: str) -> Metric | None:
    return METRICS.get(name)


def metrics_for(*, tenant_scoped: bool) -> list[Metric]:
    """The metrics a tenant's query may ask for (tenant_scoped) or every metric (the platform)."""
    return [metric for metric in METRICS.values() if not (tenant_scoped and metric.platform_only)]
