"""The errors of an outbound call (the SSRF guard's own, `OutboundBlocked`, lives in ssrf.py)."""


class OutboundError(Exception):
    """The upstream could not be reached or did not answer properly: `status` when it answered, `kind` when it
    did not (ConnectionError, ConnectTimeout, ReadTimeout, SSLError: the names requests uses)."""

    def __init__(self, message: str, *, status: int | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


class CircuitOpen(OutboundError):
    """The upstream's circuit is open: the call was not made (no DNS lookup, no connection)."""
