"""Reads of the compliance alerts for the portal (C3's alerts page and dashboard widget)."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from apps.compliance.choices import ACTIVE_ALERT_STATUSES, AlertPriority, AlertStatus
from apps.compliance.models import ComplianceAlert

_PRIORITY_ORDER = Case(
    *[When(priority=priority, then=Value(rank)) for rank, priority in enumerate(reversed(AlertPriority.values))],
    output_field=IntegerField(),
)


def open_alerts() -> QuerySet[ComplianceAlert]:
    """Alerts not resolved yet (open, acknowledged, escalated): escalated first, then by priority, newest first."""
    return (
        ComplianceAlert.objects.filter(status__in=ACTIVE_ALERT_STATUSES)
        .select_related("rule", "acknowledged_by")
        .annotate(
            priority_rank=_PRIORITY_ORDER,
            escalated_first=Case(When(status=AlertStatus.ESCALATED, then=Value(0)), default=Value(1)),
        )
        .order_by("escalated_first", "priority_rank", "-raised_at", "-id")
    )


def alert_list(*, status: str | None = None) -> QuerySet[ComplianceAlert]:
    """All alerts, newest first (optionally of one status)."""
    alerts = ComplianceAlert.objects.select_related("rule", "acknowledged_by", "resolved_by").order_by(
        "-raised_at", "-id"
    )
    return alerts.filter(status=status) if status else alerts


def alert_get(*, alert_id: int) -> ComplianceAlert | None:
    return alert_list().filter(pk=alert_id).first()


def alert_counts() -> dict[str, int]:
    """Active alerts per status, for the dashboard widget: {"open": n, "acknowledged": n, "escalated": n}."""
    counts = dict.fromkeys(sorted(ACTIVE_ALERT_STATUSES), 0)
    for status in ComplianceAlert.objects.filter(status__in=ACTIVE_ALERT_STATUSES).values_list("status", flat=True):
        counts[status] += 1
    return counts
