"""The cache manager (apps/core/cache): namespaces and their TTLs, stampede and breaker tuning."""

from dbsbm.settings.environment import env_bool, env_int

# Off only to measure the database alone (make bench): every read computes, no ETags are made.
CACHE_ENABLED = env_bool("DBSBM_CACHE_ENABLED", default=True)

# Seconds a value is fresh, per namespace. After that it is served stale while one process
# recomputes it, for up to CACHE_STALE_GRACE_SECONDS more; then it is gone.
CACHE_TTLS = {
    "tenant": 300,
    "game": 60,
    "game_odds": 60,  # a game's odds quotes (apps/betting/services/invalidation.py:odds_changed)
    "capper_ledger": 300,
    "leaderboard": 120,
    "bet_count": 60,
    "bet": 60,
    "api": 60,
    "api_key": 60,  # resolved API keys (accounts.authentication); key writes bump it
    # version counters only (nothing is stored under them; the TTL is never used): apps/analytics/invalidation.py
    "bet_platform": 60,  # any tenant's bets changed (apps/betting/services/invalidation.py)
    "analytics": 60,  # a tenant's analytics inputs beyond its bets changed (rollups, cases, alerts, requests)
    "analytics_platform": 60,  # the same for any tenant or the platform's own figures
}
CACHE_STALE_GRACE_SECONDS = env_int("CACHE_STALE_GRACE_SECONDS", 60)
# A cold key: other processes wait this long for the one recomputing it before computing too.
CACHE_STAMPEDE_WAIT_MS = env_int("CACHE_STAMPEDE_WAIT_MS", 200)
CACHE_RECOMPUTE_LOCK_SECONDS = 10

# Circuit breaker around Redis: open after N consecutive failures, probe again after the cool-off.
CACHE_BREAKER_FAILURE_THRESHOLD = env_int("CACHE_BREAKER_FAILURE_THRESHOLD", 5)
CACHE_BREAKER_RESET_SECONDS = env_int("CACHE_BREAKER_RESET_SECONDS", 10)
# One retry, after a jittered pause, for a transient Redis error before it counts as a failure.
CACHE_RETRY_BASE_MS = 5
CACHE_RETRY_JITTER_MS = 10
# Per-namespace statistics are flushed from each process to Redis at most this often.
CACHE_STATS_FLUSH_SECONDS = 5
# Decoded copies (apps/core/cache/decoded.py): per process, at most this many values, standing for at
# most this many bytes of stored entries; oldest dropped first.
CACHE_DECODED_COPIES_MAX_ENTRIES = env_int("CACHE_DECODED_COPIES_MAX_ENTRIES", 2048)
CACHE_DECODED_COPIES_MAX_BYTES = env_int("CACHE_DECODED_COPIES_MAX_BYTES", 16 * 1024 * 1024)
