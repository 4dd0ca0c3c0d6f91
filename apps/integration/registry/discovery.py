"""What beat's sync puts in the registry: the infrastructure named by the settings (the database, Redis,
the broker: /readyz depends on them), the upstreams of the tenants' webhooks (hosts only: a webhook URL's
path may hold a token) and of the results feed's sources, and the processes that announced themselves
(web, workers per queue, beat).

Addresses are host:port; no password, user name or URL path of a configured service is stored.
"""

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from apps.integration.models.feeds import FeedSource
from apps.integration.registry.choices import CheckKind, InstanceSource, ServiceKind
from apps.integration.registry.heartbeats import Announcement, announcements
from apps.integration.registry.services import CheckSpec, registry_register, unix_to_datetime
from apps.notifications.models import WebhookEndpoint

logger = logging.getLogger(__name__)

DATABASE_SERVICE, CACHE_SERVICE, BROKER_SERVICE = "database", "redis", "broker"


@dataclass(frozen=True)
class Registration:
    """The keyword arguments of one `registry_register` call."""

    service: str
    kind: str
    instance_id: str
    checks: list[CheckSpec]
    source: str = InstanceSource.DISCOVERED
    values: dict = field(default_factory=dict)


def _host_port(url: str, default_port: int) -> tuple[str, int, str]:
    parts = urlsplit(url)
    return parts.hostname or "localhost", parts.port or default_port, parts.path.lstrip("/")


def infrastructure() -> Iterator[Registration]:
    """The database, Redis (the cache) and the broker of this configuration."""
    database = settings.DATABASES["default"]
    if "postgresql" in database["ENGINE"]:
        host, port = database.get("HOST") or "localhost", int(database.get("PORT") or 5432)
        checks = [
            CheckSpec(name="sql", kind=CheckKind.SQL, target={"alias": "default"}),
            CheckSpec(name="tcp", kind=CheckKind.TCP, target={"host": host, "port": port}),
        ]
        yield Registration(
            DATABASE_SERVICE,
            ServiceKind.DATABASE,
            f"{host}:{port}/{database['NAME']}",
            checks,
            values={"address": f"{host}:{port}", "tags": ["postgresql"], "is_critical": True},
        )
    else:
        checks = [CheckSpec(name="sql", kind=CheckKind.SQL, target={"alias": "default"})]
        yield Registration(
            DATABASE_SERVICE, ServiceKind.DATABASE, "sqlite", checks, values={"tags": ["sqlite"], "is_critical": True}
        )
    cache = settings.CACHES["default"]
    if "redis" in cache["BACKEND"].lower():
        host, port, index = _host_port(str(cache["LOCATION"]), 6379)
        checks = [CheckSpec(name="ping", kind=CheckKind.REDIS, target={"cache": "default"})]
        values = {"address": f"{host}:{port}", "meta": {"db": index}, "tags": ["cache"], "is_critical": True}
        yield Registration(CACHE_SERVICE, ServiceKind.CACHE, f"{host}:{port}/{index}", checks, values=values)
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("memory://"):
        scheme = urlsplit(broker).scheme
        host, port, index = _host_port(broker, 6379 if scheme.startswith("redis") else 5672)
        if scheme.startswith("redis"):
            check = CheckSpec(name="ping", kind=CheckKind.REDIS, target={"setting": "CELERY_BROKER_URL"})
        else:
            check = CheckSpec(name="tcp", kind=CheckKind.TCP, target={"host": host, "port": port})
        values = {"address": f"{host}:{port}", "meta": {"scheme": scheme}, "tags": [scheme], "is_critical": True}
        yield Registration(BROKER_SERVICE, ServiceKind.BROKER, f"{host}:{port}/{index}", [check], values=values)


