"""Thin Celery tasks of incident response: each one service call, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from apps.compliance.models import CheckRun
from apps.fraud.models import FraudCase
from apps.incidents.services.clocks import clocks_sweep
from apps.incidents.services.reviews import review_generate_for
from apps.incidents.services.rules import (
    incident_open_for_alert,
    incident_open_for_check_run,
    incident_open_for_fraud_case,
)
from apps.security.models import Alert


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def incident_open_for_alert_task(alert_id: int) -> int | None:
    """Open or join the incident a new security alert calls for; returns the incident id (None: no rule)."""
    alert = Alert.objects.select_related("rule").filter(pk=alert_id).first()
    incident = incident_open_for_alert(alert=alert) if alert is not None else None
    return incident.pk if incident is not None else None


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def incident_open_for_fraud_case_task(case_id: int, guild_id: str = "") -> int | None:
    """Open or join the incident a new fraud case calls for; returns the incident id (None: no rule)."""
    case = FraudCase.objects.filter(pk=case_id).first()
    incident = incident_open_for_fraud_case(case=case, guild_id=guild_id) if case is not None else None
    return incident.pk if incident is not None else None


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def incident_open_for_check_run_task(check_run_id: int) -> int | None:
    """Open or join the incident a failing check run calls for; returns the incident id (None: no rule)."""
    run = CheckRun.objects.filter(pk=check_run_id).first()
    incident = incident_open_for_check_run(run=run) if run is not None else None
    return incident.pk if incident is not None else None


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def escalation_start_task(incident_id: int) -> int:
    """Notify a new incident's start level (a repeat finds it notified and does nothing). The opening itself
    now does this in its own transaction (receivers.py); the task stays for outbox rows written before."""
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


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def clocks_sweep_task() -> int:
    """Regulatory clock reminders (50 %, 90 %) and overdue states."""
    return clocks_sweep()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def review_generate_task(incident_id: int) -> int | None:
    """(Re)generate the review draft of a closed incident."""
    review = review_generate_for(incident_id=incident_id)
    return review.pk if review is not None else None
