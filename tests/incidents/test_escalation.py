"""Four escalation levels: level 1 is told on a real signed-webhook receiver and by e-mail, no
acknowledgement moves it to level 2 at the timeout, acknowledging stops it, a stale timer does nothing."""

import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.beat import declared_schedules
from apps.core.errors import ApplicationError
from apps.core.models import OutboxMessage
from apps.incidents.models import EscalationLevel, Incident, IncidentNotification, TimelineEntry
from apps.incidents.services.escalation import (
    escalation_acknowledge,
    escalation_advance,
    escalation_raise,
    escalation_sweep,
    incident_deliveries,
)
from apps.notifications.choices import DeliveryStatus
from apps.notifications.models import Delivery
from dbsbm.celery import app as celery_app
from tests.incidents.opening import open_incident_row

pytestmark = pytest.mark.django_db

SEND_TASK = "apps.notifications.tasks.notification_delivery_send_task"
URGENT_SEND_TASK = "apps.notifications.tasks.notification_delivery_send_urgent_task"
ADVANCE_TASK = "apps.incidents.tasks.escalation_advance_task"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def two_receivers(signed_receiver):
    return signed_receiver("/hooks/level1"), signed_receiver("/hooks/level2")


@pytest.fixture
def policy(make_policy, two_receivers):
    first, second = two_receivers
    return make_policy(
        [
            {
                "level": 1,
                "ack_timeout_seconds": 300,
                "targets": [{"kind": "webhook", "url": first.url}, {"kind": "email", "address": "oncall@dbsbm.test"}],
            },
            {"level": 2, "ack_timeout_seconds": 600, "targets": [{"kind": "webhook", "url": second.url}]},
        ]
    )


def test_a_new_incident_notifies_level_1_on_a_verified_webhook_and_by_email(
    policy,
    two_receivers,
    open_incident,
    smtp_server,
):
    first, second = two_receivers
    before = timezone.now()

    incident = open_incident(policy=policy)

    assert [(hook["type"], hook["data"]["level"], hook["data"]["reference"]) for hook in first.received] == [
        ("incident_opened", 1, incident.reference)
    ]
    assert (first.refused, second.received) == (0, [])
    assert [sorted(mail.recipients) for mail in smtp_server.mails] == [["oncall@dbsbm.test"]]
    assert incident.escalation_level == 1 and incident.escalation_token >= 1
    assert before + timedelta(seconds=300) <= incident.next_escalation_at <= timezone.now() + timedelta(seconds=300)
    timer = OutboxMessage.objects.get(task_name="apps.incidents.tasks.escalation_advance_task")
    assert (timer.args, timer.available_at, timer.completed_at) == (
        [incident.pk, incident.escalation_token],
        incident.next_escalation_at,
        None,
    )
    assert list(IncidentNotification.objects.values_list("level", "reason")) == [(1, "opened")]
    assert sorted((row["channel"], row["status"], row["level"]) for row in incident_deliveries(incident=incident)) == [
        ("email", DeliveryStatus.SENT, 1),
        ("webhook", DeliveryStatus.DELIVERED, 1),
    ]
    assert TimelineEntry.objects.filter(incident=incident, kind="notified").count() == 1
    assert AuditEvent.objects.filter(action="incidents.notified", target_id=str(incident.pk)).count() == 1


def test_without_acknowledgement_level_2_is_notified_at_the_timeout(
    policy, two_receivers, open_incident, smtp_server, django_capture_on_commit_callbacks
):
    first, second = two_receivers
    incident = open_incident(policy=policy)
    due = incident.next_escalation_at

    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_sweep(now=due - timedelta(seconds=1)) == 0
        assert escalation_sweep(now=due) == 1

    incident.refresh_from_db()
    assert [(hook["type"], hook["data"]["level"], hook["data"]["previous_level"]) for hook in second.received] == [
        ("incident_escalated", 2, 1)
    ]
    assert len(first.received) == 1
    assert incident.escalation_level == 2
    assert incident.next_escalation_at == due + timedelta(seconds=600)
    assert list(IncidentNotification.objects.values_list("level", "reason")) == [(1, "opened"), (2, "escalated")]
    assert TimelineEntry.objects.get(incident=incident, kind="escalated").data == {
        "from_level": 1,
        "to_level": 2,
        "reason": "escalated",
    }
    assert AuditEvent.objects.filter(action="incidents.escalated", target_id=str(incident.pk)).count() == 1


