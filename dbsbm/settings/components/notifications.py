"""The notification layer (apps/notifications): retries of failed deliveries and outbound HTTP timeouts."""

from dbsbm.settings.environment import env_int

# A failed delivery is retried after base, 2 x base, 4 x base ... seconds (at most an hour), then given up.
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)
# Webhooks and Discord: a slow receiver must not hold a worker (seconds).
NOTIFICATIONS_HTTP_CONNECT_TIMEOUT = env_int("NOTIFICATIONS_HTTP_CONNECT_TIMEOUT", 3)
NOTIFICATIONS_HTTP_READ_TIMEOUT = env_int("NOTIFICATIONS_HTTP_READ_TIMEOUT", 5)
# The portal's unread badge is read from the cache; the inbox's writes and the inbox page store it.
NOTIFICATIONS_BADGE_CACHE_SECONDS = env_int("NOTIFICATIONS_BADGE_CACHE_SECONDS", 7 * 24 * 60 * 60)
