"""Panels: widgets that show another app's rows which are not metrics of the registry (metrics.py).

The compliance dashboard needs each framework's score and failing-requirement count day by day (the metric
`compliance_score` is their mean, with no framework dimension), and the operational dashboard the open bets
whose games are already final (`apps.betting.selectors.pending_past_game_end`, a state of now, not a figure
of a period). A panel reads those through the owning app's selectors or models and answers in the shape
of a metric query (`QueryResult`: dimension columns, the time column, value columns), so the same charts
draw it. Panels are never aggregated, filtered or grouped further: they are what they say, and only here.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from apps.analytics.query import QueryResult
from apps.betting.selectors import pending_past_game_end
from apps.compliance.models import Framework, ScoreSnapshot
from apps.tenants.models import Tenant


@dataclass(frozen=True)
class PanelColumn:
    """A value column of a panel, described like a metric (label, unit, d3 format) for the charts."""

    name: str
    label: str
    unit: str
    format: str
    additive: bool
    higher_is_better: bool | None


@dataclass(frozen=True)
class Panel:
    name: str
    label: str
    description: str
    columns: tuple[PanelColumn, ...]
    compute: Callable[[date, date, Tenant | None], QueryResult]
    platform_only: bool = False


def _framework_names() -> dict[str, str]:
    return dict(Framework.objects.values_list("pk", "name"))


def _snapshots(field: str, start: date, end: date) -> QueryResult:
    rows = (
        ScoreSnapshot.objects.filter(day__gte=start, day__lte=end)
        .order_by("framework_id", "day")
        .values_list("framework_id", "day", field)
    )
    return QueryResult(
        columns=["framework", "day", field],
        rows=[[framework_id, day.isoformat(), value] for framework_id, day, value in rows],
        labels={"framework": _framework_names()},
        source="compliance",
    )


def _scores(start: date, end: date, tenant: Tenant | None) -> QueryResult:
    return _snapshots("score", start, end)


def _failing(start: date, end: date, tenant: Tenant | None) -> QueryResult:
    return _snapshots("failing", start, end)


def _pending_past_end(start: date, end: date, tenant: Tenant | None) -> QueryResult:
    """Open bets on games that are final now, by tenant (the dates do not apply: this is the state of now)."""
    bets = pending_past_game_end()
    if tenant is not None:
        bets = bets.filter(tenant=tenant)
    counts: dict[str, int] = defaultdict(int)
    names = {}
    for row in bets.order_by().values("tenant__guild_id", "tenant__name").annotate(n=Count("id", distinct=True)):
        counts[row["tenant__guild_id"]] += row["n"]
        names[row["tenant__guild_id"]] = row["tenant__name"]
    ordered = sorted(counts, key=lambda guild_id: (-counts[guild_id], guild_id))
    return QueryResult(
        columns=["tenant", "pending_past_end"],
        rows=[[guild_id, counts[guild_id]] for guild_id in ordered],
        labels={"tenant": names},
        source="betting",
    )


PANELS: dict[str, Panel] = {
    panel.name: panel
    for panel in (
        Panel(
            "compliance_score_by_framework",
            "Compliance score by framework",
            "Each framework's daily score snapshot (0-100).",
            (PanelColumn("score", "Score", "score", ".1f", False, True),),
            _scores,
            platform_only=True,
        ),
        Panel(
            "failing_checks_by_framework",
            "Failing requirements by framework",
            "Requirements failing their automated checks in each framework's daily snapshot.",
            (PanelColumn("failing", "Failing requirements", "count", ",.0f", True, False),),
            _failing,
            platform_only=True,
        ),
        Panel(
            "pending_past_game_end",
            "Pending bets past their game's end",
            "Open bets with a leg on a game that is already final, by tenant (now, whatever the range).",
            (PanelColumn("pending_past_end", "Pending past game end", "bets", ",.0f", True, False),),
            _pending_past_end,
        ),
    )
}


def panel_get(name: str) -> Panel | None:
    return PANELS.get(name)
