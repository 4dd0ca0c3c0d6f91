"""The statistics of an experiment's report, as pure functions over per-variant aggregates (no ORM inside).

Stop rule (fixed horizon): at creation the sample size per variant is computed for a two-sided test at `alpha`
with `power` to detect the minimum detectable effect (statsmodels' power solvers: Cohen's h for a conversion,
d = effect / sd for a mean). The experiment is read only when every variant has that many outcomes; before, the
decision is "continue" whatever the interval shows (looking early and stopping on a good day inflates false
positives). A sample-ratio mismatch (chi-square of exposures against the configured weights, p < 0.001) stops it
as broken whatever the sample size.
"""

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _
from scipy import stats as scipy_stats
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class VariantTotals:
    """One variant's aggregates: exposures, outcomes and the outcomes' sum and sum of squares."""

    name: str
    weight: float
    exposures: int
    n: int
    total: float
    total_squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        if self.n < 2:
            return None
        return max(0.0, (self.total_squares - self.total**2 / self.n) / (self.n - 1))


def sample_size_per_variant(
    *, metric_kind: str, minimum_detectable_effect: float, alpha: float, power: float,
    baseline_rate: float | None = None, baseline_sd: float | None = None,
) -> int:  # fmt: skip
    """Outcomes per variant for a two-sided test to detect the effect with the given power (equal allocation)."""
    if metric_kind == "conversion":
        if baseline_rate is None or not 0 < baseline_rate < 1:
            raise ValueError(_("A conversion metric needs a baseline rate strictly between 0 and 1."))
        target = baseline_rate + minimum_detectable_effect
        if not 0 < target < 1:
            raise ValueError(_("The baseline rate plus the minimum detectable effect must stay between 0 and 1."))
        effect_size = abs(proportion_effectsize(target, baseline_rate))
        solver = NormalIndPower()
    else:
        if baseline_sd is None or baseline_sd <= 0:
            raise ValueError(_("A mean metric needs a positive expected standard deviation."))
        effect_size = minimum_detectable_effect / baseline_sd
        solver = TTestIndPower()
    n = solver.solve_power(effect_size=effect_size, alpha=alpha, power=power, ratio=1.0, alternative="two-sided")
    return max(2, math.ceil(float(n)))


def sample_ratio_mismatch(variants: list[VariantTotals]) -> dict:
    """Chi-square goodness of fit of the exposures against the configured weights; flagged at p < 0.001."""
    observed = [variant.exposures for variant in variants]
    total = sum(observed)
    if total == 0:
        return {"chi2": None, "p_value": None, "is_mismatch": False, "verdict": "No exposures yet."}
    weight_total = sum(variant.weight for variant in variants)
    expected = [total * variant.weight / weight_total for variant in variants]
    chi2, p_value = scipy_stats.chisquare(observed, expected)
    is_mismatch = bool(p_value < SRM_THRESHOLD)
    verdict = (
        f"Sample ratio mismatch: p = {p_value:.2g} < {SRM_THRESHOLD}; assignment or logging is broken."
        if is_mismatch
        else f"No sample ratio mismatch (p = {p_value:.3g})."
    )
    return {"chi2": float(chi2), "p_value": float(p_value), "is_mismatch": is_mismatch, "verdict": verdict}


def effect(control: VariantTotals, variant: VariantTotals, *, metric_kind: str, alpha: float = 0.05) -> dict:
    """The variant's mean minus the control's with a (1 - alpha) interval: Newcombe's hybrid score interval for a
    difference of proportions, Welch's t interval for a difference of means. None where the data cannot give one."""
    result = {"variant": variant.name, "difference": None, "low": None, "high": None, "method": ""}
    if control.n < 2 or variant.n < 2:
        return result
    difference = variant.mean - control.mean
    if metric_kind == "conversion":
        low, high = confint_proportions_2indep(
            round(variant.total), variant.n, round(control.total), control.n,
            method="newcomb", compare="diff", alpha=alpha,
        )  # fmt: skip
        method = "Newcombe hybrid score interval"
    else:
        se_variant, se_control = variant.variance / variant.n, control.variance / control.n
        standard_error = math.sqrt(se_variant + se_control)
        if standard_error == 0:
            low = high = difference
        else:
            dof = (se_variant + se_control) ** 2 / (se_variant**2 / (variant.n - 1) + se_control**2 / (control.n - 1))
            half = scipy_stats.t.ppf(1 - alpha / 2, dof) * standard_error
            low, high = difference - half, difference + half
        method = "Welch t interval"
    return {"variant": variant.name, "difference": difference, "low": float(low), "high": float(high), "method": method}


def stop_decision(variants: list[VariantTotals], effects: list[dict], *, required: int, srm: dict) -> dict:
    """The fixed-horizon rule's decision: stop_srm, continue, stop_significant or stop_no_effect."""
    if srm["is_mismatch"]:
        return {
            "decision": "stop_srm",
            "message": srm["verdict"] + " Stop and investigate; the effect is not trustworthy.",
        }
    smallest = min(variant.n for variant in variants)
    if smallest < required:
        return {
            "decision": "continue",
            "message": f"Keep running: {smallest} of {required} outcomes in the smallest variant; the interval is "
            "not read before the planned sample size.",
        }
    significant = [row for row in effects if row["low"] is not None and (row["low"] > 0 or row["high"] < 0)]
    if significant:
        parts = [f"{row['variant']} {'better' if row['low'] > 0 else 'worse'} than control" for row in significant]
        return {"decision": "stop_significant", "message": "Planned sample size reached: " + "; ".join(parts) + "."}
    return {
        "decision": "stop_no_effect",
        "message": "Planned sample size reached: no difference as large as the minimum detectable effect was found.",
    }
