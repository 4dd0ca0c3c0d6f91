"""Synthetic daily series for the insight tests: a trend, a weekly season and seeded noise."""

import math
import random


def seasonal_series(*, days: int = 56, seed: int = 7, noise: float = 3.0) -> list[float]:
    """100 + 0.5/day + a weekly wave of ±20 + normal noise (σ = `noise`), the same for the same seed."""
    rng = random.Random(seed)
    return [100 + 0.5 * day + 20 * math.sin(2 * math.pi * day / 7) + rng.gauss(0, noise) for day in range(days)]
