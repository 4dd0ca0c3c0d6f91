"""Webhooks end to end with real parts: domain events → the outbox → a real Celery worker (threads pool) →
signed HTTP to local receivers that verify with the `standardwebhooks` reference implementation.

One worker for the module (short retry settings through its environment: base 1 s, 3 attempts, a read
timeout of 2 s, at most 2 deliveries in flight per endpoint, a parked delivery's fallback after ~5 s).
"""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.betting.services import bet_place, capper_create, game_record_result, game_upsert
from apps.betting.services.bets import LegInput
from apps.compliance.models import CheckRun
from apps.compliance.signals import check_run_recorded
from apps.core.actors import Actor
from apps.fraud.choices import FraudKind
from apps.fraud.detectors.base import Finding
from apps.fraud.services.cases import fraud_case_record
from apps.incidents.choices import TimelineKind
from apps.incidents.models import Incident
from apps.incidents.services.timeline import timeline_add
from apps.incidents.signals import incident_opened
from apps.integration.webhooks.services import webhook_subscription_create, webhook_subscription_test
from apps.notifications.choices import DeliveryStatus, WebhookEventType
from apps.notifications.models import Delivery
from apps.privacy.choices import RequestStatus
from apps.privacy.models import DataSubjectRequest
from apps.privacy.services.requests import request_receive
from apps.privacy.signals import data_subject_request_changed
from dbsbm.celery import app as celery_app
from tests.factories import TenantFactory
from tests.integration.webhooks_support import Receiver, start_worker, stop_worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = Actor.system("test")
WORKER_ENV = {
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
    "WEBHOOK_MAX_ATTEMPTS": "3",
    "NOTIFICATIONS_HTTP_READ_TIMEOUT": "2",
    "NOTIFICATIONS_HTTP_CONNECT_TIMEOUT": "1",
    "WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT": "2",
    "WEBHOOK_PARKED_FALLBACK_SECONDS": "5",
}


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False
    process = start_worker(database_url=url, env=WORKER_ENV, concurrency=4, name=f"webhooks-test-{id(url)}")
    try:
        yield process
    finally:
        stop_worker(process)
        celery_app.conf.task_always_eager = True


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def _make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield _make
    for receiver in made:
        receiver.close()


def _subscribe(tenant, receiver: Receiver, event_types=tuple(WebhookEventType.values[:-1]), name="hook"):
    endpoint = webhook_subscription_create(
        tenant=tenant, actor=ACTOR, name=name, url=receiver.url, event_kinds=list(event_types)
    )
    receiver.secret = endpoint.secret
    return endpoint


def _betting(tenant):
    """A bet on a started game (bet.placed), then its final score (game.final, and bet.settled by grading)."""
    capper = capper_create(tenant=tenant, actor=ACTOR, discord_user_id="500000000000000001", username="joe")
    game, _ = game_upsert(
        actor=ACTOR, external_id="wh-game", sport="basketball", league="NBA", home_team="Lakers",
        away_team="Suns", starts_at=timezone.now() - timedelta(hours=3),
    )  # fmt: skip
    leg = LegInput(market="moneyline", selection="home", odds=-110, game="wh-game")
    bet, _ = bet_place(
        tenant=tenant, actor=ACTOR, external_id="wh-bet", capper=capper, stake_units=Decimal(1), legs=[leg]
    )
    game_record_result(actor=ACTOR, external_id=game.external_id, home_score=101, away_score=99, status="final")
    return capper, bet


def _the_other_events(tenant, capper) -> None:
    """Fraud case (the fraud service), incident opened and escalated, a failed check run, a completed request:
    rows written and the domain signal sent in one transaction, as their services do."""
    finding = Finding(kind=FraudKind.LATE_POSTING, capper_ids=(capper.pk,), score=0.9, explanation="test")
    fraud_case_record(finding=finding, actor=ACTOR)
    now = timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            title="test", kind="other", severity="low", guild_id=tenant.guild_id, declared_by_label="test",
            detected_at=now, aware_at=now,
        )  # fmt: skip
        incident_opened.send(sender=Incident, incident=incident, actor=ACTOR)
    with transaction.atomic():
        timeline_add(
            incident=incident, kind=TimelineKind.ESCALATED, actor=ACTOR, message="to level 2",
            data={"from_level": 1, "to_level": 2},
        )  # fmt: skip
    with transaction.atomic():
        run = CheckRun.objects.create(
            check_id="test.check", check_version="1", severity="high", status="fail", summary="failed",
            evidence_sha256="0" * 64, started_at=now, finished_at=now,
        )  # fmt: skip
        check_run_recorded.send(
            sender=CheckRun, check_run_id=run.pk, check_id=run.check_id, status="fail", severity="high",
            previous_status="pass",
        )  # fmt: skip
    request = request_receive(actor=ACTOR, member=capper.member, kind="access")
    with transaction.atomic():
        DataSubjectRequest.objects.filter(pk=request.pk).update(
            status=RequestStatus.COMPLETED, verified_at=now, completed_at=now
        )
        data_subject_request_changed.send(
            sender=DataSubjectRequest, request_id=request.pk, guild_id=tenant.guild_id, kind="access",
            status=RequestStatus.COMPLETED, change="status_changed", due_at=request.due_at, is_overdue=False,
        )  # fmt: skip


