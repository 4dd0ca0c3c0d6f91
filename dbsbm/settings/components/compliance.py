"""Compliance automation (apps/compliance): the policy values the automated checks hold the platform to."""

from dbsbm.settings.environment import env_int

# accounts: staff idle this long and still active fail the check; API keys older than this must be rotated
COMPLIANCE_STAFF_IDLE_DAYS = env_int("COMPLIANCE_STAFF_IDLE_DAYS", 90)
COMPLIANCE_API_KEY_MAX_AGE_DAYS = env_int("COMPLIANCE_API_KEY_MAX_AGE_DAYS", 90)
# retention: a successful retention run at least this recently
COMPLIANCE_RETENTION_RUN_MAX_AGE_HOURS = env_int("COMPLIANCE_RETENTION_RUN_MAX_AGE_HOURS", 48)
# triage SLAs: hours an alert of a severity, or a fraud case, may stay new/unassigned
COMPLIANCE_ALERT_TRIAGE_SLA_HOURS = {"critical": 1, "high": 4}
COMPLIANCE_FRAUD_CASE_TRIAGE_SLA_HOURS = env_int("COMPLIANCE_FRAUD_CASE_TRIAGE_SLA_HOURS", 72)
# betting: pending legs this long after their game ended; flagged hand settlements unreviewed this long
COMPLIANCE_PENDING_BET_GRACE_HOURS = env_int("COMPLIANCE_PENDING_BET_GRACE_HOURS", 48)
COMPLIANCE_GAME_MAX_DURATION_HOURS = 6  # a game without a final score is assumed over this long after its start
COMPLIANCE_SETTLEMENT_REVIEW_SLA_HOURS = env_int("COMPLIANCE_SETTLEMENT_REVIEW_SLA_HOURS", 72)
# writes without audit events: how far back ledger entries are matched with their events
COMPLIANCE_AUDITED_WRITES_LOOKBACK_HOURS = 24
# password and session policy
COMPLIANCE_PASSWORD_MIN_LENGTH = 12
COMPLIANCE_SESSION_MAX_AGE_SECONDS = 8 * 60 * 60
# `manage.py check --deploy` in a subprocess with the production settings (seconds before it is killed)
COMPLIANCE_DEPLOY_CHECK_TIMEOUT_SECONDS = 120
