"""The metric query API: each tenant's key sees only its own rows, platform keys with analytics:read see every
tenant's, bad parameters are a 400 naming what is allowed, and the catalogue lists what may be asked.
(ETags and the cache: test_api_caching.py.)"""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.analytics.invalidation import answer_namespaces
from apps.analytics.metrics import DIMENSIONS, GRAINS, METRICS, metrics_for
from apps.analytics.query import MAX_RANGE_DAYS, MetricQuery, run_query
from apps.betting.services import bet_place, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.core.cache import cache_versions
from apps.privacy.services.requests import request_receive
from tests.analytics.world import build_world
from tests.api.helpers import assert_error
from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.factories import MemberFactory, TenantFactory

pytestmark = pytest.mark.django_db

PLATFORM_QUERY = "/api/v1/analytics/query/"
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
    }
}


def _tenant_query(tenant) -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/analytics/query/"


@pytest.fixture
def worlds(tenant, other_tenant, actor):
    """The same small world (six bets, two cappers) in the home and in the other tenant."""
    return build_world(tenant=tenant, actor=actor, suffix="1"), build_world(
        tenant=other_tenant, actor=actor, suffix="2"
    )


@pytest.fixture
def home_client(tenant, make_key, client_with_key):
    """A key of the home tenant with the scope its own metrics need."""
    _, secret = make_key(["bets:read"], tenant=tenant)
    return client_with_key(secret)


@pytest.fixture
def platform_client(make_key, client_with_key):
    """A platform key holding only analytics:read."""
    _, secret = make_key(["analytics:read"])
    return client_with_key(secret)


def _day_params(world, **params) -> dict:
    day = world.day.date().isoformat()
    return {"from": day, "to": day, "grain": "none", **params}


def _get(client, path: str, params: dict):
    response = client.get(f"{path}?{urlencode(params)}")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_tenant_query_answers_the_query_layers_columns_and_rows(worlds, tenant, home_client):
    params = _day_params(worlds[0], metrics="bets_placed,stake_units,units_net,roi", group_by="league")

    body = _get(home_client, _tenant_query(tenant), params)

    assert body == run_query(MetricQuery.parse(params, tenant=tenant)).as_dict()
    assert body["columns"] == ["league", "bets_placed", "stake_units", "units_net", "roi"]
    assert {row[0]: row[1:3] for row in body["rows"]} == {"nba": [3, 3.5], "nhl": [2, 4.0], None: [1, 1.0]}
    assert body["labels"] == {"league": {"nba": "NBA", "nhl": "NHL"}}


def test_a_tenant_key_sees_only_its_own_rows_even_when_it_filters_on_another_tenant(
    worlds, tenant, other_tenant, home_client
):
    home, other = worlds
    path = _tenant_query(tenant)

    by_capper = _get(home_client, path, _day_params(home, metrics="bets_placed", group_by="capper"))
    everything = _get(home_client, path, _day_params(home, metrics="bets_placed"))
    other_only = _get(home_client, path, _day_params(home, metrics="bets_placed", filter_tenant=other_tenant.guild_id))
    other_by_capper = _get(
        home_client,
        path,
        _day_params(home, metrics="bets_placed", group_by="capper", filter_tenant=other_tenant.guild_id),
    )
    both = _get(
        home_client,
        path,
        _day_params(home, metrics="bets_placed", filter_tenant=f"{tenant.guild_id},{other_tenant.guild_id}"),
    )

    assert {row[0]: row[1] for row in by_capper["rows"]} == {home.joe.pk: 3, home.ann.pk: 3}
    assert by_capper["labels"] == {"capper": {str(home.joe.pk): "joe", str(home.ann.pk): "ann"}}
    assert everything["rows"] == [[6]]  # not the other tenant's six
    assert other_only["rows"] == [[0]]
    assert other_by_capper["rows"] == [] and other_by_capper["labels"] == {}
    assert both["rows"] == [[6]]
    assert other.joe.pk not in [row[0] for row in by_capper["rows"]]


def test_a_tenant_key_on_another_tenants_path_is_not_found(worlds, other_tenant, home_client):
    response = home_client.get(f"{_tenant_query(other_tenant)}?metrics=bets_placed")

    assert_error(response, 404, "tenant_not_found")


