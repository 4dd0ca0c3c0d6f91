"""Incident rows for the portal's incident pages, made with the ORM (the incidents services are other parts of
issue #13; the action tests go through them). One "full" incident has a bit of everything a page shows."""

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from apps.incidents.choices import IncidentKind, IncidentSeverity, IncidentStatus, StepAction, StepStatus
from apps.incidents.models import (
    CustodyEvent,
    Evidence,
    Incident,
    IncidentNotification,
    Playbook,
    PlaybookStep,
    RegulatoryClock,
    StepRun,
    TimelineEntry,
)
from apps.incidents.services.reviews import review_generate
from apps.notifications.models import Delivery, Notification

EVIDENCE_BYTES = b"login_failed x 40 from 198.51.100.7\n"
LEVELS = [
    {"level": 1, "ack_timeout_seconds": 300, "targets": [{"kind": "role", "role": "security_analyst"}]},
    {"level": 2, "ack_timeout_seconds": 600, "targets": [{"kind": "email", "address": "oncall@example.com"}]},
]


def incident(number: int = 0, **fields) -> Incident:
    now = timezone.now()
    values = {
        "title": f"Brute force on the portal login #{number}",
        "kind": IncidentKind.CREDENTIAL_STUFFING,
        "severity": IncidentSeverity.HIGH,
        "status": IncidentStatus.NEW,
        "declared_by_label": "rule: brute force",
        "detected_at": now - timedelta(minutes=30),
        "aware_at": now - timedelta(minutes=20),
        "escalation_levels": LEVELS,
        "escalation_level": 1,
        **fields,
    }
    row = Incident.objects.create(**values)
    TimelineEntry.objects.create(
        incident=row, occurred_at=now, kind="opened", actor_label="system", message=f"Opened {row.reference}"
    )
    return row


def incidents(count: int, **fields) -> list[Incident]:
    """`count` open incidents in one INSERT (the list and board budgets, the bench)."""
    now = timezone.now()
    statuses = [s for s in IncidentStatus.values if s != IncidentStatus.CLOSED]
    severities = IncidentSeverity.values
    rows = [
        Incident(
            title=f"Incident {number}",
            kind=IncidentKind.BOT_ABUSE,
            severity=severities[number % len(severities)],
            status=statuses[number % len(statuses)],
            declared_by_label="bench",
            detected_at=now,
            aware_at=now,
            escalation_level=number % 5,
            **fields,
        )
        for number in range(count)
    ]
    return Incident.objects.bulk_create(rows, batch_size=1000)


def full_incident(owner=None) -> Incident:
    """An incident with a playbook (a succeeded undoable step and a waiting manual task), evidence with a
    custody chain, a running GDPR clock, a notification delivered to a webhook."""
    now = timezone.now()
    row = incident(personal_data_involved=True, owner=owner, next_escalation_at=now + timedelta(minutes=5))
    playbook, _ = Playbook.objects.get_or_create(
        kind=IncidentKind.CREDENTIAL_STUFFING,
        version=999,
        defaults={
            "name": "Portal test playbook",
            "source_path": "tests",
            "source_sha256": "0" * 64,
            "is_active": False,
        },
    )
    block, _ = PlaybookStep.objects.get_or_create(
        playbook=playbook,
        position=1,
        slug="block",
        defaults={"title": "Block the address", "action": StepAction.BLOCK_ADDRESS},
    )
    manual, _ = PlaybookStep.objects.get_or_create(
        playbook=playbook,
        position=2,
        slug="tell-users",
        defaults={"title": "Tell the users", "action": StepAction.MANUAL, "owner_role": "security_analyst"},
    )
    StepRun.objects.create(
        incident=row, step=block, position=1, status=StepStatus.SUCCEEDED, attempts=1,
        result={"address": "198.51.100.7"}, undo={"address": "198.51.100.7"}, finished_at=now,
    )  # fmt: skip
    StepRun.objects.create(
        incident=row, step=manual, position=2, status=StepStatus.WAITING, owner_role="security_analyst",
        due_at=now + timedelta(hours=2),
    )  # fmt: skip
    digest = hashlib.sha256(EVIDENCE_BYTES).hexdigest()
    evidence = Evidence(
        incident=row, kind="file", title="Login log", original_name="login.log", content_type="text/plain",
        size=len(EVIDENCE_BYTES), sha256=digest, collected_by_label="analyst", collection_method="upload",
        collected_at=now,
    )  # fmt: skip
    evidence.file.save("login.log", ContentFile(EVIDENCE_BYTES), save=False)
    evidence.save()
    CustodyEvent.objects.create(
        evidence=evidence, sequence=1, action="collected", actor_label="analyst", purpose="collected",
        observed_sha256=digest, hash_verified=True, previous_hash="0" * 64,
        event_hash=hashlib.sha256(digest.encode()).hexdigest(),
        occurred_at=now,
    )  # fmt: skip
    RegulatoryClock.objects.create(
        incident=row, regulation="gdpr-art33", name="GDPR Art. 33", started_at=row.aware_at,
        due_at=row.aware_at + timedelta(hours=72),
    )  # fmt: skip
    notification = Notification.objects.create(
        key=f"incident-{row.pk}-opened", kind="incident_opened", subject=f"{row.reference} opened", text="opened"
    )
    IncidentNotification.objects.create(incident=row, level=1, reason="opened", notification=notification)
    Delivery.objects.create(
        notification=notification, key=f"incident-{row.pk}-opened-email", channel="email",
        addresses=["oncall@example.com"], status="sent", attempts=1, sent_at=now,
    )  # fmt: skip
    return row


def closed_with_review(owner=None) -> Incident:
    """A closed incident and its review draft, generated by the review service (as closing does)."""
    now = timezone.now()
    row = incident(
        status=IncidentStatus.CLOSED, owner=owner, acknowledged_at=now - timedelta(minutes=25),
        contained_at=now - timedelta(minutes=15), recovered_at=now - timedelta(minutes=5), closed_at=now,
    )  # fmt: skip
    review_generate(incident=row)
    return row
