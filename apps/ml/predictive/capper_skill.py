"""Capper skill: an empirical-Bayes (normal-normal) estimate of each capper's edge, with a credible interval,
judged against the raw record on a later period (issue #16 section 2).

Edge = win rate above the break-even probability of the prices the capper took, per won or lost leg
(pushes and voids say nothing): a capper winning 55% of -110 legs (break-even 52.4%) has an edge of +2.6
points, and is profitable. Each capper's observed edge x_i has sampling variance s_i^2 = sum p(1-p) / n^2
(Bernoulli legs at their break-even probability p). The prior edge ~ N(mu, tau^2) is fitted across cappers
(Paule-Mandel random-effects, statsmodels), tau^2 floored at TAU2_FLOOR (an edge spread of 1 point, so a
homogeneous sample does not collapse every interval to a point). The posterior is
N(B mu + (1 - B) x_i, (1 - B) s_i^2 + B^2 var(mu)) with B = s_i^2 / (s_i^2 + tau^2).

Label rule: fewer than `min_legs` (30) decided legs -> "not enough data"; otherwise "skill" when the 90%
credible interval lies above zero (P(edge > 0) >= 0.95), else "luck" (the record is what prices and chance
explain, whatever its sign).
"""

from datetime import UTC, datetime

import numpy as np
from django.utils.translation import gettext as _
from rest_framework import serializers
from scipy.stats import norm
from statsmodels.stats.meta_analysis import combine_effects

from apps.betting import selectors as betting_selectors
from apps.ml.predictive.common import fingerprint, paired_difference, reference_sample, time_split
from apps.ml.predictive.leg_features import columns_from_rows, implied_probability
from apps.ml.training import Progress, TrainingFailed, TrainingResult, model_kind_register

NAME = "capper_skill"
TAU2_FLOOR = 1e-4
CREDIBLE = 0.90
Z = float(norm.ppf(0.5 + CREDIBLE / 2))
DEFAULTS = {"min_legs": 30, "test_fraction": 0.4, "min_cappers": 5, "min_eval_legs": 10}
FEATURE_NAMES = ["legs", "wins", "expected_wins"]
SKILL, LUCK, NOT_ENOUGH = "skill", "luck", "not enough data"
LABEL_RULE = (
    f"not enough data below {DEFAULTS['min_legs']} decided legs; skill when the {int(CREDIBLE * 100)}% "
    "credible interval of the edge lies above 0 (P(edge > 0) >= 0.95); luck otherwise"
)


def records(capper: np.ndarray, won: np.ndarray, implied: np.ndarray) -> dict[str, np.ndarray]:
    """Per capper (sorted ids): legs, wins, expected wins (sum of p) and variance (sum of p(1-p))."""
    ids, index = np.unique(capper, return_inverse=True)
    count = len(ids)
    return {
        "capper": ids,
        "legs": np.bincount(index, minlength=count).astype(float),
        "wins": np.bincount(index, weights=won, minlength=count),
        "expected": np.bincount(index, weights=implied, minlength=count),
        "variance": np.bincount(index, weights=implied * (1 - implied), minlength=count),
    }


def fit_prior(legs, wins, expected, variance) -> dict[str, float]:
    """mu, tau^2 (floored) and var(mu) across cappers with at least one decided leg."""
    legs, wins, expected, variance = (np.asarray(v, dtype=float) for v in (legs, wins, expected, variance))
    keep = (legs > 0) & (variance > 0)
    if keep.sum() < 2:
        raise TrainingFailed(_("Fitting the prior needs at least 2 cappers with decided legs."))
    edge = (wins[keep] - expected[keep]) / legs[keep]
    sampling = variance[keep] / legs[keep] ** 2
    result = combine_effects(edge, sampling, method_re="pm")
    tau2 = max(float(result.tau2), TAU2_FLOOR)
    weights = 1 / (sampling + tau2)
    mean = float((weights * edge).sum() / weights.sum())
    return {"prior_mean": mean, "prior_variance": tau2, "prior_mean_variance": float(1 / weights.sum()),
            "tau2_fitted": float(result.tau2), "cappers": int(keep.sum())}  # fmt: skip