def test_event_metrics_count_only_the_tenants_asked_for(
    tenant, other_tenant, make_key, client_with_key, home_client, platform_client
):
    """The data-subject requests of the other tenant, counted for it only (and filter_tenant narrows)."""
    request_receive(actor=Actor.system("test"), member=MemberFactory(tenant=other_tenant), kind="access")
    _, other_secret = make_key(["bets:read"], tenant=other_tenant)
    params = {"metrics": "dsr_open", "grain": "none"}  # the last 30 days: open at the end of today

    home = _get(home_client, _tenant_query(tenant), params)
    other = _get(client_with_key(other_secret), _tenant_query(other_tenant), params)
    other_filtered_out = _get(
        client_with_key(other_secret), _tenant_query(other_tenant), {**params, "filter_tenant": tenant.guild_id}
    )
    by_tenant = _get(platform_client, PLATFORM_QUERY, {**params, "group_by": "tenant"})
    home_only = _get(platform_client, PLATFORM_QUERY, {**params, "filter_tenant": tenant.guild_id})

    assert (home["rows"], other["rows"], other_filtered_out["rows"]) == ([[0]], [[1]], [[0]])
    assert by_tenant["rows"] == [[other_tenant.guild_id, 1]]
    assert home_only["rows"] == [[0]]


def test_a_platform_key_sees_every_tenant_and_groups_by_tenant(worlds, tenant, other_tenant, platform_client):
    params = _day_params(worlds[0], metrics="bets_placed,units_net")

    by_tenant = _get(platform_client, PLATFORM_QUERY, {**params, "group_by": "tenant"})
    total = _get(platform_client, PLATFORM_QUERY, params)
    one = _get(platform_client, PLATFORM_QUERY, {**params, "filter_tenant": other_tenant.guild_id})

    rows = {row[0]: row[1:] for row in by_tenant["rows"]}
    assert set(rows) == {tenant.guild_id, other_tenant.guild_id}
    assert rows[tenant.guild_id] == rows[other_tenant.guild_id]  # the same world in both
    assert rows[tenant.guild_id][0] == 6
    assert by_tenant["labels"] == {"tenant": {tenant.guild_id: "Home Guild", other_tenant.guild_id: "Other Guild"}}
    assert total["rows"] == [[12, pytest.approx(2 * rows[tenant.guild_id][1])]]
    assert one["rows"] == [[6, rows[other_tenant.guild_id][1]]]


def test_a_platform_only_metric_is_answered_on_the_platform_query(platform_client):
    body = _get(platform_client, PLATFORM_QUERY, {"metrics": "incidents_opened", "grain": "none", "format": "json"})

    assert (body["columns"], body["rows"]) == (["incidents_opened"], [[0]])


BAD_QUERIES = [
    # (params, the field named, words the message must contain)
    ({"metrics": "units_net,bogus"}, "metrics", ["bogus", "units_net", "roi"]),
    ({}, "metrics", ["at least one metric", "bets_placed"]),
    ({"metrics": "incidents_opened"}, "metrics", ["Unknown metric incidents_opened", "win_rate"]),
    ({"metrics": ",".join(list(METRICS)[:9])}, "metrics", ["At most 8 metrics"]),
    (
        {"metrics": "parlay_share", "group_by": "market"},
        "group_by",
        ["parlay_share cannot be split by market", "league"],
    ),
    ({"metrics": "roi", "group_by": "tenant"}, "group_by", ["platform-wide"]),
    ({"metrics": "roi", "grain": "minute"}, "grain", ["minute", "hour, day, week, month or none"]),
    ({"metrics": "roi", "from": "2026-13-01"}, "from", ["YYYY-MM-DD"]),
    ({"metrics": "roi", "from": "9999-12-31"}, "from", ["2000-01-01 to 2100-12-31"]),
    ({"metrics": "roi", "from": "2026-11-30", "to": "2026-11-01"}, "from", ["is after"]),
    ({"metrics": "roi", "grain": "hour", "from": "2026-01-01", "to": "2026-03-01"}, "to", ["at most 14 days"]),
    ({"metrics": "roi", "group": "league"}, "group", ["Unknown parameter group", "group_by"]),
    ({"metrics": "roi", "filter_colour": "red"}, "filter", ["colour", "league"]),
    ({"metrics": "roi", "filter_capper": "joe"}, "filter_capper", ["capper ids"]),
    ({"metrics": "roi", "filter_capper": "9" * 20}, "filter_capper", ["capper ids"]),
    (
        {"metrics": "roi", "filter_market": "teaser"},
        "filter_market",
        ["teaser", "moneyline, spread, total, prop, parlay"],
    ),
    ({"metrics": "roi", "filter_league": ",".join(f"l{n}" for n in range(101))}, "filter_league", ["at most 100"]),
    ({"metrics": "roi", "filter_league": "nba\x00"}, "filter_league", ["without NUL"]),
]


