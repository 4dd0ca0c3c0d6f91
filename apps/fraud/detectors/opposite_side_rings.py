"""Opposite-side rings: cappers who repeatedly take opposite sides of the same game within minutes,
so that one of them always shows a win (members sell the winner's record). See pairs.py for the graph."""

from django.db.models import QuerySet

from apps.betting.models import Bet
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import Finding, ScanData, threshold
from apps.fraud.detectors.pairs import find_rings, opposite_sides


def detect(bets: QuerySet[Bet], *, data: ScanData | None = None) -> list[Finding]:
    """Groups of cappers (any tenants) on opposite sides of the same games within minutes, repeatedly."""
    findings = []
    for ring in find_rings(
        (data or ScanData(bets)).legs,
        window=threshold("opposite_window_seconds"),
        relation=opposite_sides,
        min_games=threshold("ring_min_games"),
        min_ratio=threshold("ring_min_ratio"),
    ):
        games = len({game["game"] for game in ring.games})
        tenants = "across tenants" if len(ring.tenant_ids) > 1 else "in one tenant"
        findings.append(
            Finding(
                kind=FraudKind.OPPOSITE_SIDE_RING,
                capper_ids=ring.capper_ids,
                score=round(min(1.0, 0.5 + 0.03 * ring.meetings), 4),
                explanation=(
                    f"{len(ring.capper_ids)} cappers {tenants} took opposite sides of the same game within "
                    f"minutes {ring.meetings} times (on {games}+ games)."
                ),
                evidence={
                    "window_seconds": threshold("opposite_window_seconds"),
                    "tenant_ids": list(ring.tenant_ids),
                    "pairs": ring.edges,
                    "games": ring.games,
                    "meetings": ring.meetings,
                },
            )
        )
    return findings
