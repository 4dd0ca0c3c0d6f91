"""The staff portal at /portal/ (apps/portal): login with a second factor, live dashboard."""

from dbsbm.settings.environment import env_int

# The Channels group every open dashboard joins (/ws/portal/dashboard/).
PORTAL_DASHBOARD_GROUP = "portal.dashboard"
# How long the password step of a login stays valid while the user types the TOTP token.
PORTAL_LOGIN_PENDING_SECONDS = env_int("PORTAL_LOGIN_PENDING_SECONDS", 300)
# Rows a list page of the portal shows (the lists are paginated; the query count does not grow).
PORTAL_PAGE_SIZE = env_int("PORTAL_PAGE_SIZE", 50)
# The audit-activity widget: hours shown in its chart.
PORTAL_AUDIT_ACTIVITY_HOURS = env_int("PORTAL_AUDIT_ACTIVITY_HOURS", 24)
# Staff sockets (the live dashboard, the security stream) re-check their session and user before
# forwarding, at most this often, and on a timer while idle (a socket outlives sign-out, deactivation
# or a lost role otherwise); apps/core/second_factor.py.
PORTAL_LIVE_RECHECK_SECONDS = env_int("PORTAL_LIVE_RECHECK_SECONDS", 30)
# Analytics dashboards (/ws/portal/analytics/<id>/): an open dashboard is told which widgets changed at most
# once per this many milliseconds (changes in between are merged into the next message).
ANALYTICS_LIVE_MIN_INTERVAL_MS = env_int("ANALYTICS_LIVE_MIN_INTERVAL_MS", 1000)
