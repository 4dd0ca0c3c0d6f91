"""Thin Celery tasks of analytics: each one service call, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from apps.analytics.services.forecasts import forecast_refresh, forecasts_refresh_enqueue


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def forecasts_refresh_task() -> int:
    """Beat: enqueue a refresh of every default forecast series; returns how many."""
    return forecasts_refresh_enqueue()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def forecast_refresh_task(tenant_id: int | None, metric: str, grain: str, horizon: int) -> int | None:
    """Recompute one series' forecast when its history changed; returns the stored row's id (None: skipped)."""
    forecast = forecast_refresh(tenant_id=tenant_id, metric=metric, grain=grain, horizon=horizon)
    return forecast.pk if forecast is not None else None
