"""The analytics app's models, one module per part (rollups, dashboards, forecasts, alerting, reports)."""

from apps.analytics.models.rollups import DailyRollup, HourlyRollup, RollupDirtyBet, RollupState, TenantDayRollup

__all__ = ["DailyRollup", "HourlyRollup", "RollupDirtyBet", "RollupState", "TenantDayRollup"]
