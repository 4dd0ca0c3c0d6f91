"""The live security stream: one Channels group, small JSON deltas, sent after commit."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from apps.security.models import Alert, SecurityEvent

logger = logging.getLogger(__name__)


def stream_group() -> str:
    return settings.SECURITY_STREAM_GROUP


def event_payload(event: SecurityEvent) -> dict:
    return {
        "id": event.pk,
        "occurred_at": event.occurred_at.isoformat(),
        "event_type": event.event_type,
        "actor_kind": event.actor_kind,
        "actor_label": event.actor_label,
        "guild_id": event.guild_id,
        "ip_address": event.ip_address,
        "risk_score": event.risk_score,
        "details": event.details,
    }


def alert_payload(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "title": alert.title,
        "severity": alert.severity,
        "status": alert.status,
        "detection_count": alert.detection_count,
        "last_seen_at": alert.last_seen_at.isoformat(),
    }


def stream_send(*, kind: str, payload: dict) -> None:
    """Push one delta to the stream's consumers; a broken channel layer never fails the caller."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(stream_group(), {"type": "stream.delta", "kind": kind, "payload": payload})
    except Exception as error:  # noqa: BLE001 - the event is stored; only the live view misses it
        logger.warning("security stream send failed: %s", type(error).__name__)
