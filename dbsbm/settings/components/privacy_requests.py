"""Data-subject requests, consent and privacy impact assessments (apps/privacy)."""

from dbsbm.settings.environment import env_int, env_str

# A data-subject request is due this many days after it was received (GDPR art. 12(3): one month).
PRIVACY_REQUEST_DUE_DAYS = env_int("PRIVACY_REQUEST_DUE_DAYS", 30)
# The SLA job warns this many days before a request is due, and again once it is overdue.
PRIVACY_REQUEST_WARN_DAYS = env_int("PRIVACY_REQUEST_WARN_DAYS", 5)
PRIVACY_SLA_CHECK_INTERVAL_SECONDS = env_int("PRIVACY_SLA_CHECK_INTERVAL_SECONDS", 60 * 60)
# Where data-subject exports (zip files) are written; empty: <DBSBM_DATA_DIR>/privacy-exports.
PRIVACY_EXPORT_DIR = env_str("PRIVACY_EXPORT_DIR", "")
# An approved privacy impact assessment is reviewed again after this many days.
PRIVACY_PIA_REVIEW_DAYS = env_int("PRIVACY_PIA_REVIEW_DAYS", 365)
