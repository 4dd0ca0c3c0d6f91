"""Canonical content and hashes of audit events and seals (pure functions, no ORM)."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64

# The fields an event's content hash covers, in a fixed order. Adding a field to AuditEvent
# means adding it here *and* versioning the hash; never silently.
HASHED_FIELDS = (
    "occurred_at",
    "actor_kind",
    "actor_identifier",
    "actor_label",
    "guild_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "changes",
    "reason",
    "request_id",
    "ip_address",
)


def json_safe(value: Any) -> Any:
    """What a JSON column gives back for `value` (Decimals, dates, UUIDs become strings)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_content_hash(content: dict[str, Any]) -> str:
    """SHA-256 over the event's canonical JSON (sorted keys, no whitespace, UTC microseconds)."""
    canonical = {name: content.get(name) for name in HASHED_FIELDS}
    canonical["occurred_at"] = _timestamp(canonical["occurred_at"])
    canonical["ip_address"] = canonical["ip_address"] or None
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def seal_chain_hash(*, sequence: int, event_id: int, content_hash: str, previous_hash: str) -> str:
    """The link: binds the event's position, identity and content to everything before it."""
    material = f"{sequence}|{event_id}|{content_hash}|{previous_hash}"
    return hashlib.sha256(material.encode()).hexdigest()
