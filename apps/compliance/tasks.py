"""Celery tasks: the checks' every-minute dispatcher, score snapshots, alert
evaluation and escalation, report runs, data-subject request workflows and the quarterly access review.

The notification tasks live beside the senders in notifications.py (services enqueue them).
"""

import logging

from celery import shared_task
from django.db import OperationalError

from apps.compliance.choices import DSR_WORKFLOW_CODE
from apps.compliance.models import CheckRun, ReportDefinition
from apps.compliance.selectors import framework_scores
from apps.compliance.services.access_review import access_review_start
from apps.compliance.services.alerts import alerts_escalate_overdue, alerts_evaluate_check_run, alerts_evaluate_scores
from apps.compliance.services.reports import report_run
from apps.compliance.services.scores import score_snapshots_take
from apps.compliance.services.workflows import dsr_workflow_sync, workflow_start, workflow_steps_escalate_overdue
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.privacy.models import DataSubjectRequest

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def checks_dispatch_task() -> int:
    """Run every check that is due at its frequency, then refresh today's score snapshots; returns runs made."""
    # services.runs enqueues this module's tasks: a module-level import would be circular
    from apps.compliance.services.runs import checks_run_due  # noqa: PLC0415

    runs = checks_run_due()
    if runs:
        score_snapshots_take()
    return len(runs)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def checks_run_task(framework: str | None = None, check_id: str | None = None) -> int:
    """Run a framework's enabled checks, or one check, now (asked for in the portal), then refresh today's
    score snapshots; returns the runs made."""
    from apps.compliance.services.runs import checks_run  # noqa: PLC0415 (see checks_dispatch_task)

    runs = checks_run(framework=framework, check_id=check_id, trigger="manual").runs
    if runs:
        score_snapshots_take()
    return len(runs)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def score_snapshots_task() -> int:
    """Take today's score snapshot of every framework (also done after each dispatch that ran checks)."""
    return len(score_snapshots_take())


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