@pytest.mark.parametrize(("params", "field", "words"), BAD_QUERIES)
def test_a_bad_tenant_query_is_a_400_naming_the_parameter_and_what_is_allowed(
    tenant, home_client, params, field, words
):
    before = take_snapshot()

    response = home_client.get(f"{_tenant_query(tenant)}?{urlencode(params)}")

    body = assert_error(response, 400, "invalid_query", {field})
    for word in words:
        assert word in body["message"]
    assert body["fields"][field] == [body["message"]]
    assert snapshot_diff(before, take_snapshot()) == {}


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"metrics": "roi", "group_by": "tenant,colour"}, "group_by", ["colour", "tenant, capper"]),
        ({"metrics": "compliance_score", "group_by": "tenant"}, "group_by", ["its dimensions are: none"]),
    ],
)
def test_a_bad_platform_query_is_refused(platform_client, params, field, words):
    response = platform_client.get(f"{PLATFORM_QUERY}?{urlencode(params)}")

    body = assert_error(response, 400, "invalid_query", {field})
    for word in words:
        assert word in body["message"]


def test_a_repeated_parameter_is_read_as_one_comma_separated_list(worlds, tenant, home_client):
    day = worlds[0].day.date().isoformat()
    path = f"{_tenant_query(tenant)}?metrics=bets_placed&metrics=stake_units&grain=none&from={day}&to={day}"

    body = home_client.get(path).json()

    assert (body["columns"], body["rows"]) == (["bets_placed", "stake_units"], [[6, 8.5]])


def test_the_platform_catalogue_lists_every_metric_dimension_and_grain(platform_client):
    body = _get(platform_client, "/api/v1/analytics/metrics/", {})

    assert body["metrics"] == [metric.as_dict() for metric in METRICS.values()]
    assert [dimension["name"] for dimension in body["dimensions"]] == [
        "tenant", "capper", "sport", "league", "market", "bet_type", "route"
    ]  # fmt: skip
    assert body["dimensions"][-2] == {
        "name": "bet_type",
        "description": "single or parlay",
        "values": ["single", "parlay"],
    }
    assert body["grains"] == [
        {"name": grain or "none", "max_range_days": MAX_RANGE_DAYS[grain]} for grain in (*GRAINS, None)
    ]
    assert (body["max_metrics"], body["default_days"], body["max_filter_values"]) == (8, 30, 100)


def test_the_tenant_catalogue_leaves_out_platform_figures_and_the_tenant_dimension(tenant, home_client):
    body = _get(home_client, f"/api/v1/tenants/{tenant.guild_id}/analytics/metrics/", {})

    names = [metric["name"] for metric in body["metrics"]]
    assert names == [name for name, metric in METRICS.items() if not metric.platform_only]
    assert "tenant" not in [dimension["name"] for dimension in body["dimensions"]]
    assert all("tenant" not in metric["dimensions"] for metric in body["metrics"])
    roi = next(metric for metric in body["metrics"] if metric["name"] == "roi")
    assert roi == {**METRICS["roi"].as_dict(), "dimensions": ["bet_type", "capper", "league", "market", "sport"]}


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


