"""Analytics insights and alert rules (apps/analytics/services/insights.py, alerting*.py): beat's clocks."""

from dbsbm.settings.environment import env_int

# beat looks for alert rules due this often; each rule is evaluated at its own interval (at least 10 s)
ANALYTICS_ALERT_SWEEP_SECONDS = env_int("ANALYTICS_ALERT_SWEEP_SECONDS", 10)
# beat looks this often for scopes (tenants, the platform) not yet scanned for insights today
ANALYTICS_INSIGHT_SWEEP_SECONDS = env_int("ANALYTICS_INSIGHT_SWEEP_SECONDS", 3600)
# the daily series an insight scan reads (eight weeks: the weekly season seen eight times), and the
# newest days it reports anomalies in (older ones were reported by earlier scans)
ANALYTICS_INSIGHT_HISTORY_DAYS = env_int("ANALYTICS_INSIGHT_HISTORY_DAYS", 56)
ANALYTICS_INSIGHT_RECENT_DAYS = env_int("ANALYTICS_INSIGHT_RECENT_DAYS", 7)
