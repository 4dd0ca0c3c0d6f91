"""/readyz reads the registry: a recent critical check of Redis (a real refused connection) is a 503 naming
the cache; a stale result, or none at all (the registry never ran), and /readyz checks directly."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integration.models import HealthCheck
from apps.integration.registry.discovery import registry_sync
from apps.integration.registry.runners import check_probe
from apps.integration.registry.services import check_result_record
from apps.integration.registry.sweep import checks_run_due
from tests.integration.registry_helpers import dead_port

pytestmark = pytest.mark.django_db


def _redis_check_pointed_at_a_closed_port(settings):
    registry_sync()
    redis_check = registry_check("redis")
    settings.REGISTRY_TEST_CLOSED_REDIS = f"redis://127.0.0.1:{dead_port()}/0"
    redis_check.target = {"setting": "REGISTRY_TEST_CLOSED_REDIS"}
    return redis_check


def registry_check(service: str) -> HealthCheck:
    return HealthCheck.objects.get(instance__service__name=service)


def test_readyz_reads_passing_checks_from_the_registry(client):
    registry_sync()
    assert checks_run_due()["passing"] == 4  # database sql + tcp, Redis ping, broker ping

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
        "down": [],
        "via": {"database": "registry", "cache": "registry", "broker": "registry"},
    }


def test_a_recent_critical_redis_check_makes_readyz_answer_503(client, settings):
    redis_check = _redis_check_pointed_at_a_closed_port(settings)
    check_result_record(check=redis_check, probe=check_probe(redis_check))

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["cache"]
    assert body["checks"]["cache"].startswith("down: ping: ConnectionError")
    assert body["via"]["cache"] == "registry"


def test_a_stale_registry_result_falls_back_to_the_direct_check(client, settings):
    redis_check = _redis_check_pointed_at_a_closed_port(settings)
    long_ago = timezone.now() - timedelta(seconds=settings.REGISTRY_READINESS_MAX_AGE_SECONDS + 1)
    check_result_record(check=redis_check, probe=check_probe(redis_check), now=long_ago)

    response = client.get("/readyz")

    assert response.status_code == 200  # the real Redis answers the direct check
    assert response.json()["via"] == {"database": "direct", "cache": "direct", "broker": "direct"}


def test_readyz_stays_cheap_when_it_reads_the_registry(client, django_assert_num_queries):
    registry_sync()
    checks_run_due()
    with django_assert_num_queries(1):
        assert client.get("/readyz").status_code == 200
