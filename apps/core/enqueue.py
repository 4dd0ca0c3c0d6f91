"""Enqueueing Celery tasks from a request without ever failing it.

Receivers of domain signals run after commit, inside the request that made the change: if the broker
is unreachable, the change is already committed and the request must still succeed. So a task is
published once, without Celery's publish retries (which would hold the request for seconds), and a
broker failure is logged and counted instead of raised. The periodic job of each app (the fraud
scan, the grading sweep, the rule correlation) catches up on whatever was not enqueued.
"""

import logging

from celery import Task
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args, **kwargs) -> bool:
    """Publish `task(*args, **kwargs)`; False (logged) when the broker cannot take it right now."""
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (OperationalError, RedisError, OSError) as error:
        logger.warning(
            "task %s not enqueued (broker unavailable: %s); its periodic job will catch up",
            task.name,
            type(error).__name__,
        )
        return False
    return True