def test_a_query_costs_the_same_number_of_queries_for_few_and_many_rows(tenant, actor, home_client, platform_client):
    """Answers are computed uncached here (the test's transaction bumped the versions): the raw engine's cost."""
    world = build_world(tenant=tenant, actor=actor, suffix="1")
    params = _day_params(world, metrics="bets_placed,units_net,roi", group_by="capper,league", grain="day")
    tenant_path = f"{_tenant_query(tenant)}?{urlencode(params)}"
    platform_path = f"{PLATFORM_QUERY}?{urlencode({**params, 'group_by': 'tenant,capper,league'})}"
    _queries(home_client, tenant_path), _queries(platform_client, platform_path)  # the keys' last_used_at writes
    few = (_queries(home_client, tenant_path), _queries(platform_client, platform_path))
    for number in range(2, 5):
        build_world(tenant=TenantFactory() if number % 2 else tenant, actor=actor, suffix=str(number))

    many = (_queries(home_client, tenant_path), _queries(platform_client, platform_path))

    assert many == few


def test_with_redis_unreachable_the_query_answers_from_the_database_without_an_etag(tenant, home_client):
    """No bet was placed in this test's transaction, so only the unreachable cache can take the ETag away."""
    path = f"{_tenant_query(tenant)}?metrics=bets_placed,roi&grain=none"
    reachable = home_client.get(path)
    with override_settings(CACHES=UNREACHABLE_REDIS):
        unreachable = home_client.get(path)

    assert reachable.status_code == unreachable.status_code == 200
    assert reachable.json() == unreachable.json() and unreachable.json()["rows"] == [[0, None]]
    assert "ETag" in reachable and "ETag" not in unreachable


def test_a_game_moved_to_another_league_moves_the_versions_of_the_tenants_with_bets_on_it(tenant, other_tenant, actor):
    """Its bets now count under another league: their tenant's answers (and the platform's) get new ETags."""
    fixture = {"sport": "basketball", "home_team": "Celtics", "away_team": "Knicks", "external_id": "nba-move"}
    starts_at = timezone.now() + timedelta(days=1)
    game_upsert(actor=actor, league="NBA", starts_at=starts_at, **fixture)
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")
    leg = LegInput("moneyline", "home", -110, "nba-move")
    bet_place(tenant=tenant, actor=actor, external_id="move-1", capper=capper, stake_units=Decimal(1), legs=[leg])

    def versions():
        asked = [MetricQuery.parse({"metrics": "roi"}, tenant=tenant) for tenant in (tenant, other_tenant)]
        asked.append(MetricQuery.parse({"metrics": "roi"}))
        return [cache_versions(answer_namespaces(query), tenant_id=query.tenant_id)[0] for query in asked]

    before = versions()
    game_upsert(actor=actor, league="WNBA", starts_at=starts_at, **fixture)
    after = versions()

    assert [old != new for old, new in zip(before, after, strict=True)] == [True, False, True]


def test_the_schema_documents_the_queries_with_the_registrys_enums(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    grains = [*GRAINS, "none"]  # (drf-spectacular sorts a parameter's enum)

    for path, tenant_scoped in (("/api/v1/tenants/{guild_id}/analytics/query/", True), (PLATFORM_QUERY, False)):
        parameters = {parameter["name"]: parameter for parameter in schema["paths"][path]["get"]["parameters"]}
        dimensions = [name for name in DIMENSIONS if not (tenant_scoped and name == "tenant")]
        assert parameters["metrics"]["required"] is True
        assert parameters["metrics"]["schema"]["items"]["enum"] == [
            metric.name for metric in metrics_for(tenant_scoped=tenant_scoped)
        ]
        assert (parameters["metrics"]["style"], parameters["metrics"]["explode"]) == ("form", False)
        assert parameters["group_by"]["schema"]["items"]["enum"] == dimensions
        assert sorted(parameters["grain"]["schema"]["enum"]) == sorted(grains)
        assert {parameters["from"]["schema"]["format"], parameters["to"]["schema"]["format"]} == {"date"}
        assert {name for name in parameters if name.startswith("filter_")} == {f"filter_{d}" for d in dimensions}
        assert parameters["filter_market"]["schema"]["items"]["enum"] == [
            "moneyline", "spread", "total", "prop", "parlay"
        ]  # fmt: skip
    for path in ("/api/v1/analytics/metrics/", "/api/v1/tenants/{guild_id}/analytics/metrics/"):
        assert schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Catalogue"
        }
