"""Who is told of compliance alerts and overdue workflow steps, through the notification layer
(apps/notifications: e-mail, inbox, webhooks, Discord; recorded, retried, sent once).

Called inside the transaction of the change, so the notice commits with it. Notices name what happened
and link nothing personal: an alert's rule, subject and summary, or a workflow step's name and due time.
Recipients: a raised alert goes to the rule's addresses and the holders of its role; an escalated one to
the rule's escalation addresses (or, without any, to the same people); an overdue step to its assignee
and the holders of its role.
"""

from apps.compliance.choices import AlertPriority
from apps.compliance.models import ComplianceAlert, WorkflowStep
from apps.notifications.choices import EventKind, Severity
from apps.notifications.services import Recipients, notification_send

_MINUTE = "%Y-%m-%d %H:%M"


def alert_notify(*, alert: ComplianceAlert, kind: str) -> None:
    """Tell an alert's recipients it was raised (kind "raised"), or its escalation recipients it was escalated."""
    rule = alert.rule
    roles = [rule.recipient_role] if rule.recipient_role else []
    recipients = Recipients(addresses=rule.recipients, roles=roles)
    event = EventKind.COMPLIANCE_ALERT_RAISED
    if kind == "escalated":
        event = EventKind.COMPLIANCE_ALERT_ESCALATED
        if rule.escalation_recipients:
            recipients = Recipients(addresses=rule.escalation_recipients)
    notification_send(
        kind=event,
        key=f"compliance_alert:{alert.pk}:{kind}",
        context={
            "alert_id": alert.pk,
            "rule": rule.name,
            "priority": alert.priority,
            "subject": alert.subject,
            "summary": alert.summary,
            "raised_at": f"{alert.raised_at:{_MINUTE}}",
            "acknowledge_by": f"{alert.acknowledge_by:{_MINUTE}}",
        },
        recipients=recipients,
        severity=Severity.CRITICAL if alert.priority == AlertPriority.CRITICAL else Severity.WARNING,
    )


def workflow_step_notify(*, step: WorkflowStep) -> None:
    """Tell the assignee (and the holders of the step's role) that a workflow step is overdue and escalated."""
    notification_send(
        kind=EventKind.WORKFLOW_STEP_OVERDUE,
        key=f"workflow_step:{step.pk}:escalated:{step.escalated_at:%Y%m%dT%H%M%S}",
        context={
            "step_id": step.pk,
            "step": step.name,
            "workflow": step.instance.title,
            "due_at": f"{step.due_at:{_MINUTE}}",
        },
        recipients=Recipients(
            user_ids=[step.assignee_id] if step.assignee_id else [],
            roles=[step.assignee_role] if step.assignee_role else [],
        ),
    )
