"""Celery tasks of the automated checks: the every-minute dispatcher and one check on demand."""

from celery import shared_task
from django.db import OperationalError

from apps.compliance.checks.registry import checks_for
from apps.compliance.models import CheckSetting
from apps.compliance.services.runs import check_run_execute, checks_run_due
from apps.compliance.services.scores import score_snapshots_take


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def checks_dispatch_task() -> int:
    """Run every check that is due at its frequency, then refresh today's score snapshots; returns runs made."""
    runs = checks_run_due()
    if runs:
        score_snapshots_take()
    return len(runs)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def check_run_task(check_id: str) -> int | None:
    """Run one check now (portal "run now"); returns the CheckRun id, None for an unknown check."""
    found = checks_for(check_id=check_id)
    if not found:
        return None
    setting = CheckSetting.objects.filter(check_id=check_id).first()
    return check_run_execute(check=found[0], trigger="manual", setting=setting).pk


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def score_snapshots_task() -> int:
    """Take today's score snapshot of every framework (also done after each dispatch that ran checks)."""
    return len(score_snapshots_take())
