"""The state of the upstreams with several endpoints, as every process sees it (Redis): for the service
registry's and the admin's pages. The feed sources are the upstreams kept in the database (their mirrors);
a webhook's fallback URLs are the webhooks area's."""

import time

from django.conf import settings

from apps.core.outbound import Endpoint, breakers
from apps.core.outbound.balancer import shared_state
from apps.core.outbound.health import health
from apps.core.outbound.strategies import decayed_average
from apps.integration.models import FeedSource


def upstream_status(*, upstream: str, endpoints: list[Endpoint], strategy: str) -> dict:
    """One upstream: its circuit, and per endpoint whether it is ejected, its calls in flight and its
    response-time average (milliseconds, decayed as least response time reads it; None before a sample)."""
    urls, now = [endpoint.url for endpoint in endpoints], time.time()
    ejected = health.ejected(upstream, urls) if urls else set()
    in_flight = shared_state.in_flight(upstream, urls, now) if urls else []
    averages = shared_state.averages(upstream, urls) if urls else []
    half_life = settings.OUTBOUND_EWMA_DECAY_HALF_LIFE_SECONDS
    return {
        "upstream": upstream,
        "strategy": strategy,
        "circuit": breakers.state(upstream),
        "times_opened": breakers.times_opened(upstream),
        "endpoints": [
            {
                "url": endpoint.url,
                "weight": endpoint.weight,
                "is_ejected": endpoint.url in ejected,
                "in_flight": count,
                "response_ms": None
                if sample is None
                else round(decayed_average(sample, now=now, half_life=half_life), 1),
            }
            for endpoint, count, sample in zip(endpoints, in_flight, averages, strict=True)
        ],
    }


def feed_upstreams() -> list[dict]:
    """Every feed source as an upstream (name `feed:<source>`), with its mirrors' state."""
    statuses = []
    for source in FeedSource.objects.order_by("name"):
        status = upstream_status(upstream=source.upstream, endpoints=source.mirror_endpoints, strategy=source.strategy)
        statuses.append({"source": source.name, "is_enabled": source.is_enabled} | status)
    return statuses
