"""Addresses refused at the door until a set time (incident response blocks them through apps.security).

The whole block list lives in the cache under one key, so checking a request costs one cache read of a
small value (usually an empty list) and no query. The security app owns the rows
(`security.BlockedAddress`) and publishes the live ones here after every block and unblock commits,
and periodically (a flushed cache is refilled within a minute), so all processes see a change on their
next request. An entry whose time has passed is ignored at once, whether or not it was republished.

Like the rate limits, the check fails open when the cache fails (the request proceeds): a Redis outage
must not lock everyone out. It is here in core, not in security, because core's conditional-GET fast
path must decline a blocked address too (apps/core/middleware.py), and core imports no app.
"""

import ipaddress
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from apps.core.cache import breaker

logger = logging.getLogger(__name__)

CACHE_KEY = "address_blocks:v1"


@dataclass(frozen=True, slots=True)
class AddressBlock:
    network: str
    until: float  # epoch seconds
    reason: str


def address_blocks_publish(blocks: list[AddressBlock]) -> None:
    """Replace the cached list with `blocks` (the security app's live blocks, after each change and
    periodically, so a flushed cache is refilled). Kept without expiry: ended blocks are ignored anyway."""
    entries = [(block.network, block.until, block.reason) for block in blocks]
    try:
        caches[settings.RATELIMIT_CACHE_ALIAS].set(CACHE_KEY, entries, timeout=None)
    except Exception:  # noqa: BLE001 - the periodic publication tries again
        logger.warning("address block list not published to the cache")


def _cached_blocks() -> list[AddressBlock]:
    """The published block list; empty when there is none or the cache cannot be read (fail open)."""
    if not breaker.allow():
        return []
    try:
        entries = caches[settings.RATELIMIT_CACHE_ALIAS].get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - fail open, as the rate limits do
        breaker.record_failure()
        return []
    breaker.record_success()
    return [AddressBlock(network, until, reason) for network, until, reason in entries or ()]


def address_block_for(address: str | None) -> AddressBlock | None:
    """The block in force on `address` now (the one lasting longest), or None."""
    if not address:
        return None
    blocks = _cached_blocks()
    if not blocks:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    now = time.time()
    matching = [
        block
        for block in blocks
        if block.until > now
        and ip.version == (network := ipaddress.ip_network(block.network)).version
        and ip in network
    ]
    return max(matching, key=lambda block: block.until, default=None)
