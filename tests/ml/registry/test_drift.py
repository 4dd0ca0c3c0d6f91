"""Feature drift: PSI of the champion's logged features against its training sample; above the threshold a
warning goes out through the notification layer, once per version per day."""

import numpy as np
import pytest

from apps.ml.models import DriftReport
from apps.ml.registry import demo
from apps.ml.registry.drift import drift_check, psi
from apps.ml.registry.predict import predict
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_psi_is_near_zero_for_the_same_distribution_and_large_for_a_shifted_one():
    generator = np.random.default_rng(0)
    reference = generator.normal(size=5000)

    assert psi(reference, generator.normal(size=5000)) < 0.02
    assert psi(reference, generator.normal(loc=1.0, size=5000)) > 0.5


def _log_calls(shift: float, calls: int = 6, rows: int = 50) -> None:
    generator = np.random.default_rng(42)
    for _ in range(calls):
        values = generator.normal(size=(rows, 3))
        values[:, 0] += shift
        inputs = [{"x1": float(a), "x2": float(b), "x3": float(c)} for a, b, c in values]
        predict(name=demo.NAME, inputs=inputs)


def test_a_drifted_feature_raises_one_alert_per_version_per_day(demo_versions, settings):
    settings.ML_DRIFT_MIN_ROWS = 200
    _log_calls(shift=2.0)

    (report,) = drift_check()
    (again,) = drift_check()

    assert (report.status, report.rows, report.version.number) == ("drift", 300, 1)
    assert report.psi["x1"] > 0.2 > max(report.psi["x2"], report.psi["x3"])
    assert report.max_psi == report.psi["x1"]
    notice = Notification.objects.get(kind="ml_drift_detected")
    assert notice.payload["feature"] == "x1" and notice.payload["drifted"] == "x1"
    assert again.status == "drift"
    assert Notification.objects.filter(kind="ml_drift_detected").count() == 1  # not every hour


def test_stable_features_raise_nothing_and_too_few_rows_say_so(demo_versions, settings):
    settings.ML_DRIFT_MIN_ROWS = 200
    _log_calls(shift=0.0, calls=2)
    (few,) = drift_check()
    _log_calls(shift=0.0, calls=4)

    (report,) = drift_check()

    assert (few.status, few.psi, few.max_psi) == ("insufficient", {}, None)
    assert report.status == "stable" and report.max_psi < 0.2
    assert DriftReport.objects.count() == 2
    assert not Notification.objects.filter(kind="ml_drift_detected").exists()
