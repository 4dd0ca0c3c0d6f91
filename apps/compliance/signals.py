"""Signals of the compliance app, sent inside the change's transaction (apps/core/outbox.py); receivers
must be cheap, enqueue tasks (outbox rows) and defer anything else with on_commit."""

from django.dispatch import Signal

# A check ran and its CheckRun was stored. sender: CheckRun
# check_run_id: int, check_id: str, status: str, severity: str, previous_status: str | None
check_run_recorded = Signal()

# A compliance alert was raised, acknowledged, escalated or resolved (apps/compliance/services/alerts.py).
# sender: ComplianceAlert; alert_id: int, status: str, change: "raised"|"acknowledged"|"escalated"|"resolved"
compliance_alert_changed = Signal()

# A workflow step was claimed, completed, failed or escalated (apps/compliance/services/workflows.py).
# sender: WorkflowStep; step_id: int, instance_id: int, status: str
workflow_step_changed = Signal()
