"""GET /api/v1/games/{external_id}/odds/: the latest quote per market/selection/bookmaker, or the movement
with history=1; filters, bad parameters as 400s, 304s from the odds' cache version, a query budget.
Transactional: the cached bodies and ETags are only made outside a transaction that wrote odds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.betting.services import OddsQuoteInput, odds_quotes_upsert

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now().replace(microsecond=0)
URL = "/api/v1/games/nba-1/odds/"


def quote(market="spread", selection="home", odds=-110, line="-3.5", bookmaker="Book", minutes_ago=60):
    return OddsQuoteInput(
        market=market,
        selection=selection,
        american_odds=odds,
        line=None if line is None else Decimal(line),
        bookmaker=bookmaker,
        quoted_at=NOW - timedelta(minutes=minutes_ago),
    )


@pytest.fixture
def game(make_game, actor):
    game = make_game("nba-1")
    odds_quotes_upsert(
        actor=actor,
        game=game,
        quotes=[
            quote(odds=-110, minutes_ago=60),
            quote(line="-4", odds=-110, minutes_ago=30),
            quote(selection="away", line="3.5", odds=-110, minutes_ago=60),
            quote("moneyline", "home", -170, None, bookmaker="Other", minutes_ago=45),
            quote("total", "over", -105, "210.5", minutes_ago=50),
        ],
        source="feed:scores",
    )
    return game


@pytest.fixture
def reader(tenant, make_key, client_with_key):
    """Games are platform data: a tenant's key without any betting scope reads them."""
    _, secret = make_key(["tenants:read"], tenant=tenant)
    return client_with_key(secret)


def _rows(response) -> list[tuple]:
    return [(q["market"], q["selection"], q["line"], q["american_odds"], q["bookmaker"]) for q in response["quotes"]]


def test_the_latest_quote_of_each_market_selection_and_bookmaker(game, reader):
    response = reader.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["game"], body["history"], body["truncated"]) == ("nba-1", False, False)
    assert _rows(body) == [
        ("moneyline", "home", None, -170, "Other"),
        ("spread", "away", "3.50", -110, "Book"),
        ("spread", "home", "-4.00", -110, "Book"),
        ("total", "over", "210.50", -105, "Book"),
    ]
    assert body["quotes"][2]["quoted_at"] == (NOW - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    assert set(body["quotes"][0]) == {
        "market", "selection", "line", "american_odds", "bookmaker", "quoted_at", "received_at",
    }  # fmt: skip


def test_history_is_the_line_movement_in_time_order_and_filters_narrow_it(game, reader):
    history = reader.get(URL, {"history": "1", "market": "spread", "bookmaker": "Book"}).json()
    since = reader.get(URL, {"history": "true", "since": (NOW - timedelta(minutes=40)).isoformat()}).json()
    latest_moneyline = reader.get(URL, {"market": "moneyline"}).json()

    assert (history["history"], _rows(history)) == (
        True,
        [
            ("spread", "away", "3.50", -110, "Book"),
            ("spread", "home", "-3.50", -110, "Book"),
            ("spread", "home", "-4.00", -110, "Book"),
        ],
    )
    assert _rows(since) == [("spread", "home", "-4.00", -110, "Book")]
    assert _rows(latest_moneyline) == [("moneyline", "home", None, -170, "Other")]


def test_a_game_without_odds_has_an_empty_list(make_game, reader):
    make_game("nba-1")
    assert reader.get(URL).json() == {"game": "nba-1", "history": False, "truncated": False, "quotes": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"market": "prop"}, "market"),
        ({"history": "maybe"}, "history"),
        ({"history": "1", "since": "yesterday"}, "since"),
        ({"since": "2026-12-07T10:00:00Z"}, "since"),
        ({"bookmaker": "x" * 65}, "bookmaker"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(game, reader, params, field):
    response = reader.get(URL, params)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_an_unknown_game_is_a_404(db, reader):
    response = reader.get("/api/v1/games/nope/odds/")
    assert (response.status_code, response.json()["code"]) == (404, "game_not_found")


def test_no_key_no_odds(game, api_client):
    assert api_client.get(URL).status_code == 401


def test_an_unchanged_read_is_a_304_and_a_new_quote_changes_the_etag(game, reader, actor):
    first = reader.get(URL)
    unchanged = reader.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    odds_quotes_upsert(actor=actor, game=game, quotes=[quote(line="-4.5", minutes_ago=5)], source="t")
    moved = reader.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])

    assert (unchanged.status_code, unchanged["ETag"]) == (304, first["ETag"])
    assert moved.status_code == 200 and moved["ETag"] != first["ETag"]
    assert ("spread", "home", "-4.50", -110, "Book") in _rows(moved.json())


def test_the_read_is_within_a_query_budget_whatever_the_number_of_quotes(
    game, reader, actor, django_assert_max_num_queries
):
    many = [quote(odds=-101 - n, minutes_ago=59 - n, bookmaker=f"B{n % 5}") for n in range(40)]
    odds_quotes_upsert(actor=actor, game=game, quotes=many, source="t")
    for params in ({}, {"history": "1"}):
        with django_assert_max_num_queries(6):  # the key, the game, the quotes (cache misses included)
            response = reader.get(URL, params)
        assert response.status_code == 200
        assert len(response.json()["quotes"]) == (9 if not params else 45)
