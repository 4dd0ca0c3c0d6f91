"""Probes, the landing page and the JSON error pages for the API paths."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.errors import error_body
from apps.core.readiness import readiness_source
from apps.core.signals import page_refused

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so it never flaps with a dependency."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    cache.set("readyz:probe", "1", timeout=10)
    if cache.get("readyz:probe") != "1":
        raise RuntimeError("cache did not return the value just written")


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER and settings.CELERY_BROKER_URL.startswith("memory://"):
        return  # embedded configuration: tasks run in-process, there is no broker to reach
    # the project's Celery app, only when there is a broker to check (core imports no project wiring at load)
    from dbsbm.celery import app  # noqa: PLC0415

    with app.connection_for_write(settings.CELERY_BROKER_URL) as broker:
        broker.ensure_connection(max_retries=1, timeout=2)


READINESS_CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


def _registry_findings() -> dict[str, str]:
    """What the registered readiness source (the service registry) found recently; {} without one, or
    when it cannot be read (then every dependency is checked directly, and a database that is down
    shows there)."""
    source = readiness_source()
    if source is None:
        return {}
    try:
        return {name: finding for name, finding in source().items() if name in READINESS_CHECKS}
    except Exception as error:  # noqa: BLE001 - an unreadable registry falls back to the direct checks
        logger.warning("readiness source failed: %s", type(error).__name__)
        return {}


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, cache and broker reachable; 503 naming what is down. A dependency the service
    registry checked recently is judged by that check (`via`: "registry"); the others are checked here
    (`via`: "direct"), as when the registry has never run."""
    findings = _registry_findings()
    results: dict[str, str] = {}
    via: dict[str, str] = {}
    for name, check in READINESS_CHECKS.items():
        if name in findings:
            results[name], via[name] = findings[name], "registry"
            continue
        via[name] = "direct"
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            results[name] = f"down: {type(error).__name__}"
        else:
            results[name] = "ok"
    down = sorted(name for name, result in results.items() if result != "ok")
    body = {"status": "ok" if not down else "unavailable", "checks": results, "down": down, "via": via}
    return JsonResponse(body, status=200 if not down else 503)


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: where staff, officers and integrations go next."""
    return render(request, "core/home.html")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "No API resource at this path."), status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 of a page: a page that says why and where to go (templates/403.html), and a `page_refused`
    signal (the security app records it, as it records the API's refusals)."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("permission_denied", "You may not do this."), status=403)
    reason = str(exception or "")[:200]
    page_refused.send(sender=permission_denied, request=request, reason=reason)
    return render(request, "403.html", {"exception": reason}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = error_body("server_error", "Unexpected error; it has been logged.")
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
