"""Copy rings: cappers who post the same selection on the same game within seconds, repeatedly.

Friends who both like the same favourite post it hours apart and only now and then; a copy ring posts
within seconds (one account mirrors another, or one person runs several) on most of its common games.
See pairs.py for the graph and the thresholds' reasoning.
"""

from django.db.models import QuerySet

from apps.betting.models import Bet
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import Finding, ScanData, threshold
from apps.fraud.detectors.pairs import find_rings, same_side


def detect(bets: QuerySet[Bet], *, data: ScanData | None = None) -> list[Finding]:
    """Groups of cappers posting the same picks on the same games within seconds, repeatedly."""
    findings = []
    for ring in find_rings(
        (data or ScanData(bets)).legs,
        window=threshold("copy_window_seconds"),
        relation=same_side,
        min_games=threshold("ring_min_games"),
        min_ratio=threshold("ring_min_ratio"),
    ):
        tenants = "across tenants" if len(ring.tenant_ids) > 1 else "in one tenant"
        findings.append(
            Finding(
                kind=FraudKind.COPY_RING,
                capper_ids=ring.capper_ids,
                score=round(min(1.0, 0.5 + 0.02 * ring.meetings), 4),
                explanation=(
                    f"{len(ring.capper_ids)} cappers {tenants} posted the same pick on the same game within "
                    f"{threshold('copy_window_seconds')} s, {ring.meetings} times."
                ),
                evidence={
                    "window_seconds": threshold("copy_window_seconds"),
                    "tenant_ids": list(ring.tenant_ids),
                    "pairs": ring.edges,
                    "games": ring.games,
                    "meetings": ring.meetings,
                },
            )
        )
    return findings
