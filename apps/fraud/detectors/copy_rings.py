"""Copy rings: cappers who post the same selection on the same game within seconds, repeatedly.

Friends who both like the same favourite post it hours apart and only now and then; a copy ring posts
within seconds (one account mirrors another, or one person runs several) on most of its common games.
See pairs.py for the graph and the thresholds' reasoning.
"""

from django.db.models import QuerySet

from apps.betting.models import Bet
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import Finding, ScanData, threshold
from apps.fraud.detectors.pairs import ring_findings, same_side


def detect(bets: QuerySet[Bet], *, data: ScanData | None = None) -> list[Finding]:
    """Groups of cappers posting the same picks on the same games within seconds, repeatedly."""
    return ring_findings(
        (data or ScanData(bets)).legs,
        kind=FraudKind.COPY_RING,
        window_threshold="copy_window_seconds",
        relation=same_side,
        score_per_meeting=0.02,
        explain=lambda ring, tenants: (
            f"{len(ring.capper_ids)} cappers {tenants} posted the same pick on the same game within "
            f"{threshold('copy_window_seconds')} s, {ring.meetings} times."
        ),
    )
