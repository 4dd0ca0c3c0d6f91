"""Decoded copies: this process keeps the decoded value of each stored entry it has read.

A hit still reads the entry from Redis in the same MGET as the versions (so every process sees every
write and bump at once); when the bytes are exactly those it decoded last time, it returns that
decoded value instead of parsing the JSON again. Equal bytes mean the same version, the same "fresh
until" and the same data, so the copy can never be out of date: it is an index from bytes to their
meaning, not a second cache with its own expiry. (Measured in make bench: turning a 40-row
leaderboard's JSON back into dicts with Decimals cost about as much as the Redis round trip.)

Values are frozen (frozen.py) because every caller in the process gets the same object. The copies
are bounded by count and by the bytes of the entries they stand for (settings.CACHE_DECODED_COPIES_*)
and dropped oldest first; the memory monitor's cleanup empties them (apps/core/monitoring/memory.py).
"""

import threading
from typing import Any

from django.conf import settings


class DecodedCopies:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._copies: dict[str, tuple[bytes, float, Any]] = {}
        self._bytes = 0

    def get(self, value_name: str, raw: bytes) -> tuple[float, Any] | None:
        """(fresh until, value) decoded from exactly these stored bytes before; None otherwise."""
        copy = self._copies.get(value_name)
        if copy is None or copy[0] != raw:
            return None
        return copy[1], copy[2]

    def put(self, value_name: str, raw: bytes, fresh_until: float, value: Any) -> None:
        if len(raw) > settings.CACHE_DECODED_COPIES_MAX_BYTES // 8:
            return  # one huge value must not push out everything else
        with self._lock:
            previous = self._copies.pop(value_name, None)
            if previous is not None:
                self._bytes -= len(previous[0])
            while self._copies and (
                len(self._copies) >= settings.CACHE_DECODED_COPIES_MAX_ENTRIES
                or self._bytes + len(raw) > settings.CACHE_DECODED_COPIES_MAX_BYTES
            ):
                oldest = next(iter(self._copies))
                self._bytes -= len(self._copies.pop(oldest)[0])
            self._copies[value_name] = (raw, fresh_until, value)
            self._bytes += len(raw)

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()
            self._bytes = 0

    def size(self) -> tuple[int, int]:
        """(entries, bytes of the stored entries they stand for)."""
        with self._lock:
            return len(self._copies), self._bytes


decoded_copies = DecodedCopies()
