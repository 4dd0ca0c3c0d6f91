"""Thin Celery tasks of incident response: each calls one service and is safe to run twice."""

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def escalation_start_task(incident_id: int) -> int:
    """Notify a new incident's start level (a repeat finds it notified and does nothing)."""
    from apps.incidents.services.escalation import escalation_start  # noqa: PLC0415 - services import tasks

    incident = escalation_start(incident_id=incident_id)
    return incident.escalation_level if incident is not None else 0


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def escalation_advance_task(incident_id: int, token: int) -> bool:
    """The timer of one notified level (a stale token does nothing: the fencing token)."""
    from apps.incidents.services.escalation import escalation_advance  # noqa: PLC0415

    return escalation_advance(incident_id=incident_id, token=token)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def escalation_sweep_task() -> int:
    """Beat: advance every incident whose timer is due (catches lost or late timer tasks)."""
    from apps.incidents.services.escalation import escalation_sweep  # noqa: PLC0415

    return escalation_sweep()
