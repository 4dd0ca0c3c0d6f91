"""Analytics rollups (apps/analytics/services/rollups.py): how long they may lag, how far back hours go,
how often beat refreshes them and how much one refresh takes."""

from dbsbm.settings.environment import env_int

# hourly rollups are kept for this many past days (a query of hours further back reads the raw rows);
# the query layer answers at most 14 days of hours (apps/analytics/query.py MAX_RANGE_DAYS)
ANALYTICS_HOURLY_DAYS = env_int("ANALYTICS_HOURLY_DAYS", 14)
# a change waiting in the dirty queue longer than this makes its tenant's rollups stale: queries read
# the raw rows (correct, slower) until a refresh catches up
ANALYTICS_STALE_AFTER_SECONDS = env_int("ANALYTICS_STALE_AFTER_SECONDS", 60)
# beat's refresh of the dirty queue (besides the task each change enqueues) and its batch size
ANALYTICS_REFRESH_SECONDS = env_int("ANALYTICS_REFRESH_SECONDS", 5)
ANALYTICS_REFRESH_BATCH = env_int("ANALYTICS_REFRESH_BATCH", 20_000)
# a tenant rebuilt by beat (never built, or its time zone changed) at most this many per run
ANALYTICS_REBUILDS_PER_RUN = env_int("ANALYTICS_REBUILDS_PER_RUN", 2)
