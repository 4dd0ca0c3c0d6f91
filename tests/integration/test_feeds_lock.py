"""Two runs of one source never overlap: a second run that starts while the first is fetching (another
worker, here a thread with its own database connection) finds the lease taken and does nothing."""

import json
import threading

import pytest
from werkzeug import Response

from apps.integration.feeds.services import feed_source_sync
from apps.integration.models import FeedRunStatus, FeedSource, FeedSyncRun
from tests.betting.helpers import in_thread, join
from tests.integration.feed_server import game_item
from tests.integration.outbound_helpers import local_server

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_started_while_another_is_fetching_is_skipped_and_the_lock_is_free_afterwards():
    server = local_server()
    entered, release = threading.Event(), threading.Event()

    def slow_page(request):
        entered.set()
        release.wait(5)
        document = {"games": [game_item("nba-1")], "next": None, "cursor": None}
        return Response(json.dumps(document), content_type="application/json")

    server.expect_request("/v1/games").respond_with_handler(slow_page)
    source = FeedSource.objects.create(name="scores", base_urls=[server.url_for("/v1/games")])
    outcomes: list = [None]
    try:
        first = in_thread(lambda: feed_source_sync(source_id=source.pk), outcomes, 0)
        assert entered.wait(5)
        overlapping = feed_source_sync(source_id=source.pk)
        release.set()
        join([first])
        after = feed_source_sync(source_id=source.pk)
    finally:
        release.set()
        server.stop()

    assert overlapping is None
    status, run = outcomes[0]
    assert (status, run.status, run.games_created) == ("ok", FeedRunStatus.OK, 1)
    assert after.status == FeedRunStatus.OK and after.games_created == 0
    assert (FeedSyncRun.objects.count(), len(server.log)) == (2, 2)
