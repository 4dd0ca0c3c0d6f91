"""Percentiles from a fixed latency histogram, as Prometheus' histogram_quantile estimates them (the telemetry
samples of analytics and the API usage of integration both read it).

The rank falls in one bucket; the estimate interpolates linearly between that bucket's bounds (the first
bucket starts at 0). A rank in the +Inf bucket gives the highest finite bound: the histogram knows no more.
"""

from apps.core.monitoring.requests import LATENCY_BOUNDS_MS


def histogram_add(into: list[int], counts: list[int]) -> list[int]:
    """Bucket-wise sum (a shorter list is padded with zeros)."""
    size = max(len(into), len(counts))
    return [
        (into[index] if index < len(into) else 0) + (counts[index] if index < len(counts) else 0)
        for index in range(size)
    ]


def histogram_quantile(
    quantile: float, counts: list[int], bounds: tuple[float, ...] = LATENCY_BOUNDS_MS
) -> float | None:
    """The `quantile` (0–1) of the values counted in `counts` (one per bound, then +Inf); None without any."""
    total = sum(counts)
    if total <= 0:
        return None
    rank = quantile * total
    cumulative = 0
    for index, count in enumerate(counts):
        if count and cumulative + count >= rank:
            if index >= len(bounds):
                return float(bounds[-1])
            lower = float(bounds[index - 1]) if index > 0 else 0.0
            upper = float(bounds[index])
            return lower + (upper - lower) * (rank - cumulative) / count
        cumulative += count
    return float(bounds[-1])
