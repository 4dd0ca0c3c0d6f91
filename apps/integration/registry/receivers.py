"""The registry's reactions: processes announce themselves on their start signals (Django's first request,
Celery's worker_ready and heartbeats, beat_init), and /readyz reads the registry (core's readiness hook).
Connected by apps/integration/receivers.py."""

import logging

from celery.signals import beat_init, heartbeat_sent, worker_ready, worker_shutdown
from django.core.signals import request_started
from django.dispatch import receiver

from apps.core.readiness import readiness_source_register
from apps.integration.registry.processes import (
    beat_announce,
    process_announcement_forget,
    web_announce_start,
    worker_announce,
    worker_announce_maybe,
)
from apps.integration.registry.readiness import registry_readiness

logger = logging.getLogger(__name__)


@receiver(request_started, dispatch_uid="registry.web_announce")
def web_announce_on_first_request(sender, scope=None, environ=None, **kwargs) -> None:
    # cheap after the first request: one attribute check; the thread does the writing
    if scope is not None:
        server = scope.get("server")
    elif environ is not None:
        server = (environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0) or None)
    else:
        server = None
    try:
        web_announce_start(server=server)
    except Exception:  # noqa: BLE001 - announcing must never break a request
        logger.exception("registry: the web process could not start announcing itself")


@worker_ready.connect(dispatch_uid="registry.worker_announce")
def worker_announce_when_ready(sender=None, **kwargs) -> None:
    queues = list(sender.app.amqp.queues.consume_from)  # the -Q queues (all configured ones without -Q)
    worker_announce(node=sender.hostname, queues=queues)


@heartbeat_sent.connect(dispatch_uid="registry.worker_heartbeat")
def worker_announce_on_heartbeat(**kwargs) -> None:
    worker_announce_maybe()


@worker_shutdown.connect(dispatch_uid="registry.worker_forget")
def worker_announcement_forgotten(**kwargs) -> None:
    process_announcement_forget()


@beat_init.connect(dispatch_uid="registry.beat_announce")
def beat_announce_on_start(**kwargs) -> None:
    beat_announce()


readiness_source_register(registry_readiness)
