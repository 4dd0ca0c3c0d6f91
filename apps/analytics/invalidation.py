"""Which cache versions an analytics answer is read under, and the bumps that move them.

An answer (a metric query of the API) is cached under the versions of the data it reads
(apps/core/cache: versions are bumped, nothing is deleted), so any change to that data is a new ETag:

* a tenant's answer: its bets (`bet`, bumped by the betting services on every placement, settlement,
  void and correction, and when a game with bets moves to another league: apps/betting/services/
  invalidation.py), the tenants (`tenant`: a new time zone moves the days), and `analytics`: the
  tenant's other inputs — the fraud cases, security alerts and data-subject requests the event metrics
  count, and the rollups when they refresh after the change they reflect. Not `game`: fixtures and
  results of every tenant's games move it all day, and what of a game reaches an answer comes with a
  bump of its bets' tenants;
* the platform's answer: the same across tenants, under global counters of their own (`bet_platform`,
  `analytics_platform`), because bumping `bet` or `analytics` globally would invalidate every tenant's
  answers each time any tenant changed.

Parts that write analytics inputs outside these signals (the rollups' refresh, the telemetry sampler)
call `analytics_changed` once their rows are written. The receivers run inside the change's
transaction; `cache_bump` bumps again after the commit (apps/core/cache/manager.py).
"""

from collections.abc import Iterable

from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.analytics.query import MetricQuery
from apps.analytics.signals import rollups_refreshed
from apps.betting.services.invalidation import PLATFORM_NAMESPACE as ANY_TENANTS_BETS
from apps.compliance.models import ScoreSnapshot
from apps.core.cache import cache_bump
from apps.fraud.signals import fraud_case_opened
from apps.incidents.signals import incident_opened
from apps.privacy.signals import data_subject_request_changed
from apps.security.signals import alert_raised
from apps.tenants.models import Tenant

TENANT_INPUTS = "analytics"
PLATFORM_INPUTS = "analytics_platform"
TENANT_NAMESPACES = ("bet", "tenant", TENANT_INPUTS)
PLATFORM_NAMESPACES = (ANY_TENANTS_BETS, "tenant", PLATFORM_INPUTS)


def answer_namespaces(query: MetricQuery) -> list[str]:
    """The cache namespaces whose versions an answer to `query` is read under (with query.tenant_id)."""
    return list(TENANT_NAMESPACES if query.tenant_id is not None else PLATFORM_NAMESPACES)


def analytics_changed(*, tenant_ids: Iterable[int] = ()) -> None:
    """Analytics inputs beyond the bets changed for these tenants (none: only platform-wide figures)."""
    for tenant_id in sorted(set(tenant_ids)):
        cache_bump(TENANT_INPUTS, tenant_id=tenant_id)
    cache_bump(PLATFORM_INPUTS)


def _changed_for_guild(guild_id: str | None) -> None:
    tenant_ids = Tenant.objects.filter(guild_id=guild_id).values_list("pk", flat=True) if guild_id else []
    analytics_changed(tenant_ids=list(tenant_ids))


@receiver(fraud_case_opened, dispatch_uid="analytics.fraud_case_opened")
def _fraud_case_opened(sender, guild_id: str = "", **kwargs) -> None:
    _changed_for_guild(guild_id)


@receiver(alert_raised, dispatch_uid="analytics.alert_raised")
def _alert_raised(sender, guild_id: str = "", **kwargs) -> None:
    _changed_for_guild(guild_id)


@receiver(data_subject_request_changed, dispatch_uid="analytics.data_subject_request_changed")
def _data_subject_request_changed(sender, guild_id: str = "", **kwargs) -> None:
    _changed_for_guild(guild_id)


@receiver(incident_opened, dispatch_uid="analytics.incident_opened")
def _incident_opened(sender, **kwargs) -> None:
    analytics_changed()  # incidents are platform-wide figures


@receiver(post_save, sender=ScoreSnapshot, dispatch_uid="analytics.score_snapshot_saved")
def _score_snapshot_saved(sender, **kwargs) -> None:
    analytics_changed()  # the compliance score is a platform-wide figure


@receiver(rollups_refreshed, dispatch_uid="analytics.rollups_refreshed")
def _rollups_refreshed(sender, tenant_ids=(), **kwargs) -> None:
    """A refresh wrote what the placements before it changed: answers cached in between (read raw, marked
    stale) get new ETags, and the next read is served from the fresh rollups."""
    analytics_changed(tenant_ids=tenant_ids)
