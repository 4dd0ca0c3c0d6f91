"""Reads of the registry: the map (services → instances → checks) and one check's history."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.integration.models import CheckResult, CheckTransition, HealthCheck, Service, ServiceInstance


def registry_map(*, include_deregistered: bool = False) -> QuerySet[Service]:
    """Every service with its instances (registered ones unless asked) and their checks: three queries."""
    instances = ServiceInstance.objects.order_by("instance_id").prefetch_related(
        Prefetch("checks", queryset=HealthCheck.objects.order_by("name"))
    )
    if not include_deregistered:
        instances = instances.filter(deregistered_at__isnull=True)
    return Service.objects.order_by("kind", "name").prefetch_related(Prefetch("instances", queryset=instances))


@dataclass(frozen=True)
class CheckHistory:
    check: HealthCheck
    results: list[CheckResult]
    transitions: list[CheckTransition]
    since: datetime


def check_history(*, check_id: int, hours: int = 24, limit: int = 500) -> CheckHistory:
    """One check (404 if unknown), its results of the last `hours` (newest first, at most `limit`) and its
    state changes of the same period."""
    check = get_object_or_404(HealthCheck.objects.select_related("instance__service"), pk=check_id)
    since = timezone.now() - timedelta(hours=hours)
    results = list(CheckResult.objects.filter(check_ref=check, created_at__gte=since).order_by("-created_at")[:limit])
    transitions = list(CheckTransition.objects.filter(check_ref=check, created_at__gte=since).order_by("-created_at"))
    return CheckHistory(check=check, results=results, transitions=transitions, since=since)
