"""Asking for a full fraud scan now (the portal's "Run a scan now"): the scheduled scan's task, written to the
outbox in this transaction with an audit event; a worker runs it, and the cases it opens appear on the list."""

from django.db import transaction

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.enqueue import enqueue


@transaction.atomic
def fraud_scan_request(*, actor: Actor) -> int:
    """Enqueue the scan of every detector over the last FRAUD_SCAN_SINCE_DAYS days; returns the outbox row's id."""
    from apps.fraud.tasks import fraud_scan_task  # noqa: PLC0415 - tasks import the services: import it late

    message = enqueue(fraud_scan_task)
    audit_record(actor=actor, action="fraud.scan_requested", changes=field_changes({}, {"outbox_message": message.pk}))
    return message.pk
