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
from apps.analytics.models.dashboards import ChartType, Dashboard, DashboardKind, DashboardScope, Widget
from apps.analytics.models.forecasts import Forecast
from apps.analytics.models.insights import Insight, InsightDirection, InsightScan, InsightScanStatus
from apps.analytics.models.reports import ReportDefinition, ReportFile, ReportRun
from apps.analytics.models.rollups import (
    CapperDayRollup,
    DailyRollup,
    HourlyRollup,
    MarketDayRollup,
    RollupDirtyBet,
    RollupState,
    TenantDayRollup,
)
from apps.analytics.models.samples import TelemetryCursor, TelemetrySample

__all__ = [
    "AlertCondition",
    "AlertInstance",
    "AlertReducer",
    "AlertRule",
    "AlertSilence",
    "AlertState",
    "AlertStateChange",
    "ChartType",
    "DailyRollup",
    "Dashboard",
    "DashboardKind",
    "DashboardScope",
    "Forecast",
    "HourlyRollup",
    "Insight",
    "InsightDirection",
    "InsightScan",
    "InsightScanStatus",
    "ReportDefinition",
    "ReportFile",
    "ReportRun",
    "RollupDirtyBet",
    "CapperDayRollup",
    "MarketDayRollup",
    "RollupState",
    "TelemetryCursor",
    "TelemetrySample",
    "TenantDayRollup",
    "Widget",
]
