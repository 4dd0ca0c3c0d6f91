"""The platform's own telemetry (issue #14): request metrics, worker heartbeats and the samples beat stores.

Request counters are kept in each process and flushed to Redis (apps/core/monitoring/requests.py); every
worker process reports its memory in a heartbeat (apps/core/monitoring/workers.py); a beat task turns the
counters into per-minute TelemetrySample rows, later compacted to hours and pruned
(apps/analytics/telemetry/).
"""

from dbsbm.settings.environment import env_bool, env_int, env_list

# Count every request per route, tenant and status class with a latency histogram (the middleware).
REQUEST_METRICS_ENABLED = env_bool("REQUEST_METRICS_ENABLED", default=True)
# Each process adds its counts to Redis at most this often (one pipeline; nothing per request).
REQUEST_METRICS_FLUSH_SECONDS = env_int("REQUEST_METRICS_FLUSH_SECONDS", 5)

# A worker process writes its resident memory to Redis at most this often (the main process on Celery's
# own heartbeat, which comes every 2 s; each prefork child from a thread of its own) ...
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
# ... and a report older than this is a worker that is gone (it is left out and deleted by the sampler).
WORKER_HEARTBEAT_TTL_SECONDS = env_int("WORKER_HEARTBEAT_TTL_SECONDS", 60)

# Beat samples the counters, the queues and the workers this often (seconds; one row set per minute).
TELEMETRY_SAMPLE_SECONDS = env_int("TELEMETRY_SAMPLE_SECONDS", 60)
# Minute samples older than this are compacted into hour samples (sums added, snapshots' last value kept).
TELEMETRY_MINUTE_SAMPLES_KEEP_HOURS = env_int("TELEMETRY_MINUTE_SAMPLES_KEEP_HOURS", 48)
# Samples (minute and hour) older than this are deleted.
TELEMETRY_RETENTION_DAYS = env_int("TELEMETRY_RETENTION_DAYS", 90)
# Broker queues to measure besides the Celery app's configured queues (and INCIDENTS_STEP_QUEUE when set):
# queues that tasks are sent to by name at run time.
TELEMETRY_EXTRA_QUEUES = env_list("TELEMETRY_EXTRA_QUEUES", [])
