"""Addresses refused at the door until a set time (incident response blocks them through apps.security).

The whole block list lives in the cache under one key, so checking a request costs one cache read of a
small value (usually an empty list). The security app owns the rows (`security.BlockedAddress`) and
registers the loader that rebuilds the list on a miss; every block and unblock drops the key after
commit, so all processes see the change on their next request. An entry whose time has passed is
ignored at once, whether or not the list was rebuilt since.

Like the rate limits, the check fails open when the cache fails (the request proceeds): a Redis outage
must not lock everyone out. It is here in core, not in security, because core's conditional-GET fast
path must decline a blocked address too (apps/core/middleware.py), and core imports no app.
"""

import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from apps.core.cache import breaker

logger = logging.getLogger(__name__)

CACHE_KEY = "address_blocks:v1"
_REFRESH_SECONDS = 300  # a rebuilt list is kept this long at most (blocks expire on their own clock anyway)


@dataclass(frozen=True, slots=True)
class AddressBlock:
    network: str
    until: float  # epoch seconds
    reason: str


Loader = Callable[[], list[AddressBlock]]
_loaders: list[Loader] = []


def address_blocks_loader(loader: Loader) -> Loader:
    """Register the function that reads the active blocks from the database (the security app's)."""
    if loader not in _loaders:
        _loaders.append(loader)
    return loader


def address_blocks_invalidate() -> None:
    """Drop the cached list; the next request rebuilds it (called after a block or unblock commits)."""
    try:
        caches[settings.RATELIMIT_CACHE_ALIAS].delete(CACHE_KEY)
    except Exception:  # noqa: BLE001 - the entry expires within _REFRESH_SECONDS anyway
        logger.warning("address block list not invalidated in the cache")


def _load() -> list[AddressBlock]:
    return [block for loader in _loaders for block in loader()]


def _cached_blocks() -> list[AddressBlock] | None:
    """The block list from the cache (rebuilt on a miss), or None when the cache cannot be used."""
    if not breaker.allow():
        return None
    cache = caches[settings.RATELIMIT_CACHE_ALIAS]
    try:
        entries = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - fail open, as the rate limits do
        breaker.record_failure()
        return None
    breaker.record_success()
    if entries is None:
        blocks = _load()
        now = time.time()
        timeout = min([_REFRESH_SECONDS, *(max(1, int(block.until - now) + 1) for block in blocks)])
        entries = [(block.network, block.until, block.reason) for block in blocks]
        try:
            cache.set(CACHE_KEY, entries, timeout=timeout)
        except Exception:  # noqa: BLE001 - the list is still right for this request
            breaker.record_failure()
    return [AddressBlock(network, until, reason) for network, until, reason in entries]


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
