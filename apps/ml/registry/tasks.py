"""Thin Celery tasks of the registry (queue `ml`: routed by name, settings CELERY_TASK_ROUTES)."""

from celery import shared_task
from django.db import OperationalError

from apps.ml.registry.drift import drift_check
from apps.ml.registry.jobs import training_job_run


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def training_job_run_task(job_id: int) -> str | None:
    """Run one training job (a job already claimed is left alone: safe to run twice)."""
    job = training_job_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def drift_check_task() -> int:
    """Check every champion's features for drift and re-verify their artifacts; returns reports written."""
    return len(drift_check())
