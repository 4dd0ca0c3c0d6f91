"""The forecast endpoints and `forecast_for`: the documented shape, the stored forecast served while the
history is unchanged, refusals that say what is needed or allowed and store nothing.

Who may call them (every credential) is in tests/api/test_authorization_matrix.py.
"""

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.analytics.models import Forecast
from apps.analytics.query import MetricQuery
from apps.analytics.services.forecasts import forecast_for
from apps.betting.services import bet_place
from apps.betting.services.bets import LegInput
from apps.core.errors import ApplicationError
from tests.analytics.history import place_daily_history

pytestmark = pytest.mark.django_db

POINT_KEYS = {"t", "yhat", "lower_80", "upper_80", "lower_95", "upper_95"}
SERVED_BUDGET = 8


@pytest.fixture(autouse=True)
def _two_origins(settings):
    settings.ANALYTICS_FORECAST_MAX_ORIGINS = 2  # small and quick; production judges on 5


@pytest.fixture
def reader(tenant, make_key):
    _, secret = make_key(["bets:read"], tenant=tenant, name="reader")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _path(tenant) -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/analytics/forecast/"


def _today(tenant):
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.timezone)).date()


def _assert_shape(body: dict, *, horizon: int, first_bucket: str) -> None:
    """The documented keys, `horizon` points from `first_bucket`, intervals nested around the forecast and
    held inside the metric's possible values (the metrics here are never negative)."""
    assert set(body) == {"model", "backtest", "points"}
    assert set(body["backtest"]) == {"mase", "smape", "coverage_80", "coverage_95"}
    assert len(body["points"]) == horizon
    assert body["points"][0]["t"] == first_bucket
    for point in body["points"]:
        assert set(point) == POINT_KEYS
        assert 0 <= point["lower_95"] <= point["lower_80"] <= point["yhat"] <= point["upper_80"] <= point["upper_95"]


def test_a_tenant_key_gets_the_forecast_with_its_backtest_and_it_is_stored(api_client, tenant, actor, reader):
    place_daily_history(tenant=tenant, actor=actor, days=42)  # the least a 14-day forecast needs

    response = api_client.get(_path(tenant), {"metric": "stake_units", "grain": "day", "horizon": 14}, **reader)

    assert response.status_code == 200, response.content
    body = response.json()
    today = _today(tenant)
    _assert_shape(body, horizon=14, first_bucket=today.isoformat())  # today is not over: forecast, not history
    stored = Forecast.objects.get()
    assert (stored.tenant_id, stored.metric, stored.grain, stored.horizon, stored.filters) == (
        tenant.pk, "stake_units", "day", 14, ""
    )  # fmt: skip
    assert (stored.history_start, stored.history_end, stored.history_points) == (
        (today - timedelta(days=42)).isoformat(), (today - timedelta(days=1)).isoformat(), 42
    )  # fmt: skip
    assert (stored.backtest_origins, stored.backtest_points) == (1, 14)  # room for one origin: 28 to fit, 14 held out
    assert stored.as_dict() == body
    assert set(stored.candidates) >= {"linear_trend", "ETS(A,Ad,A)[7]", "SARIMA(0,1,1)(0,1,1)[7]"}


def test_the_stored_forecast_is_served_until_the_history_changes(
    api_client, tenant, actor, reader, django_assert_max_num_queries
):
    bets = place_daily_history(tenant=tenant, actor=actor, days=36)
    params = {"metric": "bets_placed", "horizon": 7}
    first = api_client.get(_path(tenant), params, **reader).json()
    computed_at = Forecast.objects.get().computed_at

    again = api_client.get(_path(tenant), params, **reader).json()

    assert again == first
    assert Forecast.objects.get().computed_at == computed_at  # served, not refitted
    # the key, the path's tenant (twice: authentication and the path), the metric layer's history (the
    # tenants' zones, the rollups' freshness, then rollups or bets and ledger) and the stored forecast
    with django_assert_max_num_queries(SERVED_BUDGET):
        assert api_client.get(_path(tenant), params, **reader).json() == first

    day = _today(tenant) - timedelta(days=3)  # a late-posted bet changes a past day
    tenant.refresh_from_db()  # on the premium plan now (tests/analytics/history.py)
    bet_place(
        tenant=tenant, actor=actor, external_id="late-post", capper=bets[0].capper, stake_units=Decimal("1"),
        legs=[LegInput("prop", "late", 110, None, None, "late")],
        placed_at=datetime.combine(day, time(9), tzinfo=zoneinfo.ZoneInfo(tenant.timezone)),
    )  # fmt: skip
    api_client.get(_path(tenant), params, **reader)

    assert Forecast.objects.get().computed_at > computed_at
    assert Forecast.objects.count() == 1


