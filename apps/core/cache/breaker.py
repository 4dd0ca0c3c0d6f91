"""A circuit breaker around Redis, one per process.

closed: calls go to Redis; N consecutive failures open it.
open: calls are skipped at once (the caller reads the database) for `reset_seconds`.
half-open: after the cool-off one call probes Redis; success closes, failure opens again.

Per process on purpose: whether *this* process can reach Redis is what decides whether it should
pay a Redis timeout; sharing the state through Redis would need the very thing that is down.
"""

import threading
import time
from collections.abc import Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitBreaker:
    def __init__(self, *, failure_threshold: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self.times_opened = 0

    @property
    def state(self) -> str:
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._clock() - self._opened_at >= self.reset_seconds:
            return HALF_OPEN
        return OPEN

    def allow(self) -> bool:
        """May this call go to Redis? In half-open state only one caller probes at a time."""
        if self._opened_at is None:
            return True  # closed: the common case needs no lock (one attribute read)
        with self._lock:
            state = self._state_locked()
            if state == CLOSED:
                return True
            if state == HALF_OPEN and not self._probing:
                self._probing = True
                return True
            return False

    def record_success(self) -> None:
        if self._opened_at is None and not self._failures and not self._probing:
            return  # already closed and clean: nothing to reset
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            was_probing, self._probing = self._probing, False
            if was_probing or self._failures >= self.failure_threshold:
                if self._opened_at is None or was_probing:
                    self.times_opened += 1
                self._opened_at = self._clock()

    def reset(self) -> None:
        self.record_success()