def posterior(prior: dict, legs, wins, expected, variance, *, min_legs: int = DEFAULTS["min_legs"]) -> list[dict]:
    """Per capper: edge estimate, 90% credible interval, P(edge > 0), raw edge, n and the label."""
    legs, wins, expected, variance = (
        np.atleast_1d(np.asarray(v, dtype=float)) for v in (legs, wins, expected, variance)
    )
    no_data = legs <= 0
    safe_legs = np.maximum(legs, 1)
    raw = np.where(no_data, 0.0, (wins - expected) / safe_legs)
    sampling = np.where(no_data, 0.0, np.maximum(variance, 1e-9) / safe_legs**2)
    tau2, mu = prior["prior_variance"], prior["prior_mean"]
    shrink = np.where(no_data, 1.0, sampling / (sampling + tau2))
    mean = shrink * mu + (1 - shrink) * raw
    var = np.where(no_data, tau2, (1 - shrink) * sampling)  # no legs: the prior itself
    sd = np.sqrt(var + shrink**2 * prior.get("prior_mean_variance", 0.0))
    positive = norm.sf(0, loc=mean, scale=sd)
    out = []
    for i in range(len(legs)):
        label = NOT_ENOUGH if legs[i] < min_legs else (SKILL if positive[i] >= 0.5 + CREDIBLE / 2 else LUCK)
        out.append(
            {
                "edge": round(float(mean[i]), 5),
                "interval": [round(float(mean[i] - Z * sd[i]), 5), round(float(mean[i] + Z * sd[i]), 5)],
                "probability_positive": round(float(positive[i]), 4),
                "raw_edge": round(float(raw[i]), 5) if legs[i] > 0 else None,
                "legs": int(legs[i]),
                "label": label,
            }
        )
    return out


def train(params: dict, progress: Progress) -> TrainingResult:
    params = {**DEFAULTS, **(params or {})}
    progress(0.05, "Reading graded legs through the betting selectors")
    columns = columns_from_rows(betting_selectors.graded_leg_rows().iterator(chunk_size=50_000))
    implied = implied_probability(columns.odds)
    cut = time_split(columns.placed, test_fraction=params["test_fraction"])
    early = records(columns.capper[:cut], columns.won[:cut], implied[:cut])
    late = records(columns.capper[cut:], columns.won[cut:], implied[cut:])
    if len(early["capper"]) < params["min_cappers"]:
        raise TrainingFailed(
            _(
                "Only %(count)s cappers have decided legs in the earlier period; at least %(min_cappers)s are needed "
                "to fit a prior across cappers."
            )
            % {"count": len(early["capper"]), "min_cappers": params["min_cappers"]}
        )
    prior = fit_prior(early["legs"], early["wins"], early["expected"], early["variance"])
    progress(0.5, f"Prior fitted on {prior['cappers']} cappers: mean edge {prior['prior_mean']:+.4f}")
    common, in_early, in_late = np.intersect1d(early["capper"], late["capper"], return_indices=True)
    usable = (early["legs"][in_early] >= params["min_eval_legs"]) & (late["legs"][in_late] >= params["min_eval_legs"])
    in_early, in_late = in_early[usable], in_late[usable]
    if len(in_early) < 3:
        raise TrainingFailed(
            _(
                "Only %(count)s cappers have %(min_eval_legs)s+ decided legs in both periods; at least 3 are needed to "
                "compare the estimate with the later record."
            )
            % {"count": len(in_early), "min_eval_legs": params["min_eval_legs"]}
        )
    estimates = posterior(prior, *(early[key][in_early] for key in ("legs", "wins", "expected", "variance")))
    shrunk = np.array([row["edge"] for row in estimates])
    raw = (early["wins"][in_early] - early["expected"][in_early]) / early["legs"][in_early]
    later = (late["wins"][in_late] - late["expected"][in_late]) / late["legs"][in_late]
    weights = late["legs"][in_late]
    metrics, baseline_metrics = _errors(shrunk, later, weights), _errors(raw, later, weights)
    mean, stderr = paired_difference((shrunk - later) ** 2, (raw - later) ** 2)
    verdict = _verdict(metrics, baseline_metrics, mean, stderr, len(in_early))
    progress(0.8, verdict)
    everything = records(columns.capper, columns.won, implied)
    deployed = fit_prior(everything["legs"], everything["wins"], everything["expected"], everything["variance"])
    labels = posterior(deployed, *(everything[key] for key in ("legs", "wins", "expected", "variance")),
                       min_legs=params["min_legs"])  # fmt: skip
    reference = np.column_stack([everything["legs"], everything["wins"], everything["expected"]])
    return TrainingResult(
        estimator={**deployed, "min_legs": int(params["min_legs"]), "credible": CREDIBLE},
        params=params,
        metrics=metrics,
        baseline_metrics=baseline_metrics,
        report={
            "verdict": verdict,
            "baseline_name": "raw record: each capper's observed edge in the earlier period, unshrunk",
            "label_rule": LABEL_RULE,
            "prior_evaluated": prior,
            "prior_deployed": deployed,
            "deployed_note": "The stored prior is refitted on every period after the evaluation.",
            "squared_error_difference": {"mean": round(mean, 8), "standard_error": round(stderr, 8)},
            "evaluated_cappers": len(in_early),
            "labels": {label: sum(row["label"] == label for row in labels) for label in (SKILL, LUCK, NOT_ENOUGH)},
            "feature_importance": [],
            "calibration": {},
        },
        feature_names=FEATURE_NAMES,
        reference_features=reference_sample(reference),
        data_fingerprint=fingerprint(columns.leg_id, columns.won),
        data_from=_time(columns.placed[0]),
        data_to=_time(columns.placed[-1]),
        train_rows=cut,
        test_rows=len(columns.placed) - cut,
    )


