"""The registry's alerts, through the notification layer (e-mail, inbox, webhooks; told once per key):
an artifact that failed its hash check, and feature drift of a champion (once per version per day)."""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.ml.models import DriftReport, ModelVersion
from apps.notifications.choices import EventKind, Severity
from apps.notifications.services import Recipients, notification_send


def _portal_path(url_name: str, **kwargs) -> str:
    try:
        return reverse(url_name, kwargs=kwargs)
    except NoReverseMatch:  # a deployment without the portal
        return ""


def artifact_tampered_alert(*, version: ModelVersion, observed_sha256: str) -> None:
    """A critical alert: a version's stored bytes no longer match its SHA-256 (told once per observed hash)."""
    notification_send(
        kind=EventKind.ML_ARTIFACT_TAMPERED,
        key=f"ml_artifact:{version.pk}:tampered:{observed_sha256}",
        context={
            "model": version.model.name,
            "version": version.number,
            "version_id": version.pk,
            "expected_sha256": version.artifact_sha256,
            "observed_sha256": observed_sha256,
            "portal_path": _portal_path("portal:ml_model", name=version.model.name),
        },
        recipients=Recipients(),
        severity=Severity.CRITICAL,
    )


def drift_alert(*, report: DriftReport) -> bool:
    """A warning that a version's features drifted; the key holds the day, so one alert per version per day
    however often the check runs (False: told already today)."""
    version = report.version
    drifted = sorted(
        (feature for feature, value in report.psi.items() if value > report.threshold),
        key=lambda feature: -report.psi[feature],
    )
    day = timezone.localdate(report.checked_at)
    notification = notification_send(
        kind=EventKind.ML_DRIFT_DETECTED,
        key=f"ml_drift:{version.pk}:{day:%Y-%m-%d}",
        context={
            "model": version.model.name,
            "version": version.number,
            "version_id": version.pk,
            "rows": report.rows,
            "max_psi": f"{report.max_psi:.3f}",
            "feature": drifted[0] if drifted else "",
            "drifted": ", ".join(drifted),
            "threshold": f"{report.threshold:.2f}",
            "portal_path": _portal_path("portal:ml_drift"),
        },
        recipients=Recipients(),
        severity=Severity.WARNING,
    )
    return notification is not None
