"""Outliers: an IsolationForest over per-capper features, the catch-all for what no rule names.

Features describe how a capper bets, never how much (a prolific capper is not odd for being prolific)
nor when relative to kick-off (live betting is honest; late posting has its own detector): price level,
stake relative to the tenant's usual stake, stake variability, parlay share and size, win rate above
the price, return on stake. A capper is reported when the forest isolates them (negative decision
function) *and* at least one feature sits many robust deviations (median/MAD) from everyone else —
the forest says "odd", the robust z-scores say in what, and they are the evidence. Cappers another
detector already explains are left to that detector's case.
"""

import math
from collections import defaultdict

import numpy as np
from django.db.models import QuerySet
from sklearn.ensemble import IsolationForest

from apps.betting.choices import BetStatus
from apps.betting.models import Bet
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import Finding, threshold

FEATURES = (
    "mean_implied_probability",
    "log_stake_vs_tenant",
    "stake_cv",
    "parlay_share",
    "mean_legs",
    "win_rate_above_price",
    "roi",
)


def capper_features(bets: QuerySet[Bet]) -> tuple[list[int], np.ndarray]:
    """(capper ids, one row of FEATURES per capper with enough settled bets)."""
    rows = list(
        bets.filter(status__in=[BetStatus.WON, BetStatus.LOST])
        .order_by()
        .values_list("capper_id", "tenant_id", "stake_units", "decimal_odds", "leg_count", "status", "net_units")
    )
    by_capper: dict[int, list[tuple]] = defaultdict(list)
    stakes_of_tenant: dict[int, list[float]] = defaultdict(list)
    for capper_id, tenant_id, stake, odds, legs, status, net in rows:
        by_capper[capper_id].append((tenant_id, float(stake), float(odds), legs, status == BetStatus.WON, float(net)))
        stakes_of_tenant[tenant_id].append(float(stake))
    tenant_median = {tenant: float(np.median(stakes)) for tenant, stakes in stakes_of_tenant.items()}
    capper_ids, table = [], []
    for capper_id, bets_of in sorted(by_capper.items()):
        if len(bets_of) < threshold("outlier_min_bets"):
            continue
        tenant_id = bets_of[0][0]
        stakes = np.array([bet[1] for bet in bets_of])
        probabilities = 1.0 / np.array([bet[2] for bet in bets_of])
        legs = np.array([bet[3] for bet in bets_of])
        won = np.array([bet[4] for bet in bets_of])
        capper_ids.append(capper_id)
        table.append(
            [
                probabilities.mean(),
                math.log(np.median(stakes) / tenant_median[tenant_id]),
                stakes.std() / stakes.mean(),
                float((legs > 1).mean()),
                legs.mean(),
                won.mean() - probabilities.mean(),
                sum(bet[5] for bet in bets_of) / stakes.sum(),
            ]
        )
    return capper_ids, np.array(table)


def robust_z(table: np.ndarray) -> np.ndarray:
    """(value − median) / a robust scale per feature (MAD, else IQR, else half the standard deviation)."""
    median = np.median(table, axis=0)
    mad = 1.4826 * np.median(np.abs(table - median), axis=0)
    iqr = (np.percentile(table, 75, axis=0) - np.percentile(table, 25, axis=0)) / 1.349
    scale = np.maximum.reduce([mad, iqr, 0.5 * table.std(axis=0), np.full(table.shape[1], 1e-6)])
    return (table - median) / scale


def detect(bets: QuerySet[Bet], *, exclude_capper_ids: frozenset[int] = frozenset()) -> list[Finding]:
    """Cappers the forest isolates with at least one feature far from everyone else's."""
    capper_ids, table = capper_features(bets)
    if len(capper_ids) < threshold("outlier_min_cappers"):
        return []
    forest = IsolationForest(n_estimators=200, random_state=0).fit(table)
    decision = forest.decision_function(table)
    deviations = robust_z(table)
    findings = []
    for index, capper_id in enumerate(capper_ids):
        strongest = np.argsort(-np.abs(deviations[index]))[:3]
        if capper_id in exclude_capper_ids or decision[index] >= 0:
            continue
        if abs(deviations[index][strongest[0]]) < threshold("outlier_min_robust_z"):
            continue
        standouts = [
            {
                "feature": FEATURES[feature],
                "value": round(float(table[index][feature]), 4),
                "median": round(float(np.median(table[:, feature])), 4),
                "robust_z": round(float(deviations[index][feature]), 2),
            }
            for feature in strongest
        ]
        described = ", ".join(f"{item['feature']} {item['value']} (median {item['median']})" for item in standouts[:2])
        findings.append(
            Finding(
                kind=FraudKind.OUTLIER,
                capper_ids=(capper_id,),
                score=round(min(1.0, 0.5 - float(decision[index])), 4),
                explanation=f"Stands out from {len(capper_ids)} cappers: {described}."[:300],
                evidence={
                    "isolation_score": round(float(decision[index]), 4),
                    "cappers_compared": len(capper_ids),
                    "features": dict(zip(FEATURES, (round(float(v), 4) for v in table[index]), strict=True)),
                    "standouts": standouts,
                },
            )
        )
    return findings
