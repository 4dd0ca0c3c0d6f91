"""Backlogs: messages waiting in the broker's queues, and outbox rows not yet handed to the broker."""

import logging
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from kombu.exceptions import ChannelError, OperationalError
from redis.exceptions import RedisError

from apps.core.models import OutboxMessage

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, RedisError, OSError)


def queue_names() -> list[str]:
    """The queues tasks go to: the Celery app's configured ones and the default queue, the incident steps'
    queue and the extras named by setting (TELEMETRY_EXTRA_QUEUES)."""
    names = {current_app.conf.task_default_queue, *current_app.amqp.queues.keys()}
    if settings.INCIDENTS_STEP_QUEUE:
        names.add(settings.INCIDENTS_STEP_QUEUE)
    names.update(settings.TELEMETRY_EXTRA_QUEUES)
    return sorted(name for name in names if name)


def broker_queue_depths() -> dict[str, int] | None:
    """Messages waiting in each queue now (the Redis transport counts every priority's list); None when
    the broker cannot be reached."""
    try:
        with current_app.connection_for_read() as connection:
            channel = connection.default_channel
            depths = {}
            for name in queue_names():
                try:
                    depths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except ChannelError:
                    depths[name] = 0  # never declared: nothing ever waited in it
            return depths
    except BROKER_ERRORS as error:
        logger.warning("metrics: broker queues not read (%s)", type(error).__name__)
        return None


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int  # due, not dispatched, not completed, not given up
    oldest_age_seconds: float
    given_up: int


def outbox_backlog(*, now=None) -> OutboxBacklog:
    """The outbox's backlog in two queries over its partial index of rows not completed."""
    now = now or timezone.now()
    not_completed = OutboxMessage.objects.filter(completed_at=None)
    due = not_completed.filter(
        dispatched_at=None, available_at__lte=now, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    ).aggregate(count=Count("id"), oldest=Min("available_at"))
    given_up = not_completed.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS).count()
    oldest = (now - due["oldest"]).total_seconds() if due["oldest"] else 0.0
    return OutboxBacklog(pending=due["count"], oldest_age_seconds=max(oldest, 0.0), given_up=given_up)
