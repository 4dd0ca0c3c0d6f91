"""Features of a leg for the win-probability model, computed in bulk with numpy (1,000,000 legs in seconds).

The capper's history is what was KNOWN when the leg was placed: only legs of the same capper graded
strictly before the placement count (a leg graded later, even if placed earlier, is invisible), so no
feature leaks a result from the future. The same holds for the league means the history is shrunk toward.
"""

import zlib
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from apps.betting.choices import LegResult, Market
from apps.ml.training import TrainingFailed

FEATURE_NAMES = [
    "implied_probability",
    "market",
    "league",
    "line",
    "hours_before_start",
    "capper_history_legs_log",
    "capper_shrunk_win_rate",
    "capper_shrunk_edge",
    "league_win_rate",
]
CATEGORICAL = [1, 2]  # market and league: codes, not magnitudes
MARKET_CODES = {market: code for code, market in enumerate(Market.values)}
LEAGUE_BUCKETS = 64  # league keys hashed (CRC-32) into this many codes; code 64 is "no listed game"
NO_LEAGUE = LEAGUE_BUCKETS
DEFAULT_SHRINKAGE_LEGS = 50.0  # a capper's win rate is worth this many legs of the league mean
LEAGUE_SHRINKAGE_LEGS = 20.0
UNKNOWN_TIME = np.int64(2**32 - 1)  # a graded leg with no graded_at is never visible to a later one
TIME_SHIFT = np.int64(2**33)


@dataclass
class LegColumns:
    """Graded legs as columns, sorted by placement (selectors.graded_leg_rows)."""

    leg_id: np.ndarray
    capper: np.ndarray  # capper ids
    placed: np.ndarray  # int64 epoch seconds
    graded: np.ndarray  # int64 epoch seconds (UNKNOWN_TIME when missing)
    odds: np.ndarray
    market: np.ndarray  # codes
    line: np.ndarray  # float, 0 when none (a moneyline or prop: the market says there is none)
    won: np.ndarray  # 0/1
    league_key: np.ndarray  # object array of league keys ("" for manual legs)
    starts: np.ndarray  # float epoch seconds, NaN when no game (hours before start is then 0)


def implied_probability(odds: np.ndarray) -> np.ndarray:
    """Break-even probability of American odds, vig included (apps/betting/odds.py, vectorised)."""
    odds = np.asarray(odds, dtype=float)
    magnitude = np.abs(odds)
    return np.where(odds > 0, 100.0, magnitude) / (magnitude + 100.0)


def league_code(key: str) -> int:
    return zlib.crc32(key.encode()) % LEAGUE_BUCKETS if key else NO_LEAGUE


def columns_from_rows(rows) -> LegColumns:
    """Columns from value tuples in GRADED_LEG_ROW_FIELDS order (id, bet, capper, tenant, placed_at,
    graded_at, odds, market, line, result, league key, game start)."""
    rows = list(rows)
    n = len(rows)
    if n == 0:
        raise TrainingFailed(_("No graded (won or lost) legs to learn from."))
    ids, _bets, cappers, _tenants, placed, graded, odds, markets, lines, results, leagues, starts = zip(
        *rows, strict=True
    )
    return LegColumns(
        leg_id=np.fromiter(ids, np.int64, n),
        capper=np.fromiter(cappers, np.int64, n),
        placed=np.fromiter((int(t.timestamp()) for t in placed), np.int64, n),
        graded=np.fromiter((int(t.timestamp()) if t else UNKNOWN_TIME for t in graded), np.int64, n),
        odds=np.fromiter(odds, np.int64, n),
        market=np.fromiter((MARKET_CODES.get(m, len(MARKET_CODES)) for m in markets), np.int64, n),
        line=np.fromiter((float(v) if v is not None else 0.0 for v in lines), float, n),
        won=np.fromiter((r == LegResult.WON for r in results), np.int64, n),
        league_key=np.array([key or "" for key in leagues], dtype=object),
        starts=np.fromiter((t.timestamp() if t else np.nan for t in starts), float, n),
    )


