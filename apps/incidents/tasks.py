"""Thin Celery tasks of incident response: each one service call, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from apps.incidents.services.clocks import clocks_sweep
from apps.incidents.services.reviews import review_generate_for


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def clocks_sweep_task() -> int:
    """Regulatory clock reminders (50 %, 90 %) and overdue states."""
    return clocks_sweep()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def review_generate_task(incident_id: int) -> int | None:
    """(Re)generate the review draft of a closed incident."""
    review = review_generate_for(incident_id=incident_id)
    return review.pk if review is not None else None
