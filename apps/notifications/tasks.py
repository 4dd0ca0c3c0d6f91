"""Celery tasks of the notification layer (thin: one service call each)."""

from celery import shared_task

from apps.notifications.services.delivery import delivery_send


@shared_task(acks_late=True, max_retries=0)
def notification_delivery_send_task(delivery_id: int) -> str:
    """Send one delivery unless it was sent already (retries are the service's, with back-off)."""
    return delivery_send(delivery_id=delivery_id)
