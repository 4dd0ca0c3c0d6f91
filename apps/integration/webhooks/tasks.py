"""Celery tasks of this area (thin: one service call each); imported by apps/integration/tasks.py."""

from celery import shared_task

from apps.integration.webhooks.fanout import webhook_event_fanout

__all__ = ["webhook_event_fanout_task"]


@shared_task(acks_late=True, max_retries=0)
def webhook_event_fanout_task(event_type: str, arguments: dict) -> int:
    """Record one domain event as webhook deliveries to the tenants that subscribe to it (idempotent)."""
    return webhook_event_fanout(event_type=event_type, arguments=arguments)
