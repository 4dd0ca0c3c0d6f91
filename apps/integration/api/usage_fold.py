"""Folding the per-key request counters of Redis into daily ApiUsageDay rows (beat runs it every few minutes).

Each UTC day has its own hash of running totals (apps/core/monitoring/requests.py), so a fold writes each
row's totals as they are now: run twice, it writes the same rows; a flush that landed in between is in the
next run. Today and the previous USAGE_FOLD_DAYS days are folded (a process may flush yesterday's last counts
after midnight); older hashes are deleted. A hash Redis lost and started again holds less than the row:
the row keeps the larger count (never goes down) until the new hash overtakes it.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction

from apps.accounts.models import ApiKey
from apps.core.monitoring.requests import (
    LATENCY_BOUNDS_MS,
    LATENCY_SUM_FIELD,
    STATUS_CLASSES,
    UsageKey,
    bucket_field,
    request_metrics,
    usage_forget,
    usage_series,
    usage_totals,
)
from apps.integration.models import ApiUsageDay
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)
BUCKET_COUNT = len(LATENCY_BOUNDS_MS) + 1


@dataclass(frozen=True)
class FoldResult:
    days: list[str]
    created: int
    updated: int


def _values(counters: dict[str, int]) -> dict:
    return {
        "requests": sum(counters.get(status_class, 0) for status_class in STATUS_CLASSES),
        "errors_4xx": counters.get("c4xx", 0),
        "errors_5xx": counters.get("c5xx", 0),
        "latency_ms_sum": counters.get(LATENCY_SUM_FIELD, 0) / 1000,
        "latency_buckets": [counters.get(bucket_field(index), 0) for index in range(BUCKET_COUNT)],
    }


@transaction.atomic
def usage_day_fold(*, day: date) -> tuple[int, int]:
    """Write one UTC day's usage totals from Redis into its rows; (created, updated)."""
    series = usage_series(day.isoformat(), usage_totals(day.isoformat()))
    if not series:
        return 0, 0
    key_ids = set(ApiKey.objects.filter(pk__in={int(key.api_key) for key in series}).values_list("pk", flat=True))
    tenants = dict(
        Tenant.objects.filter(guild_id__in={key.tenant for key in series if key.tenant}).values_list("guild_id", "pk")
    )
    existing = {
        (row.api_key_id, row.tenant_id, row.route): row
        for row in ApiUsageDay.objects.select_for_update().filter(day=day, api_key_id__in=key_ids)
    }
    created, changed = [], []
    for key, counters in series.items():
        api_key_id, tenant_id = int(key.api_key), tenants.get(key.tenant)
        if api_key_id not in key_ids or (key.tenant and tenant_id is None):
            continue  # a key or tenant deleted since: nothing to attribute the counts to
        values = _values(counters)
        row = existing.get((api_key_id, tenant_id, _route(key)))
        if row is None:
            created.append(
                ApiUsageDay(day=day, api_key_id=api_key_id, tenant_id=tenant_id, route=_route(key), **values)
            )
        elif values["requests"] > row.requests:
            for name, value in values.items():
                setattr(row, name, value)
            changed.append(row)
    ApiUsageDay.objects.bulk_create(created)
    if changed:
        ApiUsageDay.objects.bulk_update(changed, fields=[*_values({}), "updated_at"])
    return len(created), len(changed)


def _route(key: UsageKey) -> str:
    return key.route[:200]


def usage_fold(*, today: date | None = None) -> FoldResult:
    """Flush this process's counts, fold today and the previous USAGE_FOLD_DAYS days, and delete the
    hashes of the days before those (already folded by earlier runs)."""
    request_metrics.flush()
    today = today or datetime.now(UTC).date()
    days = [today - timedelta(days=offset) for offset in range(settings.USAGE_FOLD_DAYS + 1)]
    created = updated = 0
    for day in days:
        day_created, day_updated = usage_day_fold(day=day)
        created, updated = created + day_created, updated + day_updated
    for offset in range(settings.USAGE_FOLD_DAYS + 1, settings.USAGE_FOLD_DAYS + 8):
        usage_forget((today - timedelta(days=offset)).isoformat())
    logger.info("api usage folded: %d rows created, %d updated", created, updated)
    return FoldResult(days=[day.isoformat() for day in days], created=created, updated=updated)
