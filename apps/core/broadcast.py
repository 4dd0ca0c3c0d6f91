"""The one way to push a message to a Channels group: after the transaction commits, never failing the caller.

Live views (the security stream, the portal dashboard) only show what is stored; a message sent before
commit could name a row a rollback then removes, so the send waits for `on_commit` (immediately when no
transaction is open). The message is built at send time, so it shows the row as committed. A broken
channel layer is logged and skipped: the change is stored, only the live view misses it.
"""

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def broadcast(*, group: str, message: dict[str, Any], label: str) -> None:
    """Send `message` to every consumer in `group` now; `label` names the stream in the warning log."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as error:  # noqa: BLE001 - the change is stored; only the live view misses it
        logger.warning("%s send failed: %s", label, type(error).__name__)


def broadcast_on_commit(*, group: str, message: Callable[[], dict[str, Any]], label: str) -> None:
    """Send the message `message()` builds to `group` once the current transaction commits."""
    transaction.on_commit(lambda: broadcast(group=group, message=message(), label=label))


def live_reach() -> str:
    """How far a live message travels: "cluster" when the channel layer carries it between processes (Redis:
    a worker's change reaches every web process), "process" when it stays in this process (the embedded
    configuration's in-memory layer: only this server's own requests and its embedded scheduler's jobs reach
    the open pages; a `manage.py` command run in another terminal does not)."""
    layer = get_channel_layer()
    if layer is None:
        return "none"
    return "process" if type(layer).__name__ == "InMemoryChannelLayer" else "cluster"


def live_hello() -> dict[str, Any]:
    """The first message of every live socket: what the page's "Live updates" indicator may truthfully say."""
    from apps.core.scheduler import state  # noqa: PLC0415 - the scheduler module imports django_celery_beat models

    return {"type": "hello", "reach": live_reach(), "scheduler": "in-process" if state.running else "separate"}
