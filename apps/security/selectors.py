"""Every read of the security app (API, admin, live stream)."""

from django.db.models import QuerySet

from apps.security.models import Alert, SecurityEvent


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