def _errors(predicted: np.ndarray, observed: np.ndarray, weights: np.ndarray) -> dict[str, float]:
    squared = (predicted - observed) ** 2
    return {
        "mse": round(float(squared.mean()), 8),
        "weighted_mse": round(float((squared * weights).sum() / weights.sum()), 8),
        "mean_abs_error": round(float(np.abs(predicted - observed).mean()), 6),
    }


def _verdict(metrics: dict, baseline: dict, mean: float, stderr: float, cappers: int) -> str:
    if mean + 2 * stderr < 0:
        outcome = "predicts the later edge better than"
    elif mean - 2 * stderr > 0:
        outcome = "predicts the later edge worse than"
    else:
        outcome = "is not distinguishable from"
    return (
        f"Over {cappers} cappers, the shrunk estimate {outcome} the raw record: MSE {metrics['mse']:.6f} against "
        f"{baseline['mse']:.6f} (paired difference {mean:+.6f}, standard error {stderr:.6f}; a difference counts "
        "only beyond two standard errors)."
    )


def _time(seconds) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


class SkillInputSerializer(serializers.Serializer):
    """A capper's record as numbers (never a capper id: the predict API is not tenant-scoped)."""

    legs = serializers.IntegerField(min_value=0, help_text="Won + lost legs.")
    wins = serializers.IntegerField(min_value=0)
    expected_wins = serializers.FloatField(min_value=0, help_text="Sum of the break-even probabilities.")
    variance = serializers.FloatField(
        min_value=0, required=False, allow_null=True, default=None, help_text="Sum of p(1-p); estimated if omitted."
    )

    def validate(self, attrs: dict) -> dict:
        for field in ("wins", "expected_wins"):
            if attrs[field] > attrs["legs"]:
                raise serializers.ValidationError({field: [_("Cannot exceed legs.")]})
        return attrs


class SkillPredictor:
    input_serializer = SkillInputSerializer

    def features(self, rows: list[dict]) -> list[list[float]]:
        return [[float(row["legs"]), float(row["wins"]), float(row["expected_wins"])] for row in rows]

    def predict(self, estimator, rows: list[dict]) -> list[dict]:
        legs = np.array([row["legs"] for row in rows], dtype=float)
        expected = np.array([row["expected_wins"] for row in rows], dtype=float)
        variance = [
            row["variance"] if row.get("variance") is not None else e * (1 - e / n) if n else 0.0
            for row, e, n in zip(rows, expected, legs, strict=True)
        ]
        wins = [row["wins"] for row in rows]
        return posterior(estimator, legs, wins, expected, variance, min_legs=estimator.get("min_legs", 30))


model_kind_register(
    NAME,
    label="Capper skill",
    description="Each capper's edge over the break-even probability of the prices taken, shrunk toward the "
    "cappers' common mean (empirical Bayes), with a 90% credible interval and a skill / luck label.",
    affects_members=True,
    train=train,
    predictor=SkillPredictor(),
)
