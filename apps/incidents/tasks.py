"""Thin Celery tasks of incident response: each calls one service and is safe to run twice."""

from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def playbook_start_task(incident_id: int) -> int:
    """Create the incident's step runs and hand on the first step (a repeat creates nothing)."""
    from apps.incidents.services.playbooks import playbook_start  # noqa: PLC0415 - the services hand on tasks

    return playbook_start(incident_id=incident_id)


@shared_task(acks_late=True)
def step_run_execute_task(step_run_id: int) -> str:
    """Run one playbook step once (a re-delivery finds it claimed or finished and does nothing)."""
    from apps.incidents.services.playbooks import step_run_execute  # noqa: PLC0415

    return step_run_execute(step_run_id=step_run_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def playbooks_sweep_task() -> int:
    """Hand on again the steps whose worker died or whose task was lost."""
    from apps.incidents.services.playbooks import playbooks_sweep  # noqa: PLC0415

    return playbooks_sweep()
