"""The anomaly detection on synthetic series: an injected spike is found with an expected range that holds
the normal days, a clean series gives nothing, and a series too short or too empty is not judged (and says
why)."""

import pytest

from apps.analytics.insights.detection import (
    DEFAULT_THRESHOLD,
    confidence_of,
    detect,
    minimum_points,
    scale_degrees_of_freedom,
    two_sided_tail,
)
from tests.analytics.series import seasonal_series


@pytest.mark.parametrize("position", [20, 50, 55])  # in the middle, near the end, the newest day
def test_an_injected_spike_is_found_with_an_expected_range_that_holds_the_normal_days(position):
    values = seasonal_series()
    clean = list(values)
    values[position] += 40  # about 13 noise sigmas

    detection = detect(values, period=7)

    assert [anomaly.index for anomaly in detection.anomalies] == [position]
    spike = detection.anomalies[0]
    assert spike.observed == pytest.approx(values[position])
    assert spike.direction == "above" and spike.z > DEFAULT_THRESHOLD and spike.confidence > 0.999
    assert spike.low <= clean[position] <= spike.high < spike.observed  # the day without the spike was expected
    assert spike.low < spike.expected < spike.high
    inside = [detection.low[day] <= values[day] <= detection.high[day] for day in range(len(values)) if day != position]
    assert all(inside)  # every normal day lies in its expected range


def test_a_dip_is_found_below_its_range():
    values = seasonal_series(seed=11)
    values[53] -= 35

    (dip,) = detect(values, period=7, examine_last=7).anomalies

    assert (dip.index, dip.direction) == (53, "below")
    assert dip.observed < dip.low and dip.z < -DEFAULT_THRESHOLD


def test_a_clean_seasonal_series_gives_no_insight():
    detection = detect(seasonal_series(), period=7)

    assert detection.judged and detection.examined == 56
    assert detection.anomalies == []


def test_clean_series_rarely_give_a_false_insight_and_never_a_confident_large_one():
    """Noise alone passes |z| > 3.5 now and then: over 200 clean series, a daily scan of the last 7 days
    flags something in about 0.6 % of scans (the confidence, ≈ 0.99, says as much); never far out."""
    scans = [detect(seasonal_series(seed=seed), period=7, examine_last=7) for seed in range(200)]
    false = [anomaly for scan in scans for anomaly in scan.anomalies]

    assert sum(1 for scan in scans if scan.anomalies) <= 4
    assert all(abs(anomaly.z) < 4.5 and anomaly.confidence < 0.999 for anomaly in false)


def test_two_spikes_do_not_hide_each_other():
    values = seasonal_series(seed=3)
    values[30] += 60
    values[52] += 30

    assert sorted(anomaly.index for anomaly in detect(values, period=7).anomalies) == [30, 52]


def test_a_flat_series_with_one_jump_flags_only_the_jump():
    values = [4.0] * 55 + [9.0]

    detection = detect(values, period=7)

    assert [(anomaly.index, anomaly.direction) for anomaly in detection.anomalies] == [(55, "above")]
    assert detection.anomalies[0].expected == pytest.approx(4.0)


def test_too_short_a_series_is_not_judged_and_says_how_much_is_needed():
    detection = detect(seasonal_series(days=20), period=7)

    assert not detection.judged and detection.anomalies == []
    assert detection.reason == f"too short: 20 buckets, at least {minimum_points(7)} needed (3 periods)"


def test_empty_buckets_are_filled_but_too_many_are_refused():
    values: list[float | None] = list(seasonal_series(seed=5))
    values[10] = values[31] = None
    values[50] = (values[50] or 0) + 40

    detection = detect(values, period=7)
    assert [anomaly.index for anomaly in detection.anomalies] == [50]  # the empty days are never judged

    sparse = [None if day % 3 else value for day, value in enumerate(values)]
    refused = detect(sparse, period=7)
    assert not refused.judged and refused.reason.startswith("too many empty buckets: 37 of 56")


def test_confidence_is_one_minus_the_bonferroni_bound_over_the_days_examined():
    assert scale_degrees_of_freedom(56) == pytest.approx(0.367 * 55)
    assert two_sided_tail(2.0, 10) == pytest.approx(0.0733880, abs=1e-6)  # Student's t, 10 degrees of freedom
    assert two_sided_tail(1.959964, 1e9) == pytest.approx(0.05, abs=1e-6)  # the normal limit
    tail = two_sided_tail(4.0, scale_degrees_of_freedom(56))
    assert confidence_of(4.0, examined=7, points=56) == pytest.approx(1 - 7 * tail)
    assert confidence_of(-4.0, examined=7, points=56) == confidence_of(4.0, examined=7, points=56)
    assert confidence_of(3.6, examined=56, points=56) < confidence_of(3.6, examined=7, points=56)
    assert confidence_of(3.6, examined=7, points=56) < confidence_of(6.0, examined=7, points=56)
    assert confidence_of(0.5, examined=56, points=56) == 0.0  # the bound passes 1: no confidence at all
