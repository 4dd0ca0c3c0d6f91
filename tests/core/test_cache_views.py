import pytest

from apps.core.cache import cache_get_or_set
from tests.factories import UserFactory
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


def _warm_leaderboard():
    for _ in range(3):
        cache_get_or_set("leaderboard", "2026-11", lambda: {"rows": []}, tenant_id=1)


def test_metrics_expose_the_cache_counters_in_prometheus_text(make_key, client_with_key):
    _warm_leaderboard()
    _, secret = make_key(["metrics:read"])

    response = client_with_key(secret).get("/api/v1/metrics/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'dbsbm_cache_operations_total{namespace="leaderboard",outcome="hit"} 2' in text
    assert 'dbsbm_cache_operations_total{namespace="leaderboard",outcome="miss"} 1' in text
    assert "dbsbm_cache_breaker_state 0" in text


@pytest.mark.parametrize(
    ("scopes", "tenant_key", "status"),
    [(None, False, 401), (["bets:read"], False, 403), (["metrics:read"], True, 403)],
)
def test_metrics_need_a_platform_key_with_metrics_read(
    scopes, tenant_key, status, tenant, make_key, make_legacy_key, client_with_key
):
    secret = None
    if scopes is not None:
        _, secret = make_legacy_key(scopes, tenant=tenant) if tenant_key else make_key(scopes)
    assert client_with_key(secret).get("/api/v1/metrics/").status_code == status


def test_the_admin_cache_page_shows_each_namespace_and_the_breaker(client):
    _warm_leaderboard()
    verified_client(UserFactory(is_superuser=True), client)

    response = client.get("/admin/cache/")

    assert response.status_code == 200
    rows = {row["namespace"]: row for row in response.context["rows"]}
    assert (rows["leaderboard"]["hit"], rows["leaderboard"]["miss"]) == (2, 1)
    assert response.context["breaker_state"] == "closed"


def test_the_admin_cache_page_is_for_staff_only(client):
    client.force_login(UserFactory(is_staff=False))
    assert client.get("/admin/cache/").status_code == 302  # to the staff login
