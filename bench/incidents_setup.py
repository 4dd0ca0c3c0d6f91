"""What bench/incidents.py does inside Django (imported after `django.setup()`)."""

import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.models import OutboxMessage
from apps.incidents.models import EscalationPolicy, Incident, IncidentNotification
from apps.incidents.services.escalation import escalation_policy_create, escalation_sweep, policy_levels
from apps.incidents.signals import incident_opened
from apps.incidents.tasks import incident_open_for_alert_task
from apps.notifications.tasks import notification_delivery_send_urgent_task
from apps.security.models import DetectionRule
from apps.security.services.alerts import alert_raise

ACTOR = Actor.system("bench incidents")


def two_level_policy(*, name: str, receiver, timeout: int, default: bool) -> EscalationPolicy:
    slug = "".join(character if character.isalnum() else "-" for character in name)
    levels = [
        {
            "level": number,
            "ack_timeout_seconds": timeout if number == 1 else 3600,
            "targets": [{"kind": "webhook", "url": receiver.url(f"/{slug}/level{number}")}],
        }
        for number in (1, 2)
    ]
    if default:
        EscalationPolicy.objects.filter(is_default=True).update(is_default=False)
    policy = escalation_policy_create(actor=ACTOR, name=name, levels=levels, is_default=default)
    from apps.notifications.models import WebhookEndpoint  # noqa: PLC0415 - bench only

    for endpoint in WebhookEndpoint.objects.filter(subscribed=False):
        receiver.secrets[endpoint.url.split(str(receiver.server.server_port), 1)[1]] = endpoint.secret
    return policy


def raise_alerts(*, count: int) -> dict[str, float]:
    """Raise `count` high brute-force alerts one after another; {incident reference: raise start time}."""
    rule = DetectionRule.objects.get(slug="brute-force-per-user")
    if rule.severity != "high":
        DetectionRule.objects.filter(pk=rule.pk).update(severity="high")
        rule.refresh_from_db()
    raised: dict[int, float] = {}
    for number in range(count):
        at = time.time()
        with transaction.atomic():
            alert, _ = alert_raise(rule=rule, group_key=f"bench-user-{number}-{at}", events=[], details={"n": number})
        raised[alert.pk] = at
        time.sleep(0.1)
    # the shipped rule opens the incident in a task after the alert's commit: wait for each (the clock runs from
    # the alert's raise, so the wait does not change what is measured)
    started: dict[str, float] = {}
    deadline = time.monotonic() + 120
    while len(started) < len(raised) and time.monotonic() < deadline:
        for incident in Incident.objects.filter(security_alerts__in=list(raised)).prefetch_related("security_alerts"):
            for alert in incident.security_alerts.all():
                if alert.pk in raised:
                    started.setdefault(incident.reference, raised[alert.pk])
        time.sleep(0.1)
    return started


def _open_directly(*, policy: EscalationPolicy, title: str) -> Incident:
    with transaction.atomic():
        now = timezone.now()
        incident = Incident.objects.create(
            title=title,
            kind="other",
            severity="high",
            declared_by_label="bench",
            detected_at=now,
            aware_at=now,
            escalation_policy=policy,
            escalation_levels=policy_levels(policy),
        )
        incident_opened.send(sender=Incident, incident=incident, actor=ACTOR)
    return incident


