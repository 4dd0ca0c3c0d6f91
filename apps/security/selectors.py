"""Every read of the security app (API, admin, live stream)."""

from django.db.models import Case, QuerySet, When

from apps.security.choices import AlertStatus, Severity
from apps.security.models import Alert, SecurityEvent

SEVERITY_ORDER = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


def security_event_list() -> QuerySet[SecurityEvent]:
    """Events, newest first."""
    return SecurityEvent.objects.order_by("-occurred_at", "-id")


def security_event_recent(*, limit: int) -> list[SecurityEvent]:
    """The newest `limit` events, oldest first (the order a live view appends them in)."""
    return list(reversed(SecurityEvent.objects.order_by("-id")[:limit]))


def alert_list() -> QuerySet[Alert]:
    """Alerts with what their list and detail views show, in a fixed number of queries."""
    return Alert.objects.select_related("rule", "assignee").prefetch_related("activities")


def alert_event_ids(*, alert: Alert) -> list[int]:
    return list(alert.events.order_by("occurred_at", "id").values_list("pk", flat=True))


def alert_open() -> QuerySet[Alert]:
    """Alerts nobody has closed (new or acknowledged), the most severe and newest first (the dashboard's widget)."""
    severity_rank = Case(*(When(severity=name, then=rank) for name, rank in SEVERITY_ORDER.items()), default=0)
    return (
        Alert.objects.filter(status__in=[AlertStatus.NEW, AlertStatus.ACKNOWLEDGED])
        .annotate(severity_rank=severity_rank)
        .order_by("-severity_rank", "-last_seen_at", "-pk")
    )