def counts_before(
    event_group: np.ndarray, event_time: np.ndarray, values: np.ndarray, query_group: np.ndarray, query_time: np.ndarray
) -> np.ndarray:
    """For each query, the sums of `values` (rows × k) over events of the same group with a time strictly
    before the query's: sort events by (group, time), cumulative sums, two binary searches per query."""
    event_key = event_group.astype(np.int64) * TIME_SHIFT + event_time
    order = np.argsort(event_key, kind="stable")
    keys = event_key[order]
    sums = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values[order], axis=0)])
    query_group = query_group.astype(np.int64)
    before = np.searchsorted(keys, query_group * TIME_SHIFT + query_time, side="left")
    group_start = np.searchsorted(keys, query_group * TIME_SHIFT, side="left")
    return sums[before] - sums[group_start]


def shrunk_history(
    *, legs: np.ndarray, wins: np.ndarray, expected: np.ndarray, prior_rate: np.ndarray, shrinkage: float
) -> tuple[np.ndarray, np.ndarray]:
    """(win rate shrunk toward the prior rate, edge over the prices' expectation shrunk toward 0)."""
    rate = (wins + shrinkage * prior_rate) / (legs + shrinkage)
    edge = (wins - expected) / (legs + shrinkage)
    return rate, edge


def league_rate(*, wins: np.ndarray, legs: np.ndarray, global_rate: np.ndarray) -> np.ndarray:
    return (wins + LEAGUE_SHRINKAGE_LEGS * global_rate) / (legs + LEAGUE_SHRINKAGE_LEGS)


def assemble(
    *, implied, market, league, line, hours, history_legs, shrunk_rate, shrunk_edge, league_win_rate
) -> np.ndarray:
    """The feature matrix, without NaN (JSON has none, and the registry stores feature rows as JSON): no line
    is 0 (the market tells a moneyline from a pick'em spread), no start (a manual leg) is 0 hours (its
    league code says it is a manual leg)."""
    line = np.nan_to_num(np.asarray(line, dtype=float), nan=0.0)
    hours = np.nan_to_num(np.asarray(hours, dtype=float), nan=0.0)
    return np.column_stack(
        [implied, market, league, line, hours, np.log1p(history_legs), shrunk_rate, shrunk_edge, league_win_rate]
    ).astype(float)


def training_features(columns: LegColumns, *, shrinkage: float = DEFAULT_SHRINKAGE_LEGS) -> np.ndarray:
    """The feature matrix of graded legs, each leg seeing only results graded before its placement."""
    implied = implied_probability(columns.odds)
    zeros = np.zeros(len(implied), dtype=np.int64)
    # global and league means as known at placement
    won_and_one = np.column_stack([columns.won, np.ones(len(zeros))]).astype(float)
    everything = counts_before(zeros, columns.graded, won_and_one, zeros, columns.placed)
    global_rate = (everything[:, 0] + 1.0) / (everything[:, 1] + 2.0)
    _keys, league_index = np.unique(columns.league_key.astype(str), return_inverse=True)
    league_counts = counts_before(league_index, columns.graded, won_and_one, league_index, columns.placed)
    league_win_rate = league_rate(wins=league_counts[:, 0], legs=league_counts[:, 1], global_rate=global_rate)
    # the capper's own record as known at placement
    capper_values = np.column_stack([columns.won, np.ones(len(zeros)), implied]).astype(float)
    capper_counts = counts_before(columns.capper, columns.graded, capper_values, columns.capper, columns.placed)
    rate, edge = shrunk_history(
        legs=capper_counts[:, 1],
        wins=capper_counts[:, 0],
        expected=capper_counts[:, 2],
        prior_rate=league_win_rate,
        shrinkage=shrinkage,
    )
    codes = np.array([league_code(key) for key in _keys], dtype=float)[league_index]
    return assemble(
        implied=implied,
        market=columns.market,
        league=codes,
        line=columns.line,
        hours=(columns.starts - columns.placed) / 3600.0,
        history_legs=capper_counts[:, 1],
        shrunk_rate=rate,
        shrunk_edge=edge,
        league_win_rate=league_win_rate,
    )
