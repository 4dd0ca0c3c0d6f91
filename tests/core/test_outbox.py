"""The transactional outbox (issue 11, item 7): no task lost when the broker is down, no request waits for it.

The end-to-end test runs a real `celery worker` subprocess against a redis-server of its own that it
really stops (SIGKILL) and starts again; the other tests check the pieces on the eager path of the test
settings or against that same broker.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.betting.services import bet_place, capper_create
from apps.betting.services.bets import LegInput
from apps.compliance.models import WorkflowInstance
from apps.core.cache.breaker import CLOSED, OPEN
from apps.core.enqueue import enqueue
from apps.core.models import OutboxMessage
from apps.core.outbox import broker_breaker, outbox_dispatch, outbox_message_run
from apps.core.tasks import outbox_message_run_task
from apps.fraud.tasks import fraud_bet_check_task
from apps.privacy.models import DataSubjectRequest
from dbsbm.celery import app as celery_app
from dbsbm.settings.base import BASE_DIR
from tests.celery_broker import use_broker
from tests.factories import MemberFactory

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
MEMBER_ID = "712345678900000099"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """A redis-server of our own, without persistence, that can be killed and started again on its port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def broker():
    """A started broker of our own; this process publishes to it, tasks are not eager; all undone after."""
    own = Broker()
    own.start()
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(own.url, eager=False)
    broker_breaker.reset()
    try:
        yield own
    finally:
        own.kill()
        use_broker(previous_url, eager=previous_eager)
        broker_breaker.reset()


