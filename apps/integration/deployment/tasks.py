"""Celery tasks of deployment (queue "integration": routed by name, settings CELERY_TASK_ROUTES)."""

from celery import shared_task

from apps.integration.deployment.services import release_reconcile

__all__ = ["release_reconcile_task"]


@shared_task(acks_late=True)
def release_reconcile_task() -> int:
    """Close the releases left started; safe to run twice."""
    return release_reconcile()
