"""Synthetic but realistic single legs for the tests and `make bench-ml` (numpy only, seeded).

What it models, and so what a model could possibly learn from it:
* prices: spreads and totals near -110, moneylines from heavy favourites to long shots, props in between,
  all with a bookmaker's margin of about 4.5%;
* outcomes drawn from the margin-free probability with a favourite-longshot bias (long shots win a little
  less often than their fair price says, favourites a little more: the best-documented bias of betting
  markets) plus each capper's own edge: most cappers have none, about one in ten has a small real one;
* lines, leagues and time before the start carry no signal of their own (a model that "finds" one there
  is overfitting);
* cappers post at very different rates (a few busy ones, a long tail), results are known three hours
  after the start.
"""

from dataclasses import dataclass

import numpy as np

LEAGUES = {"nba": ("basketball", 0.35), "nfl": ("football", 0.25), "mlb": ("baseball", 0.2), "nhl": ("hockey", 0.2)}
MARKETS = ("moneyline", "spread", "total", "prop")
MARKET_WEIGHTS = (0.4, 0.35, 0.2, 0.05)
MARGIN = 0.045
LONGSHOT_BIAS = 0.06
SKILLED_SHARE = 0.1
GAME_LENGTH_SECONDS = 3 * 3600


@dataclass
class SimulatedLegs:
    capper: np.ndarray  # capper index 0..cappers-1
    league: np.ndarray  # league keys
    market: np.ndarray
    selection: np.ndarray
    line: np.ndarray  # NaN for moneylines and props
    odds: np.ndarray  # American
    placed: np.ndarray  # epoch seconds
    starts: np.ndarray  # epoch seconds
    graded: np.ndarray  # epoch seconds
    won: np.ndarray  # 0/1
    capper_edge: np.ndarray  # per capper, the true edge in win probability

    def __len__(self) -> int:
        return len(self.odds)


def probability_to_american(probability: np.ndarray) -> np.ndarray:
    """American odds whose break-even probability is `probability`, rounded to whole numbers (|odds| >= 100)."""
    probability = np.clip(probability, 0.02, 0.95)
    favourite = probability >= 0.5
    american = np.where(favourite, -100 * probability / (1 - probability), 100 * (1 - probability) / probability)
    american = np.round(american).astype(np.int64)
    return np.where(favourite, np.minimum(american, -100), np.maximum(american, 100))


def simulate(*, legs: int, cappers: int, start: float, days: float = 180, seed: int = 0) -> SimulatedLegs:
    rng = np.random.default_rng(seed)
    activity = rng.pareto(1.2, cappers) + 0.2
    capper = rng.choice(cappers, size=legs, p=activity / activity.sum())
    capper_edge = np.where(rng.random(cappers) < SKILLED_SHARE, rng.uniform(0.02, 0.05, cappers), 0.0)
    keys = np.array(list(LEAGUES))
    league = rng.choice(keys, size=legs, p=[LEAGUES[key][1] for key in keys])
    market = rng.choice(np.array(MARKETS), size=legs, p=MARKET_WEIGHTS)
    fair = np.where(
        market == "moneyline",
        np.clip(rng.beta(2.2, 2.2, legs), 0.08, 0.92),
        np.where(market == "prop", rng.uniform(0.2, 0.6, legs), rng.normal(0.5, 0.02, legs)),
    )
    odds = probability_to_american(fair * (1 + MARGIN))
    fair = 1 / np.where(odds > 0, 1 + odds / 100, 1 + 100 / -odds) / (1 + MARGIN)  # what the rounded price says
    truth = np.clip(fair + LONGSHOT_BIAS * (fair - 0.5) + capper_edge[capper], 0.01, 0.99)
    won = (rng.random(legs) < truth).astype(np.int64)
    starts = start + np.sort(rng.uniform(0, days * 86400, legs))
    placed = starts - rng.exponential(6 * 3600, legs) - 300
    selection = np.where(
        market == "total", rng.choice(np.array(["over", "under"]), legs), rng.choice(np.array(["home", "away"]), legs)
    )
    selection = np.where(market == "prop", "player points over", selection)
    line = np.where(
        market == "spread",
        rng.choice(np.arange(-14, 14.5, 0.5), legs),
        np.where(market == "total", np.round(rng.uniform(5, 230, legs) * 2) / 2, np.nan),
    )
    line = np.where((market == "spread") & (line == 0), 0.5, line)
    order = np.argsort(placed, kind="stable")
    return SimulatedLegs(
        capper=capper[order], league=league[order], market=market[order], selection=selection[order],
        line=line[order], odds=odds[order], placed=placed[order].astype(np.int64),
        starts=starts[order].astype(np.int64), graded=(starts[order] + GAME_LENGTH_SECONDS).astype(np.int64),
        won=won[order], capper_edge=capper_edge,
    )  # fmt: skip
