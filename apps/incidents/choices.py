"""Kinds, severities, states and the other fixed vocabularies of incident response."""

from django.db import models


class IncidentKind(models.TextChoices):
    ACCOUNT_TAKEOVER = "account_takeover", "Account takeover"
    CREDENTIAL_STUFFING = "credential_stuffing", "Credential stuffing"
    API_KEY_COMPROMISE = "api_key_compromise", "API key compromise"
    UNAUTHORIZED_ACCESS = "unauthorized_access", "Unauthorized access"
    DATA_BREACH = "data_breach", "Data breach"
    FRAUD_RING = "fraud_ring", "Fraud ring"
    BOT_ABUSE = "bot_abuse", "Bot abuse"
    SERVICE_OUTAGE = "service_outage", "Service outage"
    OTHER = "other", "Other"


class IncidentSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SEVERITY_RANK = {
    IncidentSeverity.LOW: 1,
    IncidentSeverity.MEDIUM: 2,
    IncidentSeverity.HIGH: 3,
    IncidentSeverity.CRITICAL: 4,
}


class IncidentStatus(models.TextChoices):
    """new -> triaged -> contained -> eradicated -> recovered -> closed; a closed incident may be reopened,
    and a reopened one goes on from triaged."""

    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    CONTAINED = "contained", "Contained"
    ERADICATED = "eradicated", "Eradicated"
    RECOVERED = "recovered", "Recovered"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


# The forward path; a move that skips states along it needs a reason.
STATUS_PATH = [
    IncidentStatus.NEW,
    IncidentStatus.TRIAGED,
    IncidentStatus.CONTAINED,
    IncidentStatus.ERADICATED,
    IncidentStatus.RECOVERED,
    IncidentStatus.CLOSED,
]
OPEN_STATUSES = frozenset(set(IncidentStatus.values) - {IncidentStatus.CLOSED})


class TimelineKind(models.TextChoices):
    """What a timeline entry records: every change writes one automatically; notes are written by people."""

    OPENED = "opened", "Opened"
    JOINED = "joined", "Alert or case joined the incident"
    UPDATED = "updated", "Fields changed"
    STATUS_CHANGED = "status_changed", "Status changed"
    ASSIGNED = "assigned", "Owner or assignees changed"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ESCALATED = "escalated", "Escalated"
    NOTIFIED = "notified", "People notified"
    LINKED = "linked", "Linked"
    ACTION = "action", "Playbook step"
    ACTION_UNDONE = "action_undone", "Playbook step undone"
    EVIDENCE = "evidence", "Evidence"
    CLOCK = "clock", "Regulatory clock"
    REVIEW = "review", "Review"
    NOTE = "note", "Note"


class LinkKind(models.TextChoices):
    SECURITY_ALERT = "security_alert", "Security alert"
    FRAUD_CASE = "fraud_case", "Fraud case"
    CHECK_RUN = "check_run", "Compliance check run"
    AUDIT_EVENT = "audit_event", "Audit event"


class RuleSource(models.TextChoices):
    """What an incident rule listens to."""

    SECURITY_ALERT = "security_alert", "Security alert raised"
    FRAUD_CASE = "fraud_case", "Fraud case opened"
    CHECK_FAILED = "check_failed", "Compliance check failed"


class TargetKind(models.TextChoices):
    """Who an escalation level notifies (each target is a JSON object with this `kind`)."""

    USER = "user", "User"
    ROLE = "role", "Staff role"
    EMAIL = "email", "E-mail address"
    WEBHOOK = "webhook", "Webhook URL"
    DISCORD = "discord", "Discord webhook"


MAX_ESCALATION_LEVEL = 4


class StepAction(models.TextChoices):
    """What a playbook step does. Every automated action is idempotent and recorded; most can be undone."""

    REVOKE_API_KEY = "revoke_api_key", "Revoke an API key"
    SUSPEND_TENANT = "suspend_tenant", "Suspend a tenant"
    BLOCK_ADDRESS = "block_address", "Block an address"
    END_STAFF_SESSIONS = "end_staff_sessions", "End a staff user's sessions, require second-factor re-enrolment"
    FREEZE_CAPPER = "freeze_capper", "Freeze a capper (new bets refused)"
    COLLECT_EVIDENCE = "collect_evidence", "Collect evidence (sealed snapshot)"
    MANUAL = "manual", "Manual task"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (nothing to act on)"
    WAITING = "waiting", "Waiting for a person"
    DONE = "done", "Done (manual)"
    UNDONE = "undone", "Undone"


FINISHED_STEP_STATUSES = frozenset(
    {StepStatus.SUCCEEDED, StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.DONE, StepStatus.UNDONE}
)


class EvidenceKind(models.TextChoices):
    FILE = "file", "Uploaded file"
    SNAPSHOT = "snapshot", "Sealed snapshot"


class CustodyAction(models.TextChoices):
    COLLECTED = "collected", "Collected"
    VIEWED = "viewed", "Viewed"
    DOWNLOADED = "downloaded", "Downloaded"
    EXPORTED = "exported", "Exported"
    TRANSFERRED = "transferred", "Transferred to a named party"
    REFUSED = "refused", "Access refused (hash mismatch)"


class ClockStatus(models.TextChoices):
    RUNNING = "running", "Running"
    MET = "met", "Notified in time"
    OVERDUE = "overdue", "Overdue"
    LATE = "late", "Notified late"
    STOPPED = "stopped", "Not required"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


# When an incident reached each stage of the response (Incident fields, null until it did; the review's
# durations are measured between them), and all its times: one list for the admin, the API and the
# personal-data declaration.
RESPONSE_TIMES = ("triaged_at", "contained_at", "eradicated_at", "recovered_at", "closed_at")
INCIDENT_TIMES = ("detected_at", "aware_at", "acknowledged_at", *RESPONSE_TIMES)
