"""Helpers of the fraud tests: the clock the planted worlds are drawn against, and seeded win/loss records."""

import random

from django.utils import timezone

NOW = timezone.now().replace(microsecond=0)


def outcomes(wins: int, count: int, seed: int = 0) -> list[bool]:
    """`wins` wins among `count` results, in an order shuffled by `seed` (the same on every run)."""
    results = [True] * wins + [False] * (count - wins)
    random.Random(seed).shuffle(results)
    return results
