"""Improbable records: a win rate beyond what the prices of the bets allow.

Each settled bet wins with at most the probability its price implies (the bookmaker's margin makes
that an overestimate for an honest capper), so a capper's wins are bounded by a Poisson-binomial
distribution over those probabilities; the test is its upper tail (exact up to a few hundred bets,
normal beyond). Many cappers are tested at once, so the threshold is Bonferroni-corrected over all of
them: among hundreds of honest cappers some are lucky, and a lucky streak of twenty bets is not
evidence. Real sharp bettors beat the price by a few points, and over thousands of bets even that is
"significant", so the excess must also be large in absolute terms.

Only bets posted before kick-off and graded from the final score count: a record inflated by late
posting or by hand settlements is explained by those detectors, which each open their own case.
"""

import numpy as np
from django.db.models import QuerySet

from apps.betting.models import Bet
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import (
    EVIDENCE_LIMIT,
    Finding,
    ScanData,
    SettledBets,
    score_from_p_value,
    threshold,
)


def detect(bets: QuerySet[Bet], *, data: ScanData | None = None) -> list[Finding]:
    """Cappers whose pre-game, score-graded record is beyond what the odds allow (multiple-testing aware)."""
    return findings_from((data or ScanData(bets)).settled)


def findings_from(data: SettledBets) -> list[Finding]:
    minimum, excess_floor, alpha = (
        threshold("improbable_min_bets"),
        threshold("improbable_min_excess"),
        threshold("family_alpha"),
    )
    eligible = ~data.is_late & data.is_auto
    cappers, counts = np.unique(data.capper_ids[eligible], return_counts=True)
    tested = [int(capper) for capper, count in zip(cappers, counts, strict=True) if count >= minimum]
    findings = []
    for capper_id in tested:
        mask = eligible & (data.capper_ids == capper_id)
        record = data.record(mask)
        if record.excess < excess_floor:
            continue
        p_value = record.p_value
        cutoff = alpha / len(tested)
        if p_value >= cutoff:
            continue
        findings.append(
            Finding(
                kind=FraudKind.IMPROBABLE_RECORD,
                capper_ids=(capper_id,),
                score=score_from_p_value(p_value, cutoff),
                explanation=(
                    f"Won {record.wins} of {record.count} pre-game bets where the odds allow {record.expected:.1f} "
                    f"(p = {p_value:.1e}, {len(tested)} cappers tested)."
                ),
                evidence={
                    **record.evidence(),
                    "p_value": p_value,
                    "threshold": cutoff,
                    "cappers_tested": len(tested),
                    "test": "exact Poisson-binomial" if record.count <= 400 else "normal approximation",
                    "bet_ids": [int(bet_id) for bet_id in data.bet_ids[mask][:EVIDENCE_LIMIT]],
                },
            )
        )
    return findings
