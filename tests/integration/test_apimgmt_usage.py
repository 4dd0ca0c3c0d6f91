"""API usage per key and route: real requests through the middleware, the flush to Redis, the beat fold into
daily rows, the usage endpoint and the portal page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.choices import StaffRole
from apps.core.cache.store import default_store
from apps.core.monitoring.requests import SeriesKey, request_metrics, usage_hash, usage_totals
from apps.integration.api.tasks import api_usage_fold_task
from apps.integration.api.usage_fold import usage_fold
from apps.integration.models import ApiUsageDay
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

BETS = "v1:bet-list"
USAGE = "v1:tenant-usage"


@pytest.fixture(autouse=True)
def _no_pending_counts():
    request_metrics.reset()
    yield
    request_metrics.reset()


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _usage(client, tenant, query: str = ""):
    return client.get(f"/api/v1/tenants/{tenant.guild_id}/usage/{query}")


@pytest.fixture
def keys(tenant, make_key, client_with_key):
    """Two keys of the home tenant (reader, admin) and a platform key, each with its client."""
    reader, reader_secret = make_key(["bets:read"], tenant=tenant, name="reader")
    admin, admin_secret = make_key(["bets:read", "tenants:admin"], tenant=tenant, name="admin")
    platform, platform_secret = make_key(["bets:read", "tenants:admin"], name="platform")
    return {
        "reader": (reader, client_with_key(reader_secret)),
        "admin": (admin, client_with_key(admin_secret)),
        "platform": (platform, client_with_key(platform_secret)),
    }


def test_requests_are_counted_per_key_and_route_and_folded_into_daily_rows(tenant, keys):
    reader, reader_client = keys["reader"]
    admin, admin_client = keys["admin"]
    _, platform_client = keys["platform"]
    bets = f"/api/v1/tenants/{tenant.guild_id}/bets/"
    for _ in range(3):
        assert reader_client.get(bets).status_code == 200
    assert reader_client.get(f"{bets}999999/").status_code == 404
    assert admin_client.get(bets).status_code == 200
    assert platform_client.get(bets).status_code == 200  # the platform's call, not the tenant's key

    result = usage_fold()

    assert result.created == 4  # reader: list + detail; admin: list; platform: list
    rows = {
        (row.api_key_id, row.route): row for row in ApiUsageDay.objects.filter(day=_today(), api_key__tenant=tenant)
    }
    assert set(rows) == {(reader.pk, BETS), (reader.pk, "v1:bet-detail"), (admin.pk, BETS)}
    listing = rows[(reader.pk, BETS)]
    assert (listing.requests, listing.errors_4xx, listing.errors_5xx, listing.tenant_id) == (3, 0, 0, tenant.pk)
    assert sum(listing.latency_buckets) == 3 and listing.latency_ms_sum > 0
    detail = rows[(reader.pk, "v1:bet-detail")]
    assert (detail.requests, detail.errors_4xx) == (1, 1)
    assert rows[(admin.pk, BETS)].requests == 1

    body = _usage(admin_client, tenant).json()
    assert [(row["key"], row["requests"], row["errors_4xx"]) for row in body["by_key"]] == sorted(
        [(reader.prefix, 4, 1), (admin.prefix, 1, 0)]
    )
    assert {row["route"]: row["requests"] for row in body["by_route"]} == {BETS: 4, "v1:bet-detail": 1}
    assert body["total"]["requests"] == 5
    assert body["from"] == (datetime.now(UTC).date() - timedelta(days=6)).isoformat() and body["to"] == _today()


def test_the_fold_writes_totals_so_a_second_run_changes_nothing_and_later_requests_update_the_row(tenant, keys):
    reader, reader_client = keys["reader"]
    bets = f"/api/v1/tenants/{tenant.guild_id}/bets/"
    reader_client.get(bets)
    assert usage_fold().created == 1
    again = usage_fold()
    assert (again.created, again.updated) == (0, 0)
    reader_client.get(bets)
    reader_client.get(bets)
    assert (usage_fold().updated, ApiUsageDay.objects.get(api_key=reader, route=BETS).requests) == (1, 3)
    assert api_usage_fold_task.apply().get() == 0  # the beat task: nothing new


def test_p50_and_p95_come_from_the_summed_latency_histogram(tenant, keys):
    reader, _ = keys["reader"]
    series = SeriesKey("api", BETS, tenant.guild_id)
    for _ in range(90):
        request_metrics.record(series, 200, 0.003, api_key_id=reader.pk)  # bucket ≤ 5 ms
    for _ in range(10):
        request_metrics.record(series, 500, 0.300, api_key_id=reader.pk)  # bucket 250–500 ms
    usage_fold()

    row = ApiUsageDay.objects.get(api_key=reader, route=BETS)
    assert (row.requests, row.errors_5xx) == (100, 10)
    assert row.latency_buckets == [90, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0]
    _, admin_client = keys["admin"]
    (by_key,) = [line for line in _usage(admin_client, tenant).json()["by_key"] if line["key"] == reader.prefix]
    # rank 95 of 100 falls in the 250–500 ms bucket, 5 of its 10 in: 250 + 250 × 5/10
    assert by_key["p95_ms"] == 375.0
    assert by_key["p50_ms"] == round(5 * 50 / 90, 2)  # rank 50 of the 90 in the 0–5 ms bucket
    assert by_key["mean_ms"] == round((90 * 3 + 10 * 300) / 100, 2)


def test_usage_filters_by_key_and_route_and_shows_only_the_tenants_own_keys(tenant, other_tenant, keys, make_key):
    reader, reader_client = keys["reader"]
    _, admin_client = keys["admin"]
    _, other_secret = make_key(["bets:read"], tenant=other_tenant, name="other")
    reader_client.get(f"/api/v1/tenants/{tenant.guild_id}/bets/")
    reader_client.get(f"/api/v1/tenants/{tenant.guild_id}/cappers/")
    usage_fold()

    by_key = _usage(admin_client, tenant, f"?key={reader.prefix}&route=v1:capper-list").json()
    assert [(row["key"], row["route"], row["requests"]) for row in by_key["days"]] == [
        (reader.prefix, "v1:capper-list", 1)
    ]
    assert _usage(admin_client, tenant, "?key=nosuchkey").json()["total"]["requests"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2026-12-10&to=2026-12-01", "from"),
        ("?from=yesterday", "from"),
        ("?to=2026-13-01", "to"),
        ("?from=2026-01-01&to=2026-12-01", "from"),  # longer than USAGE_MAX_RANGE_DAYS
        ("?days=7", "days"),
    ],
)
def test_a_bad_range_is_a_400_naming_the_parameter(tenant, keys, query, field):
    _, admin_client = keys["admin"]
    response = _usage(admin_client, tenant, query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in {"invalid_range", "invalid_query"} and set(body["fields"]) == {field}


def test_the_fold_deletes_day_hashes_older_than_the_fold_window(tenant, keys):
    reader, _ = keys["reader"]
    old_day = (datetime.now(UTC).date() - timedelta(days=5)).isoformat()
    default_store().add_counters(usage_hash(old_day), {f"{tenant.guild_id}|{reader.pk}|{BETS}|c2xx": 1})
    usage_fold()
    assert usage_totals(old_day) == {}


def test_the_portal_page_shows_usage_per_key_and_route_to_verified_staff(tenant, keys, staff_user):
    reader, reader_client = keys["reader"]
    reader_client.get(f"/api/v1/tenants/{tenant.guild_id}/bets/")
    usage_fold()
    analyst = verified_client(staff_user(StaffRole.SECURITY_ANALYST, username="usage-analyst"))

    page = analyst.get(f"/portal/integration/usage/?guild_id={tenant.guild_id}")

    assert page.status_code == 200
    html = page.content.decode()
    assert f"<code>{reader.prefix}</code>" in html and f"<code>{BETS}</code>" in html
    assert 'data-figure="fig-usage"' in html
    officer = verified_client(staff_user(StaffRole.COMPLIANCE_OFFICER, username="usage-officer"))
    assert officer.get("/portal/integration/usage/").status_code == 403
    unverified = staff_user(StaffRole.SECURITY_ANALYST, username="usage-unverified")
    client = type(analyst)()
    client.force_login(unverified)
    assert client.get("/portal/integration/usage/").status_code == 302  # to the second-factor sign-in


def _rows(keys_and_routes, offsets: range) -> None:
    today = datetime.now(UTC).date()
    ApiUsageDay.objects.bulk_create(
        ApiUsageDay(
            day=today - timedelta(days=offset), api_key=api_key, tenant=api_key.tenant, route=route,
            requests=10, errors_4xx=1, latency_ms_sum=50.0, latency_buckets=[5, 5] + [0] * 10,
        )
        for api_key, route in keys_and_routes
        for offset in offsets
    )  # fmt: skip


def test_the_usage_endpoint_reads_in_a_fixed_number_of_queries(tenant, keys):
    reader, _ = keys["reader"]
    admin, admin_client = keys["admin"]
    _rows([(reader, BETS)], range(1))
    _usage(admin_client, tenant)  # the key and the tenant come from the cache from now on
    with CaptureQueriesContext(connection) as small:
        assert _usage(admin_client, tenant).json()["total"]["requests"] == 10
    _rows([(reader, "v1:capper-list"), (admin, BETS), (admin, "v1:capper-list")], range(7))
    _rows([(reader, BETS)], range(1, 7))
    with CaptureQueriesContext(connection) as large:
        body = _usage(admin_client, tenant).json()
    assert (body["total"]["requests"], len(body["days"]), len(body["by_day"])) == (280, 28, 7)
    assert body["by_key"][0]["p95_ms"] == 9.5  # half the requests in each of the first two buckets
    assert len(large.captured_queries) == len(small.captured_queries) <= 2  # the rows with their keys and tenants