def escalation_lateness(*, count: int, policy: EscalationPolicy, receiver, after_level_1=None):
    """Open `count` incidents on `policy`; once level 1 is notified everywhere, optionally `after_level_1()`
    (kill the worker); returns (step lateness, level-2 webhook lateness) in seconds after each timeout, and
    how many incidents were notified at level 2 more than once (the fencing token: always 0)."""
    incidents = [_open_directly(policy=policy, title=f"Bench escalation {number}") for number in range(count)]
    deadline = time.monotonic() + 60
    while IncidentNotification.objects.filter(incident__in=incidents, level=1).count() < count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    if after_level_1 is not None:
        after_level_1()
    receiver.wait([(incident.reference, 2) for incident in incidents], timeout=60)
    timeout = policy.levels.get(level=1).ack_timeout_seconds
    steps, received = [], []
    time.sleep(4)  # one more sweep period: a second copy of a timer would show now
    twice = sum(IncidentNotification.objects.filter(incident=incident, level=2).count() > 1 for incident in incidents)
    for incident in incidents:
        records = {row.level: row for row in IncidentNotification.objects.filter(incident=incident)}
        if 1 not in records or 2 not in records:
            continue
        due = records[1].notification.created_at + timedelta(seconds=timeout)
        steps.append((records[2].notification.created_at - due).total_seconds())
        if (incident.reference, 2) in receiver.received:
            received.append(receiver.received[(incident.reference, 2)] - due.timestamp())
    return steps, received, twice


def open_incidents_bulk(*, count: int) -> None:
    """`count` open incidents with timers that are not due (the sweep must skip them through its index)."""
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            title=f"Open incident {number}",
            kind="other",
            severity=("low", "medium", "high", "critical")[number % 4],
            status=("new", "triaged", "contained")[number % 3],
            declared_by_label="bench",
            detected_at=now,
            aware_at=now,
            escalation_level=1 + number % 4,
            next_escalation_at=now + timedelta(hours=1) if number % 2 else None,
        )
        for number in range(count)
    )


def sweep_timings(repeat: int = 20) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        escalation_sweep()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _outbox_row(task_name: str, argument: int):
    return OutboxMessage.objects.filter(task_name=task_name, args=[argument]).order_by("id").first()


def _hop_moments(incident: Incident, received_at: float) -> list[tuple[str, float]] | None:
    """The moments one incident passed through, in order (None when a row is missing)."""
    record = IncidentNotification.objects.filter(incident=incident, level=1).select_related("notification").first()
    delivery = record.notification.deliveries.order_by("id").first() if record is not None else None
    alert = incident.security_alerts.order_by("id").first()
    if delivery is None or alert is None or delivery.sent_at is None:
        return None
    opening = _outbox_row(incident_open_for_alert_task.name, alert.pk)
    send = _outbox_row(notification_delivery_send_urgent_task.name, delivery.pk)
    if opening is None or send is None:
        return None
    return [
        ("alert raised -> opening row written (the alert's service)", opening.created_at.timestamp()),
        ("opening row written -> its publish begins (commit, hooks)", opening.dispatched_at.timestamp()),
        ("opening publish begins -> incident created (queue)", incident.created_at.timestamp()),
        ("incident created -> level 1 notified", record.notification.created_at.timestamp()),
        ("level 1 notified -> opening committed", opening.completed_at.timestamp()),
        ("opening committed -> delivery publish begins (hooks)", send.dispatched_at.timestamp()),
        ("delivery publish begins -> delivery sending (queue)", delivery.sent_at.timestamp()),
        ("delivery sending -> webhook received", received_at),
    ]


def hop_timings(*, started: dict[str, float], received: dict[tuple[str, int], float]) -> list[tuple[str, list[float]]]:
    """Where the alert -> level-1 webhook time goes, hop by hop, from the rows the run left: each outbox row's
    dispatch and completion, the moment each task began its work (the incident's creation, the level-1
    notification's, the delivery's send) and the receiver's clock. [(label, seconds per incident)]."""
    hops: dict[str, list[float]] = {}
    ids = [int(reference.removeprefix("INC-")) for reference in started]
    for incident in Incident.objects.filter(pk__in=ids).order_by("id"):
        moments = _hop_moments(incident, received.get((incident.reference, 1), 0.0))
        if moments is None or (incident.reference, 1) not in received:
            continue
        previous = started[incident.reference]
        for label, moment in moments:
            hops.setdefault(label, []).append(moment - previous)
            previous = moment
    return list(hops.items())
