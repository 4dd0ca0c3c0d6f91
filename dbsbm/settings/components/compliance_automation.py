"""Compliance reports, alerts and workflows (apps/compliance), and outgoing e-mail."""

from dbsbm.settings.environment import env_bool, env_int, env_str

# Outgoing mail (reports, alert and escalation notices). Without EMAIL_HOST nothing is sent over
# the network: the embedded configuration prints messages to the console instead.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "compliance@dbsbm.invalid")

# Score-based alert rules are evaluated by beat this often (check-based rules on every check run).
COMPLIANCE_ALERT_SCORE_INTERVAL_SECONDS = env_int("COMPLIANCE_ALERT_SCORE_INTERVAL_SECONDS", 15 * 60)
# Unacknowledged alerts and overdue workflow steps are escalated by beat this often.
COMPLIANCE_ESCALATION_INTERVAL_SECONDS = env_int("COMPLIANCE_ESCALATION_INTERVAL_SECONDS", 5 * 60)
# The quarterly access review: beat looks daily and starts the current quarter's review once.
COMPLIANCE_ACCESS_REVIEW_CHECK_INTERVAL_SECONDS = env_int("COMPLIANCE_ACCESS_REVIEW_CHECK_INTERVAL_SECONDS", 24 * 3600)
COMPLIANCE_ACCESS_REVIEW_DUE_DAYS = env_int("COMPLIANCE_ACCESS_REVIEW_DUE_DAYS", 14)
# Audit trail extracts are capped at this many events (a larger range is refused with a clear message).
COMPLIANCE_REPORT_MAX_AUDIT_EVENTS = env_int("COMPLIANCE_REPORT_MAX_AUDIT_EVENTS", 50_000)
