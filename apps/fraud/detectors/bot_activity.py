"""Bot activity: posting too regular, without daily rest, or faster than a person can post.

People post in bursts around the slate and sleep: the gaps between their bets vary about as much as
their mean (a coefficient of variation near or above 1) and most days have hours without a bet. A
scheduler posts at near-constant intervals (CV far below 1, measured on the gaps without the longest
tenth so that one pause does not hide it); a script runs all day and night; and nobody types several
bets within a few seconds again and again. Each signal stands on its own; the evidence has all three.
"""

from datetime import UTC, datetime

import numpy as np
from django.db.models import QuerySet

from apps.betting.models import Bet
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import EpochMicroseconds, Finding, seconds_from_microseconds, threshold

DAY = 86_400.0


def detect(bets: QuerySet[Bet]) -> list[Finding]:
    """Cappers whose posting times look machine-made (regular, restless or superhumanly fast)."""
    rows = list(
        bets.order_by().annotate(placed_us=EpochMicroseconds("placed_at")).values_list("capper_id", "placed_us")
    )
    if not rows:
        return []
    capper_ids, placed = (np.array(column, dtype=np.int64) for column in zip(*rows, strict=True))
    moments = seconds_from_microseconds(placed)  # placed_at.timestamp()
    order = np.lexsort((moments, capper_ids))
    cappers, starts = np.unique(capper_ids[order], return_index=True)
    findings = []
    for capper_id, own in zip(cappers.tolist(), np.split(moments[order], starts[1:]), strict=True):
        finding = _capper_finding(capper_id, own)
        if finding is not None:
            findings.append(finding)
    return findings


def trimmed_cv(intervals: np.ndarray) -> float:
    """Coefficient of variation of the gaps without the longest tenth (overnight pauses, days off)."""
    kept = np.sort(intervals)[: max(1, int(len(intervals) * 0.9))]
    mean = kept.mean()
    return float(kept.std() / mean) if mean > 0 else 0.0


def bursts(moments: np.ndarray, size: int, seconds: float) -> int:
    """Non-overlapping runs of `size` bets within `seconds`."""
    count, index = 0, 0
    while index + size - 1 < len(moments):
        if moments[index + size - 1] - moments[index] <= seconds:
            count += 1
            index += size
        else:
            index += 1
    return count


def restless_days(moments: np.ndarray) -> tuple[int, int]:
    """(busy days, busy days whose longest gap, counting from midnight to midnight UTC, is short)."""
    days = np.floor(moments / DAY)
    busy = restless = 0
    for day in np.unique(days):
        inside = moments[days == day]
        if len(inside) < threshold("bot_rest_min_day_bets"):
            continue
        busy += 1
        edges = np.concatenate(([day * DAY], inside, [(day + 1) * DAY]))
        if np.diff(edges).max() < threshold("bot_rest_max_gap_hours") * 3600:
            restless += 1
    return busy, restless


def _capper_finding(capper_id: int, moments: np.ndarray) -> Finding | None:
    if len(moments) < 3:
        return None
    intervals = np.diff(moments)
    cv = trimmed_cv(intervals) if len(intervals) >= threshold("bot_min_intervals") else None
    burst_count = bursts(moments, threshold("bot_burst_size"), threshold("bot_burst_seconds"))
    busy, restless = restless_days(moments)
    signals = []
    if cv is not None and cv < threshold("bot_max_cv"):
        signals.append(f"posting intervals with a coefficient of variation of {cv:.2f}")
    if busy >= threshold("bot_rest_min_days") and restless / busy >= threshold("bot_rest_share"):
        signals.append(f"no rest of {threshold('bot_rest_max_gap_hours')} h on {restless} of {busy} busy days")
    if burst_count >= threshold("bot_min_bursts"):
        signals.append(
            f"{burst_count} bursts of {threshold('bot_burst_size')} bets within {threshold('bot_burst_seconds')} s"
        )
    if not signals:
        return None
    return Finding(
        kind=FraudKind.BOT_ACTIVITY,
        capper_ids=(capper_id,),
        score=round(min(1.0, 0.5 + 0.2 * (len(signals) - 1) + min(0.3, len(moments) / 1000)), 4),
        explanation=(signals[0][0].upper() + "; ".join(signals)[1:] + f" over {len(moments)} bets.")[:300],
        evidence={
            "bets": len(moments),
            "first_bet_at": datetime.fromtimestamp(moments[0], UTC).isoformat(),
            "last_bet_at": datetime.fromtimestamp(moments[-1], UTC).isoformat(),
            "median_interval_seconds": round(float(np.median(intervals)), 1),
            "interval_cv": None if cv is None else round(cv, 4),
            "bursts": burst_count,
            "busy_days": busy,
            "restless_days": restless,
            "signals": signals,
        },
    )