@pytest.fixture
def real_worker(broker):
    """A `celery worker` subprocess on the test database and our broker, not eager itself."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test",
        "CELERY_BROKER_URL": broker.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    queues = ["-Q", ",".join(settings.CELERY_QUEUE_NAMES)]  # all, urgent first, as the Procfile's general worker
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dbsbm", "worker", "--pool=solo", *queues, "--loglevel=WARNING"],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=0.5):
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker did not answer a ping within 60 s"
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _wait_until(condition, *, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _pending() -> list[str]:
    return sorted(OutboxMessage.objects.filter(dispatched_at=None).values_list("task_name", flat=True))


@pytest.mark.django_db(transaction=True)  # the worker reads what the requests committed
def test_writes_with_the_broker_down_lose_no_task_and_each_runs_once(
    broker, real_worker, tenant, actor, make_key, client_with_key
):
    capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")
    MemberFactory(tenant=tenant, discord_user_id=MEMBER_ID, username="requester")
    bets_client = client_with_key(make_key(["bets:write"], tenant=tenant)[1])
    privacy_client = client_with_key(make_key(["privacy:read", "privacy:write"])[1])
    OutboxMessage.objects.all().delete()  # rows of the setup above (none expected, but start from zero)

    broker.kill()
    placed = bets_client.post(
        f"/api/v1/tenants/{tenant.guild_id}/bets/",
        {
            "external_id": "outage-1",
            "capper": "500000000000000001",
            "stake_units": "1.00",
            "legs": [{"market": "moneyline", "selection": "home", "odds": -110, "description": "Manual: A @ B"}],
        },
        format="json",
    )
    # the bet's publish attempt after commit was refused: the breaker is open, nothing was published
    assert placed.status_code == 201, placed.json()
    assert broker_breaker.state == OPEN
    opened = broker_breaker.times_opened
    requested = privacy_client.post(
        "/api/v1/privacy/requests/",
        {"guild_id": tenant.guild_id, "discord_user_id": MEMBER_ID, "kind": "access"},
        format="json",
    )
    assert requested.status_code == 201, requested.json()
    # the request did not try the broker at all (the breaker stayed open), and its task waits in the outbox
    assert (broker_breaker.state, broker_breaker.times_opened) == (OPEN, opened)
    expected = sorted(
        [
            "apps.analytics.tasks.analytics_rollups_refresh_task",
            "apps.compliance.tasks.dsr_workflow_start_task",
            "apps.fraud.tasks.fraud_bet_check_task",
            "apps.privacy.tasks.pii_scan_bet_task",
        ]
    )
    assert _pending() == expected
    assert set(OutboxMessage.objects.values_list("last_error", flat=True)) <= {"", "publish: OperationalError"}
    assert not WorkflowInstance.objects.exists()

    broker.start()
    broker_breaker.reset_seconds, cool_off = 0.2, broker_breaker.reset_seconds  # let the probe come sooner
    try:
        time.sleep(0.3)
        assert outbox_dispatch() == len(expected)  # what beat's outbox_dispatch_task does every few seconds
    finally:
        broker_breaker.reset_seconds = cool_off
    assert broker_breaker.state == CLOSED
    _wait_until(lambda: not OutboxMessage.objects.filter(completed_at=None).exists())

    rows = list(OutboxMessage.objects.order_by("task_name"))
    assert [(row.task_name, row.attempts, row.last_error) for row in rows] == [(name, 1, "") for name in expected]
    request = DataSubjectRequest.objects.get(pk=requested.json()["id"])
    workflow = WorkflowInstance.objects.get()
    assert workflow.subject_ref == f"privacy.datasubjectrequest:{request.pk}"

    # at least once publishing: a second delivery of every message finds it completed and runs nothing
    completed = {row.pk: row.completed_at for row in rows}
    duplicates = [outbox_message_run_task.apply_async(args=[row.pk], ignore_result=False) for row in rows]
    assert [result.get(timeout=60) for result in duplicates] == [False] * len(expected)
    assert {row.pk: row.completed_at for row in OutboxMessage.objects.all()} == completed
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    assert WorkflowInstance.objects.count() == 1


# ---- the pieces, on the eager path of the test settings ---------------------------------------------------


@pytest.fixture
def capper(tenant, actor):
    return capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")


def _place(tenant, capper, actor, external_id: str = "b-1"):
    bet, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id=external_id,
        capper=capper,
        stake_units=Decimal("1.00"),
        legs=[LegInput(market="moneyline", selection="home", odds=-110, description="Manual: A @ B")],
    )
    return bet


@pytest.mark.django_db
def test_the_tasks_of_a_change_are_written_in_its_transaction_and_roll_back_with_it(tenant, capper, actor):
    with pytest.raises(RuntimeError), transaction.atomic():
        _place(tenant, capper, actor, "rolled-back")
        assert _pending() == [
            "apps.analytics.tasks.analytics_rollups_refresh_task",
            "apps.fraud.tasks.fraud_bet_check_task",
            "apps.privacy.tasks.pii_scan_bet_task",
        ]
        raise RuntimeError("the change fails after its receivers ran")

    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_after_commit_each_task_runs_once_in_process_when_eager(
    tenant, capper, actor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bet = _place(tenant, capper, actor)

    rows = list(OutboxMessage.objects.order_by("task_name"))
    assert [(row.task_name, row.args, row.attempts, row.last_error) for row in rows] == [
        ("apps.analytics.tasks.analytics_rollups_refresh_task", [], 1, ""),
        ("apps.fraud.tasks.fraud_bet_check_task", [bet.pk, "placed"], 1, ""),
        ("apps.privacy.tasks.pii_scan_bet_task", [bet.pk], 1, ""),
    ]
    assert all(row.completed_at and row.dispatched_at for row in rows)
    assert [outbox_message_run(message_id=row.pk) for row in rows] == [False] * 3  # a duplicate runs nothing
    assert outbox_dispatch() == 0


@pytest.mark.django_db
def test_a_failed_run_keeps_its_error_and_is_retried_after_a_back_off_then_given_up(
    tenant, capper, actor, settings, django_capture_on_commit_callbacks
):
    bet = _place(tenant, capper, actor)
    OutboxMessage.objects.all().delete()
    with pytest.raises(ValueError, match="unknown bet event"), django_capture_on_commit_callbacks(execute=True):
        message = enqueue(fraud_bet_check_task, bet.pk, "unknown")

    message.refresh_from_db()
    assert (message.attempts, message.dispatched_at, message.completed_at) == (1, None, None)
    assert message.last_error == "ValueError: unknown bet event 'unknown'"
    assert message.available_at > timezone.now()  # not before its back-off
    assert outbox_dispatch() == 0

    OutboxMessage.objects.filter(pk=message.pk).update(
        available_at=timezone.now(), attempts=settings.OUTBOX_MAX_ATTEMPTS
    )
    assert outbox_dispatch() == 0  # given up: kept with its error, never picked again


@pytest.mark.django_db
def test_with_the_breaker_open_a_dispatch_costs_not_even_a_query(tenant, capper, actor, django_assert_num_queries):
    _place(tenant, capper, actor)
    celery_app.conf.task_always_eager = False
    broker_breaker.record_failure()
    try:
        with django_assert_num_queries(0):
            assert outbox_dispatch() == 0
    finally:
        celery_app.conf.task_always_eager = True
        broker_breaker.reset()
    assert len(_pending()) == 3  # fraud, privacy and the analytics rollups' refresh


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_never_take_the_same_row(broker, tenant, capper, actor):
    for number in range(2):
        _place(tenant, capper, actor, f"c-{number}")
    OutboxMessage.objects.update(dispatched_at=None)  # after commit these were published already: again
    first, *others = OutboxMessage.objects.order_by("id").values_list("pk", flat=True)
    held, release = threading.Event(), threading.Event()

    def other_dispatcher_holds_the_first_row():
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().filter(pk=first).get()
            held.set()
            release.wait(timeout=30)
        connection.close()

    holder = threading.Thread(target=other_dispatcher_holds_the_first_row)
    holder.start()
    try:
        assert held.wait(timeout=30)
        assert outbox_dispatch() == len(others)  # it skipped the locked row instead of waiting for it
    finally:
        release.set()
        holder.join(timeout=30)
    assert list(OutboxMessage.objects.filter(dispatched_at=None).values_list("pk", flat=True)) == [first]
