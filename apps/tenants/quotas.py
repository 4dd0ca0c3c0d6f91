"""Plan quotas enforced where the act happens (the numbers are in plans.py).

* `webhooks`: how many webhook subscriptions a tenant may have. Waiting does not help, so a subscription over
  the quota is refused with **403** `plan_quota_exceeded` where it is created (apps/integration/webhooks/
  services.py, under a lock of the tenant row, like the open-bets quota of the betting services).
* `exports_per_day`: how many exports a tenant may ask for per day of its own time zone. An export is a run
  of one of its BI reports asked for now (the portal's "run now", the admin's action: analytics'
  `report_run_request`), which builds PDF, CSV and XLSX files; scheduled runs are not counted (their cron,
  set by staff, bounds them already). Over it: **429** `quota_exceeded` with `Retry-After` (the seconds until
  the tenant's next midnight), naming the plan and the limit, and nothing is queued. `exports_quota_consume`
  counts one in the caller's transaction under a row lock, so two concurrent requests cannot both take the
  last one, and a rolled-back request uses nothing; `exports_quota_check` only looks.

Data-subject exports (privacy) are not counted: they answer a legal right, which a plan cannot ration.
"""

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from apps.core.errors import ApplicationError
from apps.tenants.models import Tenant, TenantQuotaUse

EXPORTS_PER_DAY = "exports_per_day"


class QuotaExceeded(ApplicationError):
    """A plan quota refused the act; the message names the plan, the quota and its limit."""

    status_code = 429
    code = "quota_exceeded"

    def __init__(self, message: str, *, status_code: int, retry_after: int | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}


def _tenant_day(tenant: Tenant, now: datetime) -> tuple[date, int]:
    """The tenant's calendar day now, and the seconds until its next midnight (at least 1)."""
    local = now.astimezone(zoneinfo.ZoneInfo(tenant.timezone))
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
    return local.date(), max(int((midnight - local).total_seconds()), 1)


def _exports_refusal(tenant: Tenant, limit: int, retry_after: int) -> QuotaExceeded:
    return QuotaExceeded(
        ngettext(
            "The %(name)s plan allows %(limit)s export per day and this tenant has used them today: try again "
            "after midnight (%(timezone)s), in %(retry_after)s s, or move to a larger plan.",
            "The %(name)s plan allows %(limit)s exports per day and this tenant has used them today: try again "
            "after midnight (%(timezone)s), in %(retry_after)s s, or move to a larger plan.",
            limit,
        )
        % {
            "name": tenant.plan.name,
            "limit": limit,
            "timezone": tenant.timezone,
            "retry_after": retry_after,
        },
        status_code=429,
        retry_after=retry_after,
    )


def exports_used_today(*, tenant: Tenant, now: datetime | None = None) -> int:
    day, _ = _tenant_day(tenant, now or timezone.now())
    row = TenantQuotaUse.objects.filter(tenant=tenant, quota=EXPORTS_PER_DAY, day=day).first()
    return row.used if row is not None else 0


def exports_quota_check(*, tenant: Tenant, now: datetime | None = None) -> None:
    """Refuse (429 with Retry-After) when the tenant has no export left today; counts nothing."""
    now = now or timezone.now()
    limit = tenant.plan.exports_per_day
    if limit is not None and exports_used_today(tenant=tenant, now=now) >= limit:
        raise _exports_refusal(tenant, limit, _tenant_day(tenant, now)[1])


@transaction.atomic
def exports_quota_consume(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Count one export of the tenant today, or refuse (429 with Retry-After) when none is left; the count
    after it. Part of the caller's transaction: rolled back with it."""
    limit = tenant.plan.exports_per_day
    day, retry_after = _tenant_day(tenant, now or timezone.now())
    TenantQuotaUse.objects.get_or_create(tenant=tenant, quota=EXPORTS_PER_DAY, day=day)
    row = TenantQuotaUse.objects.select_for_update().get(tenant=tenant, quota=EXPORTS_PER_DAY, day=day)
    if limit is not None and row.used >= limit:
        raise _exports_refusal(tenant, limit, retry_after)
    row.used += 1
    row.save(update_fields=["used"])
    return row.used
