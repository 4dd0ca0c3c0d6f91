"""Odds quotes: the service writes each moved price once and refuses bad quotes whole; the selectors read the
current prices, the movement, and the market's price when a bet was placed."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.betting import selectors
from apps.betting.models import BetLeg, OddsQuote
from apps.betting.services import OddsQuoteInput, game_record_result, odds_quotes_upsert
from apps.betting.services.bets import LegInput
from apps.core.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def quote(
    market="spread", selection="home", odds=-110, line="-3.5", bookmaker="Book", minutes_ago=60
) -> OddsQuoteInput:
    return OddsQuoteInput(
        market=market,
        selection=selection,
        american_odds=odds,
        line=None if line is None else Decimal(line),
        bookmaker=bookmaker,
        quoted_at=NOW - timedelta(minutes=minutes_ago),
    )


def rows(game) -> list[tuple]:
    return list(
        OddsQuote.objects.filter(game=game)
        .order_by("market", "selection", "bookmaker", "quoted_at")
        .values_list("market", "selection", "bookmaker", "line", "american_odds", "source")
    )


@pytest.fixture
def game(make_game):
    return make_game("nba-odds")


def test_a_quote_is_written_once_and_a_moved_price_is_a_new_row(game, actor):
    first = odds_quotes_upsert(
        actor=actor, game=game, quotes=[quote(), quote("total", "over", -105, "210.5")], source="t"
    )
    repeated = odds_quotes_upsert(actor=actor, game=game, quotes=[quote()], source="t")
    restamped = odds_quotes_upsert(actor=actor, game=game, quotes=[quote(minutes_ago=30)], source="t")
    moved = odds_quotes_upsert(actor=actor, game=game, quotes=[quote(line="-4.0", minutes_ago=10)], source="t")

    assert [(o.seen, o.created, o.unchanged) for o in (first, repeated, restamped, moved)] == [
        (2, 2, 0),
        (1, 0, 1),
        (1, 0, 1),  # the same price at a later moment: no movement, no row
        (1, 1, 0),
    ]
    assert rows(game) == [
        ("spread", "home", "Book", Decimal("-3.50"), -110, "t"),
        ("spread", "home", "Book", Decimal("-4.00"), -110, "t"),
        ("total", "over", "Book", Decimal("210.50"), -105, "t"),
    ]


def test_each_write_is_audited_with_the_movement_and_a_repeat_is_not(game, actor):
    odds_quotes_upsert(actor=actor, game=game, quotes=[quote()], source="t")
    odds_quotes_upsert(actor=actor, game=game, quotes=[quote()], source="t")
    odds_quotes_upsert(actor=actor, game=game, quotes=[quote(odds=-120, minutes_ago=5)], source="t")

    events = list(AuditEvent.objects.filter(action="betting.odds_quoted").order_by("pk"))
    assert [event.target_id for event in events] == [str(game.pk)] * 2
    moment = (NOW - timedelta(minutes=5)).isoformat()
    assert events[1].changes == {f"spread home Book {moment}": {"before": "-3.50 -110", "after": "-3.50 -120"}}


def test_a_late_quote_joins_the_history_without_becoming_the_current_price(game, actor):
    odds_quotes_upsert(actor=actor, game=game, quotes=[quote(odds=-120, minutes_ago=10)], source="t")
    odds_quotes_upsert(actor=actor, game=game, quotes=[quote(odds=-105, minutes_ago=50)], source="t")

    (current,) = selectors.odds_latest(game=game)
    history, truncated = selectors.odds_history(game=game)

    assert current.american_odds == -120
    assert ([row.american_odds for row in history], truncated) == ([-105, -120], False)


def test_another_price_for_a_moment_already_quoted_is_a_conflict_and_writes_nothing(game, actor):
    odds_quotes_upsert(actor=actor, game=game, quotes=[quote()], source="t")

    with pytest.raises(ConflictError) as refused:
        odds_quotes_upsert(actor=actor, game=game, quotes=[quote("moneyline", line=None), quote(odds=-115)], source="t")

    assert refused.value.code == "odds_quote_conflict"
    assert "already quoted spread home" in refused.value.message
    assert rows(game) == [("spread", "home", "Book", Decimal("-3.50"), -110, "t")]  # the moneyline rolled back


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (quote(market="prop"), "market must be one of moneyline, spread, total"),
        (quote(selection="over"), "a spread selection must be away or home"),
        (quote("total", "home", line="200.5"), "a total selection must be over or under"),
        (quote(odds=99), "American odds must be an integer of at least +100 or at most -100"),
        (quote(odds=-50), "American odds must be an integer"),
        (quote(line=None), "a spread needs a line"),
        (quote("moneyline", line="1.5"), "a moneyline has no line"),
        (quote("total", "over", line="0"), "a total's line must be positive"),
        (quote(line="-3.125"), "line must have at most 2 decimal places"),
        (quote(line="100000"), "line must have at most 2 decimal places and be within"),
        (quote(bookmaker=" "), "bookmaker must be a non-empty name"),
        (quote(bookmaker="x" * 65), "bookmaker must be a non-empty name"),
        (quote(minutes_ago=-600), "is in the future"),
        (replace(quote(), quoted_at=NOW.replace(tzinfo=None)), "quoted_at must be a date-time with a time zone"),
    ],
)
def test_a_bad_quote_refuses_the_whole_call(game, actor, bad, message):
    with pytest.raises(ApplicationError) as refused:
        odds_quotes_upsert(actor=actor, game=game, quotes=[quote("moneyline", line=None), bad], source="t")

    assert refused.value.code == "invalid_odds"
    assert refused.value.message.startswith("odds[1]: ")
    assert message in refused.value.message
    assert list(refused.value.fields) == ["odds[1]"]
    assert (OddsQuote.objects.count(), AuditEvent.objects.filter(action="betting.odds_quoted").count()) == (0, 0)


def test_two_prices_for_one_moment_in_one_call_are_refused(game, actor):
    with pytest.raises(ApplicationError, match="two different prices"):
        odds_quotes_upsert(actor=actor, game=game, quotes=[quote(), quote(odds=-120)], source="t")
    assert OddsQuote.objects.count() == 0


def test_a_final_games_market_is_closed_to_quotes_after_it_ended(game, actor):
    game = game_record_result(actor=actor, external_id=game.external_id, home_score=1, away_score=0, status="final")
    closing = odds_quotes_upsert(actor=actor, game=game, quotes=[quote(minutes_ago=60)], source="t")

    with pytest.raises(ConflictError) as refused:
        after = replace(quote(odds=-150), quoted_at=timezone.now() + timedelta(minutes=1))
        odds_quotes_upsert(actor=actor, game=game, quotes=[after], source="t")
    restamped = replace(quote(), quoted_at=timezone.now() + timedelta(minutes=1))
    unchanged = odds_quotes_upsert(actor=actor, game=game, quotes=[restamped], source="t")

    assert closing.created == 1  # the closing line, quoted before the end, is still history
    assert (unchanged.created, unchanged.unchanged) == (0, 1)  # the closing price re-stamped: no movement
    assert refused.value.code == "odds_market_closed"
    assert OddsQuote.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"american_odds": 50}, "odds_quote_american_valid"),
        ({"market": "prop"}, "odds_quote_(market_valid|selection_fits_market|line_fits_market)"),
        ({"selection": "over"}, "odds_quote_selection_fits_market"),
        ({"line": None}, "odds_quote_line_fits_market"),
        ({"bookmaker": ""}, "odds_quote_bookmaker_named"),
    ],
)
def test_the_database_holds_the_invariants_too(game, values, constraint):
    row = {"market": "spread", "selection": "home", "line": Decimal("-3.5"), "american_odds": -110}
    row |= {"bookmaker": "Book", "source": "t", "quoted_at": NOW} | values
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        OddsQuote.objects.create(game=game, **row)


def test_the_same_moment_twice_is_refused_by_the_database(game):
    row = {"market": "moneyline", "selection": "home", "american_odds": 120, "bookmaker": "B", "source": "t"}
    OddsQuote.objects.create(game=game, quoted_at=NOW, **row)
    with pytest.raises(IntegrityError, match="odds_quote_unique_moment"), transaction.atomic():
        OddsQuote.objects.create(game=game, quoted_at=NOW, **row)


def test_latest_is_per_market_selection_and_bookmaker_and_filters(game, make_game, actor):
    other = make_game("nba-other", home="Lakers", away="Suns")
    odds_quotes_upsert(
        actor=actor,
        game=game,
        quotes=[
            quote(odds=-110, minutes_ago=60),
            quote(odds=-115, minutes_ago=20),
            quote(odds=-105, bookmaker="Other", minutes_ago=20),
            quote(selection="away", odds=-110, line="3.5", minutes_ago=60),
            quote("moneyline", "home", -160, None, minutes_ago=60),
        ],
        source="t",
    )
    odds_quotes_upsert(actor=actor, game=other, quotes=[quote(odds=150, minutes_ago=1)], source="t")

    latest = [(q.market, q.selection, q.bookmaker, q.american_odds) for q in selectors.odds_latest(game=game)]
    spreads = selectors.odds_latest(game=game, market="spread", bookmaker="Book")

    assert latest == [
        ("moneyline", "home", "Book", -160),
        ("spread", "away", "Book", -110),
        ("spread", "home", "Book", -115),
        ("spread", "home", "Other", -105),
    ]
    assert [(q.selection, q.american_odds) for q in spreads] == [("away", -110), ("home", -115)]


def test_history_keeps_the_newest_rows_and_says_it_left_some_out(game, actor, monkeypatch):
    monkeypatch.setattr(selectors, "ODDS_HISTORY_MAX_ROWS", 2)
    odds_quotes_upsert(
        actor=actor, game=game, quotes=[quote(odds=-100 - n, minutes_ago=60 - n) for n in range(4)], source="t"
    )

    history, truncated = selectors.odds_history(game=game)
    since, since_truncated = selectors.odds_history(game=game, since=NOW - timedelta(minutes=57))

    assert ([q.american_odds for q in history], truncated) == ([-102, -103], True)
    assert ([q.american_odds for q in since], since_truncated) == ([-103], False)


def test_a_leg_carries_the_market_price_of_its_side_when_its_bet_was_placed(game, actor, place_bet):
    odds_quotes_upsert(
        actor=actor,
        game=game,
        quotes=[
            quote("moneyline", "home", -150, None, minutes_ago=90),
            quote("moneyline", "home", -170, None, minutes_ago=30),
            quote("moneyline", "home", -200, None, minutes_ago=5),
            quote(odds=-110, minutes_ago=90),
        ],
        source="t",
    )
    place_bet("b1", [LegInput(market="moneyline", selection="home", odds=-160, game=game.external_id)])
    place_bet(
        "b2",
        [LegInput(market="moneyline", selection="away", odds=140, game=game.external_id)],
        placed_at=NOW - timedelta(minutes=20),
    )
    place_bet(
        "b3",
        [LegInput(market="spread", selection="home", line=Decimal("-3.5"), odds=-110, game=game.external_id)],
        placed_at=NOW - timedelta(minutes=100),
    )
    legs = selectors.legs_with_market_odds(BetLeg.objects.order_by("bet__external_id"))

    assert [(leg.bet.external_id, leg.market_odds, leg.market_line) for leg in legs] == [
        ("b1", -200, None),  # placed now: the newest home price
        ("b2", None, None),  # no quote of the away side
        ("b3", None, None),  # placed before the first spread quote
    ]
