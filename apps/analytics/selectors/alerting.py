"""Reads of the alerting and insight pages: rules with the state of their instances, one rule's instances
and history, silences, insights with their expected ranges and the scans' states. Each list runs a fixed
number of queries whatever its length."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from apps.analytics.metrics import DIMENSIONS, GRAINS, METRICS
from apps.analytics.models import AlertRule, AlertSilence, AlertState, AlertStateChange, Insight, InsightScan

HISTORY_ROWS = 50


def alert_rule_list() -> QuerySet[AlertRule]:
    """Every rule with its scope and how many of its instances fire and wait (pending)."""
    return (
        AlertRule.objects.select_related("tenant")
        .annotate(
            firing_count=Count("instances", filter=Q(instances__state=AlertState.FIRING)),
            pending_count=Count("instances", filter=Q(instances__state=AlertState.PENDING)),
        )
        .order_by("-firing_count", "-pending_count", "name", "pk")
    )


def alert_rule_get(*, rule_id: int) -> AlertRule | None:
    return AlertRule.objects.select_related("tenant").filter(pk=rule_id).first()


def alert_rule_instances(*, rule: AlertRule) -> list:
    return list(rule.instances.order_by("series_key"))


def alert_rule_history(*, rule: AlertRule, limit: int = HISTORY_ROWS) -> list[AlertStateChange]:
    """The rule's latest state changes, newest first, with what was told or which silence muted it."""
    return list(
        AlertStateChange.objects.filter(rule=rule)
        .select_related("instance", "notification", "silenced_by")
        .order_by("-at", "-pk")[:limit]
    )


def alert_silence_list(*, now: datetime, include_ended: bool = False) -> QuerySet[AlertSilence]:
    """Silences running or to come (all with `include_ended`), soonest end first."""
    rows = AlertSilence.objects.select_related("rule", "rule__tenant")
    if not include_ended:
        rows = rows.filter(ends_at__gt=now).filter(Q(expired_at__isnull=True) | Q(expired_at__gt=now))
    return rows.order_by("ends_at", "pk")


def alert_silence_get(*, silence_id: int) -> AlertSilence | None:
    return AlertSilence.objects.filter(pk=silence_id).first()


def alert_metric_options() -> dict[str, list]:
    """What a rule's query may name: metrics (name, label, unit), grains and dimensions."""
    return {
        "metrics": [(metric.name, metric.label, metric.unit) for metric in METRICS.values()],
        "grains": [*GRAINS, "none"],
        "dimensions": list(DIMENSIONS),
    }


def insight_list(*, tenant_id: int | None = None, platform_only: bool = False) -> QuerySet[Insight]:
    """Insights, newest bucket first: one tenant's, the platform's, or all."""
    rows = Insight.objects.select_related("tenant")
    if platform_only:
        rows = rows.filter(tenant__isnull=True)
    elif tenant_id is not None:
        rows = rows.filter(tenant_id=tenant_id)
    return rows.order_by("-bucket", "metric", "pk")


def insight_scans_not_judged() -> QuerySet[InsightScan]:
    """The metrics whose last scan could not judge them, and why."""
    return InsightScan.objects.select_related("tenant").exclude(status="judged").order_by("tenant_id", "metric")


def metric_label(name: str) -> str:
    metric = METRICS.get(name)
    return metric.label if metric is not None else name
