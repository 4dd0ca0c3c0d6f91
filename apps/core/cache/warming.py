"""Cache warming: apps register functions that fill their hot keys; a beat job and a command run them.

Each warmer returns how many keys it touched. Warmers call the same cached selectors the API uses, so
warming is nothing but reading through the cache at a quiet moment.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

_warmers: dict[str, Callable[[], int]] = {}


def register_warmer(name: str, warmer: Callable[[], int]) -> None:
    _warmers[name] = warmer


def cache_warm() -> dict[str, int]:
    """Run every registered warmer; one failing warmer does not stop the others."""
    warmed = {}
    for name, warmer in sorted(_warmers.items()):
        try:
            warmed[name] = warmer()
        except Exception:  # noqa: BLE001 - a warmer is an optimisation; log and go on
            logger.exception("cache warmer %s failed", name)
            warmed[name] = -1
    return warmed
