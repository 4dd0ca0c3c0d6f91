"""Settings of deployment (issue #15): release records, the read replica's read-your-writes window."""

from dbsbm.settings.environment import env_int, env_str

# Who `manage.py release_start` records as starting a release (the CI job, an operator); else the host name.
RELEASE_ACTOR = env_str("RELEASE_ACTOR", "")
# The commit a release is built from: the image sets GIT_COMMIT at build time (Dockerfile build-arg).
GIT_COMMIT = env_str("GIT_COMMIT", "")
# A release still started after this long (its migrations still pending) is recorded as failed by beat.
RELEASE_MIGRATION_TIMEOUT_SECONDS = env_int("RELEASE_MIGRATION_TIMEOUT_SECONDS", 30 * 60)
RELEASE_RECONCILE_SECONDS = 60
# After a request that wrote, the same client's reads stay on the primary this long (replication lag).
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 5)
