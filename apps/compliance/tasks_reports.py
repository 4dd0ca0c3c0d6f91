"""Celery tasks of the scheduled reports (imported by the app's ready(), so workers register them)."""

import logging

from celery import shared_task
from django.db import OperationalError

from apps.compliance.models import ReportDefinition
from apps.compliance.services_reports import report_run
from apps.core.actors import Actor

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def run_report(definition_id: int) -> int | None:
    """What beat calls on a definition's cron schedule: build, store and e-mail the next version.

    Returns the run's id; None when the definition is gone or disabled (a stale beat row, or a run
    requested just before it was disabled)."""
    definition = ReportDefinition.objects.select_related("framework").filter(pk=definition_id).first()
    if definition is None or not definition.is_enabled:
        logger.info("report definition %s is gone or disabled: nothing to run", definition_id)
        return None
    return report_run(definition=definition, actor=Actor.system("report schedule")).pk
