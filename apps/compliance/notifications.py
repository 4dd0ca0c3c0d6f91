"""E-mail notices of compliance alerts and overdue workflow steps (sent by Celery tasks, after commit).

Notices name what happened and link nothing personal: an alert's rule, subject and summary, or a
workflow step's name and due time. A notice that cannot be delivered is logged by id and not retried
forever: the portal shows the alert or step regardless.
"""

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from apps.compliance.choices import AlertStatus
from apps.compliance.models import ComplianceAlert, WorkflowStep
from apps.compliance.people import role_emails

logger = logging.getLogger(__name__)


def _send(subject: str, body: str, recipients: list[str]) -> int:
    if not recipients:
        return 0
    try:
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("notice %r not delivered: %s", subject, type(error).__name__)
        return 0


def alert_notice_send(*, alert_id: int, kind: str) -> int:
    """Tell an alert's recipients it was raised, or its escalation recipients it was escalated."""
    alert = ComplianceAlert.objects.select_related("rule").filter(pk=alert_id).first()
    if alert is None:
        return 0
    rule = alert.rule
    if kind == "escalated":
        if alert.status != AlertStatus.ESCALATED:
            return 0  # acknowledged or resolved meanwhile
        recipients = rule.escalation_recipients or [*rule.recipients, *role_emails(rule.recipient_role)]
        subject = f"[DBSBM compliance] ESCALATED ({alert.priority}): {rule.name}"
        lead = f"Not acknowledged by {alert.acknowledge_by:%Y-%m-%d %H:%M} UTC."
    else:
        recipients = [*rule.recipients, *role_emails(rule.recipient_role)]
        subject = f"[DBSBM compliance] {alert.priority.upper()}: {rule.name}"
        lead = f"Acknowledge by {alert.acknowledge_by:%Y-%m-%d %H:%M} UTC or it escalates."
    raised = f"Alert #{alert.pk}, raised {alert.raised_at:%Y-%m-%d %H:%M} UTC."
    body = f"{alert.summary}\n\nSubject: {alert.subject}\n{raised}\n{lead}\n"
    return _send(subject, body, sorted(set(recipients)))


def workflow_step_notice_send(*, step_id: int) -> int:
    """Tell the assignee (or the step's role) that a workflow step is overdue and was escalated."""
    step = WorkflowStep.objects.select_related("instance", "assignee").filter(pk=step_id).first()
    if step is None:
        return 0
    recipients = role_emails(step.assignee_role)
    if step.assignee is not None and step.assignee.email:
        recipients.append(step.assignee.email)
    subject = f"[DBSBM compliance] Overdue: {step.name} ({step.instance.title})"
    body = (
        f"The step '{step.name}' of '{step.instance.title}' was due {step.due_at:%Y-%m-%d %H:%M} UTC "
        "and has been escalated. Open the workflow inbox in the portal to complete it.\n"
    )
    return _send(subject, body, sorted(set(recipients)))


@shared_task(acks_late=True, max_retries=0)
def alert_notify_task(alert_id: int, kind: str) -> int:
    """E-mail the recipients of a raised or escalated alert; returns the number of messages sent."""
    return alert_notice_send(alert_id=alert_id, kind=kind)


@shared_task(acks_late=True, max_retries=0)
def workflow_step_notify_task(step_id: int) -> int:
    """E-mail the people of an escalated workflow step."""
    return workflow_step_notice_send(step_id=step_id)
