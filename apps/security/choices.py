from django.db import models


class SecurityEventType(models.TextChoices):
    LOGIN_SUCCEEDED = "login_succeeded", "Login succeeded"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOCKOUT = "lockout", "Locked out"
    PERMISSION_DENIED = "permission_denied", "Permission denied"
    THROTTLED = "throttled", "Throttled"
    THROTTLE_FAILED_OPEN = "throttle_failed_open", "Rate limit failed open"
    API_KEY_INVALID = "api_key_invalid", "Invalid API key"
    API_KEY_REVOKED_USED = "api_key_revoked_used", "Revoked API key used"
    API_KEY_EXPIRED_USED = "api_key_expired_used", "Expired API key used"
    PRIVILEGE_CHANGED = "privilege_changed", "Privileges changed"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    MFA_CHANGED = "mfa_changed", "MFA changed"
    PERSONAL_DATA_ACCESSED = "personal_data_accessed", "Personal data accessed"


# The risk score of an event of each type before any modifier (0-100).
BASE_RISK_SCORES = {
    SecurityEventType.LOGIN_SUCCEEDED: 5,
    SecurityEventType.LOGIN_FAILED: 20,
    SecurityEventType.LOCKOUT: 60,
    SecurityEventType.PERMISSION_DENIED: 30,
    SecurityEventType.THROTTLED: 25,
    SecurityEventType.THROTTLE_FAILED_OPEN: 40,
    SecurityEventType.API_KEY_INVALID: 30,
    SecurityEventType.API_KEY_REVOKED_USED: 50,
    SecurityEventType.API_KEY_EXPIRED_USED: 35,
    SecurityEventType.PRIVILEGE_CHANGED: 50,
    SecurityEventType.PASSWORD_CHANGED: 30,
    SecurityEventType.MFA_CHANGED: 40,
    SecurityEventType.PERSONAL_DATA_ACCESSED: 10,
}


class ActorKind(models.TextChoices):
    USER = "user", "Staff user"
    API_KEY = "api_key", "API key"
    SYSTEM = "system", "System"
    ANONYMOUS = "anonymous", "Anonymous"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class AlertStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


# Statuses whose alert absorbs a repeat detection within the suppression window. A resolved alert
# does not: the problem was fixed, so its return is news. A dismissed one does: the analyst judged
# it noise, and the same noise within the window must not page anyone again.
ABSORBING_STATUSES = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.DISMISSED)


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", "Threshold within a window"
    SEQUENCE = "sequence", "Ordered sequence within a window"
    BASELINE = "baseline", "Departure from a behavioural baseline"


class BaselineSubject(models.TextChoices):
    STAFF_USER = "staff_user", "Staff user"
    CAPPER = "capper", "Capper"
