"""Forecasts of metric series: read the history from the metric layer, serve the stored forecast while it
was computed from that same history, else compute it (apps/analytics/forecasting/) and store it.

* `forecast_get(series=…)` — the API's and the dashboards' read: the stored forecast when its history
  digest matches the history the metric layer answers now (same last complete bucket, same values,
  same engine), else computed on demand and stored. Too little history: a 400 `insufficient_history`
  saying how much is needed; nothing stored.
* `forecast_for(query, …)` — the same from a widget's metric query (the dashboards draw its points as bands).
* `forecasts_refresh_enqueue()` — beat: one outbox task per default series (settings
  ANALYTICS_FORECAST_DEFAULT_SERIES) of every active tenant with enough history, and of the platform;
  each runs `forecast_refresh`.

The fit runs outside any transaction (seconds of CPU hold no locks); the store is one upsert on the
series' unique key, so two computations of the same series leave one row, the later one.
"""

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.forecasting import Forecast as ComputedForecast
from apps.analytics.forecasting import InsufficientHistory, forecast_series
from apps.analytics.forecasting.engine import MIN_TRAIN
from apps.analytics.forecasting.forecastable import DEFAULT_HORIZONS, forecast_spec
from apps.analytics.forecasting.series import SeriesRequest
from apps.analytics.metrics import GRAINS
from apps.analytics.models import Forecast
from apps.analytics.query import MetricQuery, run_query
from apps.betting.models import Bet
from apps.core.enqueue import enqueue
from apps.core.errors import ApplicationError
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)

# Part of every history digest: a change to the engine (candidates, backtest) makes stored forecasts stale.
ENGINE_VERSION = "1"


def history_series(*, series: SeriesRequest, now: datetime | None = None) -> list[tuple[str, float | None]]:
    """The complete buckets of the series' history, oldest first, as (label, value)."""
    query, current_label = series.history_query(now or timezone.now())
    result = run_query(query)
    return [(row[0], row[1]) for row in result.rows if row[0] < current_label]


def history_digest(*, series: SeriesRequest, history: list[tuple[str, float | None]]) -> str:
    payload = {
        "engine": ENGINE_VERSION,
        "horizon": series.horizon,
        "max_origins": settings.ANALYTICS_FORECAST_MAX_ORIGINS,
        "history": history,
    }
    return hashlib.sha256(json.dumps(payload, separators=(",", ":"), default=str).encode()).hexdigest()


def forecast_get(*, series: SeriesRequest, now: datetime | None = None) -> Forecast:
    """The series' forecast, stored or computed now (module docstring); 400 insufficient_history."""
    history = history_series(series=series, now=now)
    digest = history_digest(series=series, history=history)
    stored = _stored(series).first()
    if stored is not None and stored.history_digest == digest:
        return stored
    return forecast_compute(series=series, history=history, digest=digest)


def forecast_compute(*, series: SeriesRequest, history: list[tuple[str, float | None]], digest: str) -> Forecast:
    """Fit the candidates on `history`, keep the one the backtest chose, and store it as the series' forecast."""
    spec = forecast_spec(series.metric)
    if spec is None:
        raise ApplicationError(_("%(metric)s is not forecast.") % {"metric": series.metric}, code="not_forecastable")
    started = time.monotonic()
    try:
        computed = forecast_series(
            history,
            grain=series.grain,
            horizon=series.horizon,
            name=series.label,
            bounds=spec.bounds,
            trim_leading_zeros=spec.trim_leading_zeros,
            max_origins=settings.ANALYTICS_FORECAST_MAX_ORIGINS,
        )
    except InsufficientHistory as refusal:
        raise ApplicationError(refusal.message, code="insufficient_history") from refusal
    milliseconds = round((time.monotonic() - started) * 1000)
    return forecast_store(series=series, computed=computed, digest=digest, compute_milliseconds=milliseconds)


@transaction.atomic
def forecast_store(*, series: SeriesRequest, computed: ComputedForecast, digest: str, compute_milliseconds: int):
    """Replace the series' stored forecast with `computed` (derived data: no audit event, see the model)."""
    backtest = computed.backtest.as_dict()
    forecast, _ = Forecast.objects.update_or_create(
        tenant_id=series.tenant_id,
        metric=series.metric,
        grain=series.grain,
        horizon=series.horizon,
        filters=series.filters_text,
        defaults={
            "model_name": computed.model,
            **{name: (round(value, 4) if value is not None else None) for name, value in backtest.items()},
            "backtest_origins": computed.backtest.origins,
            "backtest_points": computed.backtest.held_out,
            "candidates": computed.candidates,
            "points": [point.as_dict() for point in computed.points],
            "history_start": computed.history_start,
            "history_end": computed.history_end,
            "history_points": computed.history_points,
            "history_digest": digest,
            "computed_at": timezone.now(),
            "compute_milliseconds": compute_milliseconds,
        },
    )
    return forecast


