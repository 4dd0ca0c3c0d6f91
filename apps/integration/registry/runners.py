"""How each kind of health check probes its target (Consul's check types): HTTP, TCP connect, SQL, Redis
PING, Celery worker ping, heartbeat TTL. A runner returns (status, output) or raises; `check_probe` times
it and turns an exception into "critical" with the error's kind and message.

Targets of our own infrastructure (the database, Redis, the broker, our web and worker instances) are
configured by staff and live on private networks: they are probed directly. A check marked `is_guarded`
(feed and webhook upstreams: hosts that tenants or third parties control) goes through the SSRF guard of
apps/core/outbound/ssrf.py, and the connection is pinned to the address the guard checked.
"""

import http.client
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis
from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction

from apps.core.outbound.client import outbound_request
from apps.core.outbound.ssrf import OutboundBlocked, resolve_checked
from apps.integration.models import HealthCheck
from apps.integration.registry.choices import CheckKind, CheckStatus
from apps.integration.registry.heartbeats import announcements

OUTPUT_LIMIT = 500


@dataclass(frozen=True)
class Probe:
    status: str
    output: str
    duration_ms: int


def _connect_address(host: str, port: int, *, guarded: bool) -> str:
    """The address to connect to: the checked one for a guarded target (OutboundBlocked if refused)."""
    if not guarded:
        return host
    return str(resolve_checked(f"http://{host}:{port}/")[0])


def _http_status(check: HealthCheck, url: str) -> int:
    """GET the URL once, no redirects. A guarded target goes through `outbound_request` (the SSRF guard, the
    connection pinned to the checked address, the check's own breaker); our own infrastructure directly."""
    if check.is_guarded:
        response = outbound_request(
            "GET",
            url,
            upstream=f"registry-check:{check.pk}",
            headers={"User-Agent": "dbsbm-registry"},
            timeout=check.timeout_seconds,
        )
        return response.status
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=check.timeout_seconds)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", path, headers={"Host": parts.netloc, "User-Agent": "dbsbm-registry"})
        return connection.getresponse().status
    finally:
        connection.close()


def run_http(check: HealthCheck, now: float) -> tuple[str, str]:
    url = check.target["url"]
    expected = int(check.target.get("expected_status", 200))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return CheckStatus.CRITICAL, "not an http(s) URL"
    status = _http_status(check, url)
    if status == expected:
        return CheckStatus.PASSING, f"HTTP {status}"
    if status == 429:  # Consul's rule: too many requests is a warning, not an outage
        return CheckStatus.WARNING, f"HTTP 429, expected {expected}"
    return CheckStatus.CRITICAL, f"HTTP {status}, expected {expected}"


def run_tcp(check: HealthCheck, now: float) -> tuple[str, str]:
    host, port = check.target["host"], int(check.target["port"])
    address = _connect_address(host, port, guarded=check.is_guarded)
    with socket.create_connection((address, port), timeout=check.timeout_seconds):
        return CheckStatus.PASSING, f"connected to {host}:{port}"


def run_sql(check: HealthCheck, now: float) -> tuple[str, str]:
    alias = check.target.get("alias", "default")
    connection = connections[alias]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL statement_timeout = %s", [check.timeout_seconds * 1000])
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return CheckStatus.PASSING, "SELECT 1 answered"


def _redis_client(check: HealthCheck):
    """The cache alias's own client, or a client of the URL a setting names (the URL never leaves here)."""
    if "cache" in check.target:
        return caches[check.target["cache"]].client.get_client(write=True)
    url = getattr(settings, check.target["setting"])
    timeout = check.timeout_seconds
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def run_redis(check: HealthCheck, now: float) -> tuple[str, str]:
    if not _redis_client(check).ping():
        return CheckStatus.CRITICAL, "PING not answered with PONG"
    return CheckStatus.PASSING, "PONG"


def run_celery_ping(check: HealthCheck, now: float) -> tuple[str, str]:
    node = check.target["node"]
    replies = current_app.control.ping(destination=[node], timeout=check.timeout_seconds)
    if any(node in reply for reply in replies):
        return CheckStatus.PASSING, f"{node} answered the ping"
    return CheckStatus.CRITICAL, f"{node} did not answer within {check.timeout_seconds} s"


def run_ttl(check: HealthCheck, now: float) -> tuple[str, str]:
    ttl = int(check.target.get("ttl_seconds", settings.REGISTRY_HEARTBEAT_TTL_SECONDS))
    announcement = announcements().get(check.target["key"])
    if announcement is None:
        return CheckStatus.CRITICAL, "no heartbeat"
    age = now - announcement.at
    if age > ttl:
        return CheckStatus.CRITICAL, f"last heartbeat {age:.0f} s ago (TTL {ttl} s)"
    return CheckStatus.PASSING, f"heartbeat {max(age, 0):.0f} s ago"


RUNNERS: dict[str, Callable[[HealthCheck, float], tuple[str, str]]] = {
    CheckKind.HTTP: run_http,
    CheckKind.TCP: run_tcp,
    CheckKind.SQL: run_sql,
    CheckKind.REDIS: run_redis,
    CheckKind.CELERY_PING: run_celery_ping,
    CheckKind.TTL: run_ttl,
}


def check_probe(check: HealthCheck, *, now: float | None = None) -> Probe:
    """Run the check once: its status, a short output (no secrets) and how long it took."""
    now = time.time() if now is None else now
    started = time.monotonic()
    try:
        status, output = RUNNERS[check.kind](check, now)
    except OutboundBlocked as refused:
        status, output = CheckStatus.CRITICAL, f"refused by the SSRF guard: {refused}"
    except Exception as error:  # noqa: BLE001 - any failure of a probe is the check's finding
        status, output = CheckStatus.CRITICAL, f"{type(error).__name__}: {error}"
    duration_ms = round((time.monotonic() - started) * 1000)
    if status == CheckStatus.PASSING and duration_ms > settings.REGISTRY_SLOW_CHECK_MS:
        status, output = CheckStatus.WARNING, f"{output} (slow: {duration_ms} ms)"
    return Probe(status=str(status), output=output[:OUTPUT_LIMIT], duration_ms=duration_ms)
