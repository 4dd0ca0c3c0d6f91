"""Channels, delivery states, severities and the event kinds the notification layer knows."""

from django.db import models

from apps.accounts.choices import StaffRole


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Signed webhook"
    DISCORD = "discord", "Discord webhook"
    INBOX = "inbox", "Portal inbox"


class DeliveryStatus(models.TextChoices):
    """queued -> sent (SMTP accepted it) | delivered (2xx, or written to the inbox) | failed (retried later,
    with back-off) -> ... -> given_up (after NOTIFICATIONS_MAX_ATTEMPTS)."""

    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (will retry)"
    GIVEN_UP = "given_up", "Given up"
    # a webhook delivery after its last attempt: kept for a manual replay (issue #15)
    DEAD_LETTER = "dead_letter", "Dead letter (replay to send again)"


# A delivery in one of these states is never sent again: the idempotency of a retried task (a manual
# replay of a webhook delivery makes it queued again first).
FINAL_DELIVERY_STATUSES = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.GIVEN_UP, DeliveryStatus.DEAD_LETTER}
)


class WebhookEventType(models.TextChoices):
    """The events a tenant's webhook subscription may name (issue #15); the notification's `kind` is the type."""

    BET_PLACED = "bet.placed", "Bet placed"
    BET_SETTLED = "bet.settled", "Bet settled"
    GAME_FINAL = "game.final", "Game final (tenants with bets on it)"
    FRAUD_CASE_OPENED = "fraud_case.opened", "Fraud case opened"
    INCIDENT_OPENED = "incident.opened", "Incident opened"
    INCIDENT_ESCALATED = "incident.escalated", "Incident escalated"
    COMPLIANCE_CHECK_FAILED = "compliance.check_failed", "Compliance check failed"
    DSR_COMPLETED = "dsr.completed", "Data-subject request completed"
    # sent by POST …/webhooks/{id}/test/ to that endpoint only; nobody subscribes to it
    TEST = "webhook.test", "Test event"


class Severity(models.TextChoices):
    """Only `critical` goes through a person's quiet hours."""

    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class EventKind(models.TextChoices):
    """Each kind has its templates in templates/notifications/<kind>/ (subject.txt, body.txt, body.html)."""

    COMPLIANCE_ALERT_RAISED = "compliance_alert_raised", "Compliance alert raised"
    COMPLIANCE_ALERT_ESCALATED = "compliance_alert_escalated", "Compliance alert escalated"
    WORKFLOW_STEP_OVERDUE = "workflow_step_overdue", "Workflow step overdue"
    SECURITY_ALERT_RAISED = "security_alert_raised", "Security alert raised"
    FRAUD_CASE_OPENED = "fraud_case_opened", "Fraud case opened"
    PRIVACY_DEADLINE = "privacy_deadline", "Privacy deadline (data-subject request, assessment review)"
    MEMORY_THRESHOLD = "memory_threshold", "Memory threshold crossed"
    INCIDENT_OPENED = "incident_opened", "Incident opened (escalation level notified)"
    INCIDENT_ESCALATED = "incident_escalated", "Incident escalated to the next level"
    INCIDENT_ACTION_FAILED = "incident_action_failed", "Incident playbook step failed"
    INCIDENT_CLOCK = "incident_clock", "Incident regulatory clock reminder or overdue"
    EVIDENCE_TAMPERED = "evidence_tampered", "Incident evidence failed its hash check"
    ANALYTICS_ALERT_FIRING = "analytics_alert_firing", "Metric alert firing"
    ANALYTICS_ALERT_RESOLVED = "analytics_alert_resolved", "Metric alert resolved"
    ANALYTICS_REPORT_READY = "analytics_report_ready", "BI report ready (PDF and XLSX attached)"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook endpoint disabled after repeated failures"
    ML_ARTIFACT_TAMPERED = "ml_artifact_tampered", "Model artifact failed its hash check"
    ML_DRIFT_DETECTED = "ml_drift_detected", "Model feature drift detected"


# Who is told of each kind by default, stated once (callers may add people or addresses):
# security alerts and fraud cases go to security analysts, privacy deadlines to compliance officers,
# memory alerts to ops; compliance alerts and workflow steps go to the people their rule or step names.
DEFAULT_ROLES: dict[str, tuple[str, ...]] = {
    EventKind.COMPLIANCE_ALERT_RAISED: (),
    EventKind.COMPLIANCE_ALERT_ESCALATED: (),
    EventKind.WORKFLOW_STEP_OVERDUE: (),
    EventKind.SECURITY_ALERT_RAISED: (StaffRole.SECURITY_ANALYST.value,),
    EventKind.FRAUD_CASE_OPENED: (StaffRole.SECURITY_ANALYST.value,),
    EventKind.PRIVACY_DEADLINE: (StaffRole.COMPLIANCE_OFFICER.value,),
    EventKind.MEMORY_THRESHOLD: (StaffRole.OPS.value,),
    # incident escalation levels name their own targets; the rest go to the people who act on them
    EventKind.INCIDENT_OPENED: (),
    EventKind.INCIDENT_ESCALATED: (),
    EventKind.INCIDENT_ACTION_FAILED: (StaffRole.SECURITY_ANALYST.value,),
    EventKind.INCIDENT_CLOCK: (StaffRole.COMPLIANCE_OFFICER.value,),
    EventKind.EVIDENCE_TAMPERED: (StaffRole.SECURITY_ANALYST.value, StaffRole.COMPLIANCE_OFFICER.value),
    # a metric alert rule names its own targets (its routing)
    EventKind.ANALYTICS_ALERT_FIRING: (),
    EventKind.ANALYTICS_ALERT_RESOLVED: (),
    # a BI report goes to the addresses its definition names, nobody else
    EventKind.ANALYTICS_REPORT_READY: (),
    # a tenant's webhook switched off: platform ops (e-mail, inbox) and the tenant's own Discord channel
    EventKind.WEBHOOK_DISABLED: (StaffRole.OPS.value,),
    # the model registry (apps/ml): a tampered artifact is a security matter; drift goes to the people who
    # read the ML pages and decide promotions and rollbacks
    EventKind.ML_ARTIFACT_TAMPERED: (StaffRole.SECURITY_ANALYST.value, StaffRole.COMPLIANCE_OFFICER.value),
    EventKind.ML_DRIFT_DETECTED: (StaffRole.SECURITY_ANALYST.value, StaffRole.COMPLIANCE_OFFICER.value),
}