def test_a_signed_webhook_of_each_event_type_reaches_the_receiver_and_verifies(worker, receivers):
    tenant = TenantFactory(guild_id="111111111111111111", plan_code="enterprise")
    other = TenantFactory(guild_id="222222222222222222", plan_code="enterprise")
    receiver, bystander = receivers(), receivers()
    _subscribe(tenant, receiver)
    _subscribe(other, bystander, event_types=[WebhookEventType.BET_PLACED, WebhookEventType.GAME_FINAL])

    capper, bet = _betting(tenant)
    _the_other_events(tenant, capper)

    expected = set(WebhookEventType.values) - {WebhookEventType.TEST}
    wait_until(lambda: expected <= set(receiver.types()), timeout=30, what=f"every type (got {receiver.types()})")
    assert receiver.refused == 0
    by_type = {envelope["type"]: (headers, envelope) for _, headers, envelope in receiver.received}
    headers, placed = by_type["bet.placed"]
    assert placed["data"]["bet_id"] == bet.pk and placed["data"]["guild_id"] == tenant.guild_id
    assert placed["data"]["legs"][0]["game_id"] == "wh-game"
    assert headers["webhook-signature"].startswith("v1,")
    assert Delivery.objects.get(key=headers["webhook-id"]).status == DeliveryStatus.DELIVERED
    assert by_type["bet.settled"][1]["data"]["status"] == "won"
    assert by_type["game.final"][1]["data"]["home_score"] == 101
    assert by_type["incident.escalated"][1]["data"]["escalation_level"] == 2
    assert by_type["compliance.check_failed"][1]["data"]["check_id"] == "test.check"
    # the other tenant has no bet on the game and none of these objects: it is told nothing
    assert bystander.types() == []


def test_a_receiver_down_then_up_gets_its_delivery_by_retry_and_a_dead_letter_by_replay(worker, receivers, make_key):
    tenant = TenantFactory(guild_id="111111111111111111", plan_code="enterprise")
    receiver = receivers()
    endpoint = _subscribe(tenant, receiver, event_types=[WebhookEventType.BET_PLACED])
    receiver.mode = "down"
    capper = capper_create(tenant=tenant, actor=ACTOR, discord_user_id="500000000000000001", username="joe")
    leg = LegInput(market="prop", selection="over", odds=110, description="x")
    bet_place(tenant=tenant, actor=ACTOR, external_id="retry-1", capper=capper, stake_units=Decimal(1), legs=[leg])
    wait_until(lambda: receiver.hits >= 1, what="the first attempt")
    receiver.mode = "ok"
    wait_until(lambda: len(receiver.received) == 1, what="the retry")
    first = Delivery.objects.filter(webhook=endpoint)
    wait_until(lambda: first.filter(status=DeliveryStatus.DELIVERED).exists(), what="the delivery recorded")
    first = first.get()
    assert (first.status, first.attempts) == (DeliveryStatus.DELIVERED, 2)

    receiver.mode = "down"
    bet_place(tenant=tenant, actor=ACTOR, external_id="retry-2", capper=capper, stake_units=Decimal(1), legs=[leg])
    dead = Delivery.objects.exclude(pk=first.pk)
    wait_until(lambda: dead.filter(status=DeliveryStatus.DEAD_LETTER).exists(), what="the dead letter")
    assert dead.get().attempts == 3 and dead.get().last_error == "HTTP 503"
    receiver.mode = "ok"
    _, secret = make_key(["webhooks:admin"], tenant=tenant)
    from rest_framework.test import APIClient  # noqa: PLC0415 - only this test calls the API

    response = APIClient().post(
        f"/api/v1/tenants/{tenant.guild_id}/webhooks/{endpoint.pk}/deliveries/{dead.get().pk}/replay/",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 202, response.content
    wait_until(lambda: dead.filter(status=DeliveryStatus.DELIVERED).exists(), what="the replay")
    replayed = dead.get()
    assert (replayed.status, replayed.attempts, replayed.replays) == (DeliveryStatus.DELIVERED, 4, 1)
    assert receiver.received[1][1]["webhook-id"] == replayed.key  # the same webhook-id as every attempt


def test_a_hanging_receiver_does_not_delay_the_others(worker, receivers):
    """8 deliveries for a receiver that hangs (~the read timeout), on a worker of 4 threads: without the cap they
    would hold every thread for 2 s, twice over. With it, 2 are in flight, the rest parked, and another
    endpoint's deliveries go through at once."""
    tenant = TenantFactory(guild_id="111111111111111111", plan_code="enterprise")
    hanging, healthy = receivers(), receivers()
    hanging_endpoint = _subscribe(tenant, hanging, event_types=[WebhookEventType.BET_PLACED], name="hangs")
    # it answers just before the worker's read timeout (2 s): no request it holds outlives the worker's wait,
    # so what it counts in flight is what the workers have in flight
    hanging.mode, hanging.hang_seconds = "hang", 1.8
    capper = capper_create(tenant=tenant, actor=ACTOR, discord_user_id="500000000000000001", username="joe")
    leg = LegInput(market="prop", selection="over", odds=110, description="x")
    for number in range(8):
        bet_place(
            tenant=tenant, actor=ACTOR, external_id=f"h-{number}", capper=capper, stake_units=Decimal(1), legs=[leg]
        )
    wait_until(lambda: hanging.hits >= 2, what="the hanging receiver to hold two requests")
    healthy_endpoint = _subscribe(tenant, healthy, event_types=[WebhookEventType.GAME_FINAL], name="ok")

    delays = []
    for _ in range(3):
        started = time.monotonic()
        webhook_subscription_test(endpoint=healthy_endpoint, actor=ACTOR)
        delays.append(wait_until(lambda: len(healthy.received) > len(delays), what="a healthy delivery") - started)

    assert max(delays) < 1.5, f"the healthy endpoint waited {delays}"
    assert hanging.most_in_flight == 2  # the cap: two of its requests held worker threads, never more
    parked = Delivery.objects.filter(webhook=hanging_endpoint, attempts=0)
    assert parked.count() >= 5  # the others wait for a freed slot without spending an attempt
    hanging.release()
