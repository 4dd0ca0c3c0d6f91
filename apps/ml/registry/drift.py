"""Feature drift: the population stability index (PSI) of each feature of a champion's logged predictions
against the version's reference sample (<= 5,000 training rows), over the last ML_DRIFT_WINDOW_HOURS.

PSI = sum over bins (a - e) * ln(a / e), with the bins the reference's deciles (so each holds ~10% of the
training rows) and empty bins floored at 1e-4. Rule of thumb (and the default threshold, 0.2): below 0.1
stable, 0.1-0.2 moderate, above 0.2 a real shift. A version above the threshold raises one alert per day."""

import logging
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.ml.models import DriftReport, ModelAlias, ModelVersion, PredictionLog
from apps.ml.registry.alerts import drift_alert
from apps.ml.registry.choices import CHAMPION, DriftStatus, VersionStatus
from apps.ml.registry.services import ArtifactTampered, version_verify

logger = logging.getLogger(__name__)
BINS = 10
FLOOR = 1e-4
LOGGED_ROWS_MAX = 50_000  # feature rows read per check (the newest)


def psi(reference: np.ndarray, observed: np.ndarray, bins: int = BINS) -> float:
    """Population stability index of one feature: observed values against the reference's quantile bins."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    expected = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    actual = np.bincount(np.searchsorted(edges, observed, side="right"), minlength=len(edges) + 1)
    e = np.maximum(expected / max(len(reference), 1), FLOOR)
    a = np.maximum(actual / max(len(observed), 1), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def _logged_features(version: ModelVersion, since: datetime) -> np.ndarray:
    rows: list[list[float]] = []
    logs = PredictionLog.objects.filter(version=version, created_at__gte=since).order_by("-id")
    for features in logs.values_list("features", flat=True).iterator(chunk_size=500):
        rows.extend(features)
        if len(rows) >= LOGGED_ROWS_MAX:
            break
    return np.asarray(rows, dtype=float)


def version_drift_check(*, version: ModelVersion, now: datetime | None = None) -> DriftReport:
    """Compare a version's logged features of the window with its reference; alert above the threshold."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.ML_DRIFT_WINDOW_HOURS)
    threshold = float(settings.ML_DRIFT_PSI_THRESHOLD)
    reference = np.asarray(version.reference_features, dtype=float)
    observed = _logged_features(version, since)
    names = list(version.feature_names)
    usable = (
        len(observed) >= settings.ML_DRIFT_MIN_ROWS
        and reference.ndim == 2
        and len(reference)
        and observed.ndim == 2
        and observed.shape[1] == reference.shape[1] == len(names)
    )
    values: dict[str, float] = {}
    if usable:
        values = {name: round(psi(reference[:, i], observed[:, i]), 6) for i, name in enumerate(names)}
    top = max(values.values()) if values else None
    if not usable:
        status = DriftStatus.INSUFFICIENT
    else:
        status = DriftStatus.DRIFT if top is not None and top > threshold else DriftStatus.STABLE
    with transaction.atomic():
        report = DriftReport.objects.create(
            version=version,
            checked_at=now,
            window_from=since,
            rows=len(observed),
            psi=values,
            max_psi=top,
            threshold=threshold,
            status=status,
        )
        if status == DriftStatus.DRIFT:
            drift_alert(report=report)
    return report


def drift_check(*, now: datetime | None = None) -> list[DriftReport]:
    """Every champion's drift report, after re-verifying the artifacts behind every alias (a mismatch alerts
    and marks the version tampered; the check goes on with the others)."""
    versions = {
        alias.version_id: alias.version
        for alias in ModelAlias.objects.select_related("version__model").filter(version__status=VersionStatus.READY)
    }
    for version in versions.values():
        try:
            version_verify(version=version)
        except ArtifactTampered:
            logger.warning("ml artifact of version %s failed its hash check", version.pk)
    champions = ModelAlias.objects.select_related("version__model").filter(
        name=CHAMPION, version__status=VersionStatus.READY
    )
    return [version_drift_check(version=alias.version, now=now) for alias in champions]
