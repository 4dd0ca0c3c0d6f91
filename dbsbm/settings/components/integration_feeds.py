"""Settings of integration_feeds (issue #15): the results feed pull client (apps/integration/feeds/)."""

from dbsbm.settings.environment import env_int

# beat's sweep finds the sources that are due (each has its own interval) and enqueues one run each
FEED_SWEEP_SECONDS = env_int("FEED_SWEEP_SECONDS", 30)
# a run follows at most this many pages ("next" links) before it gives up as failed
FEED_MAX_PAGES = env_int("FEED_MAX_PAGES", 100)
# how long a run holds its source's lock: past it, a run whose worker died no longer blocks the next one
# (longer than the longest run: pages x (connect + read time-outs))
FEED_RUN_LEASE_SECONDS = env_int("FEED_RUN_LEASE_SECONDS", 900)
# how many mirrors the first page may be tried on within one run (when a mirror is down)
FEED_ATTEMPTS = env_int("FEED_ATTEMPTS", 2)
