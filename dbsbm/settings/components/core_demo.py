"""The living embedded demo (apps/core/scheduler.py): beat's schedule run inside the web process."""

from dbsbm.settings.environment import env_bool, env_int, env_str

# On by default in the embedded configuration only (no REDIS_URL: no broker, so no worker and no beat could run
# the periodic jobs); the full configuration runs Celery beat (Procfile). DBSBM_EMBEDDED_SCHEDULER=false turns it
# off, e.g. for a `make run` that should stay still.
EMBEDDED_SCHEDULER_ENABLED = env_bool("DBSBM_EMBEDDED_SCHEDULER", default=not env_str("REDIS_URL"))
# How often the scheduler looks for due jobs (seconds).
EMBEDDED_SCHEDULER_TICK_SECONDS = env_int("DBSBM_EMBEDDED_SCHEDULER_TICK_SECONDS", 2)
# No job runs more often than this in the embedded configuration (SQLite has one writer: the 3-second escalation
# sweep and the 5-second outbox relay of the full configuration run every 10 s here).
EMBEDDED_SCHEDULER_MIN_INTERVAL_SECONDS = env_int("DBSBM_EMBEDDED_SCHEDULER_MIN_INTERVAL_SECONDS", 10)
# Warm-ups a serving process runs in the background at start (apps/core/warmup.py: the ASGI lifespan, Celery's
# worker_process_init), e.g. the bet-text parser's language models; DBSBM_WARM_UP=false turns them off.
WARM_UP_ENABLED = env_bool("DBSBM_WARM_UP", default=True)
