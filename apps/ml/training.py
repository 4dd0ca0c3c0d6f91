"""The registry contract: what a trainer returns, how it reports progress, how a model answers predictions,
and how a model kind registers itself (issue #16; INTEGRATION.md "Registry contract").

A model kind registers once at import time (from `apps/ml/registrations.py`); the registry creates its
`RegisteredModel` row on first use, runs its trainer in a Celery job on the `ml` queue and stores the
estimator as a skops artifact. Nothing here touches the database.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from rest_framework.serializers import Serializer

from apps.core.errors import ApplicationError


@dataclass
class TrainingResult:
    """What a trainer hands the registry: the fitted estimator and the evidence a reviewer needs."""

    estimator: Any  # a scikit-learn estimator/pipeline or a numpy-only object skops can save
    params: dict  # hyper-parameters used
    metrics: dict[str, float]  # the model's, on the time-split TEST part
    baseline_metrics: dict[str, float]  # the baseline's, same test part, same metric names
    # JSON-able: {"verdict": "<honest sentence: beats / matches / loses to baseline>",
    #  "calibration": {"model": [[mean_pred, observed_rate, n], ...], "baseline": [...]},
    #  "feature_importance": [[feature, value], ...], "baseline_name": "...", ...}
    report: dict
    feature_names: list[str]
    reference_features: list[list[float]]  # <= 5,000 training rows of features, for drift (PSI)
    data_fingerprint: str  # SHA-256 over the training data (ids + labels), hex
    data_from: datetime | None
    data_to: datetime | None
    train_rows: int
    test_rows: int


Progress = Callable[[float, str], None]  # progress(fraction 0..1, log line)


class Predictor(Protocol):
    """How the predict API serves one model kind."""

    input_serializer: type[Serializer]  # validates ONE input row of the predict API ({"inputs": [row, ...]})

    def features(self, rows: list[dict]) -> list[list[float]]:
        """The feature rows of validated inputs (logged, and compared with the reference for drift)."""
        ...

    def predict(self, estimator: Any, rows: list[dict]) -> list[dict]:
        """One JSON-able output per validated input row."""
        ...


class TrainingFailed(ApplicationError):
    """A trainer cannot produce a model (too little data, a degenerate split): the job fails with this
    message and the aliases stay as they were."""

    code = "training_failed"


@dataclass(frozen=True)
class ModelKind:
    """One registered model kind: what the registry knows about a model before it has any version."""

    name: str
    label: str
    description: str
    affects_members: bool
    train: Callable[[dict, Progress], TrainingResult]
    predictor: Predictor | None


_KINDS: dict[str, ModelKind] = {}


def model_kind_register(
    name: str,
    *,
    label: str,
    description: str,
    affects_members: bool,
    train: Callable[[dict, Progress], TrainingResult],
    predictor: Predictor | None,
) -> None:
    """Register a model kind (idempotent per name: a second registration replaces the first, so a module
    imported twice, or a test kind re-registered, stays one kind)."""
    _KINDS[name] = ModelKind(
        name=name,
        label=label,
        description=description,
        affects_members=affects_members,
        train=train,
        predictor=predictor,
    )


def model_kind_get(name: str) -> ModelKind | None:
    """The registered kind of this name, or None."""
    return _KINDS.get(name)


def model_kinds() -> list[ModelKind]:
    """Every registered kind, by name."""
    return [_KINDS[name] for name in sorted(_KINDS)]


def model_kind_unregister(name: str) -> None:
    """Forget a kind (tests that register a throw-away kind clean up with this)."""
    _KINDS.pop(name, None)


_TRUSTED_TYPES: set[str] = set()


def artifact_types_trust(*type_names: str) -> None:
    """Allow these fully qualified types (e.g. "apps.ml.predictive.leg.ShrunkHistory") in a skops artifact,
    besides skops' own trusted defaults and settings.ML_ARTIFACT_TRUSTED_TYPES: a model kind whose estimator
    holds a type skops does not trust by default names it here, next to its `model_kind_register`."""
    _TRUSTED_TYPES.update(type_names)


def artifact_trusted_types() -> frozenset[str]:
    """The types registered with `artifact_types_trust`."""
    return frozenset(_TRUSTED_TYPES)
