"""Pointing this test process's Celery app at another broker (a redis-server of a test's own) and back."""

from kombu import pools

from apps.core.outbox import broker_breaker
from dbsbm.celery import app as celery_app


def use_broker(url: str, *, eager: bool) -> None:
    """Publish to `url` from now on (eagerly or not). kombu keeps its connection and producer pools per
    broker URL, process-wide: all are closed and forgotten, so no later test is handed a closed pool."""
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = eager
    broker_breaker.reset()
