"""Incident metrics (issue #13 item 7): mean and p90 of the durations by severity over closed incidents,
open incidents by escalation level; PostgreSQL's percentile_cont and the Python fallback agree."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.incidents.models import Incident
from apps.incidents.selectors_metrics import (
    _postgresql_rows,
    _python_rows,
    incident_metrics,
    percentile_cont,
)

pytestmark = pytest.mark.django_db


def _closed(severity, *, contain, detect=60, acknowledge=None, closed_ago=timedelta(hours=1)):
    detected = timezone.now() - timedelta(days=2)
    return Incident.objects.create(
        title="t",
        kind="other",
        severity=severity,
        status="closed",
        declared_by_label="test",
        detected_at=detected,
        aware_at=detected + timedelta(seconds=detect),
        acknowledged_at=detected + timedelta(seconds=acknowledge) if acknowledge is not None else None,
        contained_at=detected + timedelta(seconds=contain),
        closed_at=timezone.now() - closed_ago,
    )


def test_mean_and_p90_by_severity_and_open_incidents_by_level():
    for seconds in (100, 200, 300, 400, 1000):
        _closed("high", contain=seconds, acknowledge=seconds // 2)
    _closed("low", contain=50)
    Incident.objects.create(title="open", kind="other", severity="high", status="triaged", declared_by_label="t",
                            detected_at=timezone.now(), aware_at=timezone.now(), escalation_level=2)  # fmt: skip
    Incident.objects.create(title="new", kind="other", severity="low", declared_by_label="t",
                            detected_at=timezone.now(), aware_at=timezone.now())  # fmt: skip

    metrics = incident_metrics()

    high = metrics["by_severity"]["high"]
    assert high["closed"] == 5
    assert high["time_to_contain"] == {"count": 5, "mean": 400.0, "p90": 760.0}
    assert high["time_to_acknowledge"] == {"count": 5, "mean": 200.0, "p90": 380.0}
    assert high["time_to_detect"] == {"count": 5, "mean": 60.0, "p90": 60.0}
    assert high["time_to_recover"] == {"count": 0, "mean": None, "p90": None}
    assert metrics["by_severity"]["low"]["time_to_contain"] == {"count": 1, "mean": 50.0, "p90": 50.0}
    assert metrics["by_severity"]["critical"]["closed"] == 0
    assert metrics["open_by_level"] == {0: 1, 1: 0, 2: 1, 3: 0, 4: 0}


def test_since_keeps_the_incidents_closed_after_it():
    _closed("medium", contain=100, closed_ago=timedelta(days=40))
    _closed("medium", contain=300)
    metrics = incident_metrics(since=timezone.now() - timedelta(days=30))
    assert metrics["by_severity"]["medium"]["time_to_contain"] == {"count": 1, "mean": 300.0, "p90": 300.0}


def test_the_python_fallback_gives_the_figures_postgresql_gives():
    for seconds in (7, 13, 29, 31, 97, 101, 1000):
        _closed("critical", contain=seconds, acknowledge=seconds)
    database, python = _postgresql_rows(None), _python_rows(None)
    assert database.keys() == python.keys()
    for key, (count, mean, p90) in database.items():
        assert python[key][0] == count
        assert python[key][1] == pytest.approx(mean) and python[key][2] == pytest.approx(p90)


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([], 0.9) is None
    assert percentile_cont([5.0], 0.9) == 5.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0], 0.9) == pytest.approx(3.7)