def test_the_last_level_timing_out_is_recorded_and_nothing_more_happens(
    make_policy, signed_receiver, open_incident, django_capture_on_commit_callbacks
):
    receiver = signed_receiver()
    targets = [{"kind": "webhook", "url": receiver.url}]
    policy = make_policy([{"level": 1, "ack_timeout_seconds": 5, "targets": targets}])
    incident = open_incident(policy=policy)
    due = incident.next_escalation_at

    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_sweep(now=due) == 1
        assert escalation_sweep(now=due + timedelta(hours=1)) == 0

    incident.refresh_from_db()
    assert (incident.escalation_level, incident.next_escalation_at) == (1, None)
    assert "no level is left" in TimelineEntry.objects.get(incident=incident, kind="escalated").message
    assert AuditEvent.objects.filter(action="incidents.escalation_exhausted").count() == 1
    assert len(receiver.received) == 1


def test_acknowledging_stops_the_climb(policy, two_receivers, open_incident, actor, staff_user):
    _, second = two_receivers
    incident = open_incident(policy=policy)
    due, old_token = incident.next_escalation_at, incident.escalation_token
    analyst = staff_user("security_analyst", username="analyst")

    acknowledged = escalation_acknowledge(incident=incident, actor=actor, user=analyst, now=due - timedelta(seconds=5))

    assert (acknowledged.acknowledged_by, acknowledged.next_escalation_at) == (analyst, None)
    assert acknowledged.escalation_token == old_token + 1
    assert escalation_advance(incident_id=incident.pk, token=old_token, now=due) is False
    assert escalation_sweep(now=due + timedelta(hours=2)) == 0
    incident.refresh_from_db()
    assert incident.escalation_level == 1 and second.received == []
    assert TimelineEntry.objects.filter(incident=incident, kind="acknowledged").count() == 1
    assert AuditEvent.objects.filter(action="incidents.acknowledged", target_id=str(incident.pk)).count() == 1


def test_a_second_acknowledgement_or_one_without_the_permission_is_refused_and_writes_nothing(
    policy, open_incident, actor, staff_user
):
    incident = open_incident(policy=policy)
    support = staff_user("support", username="support")

    with pytest.raises(ApplicationError) as refused:
        escalation_acknowledge(incident=incident, actor=actor, user=support)
    assert refused.value.status_code == 403
    escalation_acknowledge(incident=incident, actor=actor)
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as again:
        escalation_acknowledge(incident=incident, actor=actor)
    assert (again.value.status_code, again.value.code) == (409, "already_acknowledged")
    assert AuditEvent.objects.count() == events


def test_a_stale_timer_does_nothing_two_copies_escalate_once(
    policy, two_receivers, open_incident, django_capture_on_commit_callbacks
):
    _, second = two_receivers
    incident = open_incident(policy=policy)
    due, token = incident.next_escalation_at, incident.escalation_token

    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_advance(incident_id=incident.pk, token=token, now=due - timedelta(seconds=1)) is False
        assert escalation_advance(incident_id=incident.pk, token=token, now=due) is True
        assert escalation_advance(incident_id=incident.pk, token=token, now=due) is False

    incident.refresh_from_db()
    assert incident.escalation_level == 2
    assert IncidentNotification.objects.filter(level=2).count() == 1
    assert len(second.received) == 1


