"""Opening an incident in tests by its row and the incident_opened signal, without the declaring service
(so a test controls exactly what the opening carries)."""

from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.incidents.models import Incident
from apps.incidents.services.escalation import policy_levels
from apps.incidents.signals import incident_opened


def open_incident_row(*, policy=None, severity="high", title="Brute force on the portal login", **fields) -> Incident:
    """An incident opened the way incident_declare (part A) does: the policy's levels copied, incident_opened
    sent in the transaction."""
    now = fields.pop("now", None) or timezone.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title,
            kind=fields.pop("kind", "credential_stuffing"),
            severity=severity,
            declared_by_label="test",
            detected_at=now,
            aware_at=now,
            escalation_policy=policy,
            escalation_levels=policy_levels(policy) if policy is not None else [],
            **fields,
        )
        incident_opened.send(sender=Incident, incident=incident, actor=Actor.system("test"))
    return incident
