"""Opposite-side rings: cappers who repeatedly take opposite sides of the same game within minutes,
so that one of them always shows a win (members sell the winner's record). See pairs.py for the graph."""

from django.db.models import QuerySet

from apps.betting.models import Bet
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import Finding, ScanData
from apps.fraud.detectors.pairs import opposite_sides, ring_findings


def detect(bets: QuerySet[Bet], *, data: ScanData | None = None) -> list[Finding]:
    """Groups of cappers (any tenants) on opposite sides of the same games within minutes, repeatedly."""
    return ring_findings(
        (data or ScanData(bets)).legs,
        kind=FraudKind.OPPOSITE_SIDE_RING,
        window_threshold="opposite_window_seconds",
        relation=opposite_sides,
        score_per_meeting=0.03,
        explain=lambda ring, tenants: (
            f"{len(ring.capper_ids)} cappers {tenants} took opposite sides of the same game within "
            f"minutes {ring.meetings} times (on {len({game['game'] for game in ring.games})}+ games)."
        ),
    )
