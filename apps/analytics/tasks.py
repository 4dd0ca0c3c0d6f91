"""Celery tasks of the analytics app (thin: one service call each)."""

import logging

from celery import shared_task
from django.db import OperationalError

from apps.analytics.models import ReportDefinition
from apps.analytics.services.reports import report_run
from apps.core.actors import Actor

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def report_run_task(definition_id: int) -> int | None:
    """What beat calls on a BI report definition's cron schedule (and a "run now" through the outbox): build,
    store and e-mail the next version. Returns the run's id; None when the definition is gone or disabled."""
    definition = ReportDefinition.objects.select_related("tenant").filter(pk=definition_id).first()
    if definition is None or not definition.is_enabled:
        logger.info("analytics report definition %s is gone or disabled: nothing to run", definition_id)
        return None
    return report_run(definition=definition, actor=Actor.system("report schedule")).pk
