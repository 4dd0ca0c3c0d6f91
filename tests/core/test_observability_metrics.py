"""/api/v1/metrics/ beyond the cache: latency by route and status, broker queue depth, the outbox backlog,
and the database pool of the process that answered (task families: test_observability_worker.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.core.models import OutboxMessage
from apps.core.observability.counters import flush_all, http_responses
from apps.core.observability.queues import broker_queue_depths
from dbsbm.celery import app as celery_app

pytestmark = pytest.mark.django_db


def scrape(client) -> dict[str, dict[tuple, float]]:
    """{sample name: {sorted labels: value}} of the whole exposition (parsed by prometheus_client)."""
    response = client.get("/api/v1/metrics/")
    assert response.status_code == 200
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


@pytest.fixture
def metrics_client(make_key, client_with_key):
    http_responses.reset()
    _, secret = make_key(["metrics:read"])
    return client_with_key(secret)


def test_request_latency_is_a_histogram_by_route_and_status(metrics_client, make_key, client_with_key):
    _, secret = make_key(["bets:read"])
    client_with_key(secret).get("/api/v1/metrics/")  # 403: the scope is missing
    metrics_client.get("/api/v1/metrics/")
    metrics_client.get("/api/v1/no-such-route/")
    flush_all()

    samples = scrape(metrics_client)

    counts = samples["dbsbm_http_server_duration_seconds_count"]
    route = (("route", "v1:metrics"), ("status", "{}"), ("surface", "api"))
    assert counts[tuple((k, v.format(403)) for k, v in route)] == 1
    assert counts[tuple((k, v.format(200)) for k, v in route)] == 1
    assert counts[(("route", "(unmatched)"), ("status", "404"), ("surface", "api"))] == 1
    inf = samples["dbsbm_http_server_duration_seconds_bucket"]
    labels_200 = tuple(sorted([("le", "+Inf"), *[(k, v.format(200)) for k, v in route]]))
    assert inf[labels_200] == 1
    assert 0 < samples["dbsbm_http_server_duration_seconds_sum"][tuple((k, v.format(200)) for k, v in route)] < 10
    # the cache's families are still there, and every source could be read
    assert "dbsbm_cache_breaker_state" in samples
    assert set(samples["dbsbm_scrape_ok"].values()) == {1.0}


def test_the_outbox_backlog_counts_due_messages_and_the_oldest_age(metrics_client):
    now = timezone.now()
    OutboxMessage.objects.create(task_name="apps.core.tasks.noop", available_at=now - timedelta(minutes=5))
    OutboxMessage.objects.create(task_name="apps.core.tasks.noop", available_at=now - timedelta(minutes=1))
    OutboxMessage.objects.create(task_name="apps.core.tasks.noop", available_at=now + timedelta(hours=1))  # not due
    OutboxMessage.objects.create(task_name="apps.core.tasks.noop", dispatched_at=now)  # with the broker
    OutboxMessage.objects.create(task_name="apps.core.tasks.noop", attempts=8, last_error="boom")  # given up

    samples = scrape(metrics_client)

    assert samples["dbsbm_outbox_pending_messages"][()] == 2
    assert 300 <= samples["dbsbm_outbox_oldest_pending_age_seconds"][()] < 400
    assert samples["dbsbm_outbox_given_up_messages"][()] == 1


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task publishes: intended
def test_queue_depth_is_read_from_the_broker(metrics_client, settings):
    queue = "test-observability-depth"
    settings.TELEMETRY_EXTRA_QUEUES = [queue]
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)
    for _ in range(3):  # to a queue no worker consumes
        celery_app.send_task("apps.core.tasks.outbox_dispatch_task", queue=queue, retry=False)
    try:
        samples = scrape(metrics_client)
    finally:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)

    assert samples["dbsbm_celery_queue_messages"][(("queue", queue),)] == 3
    queues = {dict(labels)["queue"] for labels in samples["dbsbm_celery_queue_messages"]}
    assert {"celery", "urgent"} <= queues
    assert broker_queue_depths()[queue] == 0  # purged


def test_the_answering_process_reports_its_database_pool(metrics_client):
    metrics_client.get("/api/v1/metrics/")
    flush_all()  # a flush writes the process's pool snapshot

    samples = scrape(metrics_client)

    in_use = {dict(labels)["state"]: value for labels, value in samples["dbsbm_db_pool_connections"].items()}
    assert in_use["in_use"] >= 1  # this test's own connection (its transaction)
    (maximum,) = samples["dbsbm_db_pool_max_connections"].values()
    assert maximum == 10
