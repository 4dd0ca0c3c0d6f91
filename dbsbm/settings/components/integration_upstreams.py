"""Outbound calls (issue #15): the SSRF guard, breakers and balancing per upstream (apps/core/outbound/)."""

from dbsbm.settings.environment import env_int, env_list, env_str

# Outbound HTTP (webhooks, the notification layer, feeds) never reaches private, loopback or link-local
# addresses unless one of these CIDRs lists them (checked on every request, after DNS resolution).
WEBHOOK_ALLOWED_PRIVATE_NETWORKS = env_list("WEBHOOK_ALLOWED_PRIVATE_NETWORKS", [])

# Every outbound request: short time-outs (seconds; the read time-out is per socket read), no redirects, a
# bounded answer. The CA bundle for https (empty: certifi's, the one requests uses).
OUTBOUND_CONNECT_TIMEOUT_MS = env_int("OUTBOUND_CONNECT_TIMEOUT_MS", 3000)
OUTBOUND_READ_TIMEOUT_MS = env_int("OUTBOUND_READ_TIMEOUT_MS", 5000)
OUTBOUND_MAX_RESPONSE_BYTES = env_int("OUTBOUND_MAX_RESPONSE_BYTES", 5 * 1024 * 1024)
OUTBOUND_CA_BUNDLE = env_str("OUTBOUND_CA_BUNDLE", "")

# The circuit breaker per upstream (state in Redis, shared by every process): this many consecutive failures
# open it; after the cool-off one call probes (success closes it, failure opens it again).
OUTBOUND_BREAKER_FAILURE_THRESHOLD = env_int("OUTBOUND_BREAKER_FAILURE_THRESHOLD", 5)
OUTBOUND_BREAKER_COOL_OFF_SECONDS = env_int("OUTBOUND_BREAKER_COOL_OFF_SECONDS", 30)

# Passive health of an upstream's endpoints: this many consecutive failures eject an endpoint for a back-off
# that doubles with each ejection (base, capped at max); an endpoint that stays in for 2 x max forgets it.
OUTBOUND_EJECT_AFTER_FAILURES = env_int("OUTBOUND_EJECT_AFTER_FAILURES", 3)
OUTBOUND_EJECT_BASE_SECONDS = env_int("OUTBOUND_EJECT_BASE_SECONDS", 30)
OUTBOUND_EJECT_MAX_SECONDS = env_int("OUTBOUND_EJECT_MAX_SECONDS", 600)
# Least response time: the EWMA's weight of a new sample (percent) and the half-life (seconds) over which an
# endpoint's figure decays when it is not chosen, so a once-slow endpoint is tried again.
OUTBOUND_EWMA_ALPHA_PERCENT = env_int("OUTBOUND_EWMA_ALPHA_PERCENT", 30)
OUTBOUND_EWMA_DECAY_HALF_LIFE_SECONDS = env_int("OUTBOUND_EWMA_DECAY_HALF_LIFE_SECONDS", 60)

# Kept-alive outbound connections per process (apps/core/outbound/keepalive.py): reused only by a request whose
# own DNS resolution and SSRF check gave the same address. Idle connections kept per (host, port, checked IP)
# (0: a new connection per request) and how many such addresses are kept (least recently used closed beyond).
OUTBOUND_KEEPALIVE_PER_ADDRESS = env_int("OUTBOUND_KEEPALIVE_PER_ADDRESS", 16)
OUTBOUND_KEEPALIVE_ADDRESSES = env_int("OUTBOUND_KEEPALIVE_ADDRESSES", 256)
