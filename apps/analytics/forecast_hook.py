"""Where a line widget gets its forecast band: the FORECASTS part registers its reader here.

A line widget with the option `forecast` asks `forecast_for(query, horizon)`; the provider answers the stored
forecast of that query's metric (`{"model", "backtest", "points": [{"t", "yhat", "lower_80", "upper_80",
"lower_95", "upper_95"}]}`), or None when there is none (too little history: the widget says so and draws the
series alone, never a made-up line). Without a provider, no widget shows a forecast.
"""

import logging
from collections.abc import Callable

from apps.analytics.query import MetricQuery
from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)

ForecastProvider = Callable[[MetricQuery, int], dict | None]
_providers: list[ForecastProvider] = []


def forecast_provider_register(provider: ForecastProvider) -> None:
    """Install the forecast reader (idempotent: the last one registered answers)."""
    _providers[:] = [provider]


def forecast_provider_clear() -> None:
    _providers.clear()


def forecast_for(query: MetricQuery, horizon: int = 14) -> tuple[dict | None, str]:
    """(the forecast, '') or (None, why there is none to draw)."""
    if not _providers:
        return None, "No forecast is available for this widget yet."
    try:
        answer = _providers[0](query, horizon)
    except ApplicationError as refused:
        return None, refused.message
    if not answer or not answer.get("points"):
        return None, "No forecast for this series (too little history)."
    return answer, ""
