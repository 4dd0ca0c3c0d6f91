"""Settings of the service registry and its health checks (issue #15, item 4; apps/integration/registry).

Every running part announces itself (web processes, Celery workers per queue, beat) with a heartbeat in
Redis; beat syncs the announcements and the infrastructure named by these settings (database, Redis,
broker, webhook upstreams) into the registry and runs the checks that are due.
"""

from dbsbm.settings.environment import env_bool, env_int, env_str

# Beat syncs announcements and discovered upstreams into the registry this often (seconds) ...
REGISTRY_SYNC_SECONDS = env_int("REGISTRY_SYNC_SECONDS", 15)
# ... and looks for due checks this often; each check runs at its own interval (below, or its row's).
REGISTRY_CHECK_SWEEP_SECONDS = env_int("REGISTRY_CHECK_SWEEP_SECONDS", 10)
REGISTRY_CHECK_INTERVAL_SECONDS = env_int("REGISTRY_CHECK_INTERVAL_SECONDS", 15)
REGISTRY_CHECK_TIMEOUT_SECONDS = env_int("REGISTRY_CHECK_TIMEOUT_SECONDS", 3)
# A process announces itself at most this often; an announcement older than the TTL fails its TTL check.
REGISTRY_HEARTBEAT_SECONDS = env_int("REGISTRY_HEARTBEAT_SECONDS", 10)
REGISTRY_HEARTBEAT_TTL_SECONDS = env_int("REGISTRY_HEARTBEAT_TTL_SECONDS", 45)
# Web processes announce themselves from their first request on (off in tests: the test client is no server).
REGISTRY_WEB_HEARTBEAT_ENABLED = env_bool("REGISTRY_WEB_HEARTBEAT_ENABLED", default=True)
# An instance critical for this long is deregistered (Consul's deregister_critical_service_after); its
# rows and history stay, marked deregistered, and the deregistration is audited.
REGISTRY_DEREGISTER_CRITICAL_AFTER_SECONDS = env_int("REGISTRY_DEREGISTER_CRITICAL_AFTER_SECONDS", 600)
# Check results older than this are deleted (state changes are kept as long as their instance).
REGISTRY_RESULT_RETENTION_HOURS = env_int("REGISTRY_RESULT_RETENTION_HOURS", 48)
# /readyz trusts a check result of the database, Redis or the broker younger than this; older (or none:
# the registry never ran) and it checks the dependency itself, as it always did.
REGISTRY_READINESS_MAX_AGE_SECONDS = env_int("REGISTRY_READINESS_MAX_AGE_SECONDS", 60)
# A check taking longer than this is "warning" even when it answered.
REGISTRY_SLOW_CHECK_MS = env_int("REGISTRY_SLOW_CHECK_MS", 1000)
# The version and commit each process announces (the deployment sets them; the commit falls back to git).
REGISTRY_APP_VERSION = env_str("APP_VERSION", "1.0.0")
REGISTRY_GIT_COMMIT = env_str("GIT_COMMIT", "")
