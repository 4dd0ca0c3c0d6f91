"""The model registry (apps/ml/registry, issue #16)."""

from django.core.exceptions import ImproperlyConfigured

from dbsbm.settings.environment import env_int, env_str


def _env_fraction(name: str, default: float) -> float:
    raw = env_str(name, "")
    try:
        value = float(raw) if raw else default
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from error
    return value


# share of predict calls written to the prediction log (1.0 in tests; drift is computed from these rows)
ML_PREDICTION_LOG_SAMPLE = _env_fraction("ML_PREDICTION_LOG_SAMPLE", 0.1)
ML_PREDICT_MAX_INPUTS = env_int("ML_PREDICT_MAX_INPUTS", 1000)  # input rows per predict call
ML_DRIFT_PSI_THRESHOLD = _env_fraction("ML_DRIFT_PSI_THRESHOLD", 0.2)  # above: drift, alerted once per version per day
ML_DRIFT_WINDOW_HOURS = env_int("ML_DRIFT_WINDOW_HOURS", 24)  # logged rows compared with the reference
ML_DRIFT_MIN_ROWS = env_int("ML_DRIFT_MIN_ROWS", 200)  # fewer logged feature rows: "insufficient", no PSI
ML_DRIFT_CHECK_SECONDS = env_int("ML_DRIFT_CHECK_SECONDS", 3600)
ML_LOADED_MODELS_CACHED = env_int("ML_LOADED_MODELS_CACHED", 16)  # estimators kept in memory per process
# Types a skops artifact may contain beyond skops' own defaults (scikit-learn estimators, numpy): an explicit
# allowlist, checked before anything is loaded (apps/ml/registry/artifacts.py). Areas add their types with
# apps.ml.training.artifact_types_trust(...).
ML_ARTIFACT_TRUSTED_TYPES: list[str] = []