def webhook_upstreams() -> Iterator[Registration]:
    """One instance per scheme://host:port that active webhook endpoints deliver to, with a TCP check
    through the SSRF guard (tenants choose these hosts)."""
    origins: dict[tuple[str, str, int], int] = {}
    for url in WebhookEndpoint.objects.filter(is_active=True).values_list("url", flat=True).iterator():
        parts = urlsplit(url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            continue
        if parts.hostname:
            key = (parts.scheme, parts.hostname, port)
            origins[key] = origins.get(key, 0) + 1
    for (scheme, host, port), endpoints in sorted(origins.items()):
        check = CheckSpec(name="tcp", kind=CheckKind.TCP, target={"host": host, "port": port}, is_guarded=True)
        yield Registration(
            f"webhook.{host}",
            ServiceKind.WEBHOOK,
            f"{scheme}://{host}:{port}",
            [check],
            values={"address": f"{host}:{port}", "meta": {"endpoints": endpoints}, "tags": [scheme]},
        )


def feed_registrations(sources: Iterable[tuple[str, Iterable[str]]]) -> Iterator[Registration]:
    """One instance per scheme://host:port of each feed's base URLs (its mirrors), with a TCP check through
    the SSRF guard: `feed.<name>`."""
    for name, base_urls in sources:
        for url in base_urls:
            parts = urlsplit(url)
            try:
                port = parts.port or (443 if parts.scheme == "https" else 80)
            except ValueError:
                continue
            if not parts.hostname:
                continue
            check = CheckSpec(
                name="tcp", kind=CheckKind.TCP, target={"host": parts.hostname, "port": port}, is_guarded=True
            )
            yield Registration(
                f"feed.{name}",
                ServiceKind.FEED,
                f"{parts.scheme}://{parts.hostname}:{port}",
                [check],
                values={"address": f"{parts.hostname}:{port}", "tags": [parts.scheme]},
            )


def feed_upstreams() -> Iterator[Registration]:
    """The enabled results-feed sources' mirrors (apps.integration.models.feeds.FeedSource)."""
    sources = FeedSource.objects.filter(is_enabled=True).order_by("name").values_list("name", "base_urls")
    yield from feed_registrations((name, list(base_urls or [])) for name, base_urls in sources)


def _ttl_check(announcement: Announcement) -> CheckSpec:
    target = {"key": announcement.key, "ttl_seconds": settings.REGISTRY_HEARTBEAT_TTL_SECONDS}
    return CheckSpec(name="heartbeat", kind=CheckKind.TTL, target=target)


def _process_values(announcement: Announcement) -> dict:
    return {
        "address": announcement.address,
        "host": announcement.host,
        "pid": announcement.pid,
        "version": announcement.version,
        "git_commit": announcement.git_commit,
        "queues": announcement.queues,
        "tags": announcement.tags,
        "meta": {**announcement.meta, "announcement": announcement.key},
        "started_at": unix_to_datetime(announcement.started_at),
        "heartbeat_at": unix_to_datetime(announcement.at),
        "deregister_critical_after_seconds": settings.REGISTRY_DEREGISTER_CRITICAL_AFTER_SECONDS,
    }


def announced(*, now: float | None = None) -> Iterator[Registration]:
    """The processes that announced themselves recently: a web instance (TTL + HTTP /healthz), a worker in
    the service of each queue it consumes (TTL + Celery ping), beat (TTL of its heartbeat task)."""
    now = time.time() if now is None else now
    for announcement in announcements().values():
        if now - announcement.at > settings.REGISTRY_DEREGISTER_CRITICAL_AFTER_SECONDS:
            continue  # long gone: never (re-)register a process from an old announcement
        values = _process_values(announcement)
        source = InstanceSource.ANNOUNCED
        if announcement.kind == ServiceKind.WEB:
            checks = [_ttl_check(announcement)]
            if announcement.address:
                url = f"http://{announcement.address}/healthz"
                checks.append(CheckSpec(name="http", kind=CheckKind.HTTP, target={"url": url}))
            yield Registration("web", ServiceKind.WEB, announcement.instance_id, checks, source, values)
        elif announcement.kind == ServiceKind.WORKER:
            ping = CheckSpec(name="ping", kind=CheckKind.CELERY_PING, target={"node": announcement.instance_id})
            for queue in announcement.queues or ["celery"]:
                checks = [_ttl_check(announcement), ping]
                yield Registration(
                    f"worker.{queue}", ServiceKind.WORKER, announcement.instance_id, checks, source, values
                )
        elif announcement.kind == ServiceKind.BEAT:
            checks = [_ttl_check(announcement)]
            yield Registration("beat", ServiceKind.BEAT, announcement.instance_id, checks, source, values)


def registry_sync(*, now: float | None = None) -> int:
    """Register (or refresh) everything discovered or announced; the number of instances seen. One
    registration failing (logged) does not stop the others."""
    moment = timezone.now() if now is None else unix_to_datetime(now)
    seen = 0
    for source in (infrastructure(), webhook_upstreams(), feed_upstreams(), announced(now=now)):
        for registration in source:
            try:
                registry_register(
                    service=registration.service,
                    kind=registration.kind,
                    instance_id=registration.instance_id,
                    checks=registration.checks,
                    source=registration.source,
                    now=moment,
                    **registration.values,
                )
            except Exception:  # noqa: BLE001 - the next registration may well succeed
                logger.exception("registry: registering %s/%s failed", registration.service, registration.instance_id)
                continue
            seen += 1
    return seen