def forecast_for(
    query: MetricQuery | Mapping,
    *,
    tenant: Tenant | None = None,
    metric: str | None = None,
    horizon: int | None = None,
) -> dict:
    """The forecast of a widget's series as {"model", "backtest", "points"} (the API's shape), for bands on
    a line chart. `query` is a MetricQuery, or its parameters (parsed for `tenant`; None: platform-wide).
    Raises ApplicationError (400) when the series cannot be forecast: `not_forecastable`, `invalid_query`
    or `insufficient_history`, whose message says how much history is needed; show it in the widget."""
    if not isinstance(query, MetricQuery):
        query = MetricQuery.parse(query, tenant=tenant)
    return forecast_get(series=SeriesRequest.from_query(query, metric=metric, horizon=horizon)).as_dict()


def forecast_refresh(*, tenant_id: int | None, metric: str, grain: str, horizon: int) -> Forecast | None:
    """Beat's work on one series: the stored forecast, recomputed when its history changed; None (and
    nothing stored) when the series has too little history or its tenant is gone."""
    timezone_name = "UTC"
    if tenant_id is not None:
        tenant = Tenant.objects.filter(pk=tenant_id, status=TenantStatus.ACTIVE).first()
        if tenant is None:
            return None
        timezone_name = tenant.timezone
    series = SeriesRequest(
        metric=metric, grain=grain, horizon=horizon, tenant_id=tenant_id, timezone_name=timezone_name
    )
    try:
        return forecast_get(series=series)
    except ApplicationError as refusal:
        if refusal.code != "insufficient_history":
            raise
        logger.info("forecast %s (tenant %s) skipped: %s", series.label, tenant_id, refusal.message)
        return None


@transaction.atomic
def forecasts_refresh_enqueue(*, now: datetime | None = None) -> int:
    """Beat: one refresh task per default series of each active tenant whose first bet is old enough to
    give the series its minimum history, and of the platform; returns how many were enqueued."""
    from apps.analytics.tasks import forecast_refresh_task  # noqa: PLC0415 - the tasks call these services

    now = now or timezone.now()
    tenant_ids = _tenants_with_history(now=now)
    scopes: list[int | None] = [*tenant_ids, None] if tenant_ids else []
    count = 0
    for tenant_id in scopes:
        for metric, grain in default_series():
            enqueue(forecast_refresh_task, tenant_id, metric, grain, DEFAULT_HORIZONS[grain])
            count += 1
    return count


def default_series() -> list[tuple[str, str]]:
    """The configured (metric, grain) pairs beat refreshes; a pair that cannot be forecast is logged and left out."""
    pairs = []
    for metric, grain in settings.ANALYTICS_FORECAST_DEFAULT_SERIES:
        if forecast_spec(metric) is None or grain not in GRAINS:
            logger.warning("ANALYTICS_FORECAST_DEFAULT_SERIES: %s by %s cannot be forecast; left out", metric, grain)
            continue
        pairs.append((metric, grain))
    return pairs


def _tenants_with_history(*, now: datetime) -> list[int]:
    """Active tenants with a bet placed at least the default daily series' minimum history ago (a sum
    starts at the first bet, so anything younger is refused anyway; sparser ratios are refused per series)."""
    needed_days = MIN_TRAIN["day"] + DEFAULT_HORIZONS["day"]
    # a first bet on the local day `needed_days` before today, at any hour, was placed before this
    cutoff = now - timedelta(days=needed_days - 1)
    old_enough = Bet.objects.filter(placed_at__lt=cutoff).values("tenant_id").distinct()
    return list(
        Tenant.objects.filter(status=TenantStatus.ACTIVE, pk__in=old_enough).order_by("pk").values_list("pk", flat=True)
    )


def _stored(series: SeriesRequest):
    return Forecast.objects.filter(
        tenant_id=series.tenant_id,
        metric=series.metric,
        grain=series.grain,
        horizon=series.horizon,
        filters=series.filters_text,
    )
