"""Celery tasks of the notification layer (thin: one service call each)."""

from celery import shared_task

from apps.notifications.services.delivery import delivery_send, webhook_deliveries_send


@shared_task(acks_late=True, max_retries=0)
def notification_delivery_send_task(delivery_id: int) -> str:
    """Send one delivery unless it was sent already (retries are the service's, with back-off)."""
    return delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True, max_retries=0)
def notification_delivery_send_urgent_task(delivery_id: int) -> str:
    """The same send on the urgent queue (settings CELERY_TASK_ROUTES): the first attempt of a page that must
    not wait behind the ordinary backlog (`notification_send(is_urgent=True)`); its retries are ordinary."""
    return delivery_send(delivery_id=delivery_id)


@shared_task(acks_late=True, max_retries=0)
def webhook_deliveries_send_task(delivery_ids: list[int]) -> list[str]:
    """First attempts of a batch of one endpoint's webhook deliveries (the event fan-out's; see the service)."""
    return webhook_deliveries_send(delivery_ids=delivery_ids)
