"""Reactions of the notification layer to platform signals of core (core cannot import this app)."""

import logging

from django.dispatch import receiver

from apps.core.signals import memory_threshold_crossed
from apps.notifications.choices import EventKind, Severity
from apps.notifications.services import Recipients, notification_send

logger = logging.getLogger(__name__)
_MEBIBYTE = 1024 * 1024


@receiver(memory_threshold_crossed, dispatch_uid="notifications.memory_threshold")
def memory_threshold_notify(
    sender, level: str, previous_level: str, rss_bytes: int, process: str, snapshot_id: int, **kwargs
) -> None:
    """Tell ops (DEFAULT_ROLES) that a process's memory rose to a new level; critical goes through quiet hours.

    Core's signals must not raise: a failure to record the notification is logged, the monitor goes on."""
    try:
        _memory_notify(
            level=level, previous_level=previous_level, rss_bytes=rss_bytes, process=process, snapshot_id=snapshot_id
        )
    except Exception:  # noqa: BLE001 - the memory monitor must keep running
        logger.exception("notifications: memory alert of snapshot %s not recorded", snapshot_id)


def _memory_notify(*, level: str, previous_level: str, rss_bytes: int, process: str, snapshot_id: int) -> None:
    notification_send(
        kind=EventKind.MEMORY_THRESHOLD,
        key=f"memory:{snapshot_id}:{level}",
        context={
            "snapshot_id": snapshot_id,
            "process": process,
            "level": level,
            "previous_level": previous_level,
            "rss_mib": rss_bytes // _MEBIBYTE,
        },
        recipients=Recipients(),
        severity=Severity.CRITICAL if level == "critical" else Severity.WARNING,
    )
