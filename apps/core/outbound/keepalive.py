"""Kept-alive connections for outbound requests, per process, reused ONLY to the same checked address.

Opening a TCP (and TLS) connection per request cost the webhook workers more than the rest of a delivery. A
connection is therefore kept after a complete answer and reused by the next request that goes to the same
(scheme, host name, port, checked IP address, CA bundle). Nothing about the SSRF rule changes: every request
still resolves the name once and checks every address (client.py) *before* a pool is picked, and the pool is
chosen by the address just checked. A name that now resolves elsewhere gets a pool (a new connection) for the
new checked address, or is refused by the guard before any pool is touched; a kept connection can never carry
a request to an address that was not checked for that request, and the name is never resolved a second time.

Bounded: at most OUTBOUND_KEEPALIVE_PER_ADDRESS idle connections per key (more may be open at once; the extra
ones are closed when given back) and OUTBOUND_KEEPALIVE_ADDRESSES keys (the least recently used one is closed
beyond). urllib3 closes a connection on any error and checks that an idle one is still open before reusing it;
client.py closes one whose answer was not read to its end. OUTBOUND_KEEPALIVE_PER_ADDRESS=0: a new connection
per request (the pool is closed after each one), as before.
"""

import os
import threading
from collections import OrderedDict

import certifi
import urllib3
from django.conf import settings

from apps.core.outbound.ssrf import IPAddress

PoolKey = tuple[str, str, int, str, str]


def _new_pool(key: PoolKey, size: int) -> urllib3.HTTPConnectionPool:
    """A pool of connections to the checked `address` that speaks to `host` (SNI and certificate checks for the
    name)."""
    scheme, host, port, address, ca_bundle = key
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, port, retries=False, maxsize=size, block=False, server_hostname=host, assert_hostname=host,
            cert_reqs="CERT_REQUIRED", ca_certs=ca_bundle,
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(address, port, retries=False, maxsize=size, block=False)


class KeptConnections:
    """The process's pools, least recently used first (thread-safe: urllib3's pools are, the map is locked)."""

    def __init__(self) -> None:
        self._pools: OrderedDict[PoolKey, urllib3.HTTPConnectionPool] = OrderedDict()
        self._lock = threading.Lock()

    def pool(self, scheme: str, host: str, address: IPAddress, port: int) -> tuple[urllib3.HTTPConnectionPool, bool]:
        """The pool for this checked address, and whether it is kept (False: a one-off; close it after use)."""
        key = (scheme, host, port, str(address), settings.OUTBOUND_CA_BUNDLE or certifi.where())
        size = settings.OUTBOUND_KEEPALIVE_PER_ADDRESS
        if size <= 0:
            return _new_pool(key, 1), False
        with self._lock:
            pool = self._pools.get(key)
            if pool is not None:
                self._pools.move_to_end(key)
                return pool, True
            pool = self._pools[key] = _new_pool(key, size)
            evicted = []
            while len(self._pools) > max(settings.OUTBOUND_KEEPALIVE_ADDRESSES, 1):
                evicted.append(self._pools.popitem(last=False)[1])
        for old in evicted:
            old.close()  # idle connections now; one in use is closed when given back to the closed pool
        return pool, True

    def pool_keys(self) -> list[PoolKey]:
        with self._lock:
            return list(self._pools)

    def clear(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            pool.close()


kept_connections = KeptConnections()
# a forked child must not share its parent's sockets (prefork workers, gunicorn)
os.register_at_fork(after_in_child=kept_connections.clear)
