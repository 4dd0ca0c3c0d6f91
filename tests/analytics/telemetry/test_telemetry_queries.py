"""The request metrics through the query layer: p95 from the summed histograms by route, error rates, a
tenant's own rows in its own time zone, and the route dimension refused where it has no meaning."""

from datetime import UTC, date, datetime

import pytest

from apps.analytics.query import MetricQuery
from apps.analytics.telemetry.sampler import telemetry_sample
from apps.core.errors import ApplicationError
from apps.core.monitoring.requests import SeriesKey, request_metrics
from tests.analytics.telemetry.helpers import query
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

SAMPLED_AT = datetime(2026, 11, 10, 3, 30, tzinfo=UTC)  # 22:30 on Nov 9 in New York
DAY = SAMPLED_AT.date()
BETS, MEMBERS = "v1:bet-list", "v1:tenant-member-list"


def _record(route: str, tenant: str, latencies_ms: list[float], status: int = 200) -> None:
    for milliseconds in latencies_ms:
        request_metrics.record(SeriesKey("api", route, tenant), status, milliseconds / 1000)


def test_p95_latency_and_error_rate_by_route_from_the_histograms(tenant):
    guild = tenant.guild_id
    _record(BETS, guild, [3] * 7 + [40])
    _record(BETS, guild, [3], status=500)
    _record(BETS, guild, [700], status=503)
    _record(MEMBERS, guild, [12] * 10 + [30] * 10)
    _record(MEMBERS, "", [30], status=401)  # refused before the tenant was checked
    request_metrics.flush()
    telemetry_sample(now=SAMPLED_AT)
    metrics = "api_requests,api_error_rate,api_latency_p95_ms"

    by_route = query(metrics, start=DAY, end=DAY, group_by="route")
    own = query(metrics, start=DAY, end=DAY, tenant=tenant, group_by="route")
    tenant_total = query(metrics, start=DAY, end=DAY, tenant=tenant)
    one_route = query("api_latency_p95_ms", start=DAY, end=DAY, tenant=tenant, filter_route=BETS)

    # bets: 8 ≤ 5 ms, 1 in (25, 50], 1 in (500, 1000]: rank 9.5 → 500 + 500 × 0.5 / 1
    # members: 10 in (10, 25], 11 in (25, 50]: rank 19.95 → 25 + 25 × 9.95 / 11
    assert by_route.rows == [[BETS, 10, 0.2, 750.0], [MEMBERS, 21, 0.0, round(25 + 25 * 9.95 / 11, 1)]]
    # the tenant's own members requests: 20, rank 19 → 25 + 25 × 9 / 10
    assert own.rows == [[BETS, 10, 0.2, 750.0], [MEMBERS, 20, 0.0, 47.5]]
    # both routes: 8 ≤ 5, 10 in (10, 25], 11 in (25, 50], 1 in (500, 1000]: rank 28.5 → 25 + 25 × 10.5 / 11
    assert tenant_total.rows == [[30, round(2 / 30, 6), round(25 + 25 * 10.5 / 11, 1)]]
    assert one_route.rows == [[750.0]]


def test_a_tenants_requests_fall_in_its_own_days_and_platform_hours_are_utc(tenant):
    new_york = TenantFactory(guild_id="333333333333333333", name="East", timezone="America/New_York")
    _record(BETS, new_york.guild_id, [3, 3, 3])
    _record(BETS, tenant.guild_id, [3])
    request_metrics.record(SeriesKey("other", "healthz", ""), 200, 0.001)  # not the API surface
    _record("v1:metrics", "", [3, 3])  # platform endpoints have no tenant
    request_metrics.flush()
    telemetry_sample(now=SAMPLED_AT)
    start, end = date(2026, 11, 9), date(2026, 11, 10)

    own_days = query("api_requests", start=start, end=end, tenant=new_york, grain="day")
    platform_days = query("api_requests", start=start, end=end, grain="day", group_by="tenant")
    platform_hours = query("api_requests", start=DAY, end=DAY, grain="hour")

    assert own_days.rows == [["2026-11-09", 3], ["2026-11-10", 0]]
    assert platform_days.rows == [
        [tenant.guild_id, "2026-11-09", 0],
        [tenant.guild_id, "2026-11-10", 1],
        [new_york.guild_id, "2026-11-09", 3],
        [new_york.guild_id, "2026-11-10", 0],
        [None, "2026-11-09", 0],
        [None, "2026-11-10", 2],
    ]
    assert platform_days.labels["tenant"] == {tenant.guild_id: "Home Guild", new_york.guild_id: "East"}
    assert platform_hours.column("api_requests")[3] == 6 and sum(platform_hours.column("api_requests")) == 6


def test_a_tenant_sees_only_its_own_requests(tenant, other_tenant):
    _record(BETS, tenant.guild_id, [3, 3])
    _record(BETS, other_tenant.guild_id, [3, 3, 3], status=500)
    request_metrics.flush()
    telemetry_sample(now=SAMPLED_AT)

    assert query("api_requests,api_error_rate", start=DAY, end=DAY, tenant=tenant).rows == [[2, 0.0]]
    assert query("api_requests,api_error_rate", start=DAY, end=DAY, tenant=other_tenant).rows == [[3, 1.0]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"metrics": "bets_placed", "group_by": "route"},
            "bets_placed cannot be split by route (group_by); its dimensions are: bet_type, capper, league, market, "
            "sport, tenant.",
        ),
        (
            {"metrics": "units_net", "filter_route": BETS},
            "units_net cannot be split by route (filter); its dimensions are: bet_type, capper, league, market, "
            "sport, tenant.",
        ),
        (
            {"metrics": "api_requests,queue_depth", "group_by": "route"},
            "queue_depth cannot be split by route (group_by); its dimensions are: none.",
        ),
    ],
)
def test_the_route_dimension_is_refused_for_metrics_that_have_no_route(params, message):
    with pytest.raises(ApplicationError) as refused:
        MetricQuery.parse(params)

    assert (refused.value.status_code, str(refused.value.message)) == (400, message)


def test_a_tenant_query_cannot_ask_for_platform_telemetry(tenant):
    with pytest.raises(ApplicationError) as refused:
        MetricQuery.parse({"metrics": "api_latency_p95_ms,worker_memory_mb"}, tenant=tenant)

    assert "Unknown metric worker_memory_mb" in str(refused.value.message)
    assert "api_latency_p95_ms" in str(refused.value.message)  # named among the allowed ones
