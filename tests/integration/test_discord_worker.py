"""A deferred command answered by a real Celery worker (in-process, on the Redis broker of the test
settings): the request commits the outbox row and returns the deferral, the row is published after the
commit, the worker runs it and the follow-up reaches the local stand-in for Discord's API."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from apps.betting.models import Bet
from apps.betting.services import capper_create
from apps.core.models import OutboxMessage
from apps.core.outbox import broker_breaker
from apps.integration.discord.tasks import discord_command_follow_up_task
from dbsbm.celery import app as celery_app
from tests.integration.discord_helpers import USER_ID, DiscordStandIn, command, key_pair, post_signed


@pytest.fixture
def real_worker():
    """A worker thread consuming the test settings' broker; this process publishes instead of running eagerly."""
    celery_app.conf.task_always_eager = False
    broker_breaker.reset()
    try:
        with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        celery_app.conf.task_always_eager = True
        broker_breaker.reset()


@pytest.fixture
def discord_api():
    stand_in = DiscordStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.mark.django_db(transaction=True)  # the worker thread reads what the request committed
def test_a_real_worker_places_the_bet_and_edits_the_deferred_message(
    client, settings, tenant, actor, discord_api, real_worker
):
    private, settings.DISCORD_PUBLIC_KEY = key_pair()
    settings.DISCORD_API_BASE_URL = discord_api.base_url
    capper_create(tenant=tenant, actor=actor, discord_user_id=USER_ID, username="joe")
    payload = command("bet", market="total", selection="over", odds=-110, stake=1, line=221.5, team="Suns at Lakers")

    response = post_signed(client, private, payload)

    assert response.json() == {"type": 5, "data": {"flags": 64}}
    [followup] = discord_api.wait_for(1, timeout=60)
    # the follow-up is sent inside the run's transaction: the bet is visible once the row is completed
    row = OutboxMessage.objects.filter(task_name=discord_command_follow_up_task.name)
    deadline = time.monotonic() + 30
    while row.get().completed_at is None:
        assert time.monotonic() < deadline, "the outbox row was not completed within 30 s"
        time.sleep(0.05)
    bet = Bet.objects.get(external_id=payload["id"])
    expected = f"Posted. Bet #{bet.pk}: 1.00u at -110 — Suns at Lakers: total over +221.5 (-110)"
    assert followup.body["content"] == expected
