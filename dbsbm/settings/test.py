"""Test settings: the full configuration against the local PostgreSQL and Redis.

`make test` exports DATABASE_URL and REDIS_URL (defaults: the services on localhost); this module
refuses to run without them so that no test silently falls back to SQLite or local memory.
"""

import os
import re
import tempfile

from django.core.exceptions import ImproperlyConfigured


def _redis_url_of_xdist_worker(url: str, worker: str) -> str:
    """pytest-xdist runs the suite in several processes (`make test`: -n 2); each gets a database of its own
    (pytest-django suffixes the name) and must get a Redis database of its own too, or one process's
    cache.clear() empties the other's: worker gwN uses the index N below REDIS_URL's. A Celery worker or
    manage.py subprocess that a test starts inherits PYTEST_XDIST_WORKER and lands on the same index."""
    match = re.fullmatch(r"(redis(?:s)?://[^/]*)/(\d+)", url)
    if not (worker.startswith("gw") and match):
        return url
    return f"{match[1]}/{int(match[2]) - int(worker[2:])}"


# the suite's own REDIS_URL is kept aside, so that a subprocess (which inherits the shifted one) shifts from it too
if os.environ.get("REDIS_URL"):
    os.environ.setdefault("DBSBM_SUITE_REDIS_URL", os.environ["REDIS_URL"])
    os.environ["REDIS_URL"] = _redis_url_of_xdist_worker(
        os.environ["DBSBM_SUITE_REDIS_URL"], os.environ.get("PYTEST_XDIST_WORKER", "")
    )

from dbsbm.settings.base import *  # noqa: E402, F403
from dbsbm.settings.base import DATABASE_URL, REDIS_URL  # noqa: E402
from dbsbm.settings.environment import env_bool, env_str  # noqa: E402

if not (DATABASE_URL and REDIS_URL):
    raise ImproperlyConfigured(
        "Tests run against the real PostgreSQL and Redis: set DATABASE_URL and REDIS_URL "
        "(make test sets them to the services on 127.0.0.1)."
    )

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; tests only
CACHES["default"]["KEY_PREFIX"] = "dbsbm-test"  # noqa: F405
# Tasks run in the test process; a real worker subprocess started by a test turns this off for itself.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=True)
AXES_ENABLED = True

# Monitoring writes at moments of their own (an interval elapsed, a statement was slow under load)
# would make the query budgets of other suites flaky; tests/core enables and pins them itself.
MEMORY_MONITORING_ENABLED = False
SLOW_QUERY_THRESHOLD_MS = 60_000
# Suites that make many calls with one key or without one stay under the limits;
# tests/core/test_ratelimit.py sets the limits it checks.
RATELIMIT_PLATFORM_KEY_PER_MINUTE = 100_000
RATELIMIT_ANONYMOUS_PER_MINUTE = 100_000

# A fixed, public master key: test data is not secret, and subprocesses (rotate_keys) must share it.
DBSBM_MASTER_KEY = env_str("DBSBM_MASTER_KEY", "ZGJzYm0tdGVzdC1tYXN0ZXIta2V5LW5vdC1zZWNyZXQ=")
# No periodic re-read of the active key mid-suite (an extra query inside some query budget); tests that
# create keys clear the ring (tests/conftest.py), and a flush re-seeds and clears it.
DBSBM_KEY_RING_CACHE_SECONDS = 86_400

# Outbound HTTP in tests goes to receivers on 127.0.0.1 (a local webhook receiver, a local feed): the SSRF
# guard lets loopback through here only; tests of the guard itself set this to [].
WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8", "::1/128"]
# The test client is no server: no web process announces itself to the registry (its tests start one).
REGISTRY_WEB_HEARTBEAT_ENABLED = False
# No background warm-ups (seconds of CPU) in the servers and workers tests start; tests/core/test_warmup.py turns
# them on for itself.
WARM_UP_ENABLED = env_bool("DBSBM_WARM_UP", default=False)

# The read replica (apps/core/replica.py): the alias points at the test database itself (Django's TEST MIRROR: a
# second connection, no copy), and nothing is routed to it unless a test sets DATABASE_REPLICA_ALIAS
# (tests/integration/test_scaling_replica.py); every other test reads and writes "default" as before.
if "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
    # no pool of its own: its connections close after each request, none is left open at the test run's end
    DATABASES["replica"]["OPTIONS"] = {k: v for k, v in DATABASES["default"]["OPTIONS"].items() if k != "pool"}  # noqa: F405
DATABASE_REPLICA_ALIAS = None

# Signed audit checkpoints go to a directory of this process's own (each test sets one of its own too,
# tests/conftest.py): session-wide fixtures seal as well, and two pytest-xdist processes sharing one
# directory would each find the other's checkpoints without their chain's key.
AUDIT_CHECKPOINT_DIR = env_str("AUDIT_CHECKPOINT_DIR", tempfile.mkdtemp(prefix="dbsbm-test-checkpoints-"))
ML_PREDICTION_LOG_SAMPLE = 1.0  # every predict call is logged in tests (the drift tests read them)
