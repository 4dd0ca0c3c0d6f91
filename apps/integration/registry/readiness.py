"""/readyz's view of the registry: the database, Redis and the broker are ready when their latest checks,
if recent enough (REGISTRY_READINESS_MAX_AGE_SECONDS), pass. One indexed query; it also proves that this
process reaches the database, so the database is "ok" whenever it answers."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.integration.models import HealthCheck
from apps.integration.registry.choices import CheckStatus
from apps.integration.registry.discovery import BROKER_SERVICE, CACHE_SERVICE, DATABASE_SERVICE

READINESS_BY_SERVICE = {DATABASE_SERVICE: "database", CACHE_SERVICE: "cache", BROKER_SERVICE: "broker"}


def registry_readiness() -> dict[str, str]:
    """{"database": "ok", "cache": "ok" | "down: <output>", "broker": …} for the dependencies with a
    recent check result; a dependency without one is left out (/readyz checks it itself), so an empty
    answer (the registry never ran, or stopped) leaves /readyz to check everything as it always did."""
    fresh_after = timezone.now() - timedelta(seconds=settings.REGISTRY_READINESS_MAX_AGE_SECONDS)
    rows = HealthCheck.objects.filter(
        instance__service__name__in=list(READINESS_BY_SERVICE),
        instance__deregistered_at__isnull=True,
        last_run_at__gte=fresh_after,
    ).values_list("instance__service__name", "name", "status", "output")
    findings: dict[str, str] = {}
    for service, check_name, status, output in rows:
        name = READINESS_BY_SERVICE[service]
        if name == "database":
            # this query answered: the database is reachable from here, whatever a worker saw
            findings[name] = "ok"
        elif status == CheckStatus.CRITICAL:
            findings[name] = f"down: {check_name}: {output}"[:200]
        else:
            findings.setdefault(name, "ok")
    return findings
