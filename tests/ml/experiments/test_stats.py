"""The report's statistics: sample size, sample-ratio mismatch, effect intervals, the stop rule."""

import numpy as np
import pytest
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from apps.ml.experiments.stats import (
    VariantTotals,
    effect,
    sample_ratio_mismatch,
    sample_size_per_variant,
    stop_decision,
)


def totals(name, *, exposures=0, values=(), weight=1.0):
    values = np.asarray(values, dtype=float)
    return VariantTotals(name, weight, exposures, len(values), float(values.sum()), float((values**2).sum()))


def test_sample_size_matches_the_textbook_figures():
    # 10% -> 12% at alpha 0.05, power 0.8: about 3,840 per group (Cohen's h); d = 0.5: 64 per group
    assert (
        sample_size_per_variant(
            metric_kind="conversion", minimum_detectable_effect=0.02, alpha=0.05, power=0.8, baseline_rate=0.1
        )
        == 3835
    )
    assert (
        sample_size_per_variant(
            metric_kind="mean", minimum_detectable_effect=0.5, alpha=0.05, power=0.8, baseline_sd=1.0
        )
        == 64
    )


def test_sample_size_refuses_a_rate_outside_zero_and_one():
    with pytest.raises(ValueError, match="between 0 and 1"):
        sample_size_per_variant(
            metric_kind="conversion", minimum_detectable_effect=0.2, alpha=0.05, power=0.8, baseline_rate=0.9
        )


def test_a_skewed_split_is_a_sample_ratio_mismatch():
    srm = sample_ratio_mismatch([totals("control", exposures=5300), totals("treatment", exposures=4700)])
    assert srm["is_mismatch"] is True
    assert srm["p_value"] < 0.001


def test_a_fair_split_is_not_a_mismatch():
    srm = sample_ratio_mismatch([totals("control", exposures=5030), totals("treatment", exposures=4970)])
    assert srm["is_mismatch"] is False
    assert srm["p_value"] == pytest.approx(0.5485, abs=1e-3)


def test_the_mismatch_is_judged_against_the_configured_weights():
    fair_for_70_30 = [totals("control", exposures=7010, weight=0.7), totals("treatment", exposures=2990, weight=0.3)]
    assert sample_ratio_mismatch(fair_for_70_30)["is_mismatch"] is False


def test_the_conversion_interval_is_newcombes_on_his_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 against 48/80 -> 0.0524 to 0.3339
    control = totals("control", values=[1] * 48 + [0] * 32)
    variant = totals("treatment", values=[1] * 56 + [0] * 14)
    row = effect(control, variant, metric_kind="conversion")
    assert row["difference"] == pytest.approx(0.2)
    assert (row["low"], row["high"]) == (pytest.approx(0.0524, abs=1e-4), pytest.approx(0.3339, abs=1e-4))


def test_the_mean_interval_is_welchs():
    rng = np.random.default_rng(3)
    a, b = rng.normal(10, 2, 200), rng.normal(10.6, 3, 150)
    row = effect(totals("control", values=a), totals("treatment", values=b), metric_kind="mean")
    low, high = CompareMeans(DescrStatsW(b), DescrStatsW(a)).tconfint_diff(usevar="unequal")
    assert (row["low"], row["high"]) == (pytest.approx(low), pytest.approx(high))


def test_the_stop_rule_waits_for_the_planned_sample_then_reads_the_interval():
    fair = {"is_mismatch": False, "verdict": "fine"}
    control = totals("control", values=[1] * 30 + [0] * 70)
    better = totals("treatment", values=[1] * 60 + [0] * 40)
    rows = [effect(control, better, metric_kind="conversion")]
    assert stop_decision([control, better], rows, required=101, srm=fair)["decision"] == "continue"
    assert stop_decision([control, better], rows, required=100, srm=fair)["decision"] == "stop_significant"
    same = totals("treatment", values=[1] * 31 + [0] * 69)
    rows = [effect(control, same, metric_kind="conversion")]
    assert stop_decision([control, same], rows, required=100, srm=fair)["decision"] == "stop_no_effect"


def test_a_mismatch_stops_the_experiment_whatever_the_sample():
    broken = {"is_mismatch": True, "verdict": "Sample ratio mismatch."}
    control, variant = totals("control", values=[1, 0]), totals("treatment", values=[1, 0])
    assert stop_decision([control, variant], [], required=1000, srm=broken)["decision"] == "stop_srm"
