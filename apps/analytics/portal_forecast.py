"""The dashboard's forecast widget: the newest stored daily forecast of net units (else of the handle; a
tenant's, else the platform's) drawn after its last 30 days, with its 80% and 95% bands and the backtest's
coverage beside it.

A page never fits a model (beat stores the forecasts: services/forecasts.py); this reads one row and one
metric query from the rollups, whatever the history's length.
"""

from datetime import date, timedelta

from django.db.models import Case, F, When
from django.utils.translation import gettext_lazy as _

from apps.analytics.charts.frame import PALETTE, Measure
from apps.analytics.charts.series import forecast_traces
from apps.analytics.metrics import METRICS
from apps.analytics.models import Forecast
from apps.analytics.query import MetricQuery, run_query
from apps.core.charts import chart_layout

FORECAST_METRICS = ("units_net", "stake_units")  # in order of preference
HISTORY_DAYS = 30


def _stored_forecast() -> Forecast | None:
    """The newest daily forecast with points of the preferred metric: a tenant's first, else the platform's."""
    preference = Case(*(When(metric=name, then=rank) for rank, name in enumerate(FORECAST_METRICS)))
    stored = Forecast.objects.filter(metric__in=FORECAST_METRICS, grain="day", filters="").exclude(points=[])
    return stored.select_related("tenant").order_by(preference, F("tenant_id").asc(nulls_last=True), "-pk").first()


def _history(forecast: Forecast) -> tuple[list[str], list[float | None]]:
    end = date.fromisoformat(forecast.history_end[:10])
    tenant = forecast.tenant
    query = MetricQuery(
        metrics=(forecast.metric,),
        start=end - timedelta(days=HISTORY_DAYS - 1),
        end=end,
        grain="day",
        tenant_id=tenant.pk if tenant is not None else None,
        timezone_name=tenant.timezone if tenant is not None else "UTC",
    )
    result = run_query(query)
    time_column = next(column for column in result.columns if column != forecast.metric)
    return [str(day)[:10] for day in result.column(time_column)], result.column(forecast.metric)


def forecast_figure(days: list[str], values: list, forecast: dict, measure: Measure) -> dict:
    """Actuals as a solid line, then the forecast dashed inside its 95% and 80% bands."""
    actual = {
        "type": "scatter",
        "mode": "lines",
        "name": str(_("actual")),
        "x": days,
        "y": values,
        "line": {"color": PALETTE[1]},
    }
    return {
        "data": [actual, *forecast_traces(forecast, measure)],
        "layout": chart_layout(
            height=240,
            showlegend=True,
            legend={"orientation": "h", "y": -0.2},
            xaxis={"type": "date", "fixedrange": True},
            yaxis={"title": {"text": measure.label}, "fixedrange": True, "tickformat": measure.format},
        ),
    }


def forecast_widget() -> dict:
    stored = _stored_forecast()
    if stored is None:
        return {"forecast": None}
    measure = Measure.of_metric(METRICS[stored.metric])
    days, values = _history(stored)
    return {
        "forecast": stored,
        "series_label": stored.tenant.name if stored.tenant is not None else _("all tenants"),
        "measure": measure,
        "figure": forecast_figure(days, values, stored.as_dict(), measure),
    }
