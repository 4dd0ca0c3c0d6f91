"""Settings of the tenants' outbound webhooks (issue #15 item 1; apps/integration/webhooks and the
notification layer's webhook deliveries)."""

from dbsbm.settings.environment import env_int

# Attempts of one webhook delivery before it becomes a dead letter (replayable by hand). After the n-th
# failed attempt the next waits min(MAX, BASE x 2^(n-1)) seconds, with equal jitter (between half and all
# of it), so receivers that come back are not hit by every retry in the same second.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 60)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 6 * 60 * 60)
# An endpoint whose deliveries dead-letter this many times in a row (none delivered in between) is
# disabled, and ops and the tenant's Discord channel are told.
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 5)
# Isolation: at most this many deliveries to one endpoint are in flight at once, across every worker
# (a Redis semaphore). A delivery that finds its endpoint full polls for a slot up to WEBHOOK_SLOT_WAIT_MS
# (a busy healthy endpoint frees one within milliseconds; not at all when the youngest request in flight is
# older than that), then is parked without spending an attempt: the next freed slot wakes it, or its fallback
# timer after WEBHOOK_PARKED_FALLBACK_SECONDS (jittered). A hanging receiver holds this many worker slots.
WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = env_int("WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT", 4)
WEBHOOK_SLOT_WAIT_MS = env_int("WEBHOOK_SLOT_WAIT_MS", 50)
# A delivery of a batch (WEBHOOK_SEND_BATCH) that finds its endpoint full waits up to this long for a slot while
# the endpoint stays healthy (its youngest request younger than WEBHOOK_SLOT_WAIT_MS), whether or not others are
# parked, before it is parked; a slow endpoint parks it (and the rest of its batch) at once.
WEBHOOK_BATCH_SLOT_WAIT_MS = env_int("WEBHOOK_BATCH_SLOT_WAIT_MS", 1000)
WEBHOOK_PARKED_FALLBACK_SECONDS = env_int("WEBHOOK_PARKED_FALLBACK_SECONDS", 60)
# A retry due within this many seconds is also published with Celery's eta (on time); a later one waits in
# the outbox for beat's dispatcher (an eta message held for hours by a worker is fragile).
WEBHOOK_ETA_MAX_SECONDS = env_int("WEBHOOK_ETA_MAX_SECONDS", 300)
# The event fan-out sends the first attempts of one endpoint's new deliveries in tasks of this many (one Celery
# task and one outbox run each, one transaction per batch); 1: a task per delivery.
WEBHOOK_SEND_BATCH = env_int("WEBHOOK_SEND_BATCH", 10)
