"""The stored forecast behind a line widget's bands (beat computes them: services/forecasts.py).

A page never fits a model while it renders (a fit takes seconds): a widget reads the forecast stored for
its series, or says why there is none. Forecasts are stored for the default series (settings:
ANALYTICS_FORECAST_DEFAULT_SERIES) of every tenant with enough history and of the platform, and for any
series the forecast API was asked for.
"""

from apps.analytics.forecasting.series import SeriesRequest
from apps.analytics.models import Forecast
from apps.analytics.query import MetricQuery
from apps.core.errors import ApplicationError

DEFAULT_HORIZON = 14


def forecast_for(query: MetricQuery, horizon: int = DEFAULT_HORIZON) -> tuple[dict | None, str]:
    """(the forecast as {"model", "backtest", "points"}, '') or (None, why there is none to draw)."""
    try:
        series = SeriesRequest.from_query(query, metric=query.metrics[0], horizon=horizon)
    except ApplicationError as refused:
        return None, refused.message
    stored = (
        Forecast.objects.filter(
            tenant_id=series.tenant_id,
            metric=series.metric,
            grain=series.grain,
            horizon=series.horizon,
            filters=series.filters_text,
        )
        .order_by("-pk")
        .first()
    )
    if stored is None:
        return None, (
            f"No forecast stored for {series.metric} by {series.grain} yet: beat computes the default series "
            "once they have enough history, and the forecast API computes any other on request."
        )
    answer = stored.as_dict()
    return (answer, "") if answer.get("points") else (None, "No forecast for this series (too little history).")
