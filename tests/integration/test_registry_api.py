"""GET /api/v1/registry/: the map for monitoring, with a platform key holding metrics:read (the refusals
are in tests/api/test_authorization_matrix.py), in a fixed number of queries."""

import pytest

from apps.integration.registry.discovery import registry_sync
from apps.integration.registry.sweep import checks_run_due

pytestmark = pytest.mark.django_db


def test_the_registry_api_lists_services_instances_and_checks(make_key, client_with_key, django_assert_max_num_queries):
    registry_sync()
    checks_run_due()
    _key, secret = make_key(["metrics:read"])

    with django_assert_max_num_queries(8):  # the key, then services, instances, checks: not one per row
        response = client_with_key(secret).get("/api/v1/registry/")

    assert response.status_code == 200
    services = {service["name"]: service for service in response.json()["services"]}
    assert set(services) == {"database", "redis", "broker"}
    database = services["database"]
    assert (database["kind"], database["is_critical"]) == ("database", True)
    (instance,) = database["instances"]
    assert instance["status"] == "passing"
    assert sorted((check["name"], check["kind"], check["status"]) for check in instance["checks"]) == [
        ("sql", "sql", "passing"),
        ("tcp", "tcp", "passing"),
    ]
