"""A bet placed through the API reaches the rollups through the outbox and a real Celery worker, with no
refresh called by the test: the placement's transaction queues the bet and writes the refresh task's
outbox row, the after-commit dispatch publishes it to a broker of our own, the worker runs it."""

import zoneinfo
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.analytics.models import DailyRollup, HourlyRollup, RollupDirtyBet
from apps.analytics.query import MetricQuery, run_query
from apps.analytics.services.rollups import rollups_rebuild
from apps.betting.services import capper_create
from apps.core.models import OutboxMessage
from apps.tenants.services import tenant_create
from dbsbm.celery import app as celery_app
from tests.celery_broker import use_broker
from tests.incidents.worker import Processes, wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads what the test committed


@pytest.fixture
def worker():
    own = Processes()
    own.start_redis()
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(own.url, eager=False)
    try:
        own.start_worker()
        yield own
    finally:
        own.stop()
        use_broker(previous_url, eager=previous_eager)


def test_a_placement_through_the_api_reaches_the_rollups_through_the_outbox_and_a_worker(
    worker, actor, make_key, client_with_key
):
    with transaction.atomic():
        tenant = tenant_create(
            actor=actor, guild_id="777000000000000099", name="Worker Guild", plan_code="enterprise",
            timezone_name="Asia/Kolkata",
        )  # fmt: skip
        capper_create(tenant=tenant, actor=actor, discord_user_id="888000000000009901", username="joe")
        rollups_rebuild(tenant=tenant, actor=actor)
    client = client_with_key(make_key(["bets:write"], tenant=tenant)[1])
    placed_at = timezone.now() - timedelta(minutes=5)

    response = client.post(
        f"/api/v1/tenants/{tenant.guild_id}/bets/",
        {
            "external_id": "worker-1",
            "capper": "888000000000009901",
            "stake_units": "2.50",
            "placed_at": placed_at.isoformat(),
            "legs": [{"market": "moneyline", "selection": "home", "odds": -110, "description": "Manual: A @ B"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    wait_until(lambda: DailyRollup.objects.filter(tenant=tenant, bets=1).exists(), timeout=60)
    wait_until(lambda: not RollupDirtyBet.objects.filter(tenant=tenant).exists(), timeout=30)
    refresh = OutboxMessage.objects.get(task_name="apps.analytics.tasks.analytics_rollups_refresh_task")
    assert refresh.completed_at is not None and refresh.attempts == 1
    assert HourlyRollup.objects.get(tenant=tenant).bets == 1
    day = placed_at.astimezone(zoneinfo.ZoneInfo("Asia/Kolkata")).date().isoformat()
    params = {"metrics": "bets_placed,stake_units", "grain": "none", "from": day, "to": day}
    query = MetricQuery.parse(params, tenant=tenant)
    result = run_query(query)
    assert (result.source, result.stale, result.rows) == ("rollup", False, [[1, 2.5]])
