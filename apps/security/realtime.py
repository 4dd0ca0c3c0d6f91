"""The live security stream: one Channels group, small JSON deltas, sent after commit."""

from collections.abc import Callable

from django.conf import settings

from apps.core.broadcast import broadcast_on_commit
from apps.security.models import Alert, SecurityEvent


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


def stream_send_on_commit(*, kind: str, payload: Callable[[], dict]) -> None:
    """Push one delta to the stream's consumers after commit; a broken channel layer never fails the caller."""
    broadcast_on_commit(
        group=stream_group(),
        message=lambda: {"type": "stream.delta", "kind": kind, "payload": payload()},
        label="security stream",
    )
