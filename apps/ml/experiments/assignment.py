"""Deterministic assignment: SHA-256 of the experiment key and the unit id gives a point in [0, 1); the variant
whose cumulative weight first passes it wins. The same unit always gets the same variant, in any process."""

import hashlib
from collections.abc import Sequence

_SCALE = float(2**64)


def bucket(experiment_key: str, unit_id: str) -> float:
    """The unit's point in [0, 1) for this experiment (the first 8 bytes of SHA-256, big-endian)."""
    digest = hashlib.sha256(f"{experiment_key}:{unit_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def variant_for(experiment_key: str, unit_id: str, variants: Sequence[dict]) -> str:
    """The variant's name for `unit_id`; weights need not sum to one (they are normalised)."""
    total = sum(float(variant["weight"]) for variant in variants)
    point = bucket(experiment_key, unit_id) * total
    cumulative = 0.0
    for variant in variants:
        cumulative += float(variant["weight"])
        if point < cumulative:
            return variant["name"]
    return variants[-1]["name"]  # rounding at the very top of the range
