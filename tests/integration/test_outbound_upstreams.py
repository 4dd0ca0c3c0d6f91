"""The upstreams' state as every process sees it (apps/integration/upstreams/selectors.py): after real
calls to local mirrors, one dead, the dead one is ejected and the breaker state and averages are shown."""

import pytest

from apps.integration.feeds.services import feed_source_sync
from apps.integration.models import FeedRunStatus, FeedSource
from apps.integration.upstreams.selectors import feed_upstreams
from tests.integration.feed_server import LocalFeed, game_item
from tests.integration.outbound_helpers import closed_port, local_server


@pytest.fixture
def feed():
    server = local_server()
    yield LocalFeed(server)
    server.stop()


def test_feed_upstreams_show_the_ejected_mirror_the_circuit_and_response_times(db, feed, settings):
    settings.OUTBOUND_EJECT_AFTER_FAILURES = 1
    settings.FEED_ATTEMPTS = 2
    dead = f"http://127.0.0.1:{closed_port()}/v1/games"
    feed.publish([game_item("nba-1")])
    source = FeedSource.objects.create(
        name="scores", base_urls=[dead, feed.url], strategy="weighted_round_robin", mirror_weights={feed.url: 3}
    )
    FeedSource.objects.create(name="idle", base_urls=["http://127.0.0.1:9/v1/games"], is_enabled=False)

    runs = [feed_source_sync(source_id=source.pk) for _ in range(3)]  # weights 1:3 -> live, live, dead (then live)
    scores, idle = sorted(feed_upstreams(), key=lambda status: status["source"] != "scores")

    assert [run.status for run in runs] == [FeedRunStatus.OK, FeedRunStatus.NOT_MODIFIED, FeedRunStatus.NOT_MODIFIED]
    assert [run.endpoint for run in runs] == [feed.url] * 3
    assert (scores["upstream"], scores["circuit"], scores["strategy"]) == (
        "feed:scores",
        "closed",
        "weighted_round_robin",
    )
    dead_status, live_status = scores["endpoints"]
    assert (dead_status["url"], dead_status["is_ejected"], dead_status["response_ms"]) == (dead, True, None)
    assert (live_status["weight"], live_status["is_ejected"], live_status["in_flight"]) == (3, False, 0)
    assert live_status["response_ms"] > 0
    assert (idle["is_enabled"], [endpoint["is_ejected"] for endpoint in idle["endpoints"]]) == (False, [False])
