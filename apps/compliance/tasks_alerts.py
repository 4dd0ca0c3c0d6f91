"""Celery tasks of the compliance alerts: evaluation after a check run, score rules and escalation by beat."""

from celery import shared_task
from django.db import OperationalError

from apps.compliance.models import CheckRun
from apps.compliance.selectors import framework_scores
from apps.compliance.services_alerts import alerts_escalate_overdue, alerts_evaluate_check_run, alerts_evaluate_scores
from apps.core.actors import Actor


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def alerts_evaluate_check_run_task(check_run_id: int) -> int:
    """Check and requirement rules against one recorded run; safe to run twice (alerts are deduplicated)."""
    check_run = CheckRun.objects.filter(pk=check_run_id).first()
    if check_run is None:
        return 0
    return len(alerts_evaluate_check_run(check_run=check_run, actor=Actor.system("compliance alerts")))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def alerts_evaluate_scores_task() -> int:
    """Score rules against the current framework scores (beat)."""
    scores = [{"id": row["id"], "score": row["score"]} for row in framework_scores()]
    return len(alerts_evaluate_scores(scores=scores, actor=Actor.system("compliance alerts")))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def alerts_escalate_task() -> int:
    """Escalate alerts not acknowledged in time (beat)."""
    return alerts_escalate_overdue(actor=Actor.system("compliance escalation"))
