"""The results feed's odds against a real local feed: each game's quotes go through the betting odds service
(paged listings, conditional requests, a repeated listing writes no new quote, a moved line does), and a game
with bad odds is rejected alone — the game, its odds and its result together — and counted in the run."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.betting.choices import GameStatus
from apps.betting.models import Game, OddsQuote
from apps.integration.feeds.services import feed_source_sync
from apps.integration.models import FeedRunStatus, FeedSource, FeedSyncRun
from tests.integration.feed_server import NOW, LocalFeed, game_item
from tests.integration.outbound_helpers import local_server

QUOTED = (NOW - timedelta(minutes=10)).isoformat()


@pytest.fixture(scope="module")
def server():
    server = local_server()
    yield server
    server.stop()


@pytest.fixture
def feed(server):
    server.clear()
    return LocalFeed(server)


@pytest.fixture
def source(db, feed):
    return FeedSource.objects.create(name="scores", base_urls=[feed.url])


def _run(source) -> FeedSyncRun:
    run = feed_source_sync(source_id=source.pk)
    source.refresh_from_db()
    return run


def spread(selection="home", line="-3.5", odds=-110, **changes) -> dict:
    return {"market": "spread", "selection": selection, "line": line, "american_odds": odds,
            "bookmaker": "DraftKings", "updated_at": QUOTED, **changes}  # fmt: skip


def quotes() -> list[tuple]:
    return list(
        OddsQuote.objects.order_by("game__external_id", "market", "selection", "bookmaker", "quoted_at").values_list(
            "game__external_id", "market", "selection", "line", "american_odds", "bookmaker", "source"
        )
    )


def test_odds_of_every_page_are_written_once_and_a_moved_line_is_a_new_quote(source, feed):
    moneyline = {"market": "moneyline", "selection": "away", "line": None, "american_odds": 135}  # no bookmaker, time
    feed.publish(
        [game_item("nba-1", odds=[spread(), spread("away", 3.5, -110), moneyline])],
        [game_item("nba-2", home_team="Lakers", away_team="Heat", odds=[{**spread(), "line": "-1"}])],
    )
    first = _run(source)
    feed.publish(  # another version of the listing (a new ETag): nba-1's odds are the same, nba-2's line moved
        [game_item("nba-1", odds=[spread(), spread("away", 3.5, -110), moneyline])],
        [game_item("nba-2", home_team="Lakers", away_team="Heat",
                   odds=[spread(line="-2.5", updated_at=(NOW - timedelta(minutes=2)).isoformat())])],
    )  # fmt: skip
    second = _run(source)
    third = _run(source)  # unchanged listing: 304

    assert (first.status, first.pages, first.games_created, first.odds_seen, first.odds_created) == (
        FeedRunStatus.OK, 2, 2, 4, 4,
    )  # fmt: skip
    assert (second.status, second.odds_seen, second.odds_created, second.items_rejected) == (FeedRunStatus.OK, 4, 1, 0)
    assert (third.status, third.odds_seen, third.odds_created) == (FeedRunStatus.NOT_MODIFIED, 0, 0)
    assert feed.requests[-1]["headers"]["If-None-Match"] == feed.etag
    assert quotes() == [
        ("nba-1", "moneyline", "away", None, 135, "scores", "feed:scores"),  # no bookmaker: the source's name
        ("nba-1", "spread", "away", Decimal("3.50"), -110, "DraftKings", "feed:scores"),
        ("nba-1", "spread", "home", Decimal("-3.50"), -110, "DraftKings", "feed:scores"),
        ("nba-2", "spread", "home", Decimal("-1.00"), -110, "DraftKings", "feed:scores"),
        ("nba-2", "spread", "home", Decimal("-2.50"), -110, "DraftKings", "feed:scores"),
    ]
    moneyline_row = OddsQuote.objects.get(market="moneyline")
    assert moneyline_row.quoted_at == NOW - timedelta(minutes=1)  # the item's updated_at


@pytest.mark.parametrize(
    ("odds", "message"),
    [
        ({"market": "spread"}, "odds must be a list, got dict"),
        ([spread(american_odds="-110")], "odds[0]: american_odds must be a whole number"),
        ([spread(), spread(line="abc")], "odds[1]: line must be a decimal string, a number or null"),
        ([spread(updated_at="2026-12-07T18:00:00")], "odds[0]: the quote: updated_at must be an ISO 8601"),
        ([spread(american_odds=-99)], "odds[0]: American odds must be an integer of at least +100"),
        ([spread(line=None)], "odds[0]: a spread needs a line"),
        ([spread(market="prop")], "odds[0]: market must be one of moneyline, spread, total"),
        ([spread(selection="over")], "odds[0]: a spread selection must be away or home"),
    ],
)
def test_a_game_with_bad_odds_is_rejected_whole_and_the_rest_is_written(source, feed, odds, message):
    feed.publish(
        [game_item("nba-1", status="final", score=(101, 99), odds=odds)],
        [game_item("nba-2", home_team="Suns", odds=[spread()])],
    )

    run = _run(source)

    assert (run.status, run.games_seen, run.games_created, run.results_posted, run.items_rejected) == (
        FeedRunStatus.OK, 2, 1, 0, 1,
    )  # fmt: skip
    assert (run.odds_created, len(run.errors)) == (1, 1)
    assert run.errors[0].startswith("nba-1: ") and message in run.errors[0]
    assert list(Game.objects.values_list("external_id", flat=True)) == ["nba-2"]  # nba-1: no game, no score
    assert [row[0] for row in quotes()] == ["nba-2"]


def test_odds_stated_with_the_final_score_are_kept_and_later_prices_refused(source, feed):
    feed.publish([game_item("nba-1", status="final", score=(101, 99), odds=[spread()])])
    first = _run(source)
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    feed.publish([game_item("nba-1", status="final", score=(101, 99), odds=[spread(odds=-150, updated_at=later)])])
    second = _run(source)

    assert (first.results_posted, first.odds_created, first.items_rejected) == (1, 1, 0)
    assert Game.objects.get().status == GameStatus.FINAL
    feed.publish([game_item("nba-1", status="final", score=(101, 99), odds=[spread(updated_at=later)])])
    restamped = _run(source)

    assert (second.items_rejected, second.odds_created) == (1, 0)
    assert "its markets are closed" in second.errors[0]
    assert (restamped.items_rejected, restamped.odds_created, restamped.errors) == (0, 0, [])  # same price
    assert [row[4] for row in quotes()] == [-110]


def test_two_prices_for_one_moment_reject_the_game(source, feed):
    feed.publish([game_item("nba-1", odds=[spread(), spread(odds=-120)]), game_item("nba-2", home_team="Suns")])

    run = _run(source)

    assert (run.items_rejected, run.games_created, run.odds_seen, run.odds_created) == (1, 1, 2, 0)
    assert "two different prices" in run.errors[0]
    assert OddsQuote.objects.count() == 0


def test_page_garbage_still_fails_the_whole_run_with_odds_on_the_other_page(source, feed):
    feed.publish([game_item("nba-1", odds=[spread()])], b"<html>maintenance</html>")

    run = _run(source)

    assert (run.status, run.odds_created) == (FeedRunStatus.FAILED, 0)
    assert (Game.objects.count(), OddsQuote.objects.count(), source.etag) == (0, 0, "")
