"""Request metrics through the real middleware stack: what a request is counted under (surface, route name,
tenant, status class), its latency histogram, the flush to Redis, Redis being down, and the Prometheus text."""

import socket

import pytest
from django.core.asgi import get_asgi_application
from django.utils import timezone

from apps.accounts.choices import ApiScope
from apps.analytics.models import TelemetryCursor
from apps.analytics.telemetry.sampler import telemetry_sample
from apps.betting.api.views import BetViewSet
from apps.core.middleware import ConditionalGetASGI
from apps.core.monitoring.requests import (
    LATENCY_BOUNDS_MS,
    SeriesKey,
    request_metrics,
    request_series,
    request_totals,
)
from apps.keyring.master import reset_master_key
from apps.keyring.ring import key_ring
from tests.analytics.telemetry.helpers import asgi_get, query

pytestmark = pytest.mark.django_db

MEMBERS = "v1:tenant-member-list"
WRONG_MASTER_KEY = "d3JvbmctbWFzdGVyLWtleS0wMDAwMDAwMDAwMDAwMDA="


def _members(tenant) -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/members/"


def _histogram_total(counters: dict[str, int]) -> int:
    return sum(counters.get(f"le{index}", 0) for index in range(len(LATENCY_BOUNDS_MS) + 1))


def _answer_with_a_wrong_master_key(client, path: str, settings) -> int:
    """A real 5xx: with another master key the data keys cannot be unwrapped, and the API answers 503."""
    settings.DBSBM_MASTER_KEY = WRONG_MASTER_KEY
    reset_master_key()
    key_ring.clear()
    try:
        return client.get(path).status_code
    finally:
        del settings.DBSBM_MASTER_KEY
        reset_master_key()
        key_ring.clear()


@pytest.fixture
def member_client(tenant, make_key, client_with_key):
    _, secret = make_key([ApiScope.MEMBERS_READ, ApiScope.MEMBERS_WRITE], tenant=tenant)
    return client_with_key(secret)


def test_ten_requests_with_two_5xx_are_counted_per_route_tenant_and_status_class(
    tenant, other_tenant, member_client, api_client, client, settings
):
    created = member_client.post(
        _members(tenant),
        {"discord_user_id": "300000000000000001", "username": "ada", "email": "ada@example.org"},
        format="json",
    )
    statuses = [created.status_code] + [member_client.get(_members(tenant)).status_code for _ in range(7)]
    statuses += [_answer_with_a_wrong_master_key(member_client, _members(tenant), settings) for _ in range(2)]
    refused = [
        api_client.get(_members(tenant)).status_code,  # no key: 401, the tenant was never checked
        member_client.get(_members(other_tenant)).status_code,  # another tenant's path: 404
        member_client.get("/api/v1/no-such-thing/").status_code,  # no route
        client.get("/healthz").status_code,
        client.get("/static/vendor/plotly.min.js").status_code,  # static files are not counted
    ]
    assert statuses == [201] + [200] * 7 + [503, 503]
    assert refused == [401, 404, 404, 200, 200]

    request_metrics.flush()
    series = request_series(request_totals())

    own = series[SeriesKey("api", MEMBERS, tenant.guild_id)]
    assert (own.get("c2xx"), own.get("c4xx"), own.get("c5xx"), _histogram_total(own)) == (8, None, 2, 10)
    assert own["us"] > 0
    unchecked = series[SeriesKey("api", MEMBERS, "")]
    assert (unchecked.get("c2xx"), unchecked["c4xx"], _histogram_total(unchecked)) == (None, 2, 2)
    assert series[SeriesKey("api", "(unmatched)", "")]["c4xx"] == 1
    assert series[SeriesKey("other", "healthz", "")]["c2xx"] == 1
    assert set(series) == {
        SeriesKey("api", MEMBERS, tenant.guild_id),
        SeriesKey("api", MEMBERS, ""),
        SeriesKey("api", "(unmatched)", ""),
        SeriesKey("other", "healthz", ""),
    }

    telemetry_sample()
    today = timezone.localdate()
    tenant_figures = query("api_requests,api_error_rate", start=today, end=today, tenant=tenant)
    assert tenant_figures.rows == [[10, 0.2]]
    platform = query("api_requests,api_error_rate", start=today, end=today, group_by="route")
    assert platform.rows == [["(unmatched)", 1, 0.0], [MEMBERS, 12, round(2 / 12, 6)]]


