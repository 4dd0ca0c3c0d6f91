"""Recording security events: one row and its rule evaluation task (outbox), then after commit the live stream."""

import ipaddress
import json
import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.enqueue import enqueue
from apps.keyring.fields import blind_index_for
from apps.security import tasks
from apps.security.choices import BASE_RISK_SCORES, ActorKind, SecurityEventType
from apps.security.models import SecurityEvent
from apps.security.realtime import event_payload, stream_send_on_commit

logger = logging.getLogger(__name__)

# Types an outsider can produce at will (failed logins, bad keys, refusals): capped per address and
# minute so that a flood cannot turn into as many rows; the cap is far above what any rule needs.
_CAPPED_TYPES = {
    SecurityEventType.LOGIN_FAILED,
    SecurityEventType.PERMISSION_DENIED,
    SecurityEventType.THROTTLED,
    SecurityEventType.API_KEY_INVALID,
    SecurityEventType.API_KEY_REVOKED_USED,
    SecurityEventType.API_KEY_EXPIRED_USED,
}


def _address(value: str | None) -> str | None:
    """The address in one spelling, or None for anything that is not an address (a forged header)."""
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _actor_kind(actor: Actor) -> str:
    if actor.kind == "system" and actor.identifier == "anonymous":
        return ActorKind.ANONYMOUS
    return actor.kind


def _over_cap(event_type: str, ip_address: str | None, at: datetime) -> bool:
    if event_type not in _CAPPED_TYPES or not ip_address:
        return False
    # the address is personal data: the cache key carries its blind index, not the address
    address_index = blind_index_for(SecurityEvent, "ip_address_index", ip_address)
    key = f"security:event-cap:{event_type}:{address_index}:{int(at.timestamp() // 60)}"
    try:
        if cache.add(key, 1, timeout=120):
            return False
        return cache.incr(key) > settings.SECURITY_EVENT_CAP_PER_MINUTE
    except Exception:  # noqa: BLE001 - without the cache, record rather than lose the event
        return False


def security_event_record(
    *,
    event_type: str,
    actor: Actor,
    details: dict[str, Any] | None = None,
    guild_id: str = "",
    risk_score: int | None = None,
    occurred_at: datetime | None = None,
) -> SecurityEvent | None:
    """Store one event (None if its address is over the per-minute cap); after commit the rules
    evaluate it and the live stream gets it. Never pass secrets in `details`: prefixes and ids only."""
    if event_type not in SecurityEventType.values:
        raise ValueError(f"unknown security event type {event_type!r}")
    occurred_at = occurred_at or timezone.now()
    ip_address = _address(actor.ip_address)
    if _over_cap(event_type, ip_address, occurred_at):
        return None
    score = BASE_RISK_SCORES[event_type] if risk_score is None else risk_score
    with transaction.atomic():
        event = SecurityEvent.objects.create(
            occurred_at=occurred_at,
            event_type=event_type,
            actor_kind=_actor_kind(actor),
            actor_identifier=actor.identifier[:64],
            actor_label=actor.label[:150],
            guild_id=guild_id or "",
            ip_address=ip_address,
            user_agent=actor.user_agent[:400],
            request_id=actor.request_id[:64],
            details=_json_safe(details or {}),
            risk_score=max(0, min(100, score)),
        )
        enqueue(tasks.security_event_evaluate_task, event.pk)  # the outbox: in this transaction
        stream_send_on_commit(kind="event", payload=lambda: event_payload(event))
    return event


def personal_data_accessed(
    *, actor: Actor, subject_type: str, subject_id: str, guild_id: str = "", purpose: str = "", fields: list[str] = ()
) -> SecurityEvent | None:
    """Record that staff viewed or exported someone's personal data (the privacy app calls this too)."""
    return security_event_record(
        event_type=SecurityEventType.PERSONAL_DATA_ACCESSED,
        actor=actor,
        guild_id=guild_id,
        details={
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "purpose": purpose,
            "fields": list(fields),
        },
    )
