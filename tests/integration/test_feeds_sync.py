"""The results feed pull client against a real local feed: games and final scores go through the betting
services (a pending bet is graded), conditional requests, paging, and the faults: garbage, time-out, a mirror
down, the breaker opening, a run already in progress, a target the SSRF guard refuses."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from werkzeug import Response

from apps.betting.choices import BetStatus, GameStatus
from apps.betting.models import Game
from apps.betting.services import bet_place, capper_create
from apps.betting.services.bets import LegInput
from apps.integration.feeds.selectors import feed_lag_seconds
from apps.integration.feeds.services import feed_source_lease, feed_source_sync
from apps.integration.models import FeedRunStatus, FeedSource, FeedSyncRun
from tests.integration.feed_server import NOW, LocalFeed, game_item
from tests.integration.outbound_helpers import closed_port, local_server


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


def test_the_feed_creates_games_then_its_final_score_grades_the_pending_bets(
    source, feed, tenant, actor, django_capture_on_commit_callbacks
):
    feed.publish([game_item("nba-1")], [game_item("nba-2", home_team="Lakers", away_team="Heat")])
    first = _run(source)
    assert (first.status, first.pages, first.games_created, first.results_posted) == (FeedRunStatus.OK, 2, 2, 0)
    assert [request["args"] for request in feed.requests] == [{}, {"page": "2"}]

    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")
    bets = {
        selection: bet_place(
            tenant=tenant, actor=actor, external_id=f"bet-{selection}", capper=capper, stake_units=Decimal("2"),
            legs=[LegInput(market="moneyline", selection=selection, odds=-110, game="nba-1")],
        )[0]
        for selection in ("home", "away")
    }  # fmt: skip

    feed.publish([game_item("nba-1", status="final", score=(101, 99)), game_item("nba-2", status="live")])
    with django_capture_on_commit_callbacks(execute=True):
        second = _run(source)

    assert (second.status, second.games_updated, second.results_posted, second.errors) == (FeedRunStatus.OK, 1, 1, [])
    assert feed.requests[-1]["args"] == {"cursor": f"c{feed.version - 1}"}  # the first run's cursor
    game = Game.objects.get(external_id="nba-1")
    assert (game.status, game.home_score, game.away_score) == (GameStatus.FINAL, 101, 99)
    assert Game.objects.get(external_id="nba-2").status == GameStatus.LIVE
    for bet in bets.values():
        bet.refresh_from_db()
    assert (bets["home"].status, bets["away"].status) == (BetStatus.WON, BetStatus.LOST)


def test_an_unchanged_listing_is_answered_304_and_nothing_is_written(source, feed):
    feed.publish([game_item("nba-1")])
    _run(source)
    assert source.etag == feed.etag

    run = _run(source)

    assert (run.status, run.pages, run.games_seen, run.finished_at is not None) == (
        FeedRunStatus.NOT_MODIFIED,
        0,
        0,
        True,
    )
    assert feed.requests[-1]["headers"]["If-None-Match"] == feed.etag
    assert Game.objects.count() == 1


def test_a_final_game_repeated_is_nothing_and_another_score_is_rejected_alone(source, feed):
    feed.publish([game_item("nba-1", status="final", score=(101, 99)), game_item("nba-2", home_team="Suns")])
    assert _run(source).results_posted == 1

    feed.publish([game_item("nba-1", status="final", score=(101, 99)), game_item("nba-3", home_team="Jazz")])
    repeated = _run(source)
    feed.publish([game_item("nba-1", status="final", score=(100, 99)), game_item("nba-4", home_team="Nets")])
    corrected = _run(source)

    assert (repeated.results_posted, repeated.items_rejected, repeated.games_created) == (0, 0, 1)
    assert (corrected.status, corrected.items_rejected, corrected.games_created) == (FeedRunStatus.OK, 1, 1)
    assert corrected.errors[0].startswith("nba-1: is final at 101-99")
    assert Game.objects.get(external_id="nba-1").home_score == 101


@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        (b"<html>maintenance</html>", "Page 2 is not JSON"),
        (b'{"games": {"nba-9": {}}}', 'Page 2 is not an object with a "games" list'),
        (b'{"games": [{"external_id": "nba-9"}]}', "Page 2, game 1: sport must be"),
    ],
)
def test_garbage_on_any_page_fails_the_run_and_writes_nothing(source, feed, garbage, message):
    feed.publish([game_item("nba-1")], garbage)

    run = _run(source)

    assert (run.status, len(run.errors)) == (FeedRunStatus.FAILED, 1)
    assert message in run.errors[0]
    assert (Game.objects.count(), source.etag, source.cursor, source.newest_item_at) == (0, "", "", None)


def test_an_item_with_a_naive_date_time_is_garbage(source, feed):
    feed.publish([game_item("nba-1", starts_at="2026-12-07T18:00:00")])

    run = _run(source)

    assert (
        run.status == FeedRunStatus.FAILED
        and "starts_at must be an ISO 8601 date-time with a time zone" in run.errors[0]
    )
    assert Game.objects.count() == 0


def test_a_feed_that_does_not_answer_in_time_fails_the_run(server, db, settings):
    settings.OUTBOUND_READ_TIMEOUT_MS = 300
    server.clear()
    release = threading.Event()
    server.expect_request("/slow").respond_with_handler(lambda request: release.wait(5) and Response("{}"))
    source = FeedSource.objects.create(name="slow", base_urls=[server.url_for("/slow")])
    try:
        run = _run(source)
    finally:
        release.set()

    assert run.status == FeedRunStatus.FAILED and "ReadTimeout" in run.errors[0]
    assert Game.objects.count() == 0


def test_a_mirror_that_is_down_is_skipped_for_one_that_answers(db, feed, settings):
    settings.FEED_ATTEMPTS = 2
    dead = f"http://127.0.0.1:{closed_port()}/v1/games"
    feed.publish([game_item("nba-1")])
    source = FeedSource.objects.create(name="mirrored", base_urls=[dead, feed.url], strategy="round_robin")

    runs = [_run(source) for _ in range(2)]

    assert [run.status for run in runs] == [FeedRunStatus.OK, FeedRunStatus.NOT_MODIFIED]
    assert {run.endpoint for run in runs} == {feed.url}


def test_repeated_failures_open_the_sources_breaker_and_the_next_run_makes_no_call(source, feed, settings):
    settings.OUTBOUND_BREAKER_FAILURE_THRESHOLD = 2
    settings.FEED_ATTEMPTS = 1
    feed.publish(b"not json")

    failures = [_run(source) for _ in range(2)]
    requests_before = len(feed.requests)
    refused = _run(source)

    assert [run.status for run in failures] == [FeedRunStatus.FAILED] * 2
    assert (refused.status, refused.errors) == (FeedRunStatus.FAILED, ["circuit open for feed:scores"])
    assert len(feed.requests) == requests_before


def test_a_run_of_a_source_whose_run_is_in_progress_is_skipped(source, feed):
    feed.publish([game_item("nba-1")])
    assert feed_source_lease(source_id=source.pk, now=timezone.now()) is not None  # another worker's run

    assert feed_source_sync(source_id=source.pk) is None
    assert (FeedSyncRun.objects.count(), feed.requests) == (0, [])


def test_a_mirror_the_ssrf_guard_refuses_fails_the_run_without_a_call(source, feed, settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = []

    run = _run(source)

    assert run.status == FeedRunStatus.FAILED and "private, loopback or link-local" in run.errors[0]
    assert feed.requests == []


def test_the_lag_is_the_time_since_the_newest_item_was_updated(source, feed):
    updated = timezone.now().replace(microsecond=0) - timedelta(seconds=30)
    older = (updated - timedelta(hours=1)).isoformat()
    feed.publish(
        [game_item("nba-1", updated_at=older), game_item("nba-2", home_team="Suns", updated_at=updated.isoformat())]
    )

    run = _run(source)

    assert run.newest_item_at == source.newest_item_at == updated
    assert run.lag_seconds == pytest.approx((run.finished_at - updated).total_seconds())
    assert 30 <= run.lag_seconds < 90
    assert feed_lag_seconds(now=updated + timedelta(seconds=90)) == {"scores": 90.0}


def test_a_final_score_for_a_game_that_has_not_started_is_rejected_alone(source, feed):
    future = (NOW.replace(year=NOW.year + 1)).isoformat()
    feed.publish([game_item("nba-1", status="final", score=(1, 0), starts_at=future), game_item("nba-2")])

    run = _run(source)

    assert (run.status, run.items_rejected, run.games_created) == (FeedRunStatus.OK, 1, 1)
    assert "cannot have a final score yet" in run.errors[0]
    assert list(Game.objects.values_list("external_id", flat=True)) == ["nba-2"]  # nba-1's savepoint undone
