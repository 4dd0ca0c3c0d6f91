"""Forecast endpoints: a tenant's series (tenant keys with `bets:read`, or platform keys) and the platform's
(platform keys with `analytics:read`).

GET …/analytics/forecast/?metric=stake_units&grain=day&horizon=14[&filter_<dimension>=a,b] →
{"model", "backtest": {"mase", "smape", "coverage_80", "coverage_95"}, "points": [{"t", "yhat", "lower_80",
"upper_80", "lower_95", "upper_95"}]}. Served from the stored forecast while the history is unchanged,
else computed (seconds) and stored; too little history is a 400 `insufficient_history` saying how much.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from apps.analytics.forecasting.forecastable import DEFAULT_HORIZONS, MAX_HORIZONS, forecastable_metrics
from apps.analytics.forecasting.series import SeriesRequest
from apps.analytics.metrics import DIMENSIONS, GRAINS, METRICS
from apps.analytics.models import Forecast
from apps.analytics.services.forecasts import forecast_get
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.tenants.viewsets import TenantScopedViewSet


class ForecastPointSerializer(serializers.Serializer):
    t = serializers.CharField(help_text="The bucket: YYYY-MM-DD (day, week's Monday, month's 1st) or YYYY-MM-DDTHH:00.")
    yhat = serializers.FloatField(help_text="The forecast (the model's mean).")
    lower_80 = serializers.FloatField()
    upper_80 = serializers.FloatField()
    lower_95 = serializers.FloatField()
    upper_95 = serializers.FloatField()


class BacktestSerializer(serializers.Serializer):
    mase = serializers.FloatField(allow_null=True, help_text="Mean absolute scaled error; below 1 beats naive.")
    smape = serializers.FloatField(help_text="Symmetric mean absolute percentage error, as a fraction (0 to 2).")
    coverage_80 = serializers.FloatField(help_text="Share of held-out actuals inside the 80% intervals.")
    coverage_95 = serializers.FloatField(help_text="Share of held-out actuals inside the 95% intervals.")


class ForecastSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="The model the rolling-origin backtest chose, e.g. ETS(A,Ad,A)[7].")
    backtest = BacktestSerializer()
    points = ForecastPointSerializer(many=True)


def _parameters(*, tenant_scoped: bool) -> list[OpenApiParameter]:
    metrics = [name for name in forecastable_metrics() if not (tenant_scoped and METRICS[name].platform_only)]
    horizons = ", ".join(f"{grain} {DEFAULT_HORIZONS[grain]} (at most {MAX_HORIZONS[grain]})" for grain in GRAINS)
    return [
        OpenApiParameter("metric", str, required=True, enum=metrics, description="The metric to forecast."),
        OpenApiParameter("grain", str, enum=list(GRAINS), description="The time grain (default: day)."),
        OpenApiParameter(
            "horizon", int, description=f"Buckets ahead; default and limit per grain: {horizons}.", required=False
        ),
        *(
            OpenApiParameter(f"filter_{dimension}", str, description=f"Only these values (comma-separated): {what}.")
            for dimension, what in DIMENSIONS.items()
            if not (tenant_scoped and dimension == "tenant")
        ),
    ]


class TenantForecastViewSet(TenantScopedViewSet):
    """A tenant's metric forecast (`bets:read`): its own figures, days in its time zone."""

    queryset = Forecast.objects.none()
    pagination_class = None
    required_scopes = {"list": "bets:read"}

    @extend_schema(
        summary="Forecast of one of the tenant's metrics, with 80%/95% intervals and their backtest coverage",
        parameters=_parameters(tenant_scoped=True),
        responses={200: ForecastSerializer, **ERROR_RESPONSES},
    )
    def list(self, request, guild_id=None):
        series = SeriesRequest.parse(request.query_params, tenant=self.tenant)
        return Response(forecast_get(series=series).as_dict())

    def tenant_queryset(self):
        return Forecast.objects.none()  # the forecast is one object computed per request, not a list of rows


class PlatformForecastViewSet(ApiViewSet):
    """The platform's metric forecast (platform keys with `analytics:read`): every tenant together, UTC days."""

    queryset = Forecast.objects.none()
    pagination_class = None
    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"list": "analytics:read"}

    @extend_schema(
        summary="Forecast of a platform-wide metric, with 80%/95% intervals and their backtest coverage",
        parameters=_parameters(tenant_scoped=False),
        responses={200: ForecastSerializer, **ERROR_RESPONSES},
    )
    def list(self, request):
        series = SeriesRequest.parse(request.query_params, tenant=None)
        return Response(forecast_get(series=series).as_dict())
