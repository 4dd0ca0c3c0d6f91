"""Incident response's compliance check, declared into compliance's registry (incidents sits above
compliance, so it registers from here; IncidentsConfig.ready() imports this module)."""

from datetime import datetime

from apps.compliance.choices import Severity
from apps.compliance.services.checks import CheckResult, register_check
from apps.incidents.models import RegulatoryClock
from apps.incidents.services.clocks import COUNTING, clocks_overdue

EVIDENCE_LIMIT = 200


def _row(clock: RegulatoryClock) -> dict:
    return {
        "clock_id": clock.pk,
        "incident": clock.incident.reference,
        "regulation": clock.regulation,
        "started_at": clock.started_at.isoformat(),
        "due_at": clock.due_at.isoformat(),
        "status": clock.status,
    }


@register_check(
    id="incidents.regulatory_clocks",
    title="Regulatory incident notifications (GDPR Art. 33, NIS2) are made before their deadline",
    severity=Severity.CRITICAL,
    frequency_minutes=15,
    requirements=["gdpr:Art.33", "iso27001:A.5.26", "soc2:CC7.4"],
)
def regulatory_clocks(now: datetime) -> CheckResult:
    overdue = list(clocks_overdue(now=now).order_by("due_at")[:EVIDENCE_LIMIT])
    running = RegulatoryClock.objects.filter(status__in=COUNTING, authority_notified_at__isnull=True)
    counting = list(running.select_related("incident").order_by("due_at")[:EVIDENCE_LIMIT])
    evidence = {
        "overdue": [_row(clock) for clock in overdue],
        "running": [_row(clock) for clock in counting if clock.due_at > now],
        "overdue_count": clocks_overdue(now=now).count(),
        "running_count": running.count(),
    }
    if overdue:
        names = ", ".join(f"{clock.incident.reference} {clock.regulation}" for clock in overdue[:5])
        return CheckResult.failed(f"{evidence['overdue_count']} regulatory clock(s) overdue: {names}", **evidence)
    return CheckResult.passed(f"no regulatory clock is overdue ({evidence['running_count']} running)", **evidence)
