"""`demo_logistic`: a tiny, self-contained model kind (logistic regression on synthetic data generated from a
seed, no database reads) so the registry, the predict API, the bench and a fresh install can be exercised
without the real models' data. It does not affect members; it is judged against the constant base rate like
any other model."""

import hashlib
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from rest_framework import serializers
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

from apps.ml.training import Progress, TrainingFailed, TrainingResult, model_kind_register

NAME = "demo_logistic"
FEATURES = ["x1", "x2", "x3"]
TRUE_WEIGHTS = np.array([1.5, -1.0, 0.5])


class DemoInput(serializers.Serializer):
    x1 = serializers.FloatField(min_value=-1e6, max_value=1e6)
    x2 = serializers.FloatField(min_value=-1e6, max_value=1e6)
    x3 = serializers.FloatField(min_value=-1e6, max_value=1e6)


class DemoPredictor:
    input_serializer = DemoInput

    def features(self, rows: list[dict]) -> list[list[float]]:
        return [[float(row[name]) for name in FEATURES] for row in rows]

    def predict(self, estimator: Any, rows: list[dict]) -> list[dict]:
        probabilities = estimator.predict_proba(np.asarray(self.features(rows)))[:, 1]
        return [{"probability": round(float(p), 6)} for p in probabilities]


def calibration(predicted: np.ndarray, observed: np.ndarray, bins: int = 10) -> list[list[float]]:
    """[[mean predicted, observed rate, n], ...] over equal-width probability bins that hold rows."""
    index = np.minimum((predicted * bins).astype(int), bins - 1)
    masks = [index == b for b in range(bins)]
    return [
        [round(float(predicted[mask].mean()), 4), round(float(observed[mask].mean()), 4), int(mask.sum())]
        for mask in masks
        if mask.any()
    ]


def verdict(model: float, baseline: float, metric: str, baseline_name: str, tolerance: float = 0.002) -> str:
    """An honest sentence comparing two losses (lower is better) on the same test rows."""
    if model < baseline - tolerance:
        return f"The model beats {baseline_name} on {metric} ({model:.4f} against {baseline:.4f}, lower is better)."
    if model > baseline + tolerance:
        return f"The model loses to {baseline_name} on {metric} ({model:.4f} against {baseline:.4f}, lower is better)."
    return f"The model matches {baseline_name} on {metric} ({model:.4f} against {baseline:.4f}); it adds nothing."


def train(params: dict, progress: Progress) -> TrainingResult:
    rows = int(params.get("rows", 2000))
    seed = int(params.get("seed", 7))
    shift = float(params.get("shift", 0.0))
    if rows < 100:
        raise TrainingFailed(_("%(rows)s rows are too few to train and test a model (at least 100).") % {"rows": rows})
    generator = np.random.default_rng(seed)
    x = generator.normal(loc=shift, size=(rows, len(FEATURES)))
    y = (generator.random(rows) < 1 / (1 + np.exp(-(x @ TRUE_WEIGHTS)))).astype(int)
    progress(0.2, f"generated {rows} synthetic rows (seed {seed})")
    split = int(rows * 0.8)  # the rows are in "time" order: train on the first 80%, test on the rest
    estimator = LogisticRegression(C=float(params.get("C", 1.0))).fit(x[:split], y[:split])
    progress(0.7, "fitted the logistic regression")
    predicted = estimator.predict_proba(x[split:])[:, 1]
    base_rate = np.full(rows - split, y[:split].mean())
    test = y[split:]
    metrics = {"brier": brier_score_loss(test, predicted), "log_loss": log_loss(test, predicted, labels=[0, 1])}
    baseline = {"brier": brier_score_loss(test, base_rate), "log_loss": log_loss(test, base_rate, labels=[0, 1])}
    report = {
        "verdict": verdict(metrics["brier"], baseline["brier"], "Brier score", "the base rate"),
        "baseline_name": "the training base rate",
        "calibration": {"model": calibration(predicted, test), "baseline": calibration(base_rate, test)},
        "feature_importance": [
            [name, round(abs(float(w)), 4)] for name, w in zip(FEATURES, estimator.coef_[0], strict=True)
        ],
    }
    progress(0.9, report["verdict"])
    return TrainingResult(
        estimator=estimator,
        params={"rows": rows, "seed": seed, "C": float(params.get("C", 1.0)), "shift": shift},
        metrics=metrics,
        baseline_metrics=baseline,
        report=report,
        feature_names=FEATURES,
        reference_features=x[:split][:5000].tolist(),
        data_fingerprint=hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest(),
        data_from=None,
        data_to=None,
        train_rows=split,
        test_rows=rows - split,
    )


model_kind_register(
    NAME,
    label="Demo: logistic regression on synthetic data",
    description="Three synthetic features, a known logistic truth; exercises the registry, predict and drift.",
    affects_members=False,
    train=train,
    predictor=DemoPredictor(),
)
