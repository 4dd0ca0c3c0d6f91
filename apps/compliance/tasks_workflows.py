"""Celery tasks of the workflow engine and the access review (beat jobs and signal reactions)."""

import logging

from celery import shared_task
from django.db import OperationalError

from apps.compliance.choices_workflows import DSR_WORKFLOW_CODE
from apps.compliance.services_access_review import access_review_start
from apps.compliance.services_workflows import dsr_workflow_sync, workflow_start, workflow_steps_escalate_overdue
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.privacy.models import DataSubjectRequest

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def dsr_workflow_start_task(request_id: int) -> int | None:
    """Start the "dsr" workflow of a new data-subject request; safe to run twice (one per request)."""
    request = DataSubjectRequest.objects.filter(pk=request_id).first()
    if request is None:
        return None
    instance, _ = workflow_start(
        code=DSR_WORKFLOW_CODE,
        actor=Actor.system("dsr workflow"),
        title=f"{request.get_kind_display()} request #{request.pk}",
        subject=request,
    )
    return instance.pk


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def dsr_workflow_sync_task(request_id: int) -> str | None:
    """Follow a request's progress in its workflow (verified, completed, rejected); safe to run twice."""
    request = DataSubjectRequest.objects.filter(pk=request_id).first()
    if request is None:
        return None
    return dsr_workflow_sync(request=request, actor=Actor.system("dsr workflow"))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def workflow_steps_escalate_task() -> int:
    """Escalate current workflow steps past their due time (beat)."""
    return workflow_steps_escalate_overdue(actor=Actor.system("workflow escalation"))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def access_review_start_task() -> int | None:
    """Start this quarter's access review if it has not started (beat, daily)."""
    try:
        review, created = access_review_start(actor=Actor.system("access review schedule"))
    except ApplicationError as error:
        logger.warning("quarterly access review not started: %s", error.code)
        return None
    return review.pk if created else None