def test_too_little_history_is_a_400_saying_how_much_is_needed(api_client, tenant, actor, reader):
    place_daily_history(tenant=tenant, actor=actor, days=9)

    response = api_client.get(_path(tenant), {"metric": "stake_units", "grain": "day", "horizon": 14}, **reader)

    since = (_today(tenant) - timedelta(days=9)).isoformat()
    assert (response.status_code, response.json()) == (
        400,
        {
            "code": "insufficient_history",
            "message": "stake_units by day needs at least 42 daily points of history (28 to fit and 14 to check a "
            f"14-day forecast against); it has 9 (since {since}).",
            "fields": {},
        },
    )
    assert not Forecast.objects.exists()


@pytest.mark.parametrize(
    ("params", "code", "field", "fragments"),
    [
        ({}, "invalid_query", "metric", ["Name the metric", "stake_units", "roi"]),
        ({"metric": "bogus"}, "invalid_query", "metric", ["Unknown metric 'bogus'", "bets_placed"]),
        ({"metric": "cache_hit_ratio"}, "invalid_query", "metric", ["Unknown metric"]),  # platform-only
        ({"metric": "pending_bets"}, "not_forecastable", "metric", ["rewritten as bets settle", "stake_units"]),
        ({"metric": "avg_decimal_odds"}, "not_forecastable", "metric", ["only sums, counts and ratios"]),
        ({"metric": "roi", "grain": "minute"}, "invalid_query", "grain", ["hour, day, week, month"]),
        ({"metric": "roi", "horizon": "0"}, "invalid_query", "horizon", ["from 1 to 60"]),
        ({"metric": "roi", "horizon": "61"}, "invalid_query", "horizon", ["from 1 to 60"]),
        ({"metric": "roi", "grain": "hour", "horizon": "73"}, "invalid_query", "horizon", ["from 1 to 72"]),
        ({"metric": "roi", "horizon": "9" * 40}, "invalid_query", "horizon", ["whole number"]),
        ({"metric": "roi", "horizon": "1.5"}, "invalid_query", "horizon", ["whole number"]),
        ({"metric": "roi", "group_by": "league"}, "invalid_query", "group_by", ["filter_<dimension>"]),
        ({"metric": "roi", "metrics": "roi,units_net"}, "invalid_query", "metrics", ["use metric="]),
        ({"metric": "roi", "filter_colour": "red"}, "invalid_query", "filter", ["colour", "league"]),
        ({"metric": "parlay_share", "filter_market": "moneyline"}, "invalid_query", "filter", ["parlay_share"]),
        ({"metric": "roi", "filter_capper": "joe"}, "invalid_query", "filter_capper", ["capper ids"]),
        ({"metric": "roi", "filter_capper": "9" * 19}, "invalid_query", "filter_capper", ["capper ids"]),
        ({"metric": "roi", "filter_league": "nba\x00"}, "invalid_query", "filter_league", ["NUL"]),
    ],
)
def test_bad_parameters_are_refused_naming_what_is_allowed(api_client, tenant, reader, params, code, field, fragments):
    response = api_client.get(_path(tenant), params, **reader)

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["fields"])) == (code, [field])
    for fragment in fragments:
        assert fragment in body["message"]
    assert not Forecast.objects.exists()


def test_the_platform_forecast_adds_up_every_tenant(api_client, tenant, other_tenant, actor, make_key):
    place_daily_history(tenant=tenant, actor=actor, days=36)
    place_daily_history(tenant=other_tenant, actor=actor, days=5)
    _, secret = make_key(["analytics:read"])

    response = api_client.get(
        "/api/v1/analytics/forecast/", {"metric": "bets_placed", "horizon": 7}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )

    assert response.status_code == 200, response.content
    _assert_shape(response.json(), horizon=7, first_bucket=timezone.now().date().isoformat())  # UTC days
    stored = Forecast.objects.get()
    assert (stored.tenant_id, stored.history_points) == (None, 36)


def test_forecast_for_a_widget_query_gives_the_api_shape(tenant, actor):
    place_daily_history(tenant=tenant, actor=actor, days=33)
    widget_range = {"from": (_today(tenant) - timedelta(days=90)).isoformat(), "to": _today(tenant).isoformat()}
    query = MetricQuery.parse({"metrics": "stake_units", "grain": "day", **widget_range}, tenant=tenant)

    shape = forecast_for(query, horizon=5)

    _assert_shape(shape, horizon=5, first_bucket=_today(tenant).isoformat())  # the widget's range does not matter
    assert shape == Forecast.objects.get(metric="stake_units", horizon=5).as_dict()
    assert forecast_for({"metrics": "stake_units", "grain": "day"}, tenant=tenant, horizon=5) == shape


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"metrics": "units_net", "group_by": "league"}, "group_by"),
        ({"metrics": "units_net", "grain": "none"}, "grain"),
        ({"metrics": "units_net,roi"}, "metric"),
    ],
)
def test_forecast_for_refuses_a_query_that_is_not_one_series(tenant, params, field):
    with pytest.raises(ApplicationError) as refusal:
        forecast_for(params, tenant=tenant)

    error = refusal.value
    assert (error.status_code, error.code, list(error.fields)) == (400, "invalid_query", [field])
    assert not Forecast.objects.exists()
