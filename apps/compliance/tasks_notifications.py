"""Celery tasks that send the compliance e-mail notices (thin: one call each, safe to run twice)."""

from celery import shared_task

from apps.compliance.notifications import alert_notice_send, workflow_step_notice_send


@shared_task(acks_late=True, max_retries=0)
def alert_notify_task(alert_id: int, kind: str) -> int:
    """E-mail the recipients of a raised or escalated alert; returns the number of messages sent."""
    return alert_notice_send(alert_id=alert_id, kind=kind)


@shared_task(acks_late=True, max_retries=0)
def workflow_step_notify_task(step_id: int) -> int:
    """E-mail the people of an escalated workflow step."""
    return workflow_step_notice_send(step_id=step_id)
