"""Security monitoring (apps/security): the live stream, detection windows, correlation, baselines."""

from dbsbm.settings.environment import env_int, env_str

# The Channels group of /ws/security/events/ and how many recent events a new connection gets first.
SECURITY_STREAM_GROUP = "security.events"
SECURITY_STREAM_SNAPSHOT_SIZE = env_int("SECURITY_STREAM_SNAPSHOT_SIZE", 50)
# Sliding windows of the rules: "auto" uses Redis when the cache is Redis, "database" never does.
SECURITY_WINDOW_BACKEND = env_str("SECURITY_WINDOW_BACKEND", "auto")
# Events an outsider can cause at will (failed logins, bad keys, refusals) kept per type, address
# and minute; beyond this they are dropped, so a flood cannot become as many rows.
SECURITY_EVENT_CAP_PER_MINUTE = env_int("SECURITY_EVENT_CAP_PER_MINUTE", 300)
# The correlation job: how often, and how far back it re-reads events (plus each rule's window).
SECURITY_CORRELATION_INTERVAL_SECONDS = env_int("SECURITY_CORRELATION_INTERVAL_SECONDS", 300)
SECURITY_CORRELATION_LOOKBACK_SECONDS = env_int("SECURITY_CORRELATION_LOOKBACK_SECONDS", 900)

# Behavioural baselines (apps/security/services/baselines.py).
SECURITY_BASELINE_INTERVAL_SECONDS = env_int("SECURITY_BASELINE_INTERVAL_SECONDS", 3600)
SECURITY_BASELINE_DAYS = env_int("SECURITY_BASELINE_DAYS", 30)
SECURITY_BASELINE_RECENT_HOURS = env_int("SECURITY_BASELINE_RECENT_HOURS", 24)
SECURITY_BASELINE_MIN_SAMPLES = env_int("SECURITY_BASELINE_MIN_SAMPLES", 20)
SECURITY_BASELINE_MARGINS = {
    # an hour of the day holding less than this share of a subject's baseline activity is unusual
    "rare_hour_share": 0.02,
    # staff: this many recent events at unusual hours
    "min_unusual_hour_events": 2,
    # staff: recent personal-data views per day above both factor × the daily mean and mean + sigma × stdev
    "volume_factor": 3.0,
    "volume_sigma": 3.0,
    "min_volume_events": 5,
    # cappers: judged only with at least this many recent bets (or legs, for leagues)
    "min_recent_bets": 3,
    # cappers: recent mean stake above the baseline mean + sigma × stdev (stdev at least 10% of the mean)
    "stake_sigma": 3.0,
    # cappers: recent bets per day above factor × the baseline's bets per active day
    "bet_rate_factor": 3.0,
    # cappers: more than this share of recent bets at unusual hours
    "unusual_hour_share": 0.5,
    # cappers: more than this share of recent legs in leagues absent from the baseline
    "new_league_share": 0.5,
}

# django-otp (TOTP devices for staff): never show a device's key or QR code again after creation.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_ISSUER = "DBSBM Portal"