@pytest.mark.django_db(transaction=True)  # the fast path answers from the cache, which stores nothing mid-transaction
def test_conditional_gets_answered_before_the_view_are_counted_with_their_route_and_tenant(
    tenant, make_key, client_with_key, monkeypatch
):
    _, secret = make_key(["bets:read"], tenant=tenant)
    reader = client_with_key(secret)
    path = f"/api/v1/tenants/{tenant.guild_id}/bets/"
    etag = reader.get(path)["ETag"]

    def dispatch(self, request, *args, **kwargs):
        raise AssertionError("the fast path should have answered")

    monkeypatch.setattr(BetViewSet, "dispatch", dispatch, raising=False)
    through_middleware = reader.get(path, HTTP_IF_NONE_MATCH=etag).status_code
    before_django = asgi_get(
        ConditionalGetASGI(get_asgi_application()), path, {"Authorization": f"Bearer {secret}", "If-None-Match": etag}
    )

    request_metrics.flush()
    counters = request_series(request_totals())[SeriesKey("api", "v1:bet-list", tenant.guild_id)]
    assert (through_middleware, before_django) == (304, 304)
    assert (counters["c2xx"], counters["c3xx"], _histogram_total(counters)) == (1, 2, 3)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_counts_wait_in_the_process_while_redis_is_down_and_are_sampled_once_it_is_back(tenant, settings):
    key = SeriesKey("api", "v1:tenant-bet-list", tenant.guild_id)
    request_metrics.record(key, 200, 0.004)
    request_metrics.flush()
    telemetry_sample()
    reading = TelemetryCursor.objects.get().readings
    up = settings.CACHES
    settings.CACHES = {
        "default": {
            **up["default"],
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {**up["default"]["OPTIONS"], "SOCKET_CONNECT_TIMEOUT": 0.05, "SOCKET_TIMEOUT": 0.05},
        }
    }
    request_metrics.record(key, 500, 0.004)
    request_metrics.record(key, 200, 0.020)
    request_metrics.flush()  # refused: the counts stay pending
    pending = request_metrics.pending()
    telemetry_sample()  # the counters cannot be read: the cursor keeps its reading
    reading_while_down = TelemetryCursor.objects.get().readings
    settings.CACHES = up

    request_metrics.flush()
    telemetry_sample()

    prefix = f"api|v1:tenant-bet-list|{tenant.guild_id}|"
    assert pending == {
        f"{prefix}c5xx": 1,
        f"{prefix}c2xx": 1,
        f"{prefix}us": 24000,
        f"{prefix}le0": 1,
        f"{prefix}le2": 1,
    }
    assert reading_while_down == reading
    today = timezone.localdate()
    assert query("api_requests,api_error_rate", start=today, end=today, tenant=tenant).rows == [[3, round(1 / 3, 6)]]


def test_the_metrics_endpoint_exposes_request_counters_and_the_latency_histogram(
    tenant, make_key, client_with_key, member_client
):
    for _ in range(3):
        member_client.get(_members(tenant))
    request_metrics.flush()
    _, secret = make_key([ApiScope.METRICS_READ])

    text = client_with_key(secret).get("/api/v1/metrics/").content.decode()

    labels = f'surface="api",route="{MEMBERS}"'
    assert f'dbsbm_http_requests_total{{{labels},status_class="2xx"}} 3' in text
    assert f'dbsbm_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} 3' in text
    assert f"dbsbm_http_request_duration_seconds_count{{{labels}}} 3" in text
    buckets = [
        line for line in text.splitlines() if line.startswith(f"dbsbm_http_request_duration_seconds_bucket{{{labels}")
    ]
    counts = [int(line.rsplit(" ", 1)[1]) for line in buckets]
    assert len(buckets) == len(LATENCY_BOUNDS_MS) + 1 and counts == sorted(counts)  # cumulative, as Prometheus reads it
