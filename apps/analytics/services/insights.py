"""Anomaly insights for the key metrics of each tenant and of the platform, once a day.

A scan reads the last `ANALYTICS_INSIGHT_HISTORY_DAYS` complete days (yesterday back, in the tenant's time
zone; UTC for the platform: today is still filling and would always look low; never before the tenant
existed, so a new tenant's series is short and is not judged until it has three weeks) of every key metric in one
metric query, runs the detection of apps/analytics/insights/detection.py (weekly season) on each series and
stores an Insight for each anomalous day among the newest `ANALYTICS_INSIGHT_RECENT_DAYS` — at most one per
metric, scope and day however often it runs (a unique constraint; the first finding is kept). Each
metric's InsightScan row says how the last scan went: judged (with how many anomalies), or not judged and
why (too short a series, too many empty days), which is also logged. One audit event per scope scanned.
"""

import logging
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from apps.analytics.insights.detection import Detection, detect
from apps.analytics.models import Insight, InsightScan, InsightScanStatus
from apps.analytics.query import MetricQuery, run_query
from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.enqueue import enqueue
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)

INSIGHTS_ACTOR = Actor.system("analytics-insights")
WEEK = 7
# the figures a guild owner and the platform's staff watch; every one is defined in metrics.py
TENANT_METRICS = ("bets_placed", "stake_units", "units_net", "active_cappers", "fraud_cases_opened")
PLATFORM_METRICS = (*TENANT_METRICS, "security_alerts_opened", "incidents_opened")


@dataclass
class ScanResult:
    """What one scope's scan found: the new insights, and each metric's outcome."""

    tenant_id: int | None
    through: date
    created: list[Insight] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)


def scan_day(*, tenant: Tenant | None, now: datetime) -> date:
    """The last complete day of the scope at `now` (yesterday in its time zone)."""
    zone = zoneinfo.ZoneInfo(tenant.timezone if tenant is not None else "UTC")
    return now.astimezone(zone).date() - timedelta(days=1)


def _store(metric: str, tenant, days: list[str], detection: Detection, now: datetime) -> list[Insight]:
    created = []
    for anomaly in detection.anomalies:
        insight, is_new = Insight.objects.get_or_create(
            metric=metric,
            tenant=tenant,
            grain="day",
            bucket=days[anomaly.index],
            defaults={
                "observed": anomaly.observed,
                "expected": anomaly.expected,
                "expected_low": anomaly.low,
                "expected_high": anomaly.high,
                "z": anomaly.z,
                "confidence": anomaly.confidence,
                "direction": anomaly.direction,
                "created_at": now,
            },
        )
        if is_new:
            created.append(insight)
    return created


def _scan_state(metric: str, tenant, *, now, through, points, detection: Detection) -> str:
    status = InsightScanStatus.JUDGED if detection.judged else InsightScanStatus.NOT_JUDGED
    InsightScan.objects.update_or_create(
        metric=metric,
        tenant=tenant,
        defaults={
            "scanned_at": now,
            "scanned_through": through,
            "points": points,
            "status": status,
            "reason": detection.reason[:300],
            "anomalies": len(detection.anomalies),
        },
    )
    if not detection.judged:
        logger.info("insights: %s for %s not judged: %s", metric, tenant.pk if tenant else "platform", detection.reason)
        return f"not judged: {detection.reason}"
    return f"{len(detection.anomalies)} anomal{'y' if len(detection.anomalies) == 1 else 'ies'}"


def history_start(*, tenant: Tenant | None, through: date) -> date:
    """The first day of the series: `ANALYTICS_INSIGHT_HISTORY_DAYS` back, but not before the scope existed
    (a tenant's creation day; the first tenant's for the platform): days before it are not zeros."""
    start = through - timedelta(days=settings.ANALYTICS_INSIGHT_HISTORY_DAYS - 1)
    if tenant is not None:
        born = tenant.created_at
    else:
        born = Tenant.objects.aggregate(first=Min("created_at"))["first"]
    if born is None:
        return start
    zone = zoneinfo.ZoneInfo(tenant.timezone if tenant is not None else "UTC")
    return max(start, born.astimezone(zone).date())


def _series(tenant: Tenant | None, metrics: tuple[str, ...], through: date) -> tuple[list[str], dict[str, list]]:
    """The days and each metric's daily values from the scope's first day to `through` (none yet: empty)."""
    start = history_start(tenant=tenant, through=through)
    if start > through:
        return [], {metric: [] for metric in metrics}
    params = {"metrics": ",".join(metrics), "grain": "day", "from": start.isoformat(), "to": through.isoformat()}
    result = run_query(MetricQuery.parse(params, tenant=tenant))
    return result.column("day"), {metric: result.column(metric) for metric in metrics}


@transaction.atomic
def insights_compute(
    *, tenant: Tenant | None, now: datetime | None = None, threshold: float | None = None
) -> ScanResult:
    """Scan the key metrics of `tenant` (None: the platform) up to yesterday; store the new insights and
    each metric's scan state; one audit event."""
    now = now or timezone.now()
    through = scan_day(tenant=tenant, now=now)
    metrics = PLATFORM_METRICS if tenant is None else TENANT_METRICS
    days, series = _series(tenant, metrics, through)
    scan = ScanResult(tenant_id=tenant.pk if tenant else None, through=through)
    for metric in metrics:
        values = series[metric]
        detection = detect(
            values,
            period=WEEK,
            examine_last=settings.ANALYTICS_INSIGHT_RECENT_DAYS,
            **({"threshold": threshold} if threshold is not None else {}),
        )
        scan.created += _store(metric, tenant, days, detection, now)
        scan.outcomes[metric] = _scan_state(
            metric, tenant, now=now, through=through, points=len(values), detection=detection
        )
    audit_record(
        actor=INSIGHTS_ACTOR,
        action="analytics.insights_computed",
        guild_id=tenant.guild_id if tenant is not None else "",
        changes={
            "through": through,
            "outcomes": scan.outcomes,
            "insight_ids": [insight.pk for insight in scan.created],
        },
    )
    return scan


def insights_scopes_due(*, now: datetime) -> list[int | None]:
    """The scopes not yet scanned through their last complete day: active tenants' ids, None for the platform."""
    due: list[int | None] = []
    scanned = {
        (row["tenant_id"]): row["scanned_through"]
        for row in InsightScan.objects.filter(metric=TENANT_METRICS[0]).values("tenant_id", "scanned_through")
    }
    if scanned.get(None) is None or scanned[None] < scan_day(tenant=None, now=now):
        due.append(None)
    for tenant in Tenant.objects.active().only("pk", "timezone").order_by("pk"):
        last = scanned.get(tenant.pk)
        if last is None or last < scan_day(tenant=tenant, now=now):
            due.append(tenant.pk)
    return due


@transaction.atomic
def insights_dispatch_due(*, now: datetime | None = None) -> list[int | None]:
    """Enqueue one scan per scope that is due (beat, hourly: each scope once a day, in its own time zone)."""
    from apps.analytics.tasks import insights_compute_task  # noqa: PLC0415 - the tasks import this module

    due = insights_scopes_due(now=now or timezone.now())
    for tenant_id in due:
        enqueue(insights_compute_task, tenant_id)
    return due
