"""Each telemetry test starts with no request counts pending in this process (Redis itself is emptied for
every test by the top-level conftest)."""

import pytest

from apps.core.monitoring.requests import request_metrics


@pytest.fixture(autouse=True)
def _no_pending_request_counts():
    request_metrics.reset()
    yield
    request_metrics.reset()
