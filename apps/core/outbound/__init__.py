"""Outbound calls: the SSRF guard (ssrf.py), the pinned, guarded request (client.py), the circuit breaker per
upstream shared through Redis (breaker.py), balancing over an upstream's endpoints (balancer.py,
strategies.py) with passive health (health.py)."""

from apps.core.outbound.balanced import balanced_request, endpoint_request
from apps.core.outbound.balancer import Balancer, balancer_for
from apps.core.outbound.breaker import breakers
from apps.core.outbound.client import OutboundResponse, default_upstream, outbound_request
from apps.core.outbound.errors import CircuitOpen, OutboundError
from apps.core.outbound.ssrf import OutboundBlocked
from apps.core.outbound.strategies import STRATEGIES, Endpoint

__all__ = [
    "STRATEGIES",
    "Balancer",
    "CircuitOpen",
    "Endpoint",
    "OutboundBlocked",
    "OutboundError",
    "OutboundResponse",
    "balanced_request",
    "balancer_for",
    "breakers",
    "default_upstream",
    "endpoint_request",
    "outbound_request",
]
