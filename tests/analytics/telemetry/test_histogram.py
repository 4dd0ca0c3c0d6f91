"""Percentiles from the fixed latency histogram (bounds 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
10000 ms, then +Inf), estimated as Prometheus' histogram_quantile does."""

import pytest

from apps.analytics.telemetry.histogram import histogram_add, histogram_quantile
from apps.core.monitoring.requests import latency_bucket


def _counts(**by_index: int) -> list[int]:
    counts = [0] * 12
    for index, count in by_index.items():
        counts[int(index[1:])] = count
    return counts


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([0] * 12, None),  # nothing counted: no percentile
        (_counts(b0=20), 4.75),  # the first bucket starts at 0: 0 + 5 × 19 / 20
        (_counts(b0=19, b11=1), 5.0),  # rank 19 is the last request of the first bucket
        (_counts(b0=10, b11=10), 10000.0),  # in +Inf: the highest finite bound, nothing more is known
        (_counts(b4=1, b5=1), 235.0),  # rank 1.9 → 100 + 150 × 0.9 / 1
    ],
)
def test_the_95th_percentile_interpolates_inside_its_bucket(counts, expected):
    assert histogram_quantile(0.95, counts) == expected


@pytest.mark.parametrize(
    ("milliseconds", "bucket"), [(0.2, 0), (5, 0), (5.01, 1), (999.9, 7), (1000, 7), (10_000, 10), (10_001, 11)]
)
def test_a_latency_falls_in_the_first_bucket_whose_bound_it_does_not_exceed(milliseconds, bucket):
    assert latency_bucket(milliseconds) == bucket


def test_histograms_add_bucket_by_bucket():
    assert histogram_add([1, 2], [3, 4, 5]) == [4, 6, 5]
