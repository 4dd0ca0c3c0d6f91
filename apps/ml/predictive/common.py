"""What the predictive models share: the time split, the data fingerprint, probability metrics, the
reliability table and a verdict that follows the numbers (issue #16 section 2)."""

import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from sklearn.metrics import brier_score_loss, log_loss

from apps.ml.models import ModelAlias
from apps.ml.registry.choices import CHAMPION
from apps.ml.registry.services import model_load
from apps.ml.training import TrainingFailed

REFERENCE_ROWS = 5_000  # training rows kept for drift (PSI), at most
EPSILON = 1e-6


def fingerprint(ids: Iterable, labels: Iterable) -> str:
    """SHA-256 over the training data: every row's id and label, in order ("id:label\\n" each)."""
    digest = hashlib.sha256()
    for row_id, label in zip(ids, labels, strict=True):
        digest.update(f"{row_id}:{label}\n".encode())
    return digest.hexdigest()


def time_split(times: np.ndarray, *, test_fraction: float) -> int:
    """Index of the first test row of rows sorted by time: the later `test_fraction` is the test part.
    Rows sharing the boundary time all go to the test part, so no test row is older than a train row."""
    n = len(times)
    cut = int(np.floor(n * (1 - test_fraction)))
    if cut <= 0 or cut >= n:
        raise TrainingFailed(_("Cannot split %(rows)s rows in time: too few rows.") % {"rows": n})
    return int(np.searchsorted(times, times[cut], side="left"))


def reference_sample(features: np.ndarray, *, seed: int = 0) -> list[list[float]]:
    """At most REFERENCE_ROWS training rows (a seeded random sample), as plain floats."""
    if len(features) > REFERENCE_ROWS:
        rows = np.random.default_rng(seed).choice(len(features), REFERENCE_ROWS, replace=False)
        features = features[np.sort(rows)]
    return np.asarray(features, dtype=float).round(6).tolist()


def probability_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Brier score, log loss, expected calibration error (10 equal-width bins) and the mean prediction."""
    p = np.clip(p, EPSILON, 1 - EPSILON)
    table = reliability(y, p)
    ece = sum(n * abs(mean_pred - observed) for mean_pred, observed, n in table) / max(len(y), 1)
    return {
        "brier": round(float(brier_score_loss(y, p)), 6),
        "log_loss": round(float(log_loss(y, p, labels=[0, 1])), 6),
        "ece": round(float(ece), 6),
        "mean_prediction": round(float(p.mean()), 6),
        "observed_rate": round(float(y.mean()), 6),
    }


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[list[float]]:
    """Binned reliability: [mean prediction, observed rate, rows] per non-empty bin of equal width."""
    index = np.minimum((p * bins).astype(int), bins - 1)
    counts = np.bincount(index, minlength=bins)
    predicted = np.bincount(index, weights=p, minlength=bins)
    observed = np.bincount(index, weights=y, minlength=bins)
    return [
        [round(float(predicted[b] / counts[b]), 4), round(float(observed[b] / counts[b]), 4), int(counts[b])]
        for b in range(bins)
        if counts[b]
    ]


def paired_difference(model_loss: np.ndarray, baseline_loss: np.ndarray) -> tuple[float, float]:
    """Mean per-row loss difference (model − baseline) and its standard error."""
    difference = model_loss - baseline_loss
    n = len(difference)
    return float(difference.mean()), float(difference.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")


def loss_verdict(*, model_name: str, baseline_name: str, metric: str, mean: float, stderr: float) -> tuple[str, str]:
    """("beats" | "matches" | "loses to", sentence) from a paired loss difference: only a difference of more
    than two standard errors counts; anything within is reported as matching, never as a win."""
    if mean + 2 * stderr < 0:
        outcome = "beats"
    elif mean - 2 * stderr > 0:
        outcome = "loses to"
    else:
        outcome = "matches"
    sentence = (
        f"The {model_name} {outcome} the baseline ({baseline_name}) on the later test period: "
        f"{metric} difference {mean:+.5f} per row (standard error {stderr:.5f}; a difference counts only "
        "beyond two standard errors)."
    )
    if outcome != "beats":
        sentence += " Prices already carry most of what these features know; use the model as no better than the odds."
    return outcome, sentence


def champion_load(name: str) -> tuple[Any, Any]:
    """(version, estimator) of the model's champion, or (None, None) while it has none. Checked with a read
    first: a GET must not create the model's registry row, as `model_load` does on first use."""
    if not ModelAlias.objects.filter(model__name=name, name=CHAMPION).exists():
        return None, None
    return model_load(name, CHAMPION)
