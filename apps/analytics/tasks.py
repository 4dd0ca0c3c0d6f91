"""Thin Celery tasks of the analytics app: each one service call, safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from apps.analytics.models import ReportDefinition
from apps.analytics.services.alerting_evaluation import alert_rule_evaluate, alert_rules_dispatch_due
from apps.analytics.services.forecasts import forecast_refresh, forecasts_refresh_enqueue
from apps.analytics.services.insights import insights_compute, insights_dispatch_due
from apps.analytics.services.reports import report_run
from apps.analytics.services.rollups import rollups_maintain, rollups_refresh
from apps.analytics.telemetry.retention import telemetry_compact, telemetry_prune
from apps.analytics.telemetry.sampler import telemetry_sample
from apps.core.actors import Actor
from apps.core.enqueue import enqueue_at
from apps.tenants.models import Tenant

"""Celery tasks of the analytics app (thin: one service call each)."""


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def alert_rules_dispatch_task() -> int:
    """Beat: enqueue the evaluation of every alert rule that is due; returns how many."""
    return len(alert_rules_dispatch_due())


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def alert_rule_evaluate_task(rule_id: int) -> int:
    """Evaluate one alert rule now; returns how many instances it has."""
    return len(alert_rule_evaluate(rule_id=rule_id))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def insights_dispatch_task() -> int:
    """Beat: enqueue the insight scan of every scope not scanned through its last complete day."""
    return len(insights_dispatch_due())


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def insights_compute_task(tenant_id: int | None) -> int:
    """Scan one tenant's key metrics (None: the platform's); returns how many insights were new."""
    tenant = Tenant.objects.filter(pk=tenant_id).first() if tenant_id is not None else None
    if tenant_id is not None and tenant is None:
        return 0
    return len(insights_compute(tenant=tenant).created)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def forecasts_refresh_task() -> int:
    """Beat: enqueue a refresh of every default forecast series; returns how many."""
    return forecasts_refresh_enqueue()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def forecast_refresh_task(tenant_id: int | None, metric: str, grain: str, horizon: int) -> int | None:
    """Recompute one series' forecast when its history changed; returns the stored row's id (None: skipped)."""
    forecast = forecast_refresh(tenant_id=tenant_id, metric=metric, grain=grain, horizon=horizon)
    return forecast.pk if forecast is not None else None


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def telemetry_sample_task() -> int:
    """Beat, every minute: store the increase of the request and cache counters, the queues and worker memory
    (a retry later stores the same increase once: the cursor moves only with the rows)."""
    return telemetry_sample()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def telemetry_compact_task() -> int:
    """Beat, hourly: old minute samples into hour samples, then samples past the retention deleted."""
    compacted = telemetry_compact()
    telemetry_prune()
    return compacted


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


REFRESH_RETRY_SECONDS = (5, 15, 60, 300)


@shared_task(acks_late=True)
def analytics_rollups_refresh_task(attempt: int = 0) -> int:
    """Refresh the rollups from the queue of changed bets; returns how many queued bets it took.

    A tenant whose refresh fails is rolled back alone and marked stale with the error (its queries read
    the raw rows), and its bets stay queued; the retry is a new outbox row after a back-off, written with
    the stale mark. Not a re-raise: the outbox runs a task inside its own transaction, and raising would
    roll the stale mark back with it. Beat's refresh retries too.
    """
    outcome = rollups_refresh()
    if outcome.failed and attempt < len(REFRESH_RETRY_SECONDS):
        retry_at = timezone.now() + timedelta(seconds=REFRESH_RETRY_SECONDS[attempt])
        enqueue_at(analytics_rollups_refresh_task, attempt + 1, at=retry_at)
    return outcome.bets


@shared_task(acks_late=True)
def analytics_rollups_maintain_task() -> int:
    """Beat: rebuild the tenants that need it, refresh the queue, drop expired hourly rows."""
    return rollups_maintain().refresh.bets
