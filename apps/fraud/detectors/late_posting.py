"""Late posting: bets placed after their game started that win far more often than their odds allow.

Posting after kick-off is not fraud by itself: live betting is honest, and an honest live bettor wins
about as often as the (live) price implies. What betrays a capper is the combination: bets posted after
the start, at prices that no longer reflect what is known, winning far above what those prices imply
and far above the capper's own record on the bets posted before kick-off. So each capper's late bets
are tested against their implied probabilities (an exact Poisson-binomial tail), with a Bonferroni
threshold over every capper tested (many honest live bettors are tested; a few get lucky), and the
excess win rate must also be large in absolute terms.
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


def detect(bets: QuerySet[Bet], *, family_size: int | None = None, data: ScanData | None = None) -> list[Finding]:
    """Cappers whose bets posted after kick-off win improbably often, beyond their own pre-game record.

    The threshold is corrected for the cappers tested here, or for `family_size` when a check of one
    capper must be as strict as a scan of all of them.
    """
    return findings_from((data or ScanData(bets)).settled, family_size=family_size)


def findings_from(data: SettledBets, *, family_size: int | None = None) -> list[Finding]:
    minimum, excess_floor, alpha = (
        threshold("late_posting_min_bets"),
        threshold("late_posting_min_excess"),
        threshold("family_alpha"),
    )
    late = data.is_late
    candidates = [int(c) for c in np.unique(data.capper_ids[late]) if (data.capper_ids[late] == c).sum() >= minimum]
    tested = max(len(candidates), family_size or 0)
    findings = []
    for capper_id in candidates:
        own = data.capper_ids == capper_id
        mask = own & late
        record = data.record(mask)
        early = own & ~late
        early_count = int(early.sum())
        early_rate = float(data.won[early].mean()) if early_count else None
        above_own = early_rate is None or record.wins / record.count - early_rate >= excess_floor
        if record.p_value >= alpha / tested or record.excess < excess_floor or not above_own:
            continue
        late_ids = data.bet_ids[mask]
        order = np.argsort(-data.minutes_late[mask])
        findings.append(
            Finding(
                kind=FraudKind.LATE_POSTING,
                capper_ids=(capper_id,),
                score=score_from_p_value(record.p_value, alpha / tested),
                explanation=(
                    f"Won {record.wins} of {record.count} bets posted after kick-off where the odds imply "
                    f"{record.expected:.1f} (p = {record.p_value:.1e})."
                ),
                evidence={
                    **record.evidence(prefix="late_"),
                    "pre_game_bets": early_count,
                    "pre_game_win_rate": None if early_rate is None else round(early_rate, 4),
                    "p_value": record.p_value,
                    "threshold": alpha / tested,
                    "cappers_tested": tested,
                    "median_minutes_after_start": round(float(np.median(data.minutes_late[mask])), 1),
                    "bet_ids": [int(bet_id) for bet_id in late_ids[order][:EVIDENCE_LIMIT]],
                },
            )
        )
    return findings
