"""The analytics app's models, one module per part (rollups, dashboards, forecasts, alerting, reports)."""

from apps.analytics.models.alerting import (
    AlertCondition,
    AlertInstance,
    AlertReducer,
    AlertRule,
    AlertSilence,
    AlertState,
    AlertStateChange,
)
from apps.analytics.models.forecasts import Forecast
from apps.analytics.models.insights import Insight, InsightDirection, InsightScan, InsightScanStatus

__all__ = [
    "AlertCondition",
    "AlertInstance",
    "AlertReducer",
    "AlertRule",
    "AlertSilence",
    "AlertState",
    "AlertStateChange",
    "Insight",
    "InsightDirection",
    "InsightScan",
    "InsightScanStatus",
    "Forecast",
]
