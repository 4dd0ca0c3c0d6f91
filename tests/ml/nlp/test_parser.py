"""The parser's behaviours one by one, on the demo catalogue (real PostgreSQL and Redis)."""

import pytest
from django.core.cache import cache

from apps.betting.models import Team
from apps.core.errors import ApplicationError
from apps.ml.models import AliasKind, TeamAlias
from apps.ml.nlp.catalogue import VERSION_KEY
from apps.ml.nlp.services import bet_text_parse, team_alias_create, team_aliases_seed

pytestmark = pytest.mark.django_db


def _legs(result):
    return [
        [(leg["team"], leg["market"], leg["line"], leg["american_odds"]) for leg in bet["legs"]]
        for bet in result["bets"]
    ]


def test_the_contract_shape_with_the_game_and_side_resolved(catalogue):
    game = catalogue["Los Angeles Lakers"]
    result = bet_text_parse("Lakers -3.5 (-110) 2u")
    assert set(result) == {"bets", "unparsed", "language", "sentiment", "keywords", "entities"}
    side = "home" if game.home_team.name == "Los Angeles Lakers" else "away"
    assert result["bets"] == [
        {
            "legs": [
                {
                    "team": "Los Angeles Lakers",
                    "game_external_id": game.external_id,
                    "market": "spread",
                    "selection": side,
                    "line": "-3.5",
                    "american_odds": -110,
                }
            ],
            "stake_units": "2",
            "confidence": 1.0,
        }
    ]
    assert result["unparsed"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Celtics ML \u2212180 3u", [[("Boston Celtics", "moneyline", None, -180)]]),
        ("Celtics ML (\u2212180) 3u", [[("Boston Celtics", "moneyline", None, -180)]]),
        ("Rockets PK 1u", [[("Houston Rockets", "spread", "0", None)]]),
        ("Yankees u 9 -105", [[("New York Yankees", "total", "9", -105)]]),
        ("Chiefs Over 45", [[("Kansas City Chiefs", "total", "45", None)]]),
        ("Vikings -3\u00bd -110", [[("Minnesota Vikings", "spread", "-3.5", -110)]]),
        ("Lakers ML / Celtics -4",
         [[("Los Angeles Lakers", "moneyline", None, None), ("Boston Celtics", "spread", "-4", None)]]),
    ],
)  # fmt: skip
def test_markets_lines_and_odds(catalogue, text, expected):
    assert _legs(bet_text_parse(text)) == expected


def test_ambiguous_alias_is_unparsed_with_a_reason_and_a_league_resolves_it(catalogue):
    result = bet_text_parse("Kings ML 1u")
    assert result["bets"] == []
    assert result["unparsed"][0]["text"] == "Kings ML 1u"
    assert "Los Angeles Kings" in result["unparsed"][0]["reason"]
    assert _legs(bet_text_parse("NBA: Kings ML 1u")) == [[("Sacramento Kings", "moneyline", None, None)]]


def test_a_partly_understood_parlay_has_a_low_confidence(catalogue):
    result = bet_text_parse("Chiefs ML + Panthers ML + Kings ML 1u")
    (bet,) = result["bets"]
    assert bet["confidence"] <= 0.5
    assert [item["text"] for item in result["unparsed"]] == ["Kings ML 1u"]


def test_units_stake_not_the_win_and_money_as_an_entity(catalogue):
    result = bet_text_parse("Celtics ML -200 risk 4u to win 2u, $50 on it")
    assert result["bets"][0]["stake_units"] == "4"
    assert {"type": "money", "text": "$50", "value": "$50"} in result["entities"]


def test_entities_language_sentiment_and_keywords(catalogue):
    english = bet_text_parse("Love this spot, LeBron and the Lakers ML 2u. NBA lock")
    kinds = {(entity["type"], str(entity["value"])) for entity in english["entities"]}
    assert {("team", "Los Angeles Lakers"), ("league", "nba"), ("player", "LeBron James"), ("units", "2")} <= kinds
    assert english["language"] == "en"
    assert english["sentiment"]["label"] == "positive"
    assert english["keywords"]
    spanish = bet_text_parse("Los Lakers gana hoy, vamos con todo, 2 unidades")
    assert spanish["language"] == "es"
    assert spanish["sentiment"] is None  # VADER is English only
    assert bet_text_parse("LAL -3.5 2u")["language"] is None  # no words to judge


@pytest.mark.parametrize(
    ("text", "code"),
    [("x" * 4001, "text_too_long"), ("   \n", "text_empty"), (None, "text_invalid"), (12, "text_invalid")],
)
def test_bad_text_is_refused_with_a_message(text, code):
    with pytest.raises(ApplicationError) as refused:
        bet_text_parse(text)
    assert refused.value.code == code
    assert refused.value.message


def test_a_text_of_exactly_4000_characters_is_read(catalogue):
    text = "Lakers ML 2u " + "🔥" * (4000 - len("Lakers ML 2u "))
    assert _legs(bet_text_parse(text)) == [[("Los Angeles Lakers", "moneyline", None, None)]]


def test_a_new_alias_is_used_at_once(catalogue, django_capture_on_commit_callbacks):
    team = Team.objects.get(name="Denver Nuggets")
    assert bet_text_parse("Mile High ML 1u")["bets"] == []
    version = cache.get(VERSION_KEY)
    with pytest.raises(ApplicationError):
        team_alias_create(team=team, alias="Nugs")  # seeded already
    with django_capture_on_commit_callbacks(execute=True):
        alias = team_alias_create(team=team, alias="Mile High", kind=AliasKind.NICKNAME)
    assert alias.normalised == "mile high"
    assert cache.get(VERSION_KEY) != version
    assert _legs(bet_text_parse("Mile High ML 1u")) == [[("Denver Nuggets", "moneyline", None, None)]]


def test_seeding_is_idempotent(catalogue):
    count = TeamAlias.objects.count()
    assert count > 400
    assert team_aliases_seed() == 0
    assert TeamAlias.objects.count() == count
