"""Datetimes in filters and bodies are checked against what the database stores (issue 11, item 8).

Any RFC 3339 offset is accepted and the instant is normalised to UTC before a query sees it (PostgreSQL
refuses offsets past 15:59 with `time zone displacement out of range`); an instant outside years
1..9999 in UTC (what Python and the API can hand back) is a 400 that names the field.
"""

from datetime import UTC, datetime

import pytest

from apps.accounts.choices import ApiScope
from apps.betting.models import Game
from tests.api.helpers import assert_error

pytestmark = pytest.mark.django_db

HOME = "/api/v1/tenants/111111111111111111"
FILTERS = [
    ("/api/v1/audit-events/", "occurred_after"),
    ("/api/v1/audit-events/", "occurred_before"),
    (f"{HOME}/audit-events/", "occurred_after"),
    (f"{HOME}/audit-events/", "occurred_before"),
    (f"{HOME}/bets/", "placed_after"),
    (f"{HOME}/bets/", "placed_before"),
    ("/api/v1/games/", "starts_after"),
    ("/api/v1/games/", "starts_before"),
    ("/api/v1/security/events/", "since"),
]
OUT_OF_RANGE = ["9999-12-31T23:59:59-01:00", "0001-01-01T00:30:00+01:00"]


@pytest.fixture
def client(tenant, make_key, client_with_key):
    _, secret = make_key(ApiScope.values, name="platform")
    return client_with_key(secret)


@pytest.mark.parametrize(("path", "name"), FILTERS)
def test_a_filter_with_an_offset_postgresql_cannot_hold_is_normalised_to_utc(client, path, name):
    response = client.get(path, {name: "2026-02-27T01:43:09+17:12"})

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("path", "name"), FILTERS)
@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_filter_outside_the_years_the_database_holds_is_a_400_naming_it(client, path, name, value):
    response = client.get(path, {name: value})

    body = assert_error(response, 400, "invalid", {name})
    assert "between the years 1 and 9999" in body["fields"][name][0]


def test_the_normalised_filter_selects_the_same_instant(client):
    for external_id, second in [("g-before", 8), ("g-at", 9)]:
        response = client.post("/api/v1/games/", _game(external_id, f"2026-02-26T08:31:{second:02d}Z"), format="json")
        assert response.status_code in (200, 201), response.content

    response = client.get("/api/v1/games/", {"starts_before": "2026-02-27T01:43:09+17:12"})

    assert response.status_code == 200
    assert [game["external_id"] for game in response.json()["results"]] == ["g-before"]


def _game(external_id: str, starts_at: str) -> dict:
    return {
        "external_id": external_id,
        "sport": "football",
        "league": "nfl",
        "home_team": "Home",
        "away_team": "Away",
        "starts_at": starts_at,
    }


def test_a_body_datetime_with_a_large_offset_is_stored_in_utc(client):
    response = client.post("/api/v1/games/", _game("g-offset", "2026-02-27T01:43:09+17:12"), format="json")

    assert response.status_code in (200, 201), response.content
    assert Game.objects.get(external_id="g-offset").starts_at == datetime(2026, 2, 26, 8, 31, 9, tzinfo=UTC)


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_body_datetime_outside_the_years_the_database_holds_is_a_400_naming_it(client, value):
    response = client.post(
        f"{HOME}/api-keys/", {"name": "k", "scopes": ["bets:read"], "expires_at": value}, format="json"
    )

    assert_error(response, 400, "invalid", {"expires_at"})
