"""Rate limits, query monitoring and memory monitoring (issue 4, items 3, 5 and 6).

Imported by base.py, so every configuration (embedded and full) gets these defaults; each one can
be changed through the environment without a release.
"""

from django.core.exceptions import ImproperlyConfigured

from dbsbm.settings.environment import env_bool, env_int

# --- rate limits (apps.core.api.ratelimit, apps.core.api.throttling) -----------------------------------
# The counters live in this cache: Redis in the full configuration, local memory (per process)
# in the embedded one. When the cache fails, throttling fails open (see apps.core.api.ratelimit).
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", default=True)
RATELIMIT_CACHE_ALIAS = "default"
# Tenant keys get their plan's `api_calls_per_minute`; platform-wide keys (the bot, BI tools) this.
RATELIMIT_PLATFORM_KEY_PER_MINUTE = env_int("RATELIMIT_PLATFORM_KEY_PER_MINUTE", 6000)
# Requests without a valid key, per client address: key guessing and anonymous schema downloads.
RATELIMIT_ANONYMOUS_PER_MINUTE = env_int("RATELIMIT_ANONYMOUS_PER_MINUTE", 30)
# Bet placements per capper of a tenant.
RATELIMIT_BET_PLACEMENTS_PER_CAPPER = env_int("RATELIMIT_BET_PLACEMENTS_PER_CAPPER", 50)
RATELIMIT_BET_PLACEMENT_WINDOW_SECONDS = env_int("RATELIMIT_BET_PLACEMENT_WINDOW_SECONDS", 5 * 60)
# How many proxies in front of the app append to X-Forwarded-For (apps.core.actors.client_ip, the one
# client address of audit and security events, rate limits and django-axes; X-Request-ID is believed
# only when it is above 0). 0: the client address is REMOTE_ADDR; never trust the left-most,
# client-written entry. RATELIMIT_TRUSTED_PROXY_COUNT is its deprecated former name, still read.
DBSBM_TRUSTED_PROXIES = env_int("DBSBM_TRUSTED_PROXIES", env_int("RATELIMIT_TRUSTED_PROXY_COUNT", 0))
if DBSBM_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"DBSBM_TRUSTED_PROXIES must be 0 or more, got {DBSBM_TRUSTED_PROXIES}")

# Conditional GETs of versioned API reads answered 304 first in the middleware stack
# (apps.core.middleware.ConditionalGetMiddleware); off: every request takes the full stack.
CONDITIONAL_GET_FAST_PATH = env_bool("CONDITIONAL_GET_FAST_PATH", default=True)

# --- query monitoring (apps.core.monitoring.queries) ---------------------------------------------
QUERY_MONITORING_ENABLED = env_bool("QUERY_MONITORING_ENABLED", default=True)
# `X-DB-Queries: <count>; time-ms=<total>` on every response (handy in development and benchmarks).
QUERY_COUNT_HEADER_ENABLED = env_bool("QUERY_COUNT_HEADER_ENABLED", default=False)
# Statements slower than this are aggregated by fingerprint into core.SlowQuery.
SLOW_QUERY_THRESHOLD_MS = env_int("SLOW_QUERY_THRESHOLD_MS", 200)

# --- memory monitoring (apps.core.monitoring.memory) ------------------------------------------------------
MEMORY_MONITORING_ENABLED = env_bool("MEMORY_MONITORING_ENABLED", default=True)
# A web process snapshots on the first request after this many seconds, a worker after a task.
MEMORY_SNAPSHOT_INTERVAL_SECONDS = env_int("MEMORY_SNAPSHOT_INTERVAL_SECONDS", 300)
MEMORY_SNAPSHOT_RETENTION_DAYS = env_int("MEMORY_SNAPSHOT_RETENTION_DAYS", 14)
# Resident set size (MiB) at which a process reaches each level; crossing one upwards logs an
# alert and sends core.signals.memory_threshold_crossed; the cleanup callbacks of the level run.
MEMORY_THRESHOLDS_MB = {
    "low": env_int("MEMORY_THRESHOLD_LOW_MB", 384),
    "medium": env_int("MEMORY_THRESHOLD_MEDIUM_MB", 512),
    "high": env_int("MEMORY_THRESHOLD_HIGH_MB", 768),
    "critical": env_int("MEMORY_THRESHOLD_CRITICAL_MB", 1024),
}
# A leak suspect: RSS grew at every one of this many consecutive snapshots of one process, by at
# least MEMORY_LEAK_MIN_GROWTH_MB in total.
MEMORY_LEAK_SNAPSHOTS = env_int("MEMORY_LEAK_SNAPSHOTS", 6)
MEMORY_LEAK_MIN_GROWTH_MB = env_int("MEMORY_LEAK_MIN_GROWTH_MB", 32)
# tracemalloc slows allocation-heavy code noticeably; off unless someone is hunting a leak.
MEMORY_TRACEMALLOC_ENABLED = env_bool("MEMORY_TRACEMALLOC_ENABLED", default=False)
MEMORY_TRACEMALLOC_FRAMES = env_int("MEMORY_TRACEMALLOC_FRAMES", 1)
MEMORY_TRACEMALLOC_TOP = env_int("MEMORY_TRACEMALLOC_TOP", 10)
