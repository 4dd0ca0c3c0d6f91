"""The fan-out's batches (WEBHOOK_SEND_BATCH deliveries of one endpoint per task, one outbox run each), against a
real local receiver: each delivery is sent once and recorded on its own row; a batch that crashes midway
records nothing, runs again from its outbox row, and never sends a delivery already final a second time.

The outbox rows are run here by hand (`outbox_message_run`, what the worker's task does) inside the test's
transaction, so the crash is the run's exception rolling its transaction back."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_redis import get_redis_connection

from apps.core.actors import Actor
from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_message_run
from apps.integration.webhooks.services import webhook_subscription_create
from apps.notifications import channels
from apps.notifications.choices import DeliveryStatus
from apps.notifications.models import Delivery
from apps.notifications.services import WebhookEvent, webhook_events_publish
from apps.notifications.services.delivery import BATCH_SEND_TASK, SEND_TASK, webhook_deliveries_send
from apps.notifications.services.webhook_delivery import InFlightSlot
from tests.factories import TenantFactory
from tests.integration.webhooks_support import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def endpoint(receiver):
    tenant = TenantFactory(plan_code="enterprise")
    endpoint = webhook_subscription_create(
        tenant=tenant, actor=Actor.system("test"), name="batch", url=receiver.url, event_kinds=["bet.placed"]
    )
    receiver.secret = endpoint.secret
    return endpoint


def _publish(endpoint, count: int) -> list[Delivery]:
    tenant = endpoint.tenant
    return webhook_events_publish(
        events=[
            WebhookEvent(
                tenant_id=tenant.pk,
                guild_id=tenant.guild_id,
                event_type="bet.placed",
                key=f"batch:{n}",
                data={"bet_id": n},
                endpoint_ids=(endpoint.pk,),
            )
            for n in range(count)
        ]  # fmt: skip
    )


def _sent_ids(receiver: Receiver) -> Counter:
    return Counter(headers["webhook-id"] for _, headers, _ in receiver.received)


def test_one_task_per_batch_of_an_endpoint_sends_each_delivery_once(endpoint, receiver, settings):
    settings.WEBHOOK_SEND_BATCH = 3
    deliveries = _publish(endpoint, 7)

    rows = list(OutboxMessage.objects.filter(task_name=BATCH_SEND_TASK).order_by("pk"))
    assert [len(row.args[0]) for row in rows] == [3, 3, 1]
    for row in rows:
        assert outbox_message_run(message_id=row.pk)

    assert _sent_ids(receiver) == Counter({delivery.key: 1 for delivery in deliveries})
    assert set(Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list("status", "attempts")) == {
        (DeliveryStatus.DELIVERED, 1)
    }
    assert not OutboxMessage.objects.filter(task_name=BATCH_SEND_TASK, completed_at=None).exists()


def test_a_batch_that_crashes_midway_records_nothing_and_its_rerun_sends_no_final_delivery_again(
    endpoint, receiver, settings, monkeypatch
):
    settings.WEBHOOK_SEND_BATCH = 3
    first, second, third = _publish(endpoint, 3)
    (row,) = OutboxMessage.objects.filter(task_name=BATCH_SEND_TASK)
    real_send, calls = channels.SENDERS["webhook"], []

    def crash_on_the_second(delivery, *, now):
        calls.append(delivery.pk)
        if len(calls) == 2:
            raise RuntimeError("worker lost mid-batch")
        return real_send(delivery, now=now)

    monkeypatch.setitem(channels.SENDERS, "webhook", crash_on_the_second)
    with pytest.raises(RuntimeError):
        outbox_message_run(message_id=row.pk)

    # the whole batch rolled back: nothing recorded, the row pending again (its back-off)
    assert set(Delivery.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("status", "attempts")) == {
        (DeliveryStatus.QUEUED, 0)
    }
    row.refresh_from_db()
    assert (row.completed_at, row.attempts) == (None, 1)
    assert _sent_ids(receiver) == Counter({first.key: 1})  # POSTed before the crash

    monkeypatch.setitem(channels.SENDERS, "webhook", real_send)
    assert outbox_message_run(message_id=row.pk)  # the rerun
    assert not outbox_message_run(message_id=row.pk)  # a duplicated task: the row is completed
    assert webhook_deliveries_send(delivery_ids=[first.pk, second.pk, third.pk]) == [DeliveryStatus.DELIVERED] * 3

    # at least once for the one POSTed before the crash (same webhook-id: the receiver drops the copy), once for
    # the others; nothing sent after they were recorded delivered
    assert _sent_ids(receiver) == Counter({first.key: 2, second.key: 1, third.key: 1})
    assert set(Delivery.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("status", "attempts")) == {
        (DeliveryStatus.DELIVERED, 1)
    }


def test_a_batch_costs_two_statements_whatever_its_size(endpoint, receiver, settings):
    settings.WEBHOOK_SEND_BATCH = 5
    deliveries = _publish(endpoint, 5)
    (row,) = OutboxMessage.objects.filter(task_name=BATCH_SEND_TASK)

    with CaptureQueriesContext(connection) as queries:
        assert outbox_message_run(message_id=row.pk)

    on_deliveries = [query["sql"] for query in queries if '"notifications_delivery"' in query["sql"]]
    # one SELECT ... FOR UPDATE of the batch's rows, one UPDATE of every attempt's outcome
    assert [sql.split()[0] for sql in on_deliveries] == ["SELECT", "UPDATE"]
    assert "FOR UPDATE" in on_deliveries[0]
    assert len(queries) == 2 + 4  # + the outbox row's lock and completion, in one (test-nested) transaction
    assert len(receiver.received) == 5
    recorded = Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries]).order_by("pk")
    assert [(row.status, row.attempts, row.response_status, row.last_error) for row in recorded] == [
        (DeliveryStatus.DELIVERED, 1, 200, "")
    ] * 5
    assert all(row.sent_at is not None and row.updated_at >= row.sent_at for row in recorded)


def test_each_attempt_of_a_batch_is_recorded_on_its_own_row(endpoint, receiver, settings, monkeypatch):
    settings.WEBHOOK_SEND_BATCH = 3
    first, second, third = _publish(endpoint, 3)
    answer = receiver._answer
    monkeypatch.setattr(
        receiver, "_answer", lambda body, headers: 503 if headers["webhook-id"] == second.key else answer(body, headers)
    )
    (row,) = OutboxMessage.objects.filter(task_name=BATCH_SEND_TASK)
    before = timezone.now()

    assert outbox_message_run(message_id=row.pk)

    rows = {row.pk: row for row in Delivery.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    for delivered in (first, third):
        recorded = rows[delivered.pk]
        assert (recorded.status, recorded.attempts, recorded.response_status, recorded.last_error) == (
            DeliveryStatus.DELIVERED, 1, 200, ""
        )  # fmt: skip
        assert recorded.sent_at >= before and recorded.next_attempt_at is None
    failed = rows[second.pk]
    assert (failed.status, failed.attempts, failed.response_status, failed.last_error) == (
        DeliveryStatus.FAILED, 1, 503, "HTTP 503"
    )  # fmt: skip
    assert failed.sent_at is None and failed.next_attempt_at > before
    # its retry: a task of its own, due at the jittered back-off
    (retry,) = OutboxMessage.objects.filter(task_name=SEND_TASK, args=[second.pk])
    assert retry.available_at == failed.next_attempt_at
    assert _sent_ids(receiver) == Counter({first.key: 1, third.key: 1})


@pytest.fixture
def full_endpoint(endpoint, settings):
    """The endpoint with every in-flight slot taken by other requests (holders that never answer)."""
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 2
    client = get_redis_connection("default")
    probe = InFlightSlot(endpoint.pk)
    client.delete(probe.key, probe.parked_key)
    holders = [InFlightSlot(endpoint.pk) for _ in range(2)]
    assert all(holder.acquire() for holder in holders)
    yield holders
    client.delete(probe.key, probe.parked_key)


def test_a_batch_waits_for_a_busy_healthy_endpoint_even_behind_parked_deliveries(full_endpoint, endpoint, settings):
    settings.WEBHOOK_SLOT_WAIT_MS, settings.WEBHOOK_BATCH_SLOT_WAIT_MS = 2000, 10_000
    client = get_redis_connection("default")
    client.rpush(InFlightSlot(endpoint.pk).parked_key, 999_999)  # somebody parked already

    # a single delivery parks at once behind the parked one; a batch's waits for the next freed slot
    assert not InFlightSlot(endpoint.pk).acquire()
    releaser = threading.Timer(0.05, full_endpoint[0].release)
    releaser.start()
    patient = InFlightSlot(endpoint.pk)
    assert patient.acquire(patient=True)
    releaser.join()
    assert client.zcard(patient.key) == 2  # still the cap: the freed slot, taken
    patient.release()


def test_a_batch_whose_endpoint_is_full_and_slow_parks_all_its_deliveries_unsent(
    full_endpoint, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_SLOT_WAIT_MS = 20
    deliveries = _publish(endpoint, 3)
    time.sleep(0.1)  # the requests in flight are older than WEBHOOK_SLOT_WAIT_MS: the endpoint is slow

    with django_capture_on_commit_callbacks(execute=True):
        statuses = webhook_deliveries_send(delivery_ids=[delivery.pk for delivery in deliveries])

    assert statuses == [DeliveryStatus.QUEUED] * 3
    rows = Delivery.objects.filter(pk__in=[delivery.pk for delivery in deliveries])
    assert {(row.attempts, row.next_attempt_at is not None) for row in rows} == {(0, True)}  # no attempt spent
    assert not receiver.received
    # each waits for a freed slot (parked, in order) or its fallback timer (a task of its own)
    parked = get_redis_connection("default").lrange(InFlightSlot(endpoint.pk).parked_key, 0, -1)
    assert [int(value) for value in parked] == [delivery.pk for delivery in deliveries]
    assert OutboxMessage.objects.filter(task_name=SEND_TASK).count() == 3