def test_editing_the_policy_after_opening_does_not_change_the_running_escalation(
    policy, two_receivers, open_incident, django_capture_on_commit_callbacks
):
    _, second = two_receivers
    incident = open_incident(policy=policy)
    EscalationLevel.objects.filter(policy=policy, level=2).update(
        ack_timeout_seconds=1, targets=[{"kind": "email", "address": "elsewhere@dbsbm.test"}]
    )
    EscalationLevel.objects.filter(policy=policy, level=1).update(ack_timeout_seconds=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_sweep(now=incident.next_escalation_at) == 1

    incident.refresh_from_db()
    assert len(second.received) == 1  # the copied level 2 (its webhook), not the edited one
    assert incident.escalation_levels[1]["ack_timeout_seconds"] == 600
    assert not Delivery.objects.filter(addresses__contains=["elsewhere@dbsbm.test"]).exists()


def test_a_critical_incident_starts_at_the_policys_critical_start_level(make_policy, signed_receiver, open_incident):
    low, high = signed_receiver("/hooks/l1"), signed_receiver("/hooks/l3")
    levels = [
        {"level": 1, "ack_timeout_seconds": 60, "targets": [{"kind": "webhook", "url": low.url}]},
        {"level": 2, "ack_timeout_seconds": 60, "targets": [{"kind": "email", "address": "l2@dbsbm.test"}]},
        {"level": 3, "ack_timeout_seconds": 60, "targets": [{"kind": "webhook", "url": high.url}]},
    ]
    policy = make_policy(levels, critical_start_level=3)

    critical = open_incident(policy=policy, severity="critical")
    high_one = open_incident(policy=policy, severity="high", title="Another")

    assert (critical.escalation_level, high_one.escalation_level) == (3, 1)
    assert [hook["data"]["reference"] for hook in high.received] == [critical.reference]
    assert [hook["data"]["reference"] for hook in low.received] == [high_one.reference]


def test_a_target_that_is_down_is_retried_and_shown_failed_while_the_email_is_delivered(
    make_policy, open_incident, smtp_server
):
    down = f"http://127.0.0.1:{_closed_port()}/hooks"
    targets = [{"kind": "webhook", "url": down}, {"kind": "email", "address": "oncall@dbsbm.test"}]
    policy = make_policy([{"level": 1, "ack_timeout_seconds": 60, "targets": targets}])

    incident = open_incident(policy=policy)

    deliveries = {row["channel"]: row for row in incident_deliveries(incident=incident)}
    assert (deliveries["email"]["status"], deliveries["email"]["target"]) == (DeliveryStatus.SENT, "oncall@dbsbm.test")
    failed = deliveries["webhook"]
    assert (failed["status"], failed["attempts"], failed["target"]) == (DeliveryStatus.FAILED, 1, down)
    assert failed["last_error"] == "ConnectionError: unreachable" and failed["next_attempt_at"] is not None
    retry = OutboxMessage.objects.get(task_name=SEND_TASK, completed_at=None)
    assert retry.available_at == failed["next_attempt_at"]
    assert len(smtp_server.mails) == 1


def test_raise_notifies_the_next_level_now(
    policy, two_receivers, open_incident, actor, django_capture_on_commit_callbacks
):
    _, second = two_receivers
    incident = open_incident(policy=policy)

    with django_capture_on_commit_callbacks(execute=True):
        raised = escalation_raise(incident=incident, actor=actor, reason="Step block_address failed")
    with django_capture_on_commit_callbacks(execute=True):
        top = escalation_raise(incident=raised, actor=actor, reason="again")

    assert raised.escalation_level == 2 and top.escalation_level == 2
    assert len(second.received) == 1
    assert list(IncidentNotification.objects.values_list("level", "reason")) == [(1, "opened"), (2, "raised")]
    assert "no level above 2" in TimelineEntry.objects.filter(incident=incident).last().message


def test_an_incident_without_levels_notifies_nobody(open_incident):
    incident = open_incident(policy=None)

    assert (incident.escalation_level, incident.next_escalation_at) == (0, None)
    assert not IncidentNotification.objects.exists()


def test_the_sweep_is_a_beat_job_and_its_task_exists():
    (entry,) = [entry for entry in declared_schedules() if entry["name"] == "incidents: escalation sweep"]
    assert entry["every_seconds"] <= 5
    assert entry["task"] in celery_app.tasks


def test_a_rolled_back_opening_notifies_nobody(policy, two_receivers, django_capture_on_commit_callbacks):
    first, _ = two_receivers
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        open_incident_row(policy=policy)
        raise RuntimeError("the declaration failed after the signal")

    assert not OutboxMessage.objects.exists()  # no delivery, timer or playbook row outlives the rollback
    assert (Incident.objects.count(), Delivery.objects.count(), first.received) == (0, 0, [])


def test_the_opening_transaction_notifies_level_1_itself_and_its_pages_take_the_urgent_queue(policy, two_receivers):
    incident = open_incident_row(policy=policy)  # committed; nothing after the commit has run (no publish, no send)

    incident.refresh_from_db()
    assert (incident.escalation_level, incident.next_escalation_at is not None) == (1, True)
    assert list(IncidentNotification.objects.values_list("incident", "level", "reason")) == [(incident.pk, 1, "opened")]
    deliveries = sorted(Delivery.objects.values_list("pk", "channel", "status"))
    assert [(channel, status) for _, channel, status in deliveries] == [
        ("email", DeliveryStatus.QUEUED),
        ("webhook", DeliveryStatus.QUEUED),
    ]
    rows = {row.args[0]: row for row in OutboxMessage.objects.filter(task_name=URGENT_SEND_TASK)}
    assert sorted(rows) == [pk for pk, _, _ in deliveries]
    queues = {celery_app.amqp.router.route({}, name)["queue"].name for name in (URGENT_SEND_TASK, ADVANCE_TASK)}
    assert queues == {"urgent"}
    assert not OutboxMessage.objects.filter(task_name__in=[SEND_TASK, "apps.incidents.tasks.escalation_start_task"])
    assert two_receivers[0].received == []
