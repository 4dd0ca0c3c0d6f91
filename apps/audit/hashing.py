"""Canonical content and hashes of audit events and seals (pure functions, no ORM)."""

import hashlib
import hmac
import ipaddress
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from apps.core.storage.digests import canonical_json
from apps.keyring.fields import Undecryptable

GENESIS_HASH = "0" * 64
# How a seal's chain hash was made. Seals written before the chain was keyed are plain SHA-256 (anyone
# can recompute them); every seal since is HMAC-SHA256 under the audit chain's key (apps/audit/keys.py).
LEGACY_ALGORITHM = "sha256"
KEYED_ALGORITHM = "hmac-sha256"

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


def canonical_ip_address(value: str | None) -> str | None:
    """One spelling per address, None for anything that is not one.

    PostgreSQL's inet column gives back its own spelling (`2001:DB8::0001` comes back as
    `2001:db8::1`, `::102:304` as `::1.2.3.4`), so the hash must not depend on the spelling.
    """
    if isinstance(value, Undecryptable):
        return str(value)  # the stored ciphertext was altered: it must never hash like the original
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        address = ipaddress.IPv6Address(int(address))  # drops a zone id, which inet cannot store
        if address.ipv4_mapped:
            return f"::ffff:{address.ipv4_mapped}"  # the same spelling on every Python version
    return str(address)


def _as_jsonb_returns(value: Any) -> Any:
    """A JSON value as PostgreSQL's jsonb gives it back: numbers are stored as numeric, so a float
    written `1e+20` comes back as the integer 100000000000000000000 and `-0.0` as `0.0`. Floats
    written without an exponent come back unchanged, so their hashes are unaffected.
    """
    if isinstance(value, float):
        if value == 0:
            return 0.0
        return int(Decimal(repr(value))) if value.is_integer() and "e" in repr(value) else value
    if isinstance(value, dict):
        return {key: _as_jsonb_returns(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_jsonb_returns(item) for item in value]
    return value


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_content_hash(content: dict[str, Any]) -> str:
    """SHA-256 over the event's canonical JSON (sorted keys, no whitespace, UTC microseconds)."""
    canonical = {name: content.get(name) for name in HASHED_FIELDS}
    canonical["occurred_at"] = _timestamp(canonical["occurred_at"])
    canonical["ip_address"] = canonical_ip_address(canonical["ip_address"])
    canonical["changes"] = _as_jsonb_returns(canonical["changes"])
    return hashlib.sha256(canonical_json(canonical)).hexdigest()


def seal_chain_hash(
    *, sequence: int, event_id: int, content_hash: str, previous_hash: str, key: bytes | None = None
) -> str:
    """The link: binds the event's position, identity and content to everything before it.

    Keyed (HMAC-SHA256) when `key` is given, which every seal since the chain was keyed is: without
    the key nobody can recompute a link, so an edit cannot be hidden by rehashing what follows it.
    `key=None` is the legacy, unkeyed SHA-256 of the seals written before.
    """
    material = f"{sequence}|{event_id}|{content_hash}|{previous_hash}".encode()
    if key is None:
        return hashlib.sha256(material).hexdigest()
    return hmac.new(key, material, hashlib.sha256).hexdigest()
