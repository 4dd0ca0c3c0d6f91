"""Settlement abuse: hand settlements that the scores contradict, settlements before the game ended,
and settlements by someone other than the capper.

Only what favours the capper counts as an incident: a leg settled as a win (or a push) that the
final score grades worse, or a leg settled as a win before its game had a final score. One incident
is an honest mistake as often as not; the threshold is a repeated pattern. Settlements by another
Discord user (not staff, who repair with a reason) are reported beside the incidents and raise the
score, but are not incidents on their own: moderators settle for cappers in many guilds.
"""

from collections import defaultdict

from django.db.models import QuerySet

from apps.betting.choices import LegResult, Market, SettlementSource
from apps.betting.models import Bet
from apps.betting.selectors import hand_graded_legs
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import EVIDENCE_LIMIT, Finding, iso, threshold

RANK = {LegResult.LOST: 0, LegResult.PUSH: 1, LegResult.VOID: 1, LegResult.WON: 2}


def detect(bets: QuerySet[Bet]) -> list[Finding]:
    """Cappers with repeated hand settlements in their favour that the scores or the clock contradict."""
    by_capper: dict[int, list[dict]] = defaultdict(list)
    for leg in hand_graded_legs(bets=bets):
        by_capper[leg["bet__capper_id"]].append(leg)
    findings = []
    for capper_id, legs in sorted(by_capper.items()):
        finding = _capper_finding(capper_id, legs)
        if finding is not None:
            findings.append(finding)
    return findings


def _is_third_party(leg: dict) -> bool:
    settled_by = leg["bet__settled_by"]
    return (
        leg["bet__settlement_source"] == SettlementSource.API
        and bool(settled_by)
        and settled_by not in (leg["bet__capper__member__discord_user_id"], leg["bet__capper__member__username"])
    )


def _describe(leg: dict, issue: str) -> dict:
    return {
        "issue": issue,
        "bet_id": leg["bet_id"],
        "leg_id": leg["id"],
        "game": leg["game__external_id"],
        "market": leg["market"],
        "selection": leg["selection"],
        "line": None if leg["line"] is None else str(leg["line"]),
        "settled_as": leg["result"],
        "score_says": leg["score_result"],
        "final_score": None
        if leg["game__home_score"] is None
        else f"{leg['game__home_score']}-{leg['game__away_score']}",
        "graded_at": iso(leg["graded_at"]),
        "game_started_at": iso(leg["game__starts_at"]),
        "game_final_at": iso(leg["game__finalized_at"]),
        "settled_by": leg["bet__settled_by"],
    }


def _capper_finding(capper_id: int, legs: list[dict]) -> Finding | None:
    contradicted, early, against_self = [], [], 0
    for leg in legs:
        expected = leg["score_result"]
        if expected is not None and leg["result"] != LegResult.VOID and leg["result"] != expected:
            if RANK[leg["result"]] > RANK[expected]:
                contradicted.append(leg)
            else:
                against_self += 1
        ended_at = leg["game__finalized_at"]
        settled_early = ended_at is None or (leg["graded_at"] is not None and leg["graded_at"] < ended_at)
        if leg["result"] == LegResult.WON and leg["market"] != Market.PROP and settled_early:
            early.append(leg)
    incidents = len(contradicted) + len(early)
    if incidents < threshold("settlement_min_incidents"):
        return None
    third_party = [leg for leg in legs if _is_third_party(leg)]
    third_party_share = len(third_party) / len(legs)
    score = round(min(1.0, 0.4 + 0.1 * incidents + 0.2 * third_party_share), 4)
    parts = []
    if contradicted:
        parts.append(f"{len(contradicted)} hand settlements the final score contradicts")
    if early:
        parts.append(f"{len(early)} wins settled before the game ended")
    if third_party:
        parts.append(f"{len(third_party)} of {len(legs)} settled by another user")
    details = [_describe(leg, "contradicts_final_score") for leg in contradicted]
    details += [_describe(leg, "settled_before_game_ended") for leg in early]
    return Finding(
        kind=FraudKind.SETTLEMENT_ABUSE,
        capper_ids=(capper_id,),
        score=score,
        explanation="; ".join(parts).capitalize() + ".",
        evidence={
            "hand_graded_legs": len(legs),
            "contradicted_in_favour": len(contradicted),
            "contradicted_against_capper": against_self,
            "settled_before_game_ended": len(early),
            "settled_by_another_user": len(third_party),
            "settled_by": sorted({leg["bet__settled_by"] for leg in third_party}),
            "legs": details[:EVIDENCE_LIMIT],
        },
    )
