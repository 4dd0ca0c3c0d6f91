"""Running the checks that are due (beat's sweep every REGISTRY_CHECK_SWEEP_SECONDS; each check at its own
interval), each claimed first so that overlapping sweeps run it once."""

import logging
from datetime import datetime, timedelta

from django.db import DatabaseError
from django.utils import timezone

from apps.integration.models import HealthCheck
from apps.integration.registry.runners import check_probe
from apps.integration.registry.services import check_result_record

logger = logging.getLogger(__name__)


def checks_due(*, now: datetime):
    """The checks of registered instances whose next run has come, oldest first."""
    return (
        HealthCheck.objects.filter(next_run_at__lte=now, instance__deregistered_at__isnull=True)
        .select_related("instance__service")
        .order_by("next_run_at", "pk")
    )


def _claim(check: HealthCheck, *, now: datetime) -> bool:
    """Move the check's next run on, only if no one else did: the one sweep that moves it runs it."""
    next_run_at = now + timedelta(seconds=check.interval_seconds)
    return bool(HealthCheck.objects.filter(pk=check.pk, next_run_at=check.next_run_at).update(next_run_at=next_run_at))


def checks_run_due(*, now: datetime | None = None) -> dict[str, int]:
    """Probe each due check once and record its result; counts by status. A probe is bounded by its
    check's timeout; the probes run one after another (they are few, and most answer in milliseconds)."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for check in list(checks_due(now=now)):
        if not _claim(check, now=now):
            continue  # an overlapping sweep (a slow one, or a second worker) took it first
        probe = check_probe(check, now=now.timestamp())
        try:
            check_result_record(check=check, probe=probe, now=now)
        except DatabaseError:  # one result that could not be stored must not stop the others
            logger.exception("registry: storing the result of check %s failed", check.pk)
            continue
        counts[probe.status] = counts.get(probe.status, 0) + 1
    return counts
