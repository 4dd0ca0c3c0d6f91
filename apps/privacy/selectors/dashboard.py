"""What the privacy dashboard widgets read: the data-subject request SLA and the last retention run.
Each costs a fixed number of queries."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from apps.privacy.choices import RequestStatus
from apps.privacy.models import RetentionRun
from apps.privacy.selectors.requests import open_requests, request_list

SLA_LOOKBACK_DAYS = 90
DUE_SOON_DAYS = 7
CLOSED = (RequestStatus.COMPLETED, RequestStatus.REJECTED)


@dataclass(frozen=True)
class DsrSla:
    open: int
    overdue: int
    due_soon: int
    closed_recently: int
    closed_within_sla: int

    @property
    def within_sla_rate(self) -> float | None:
        return 100 * self.closed_within_sla / self.closed_recently if self.closed_recently else None


def dsr_sla(*, now=None) -> DsrSla:
    """Open, overdue and soon-due requests; of those closed in the last 90 days, how many were on time.
    Two queries."""
    now = now or timezone.now()
    open_counts = open_requests().aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_at__lt=now)),
        due_soon=Count("id", filter=Q(due_at__gte=now, due_at__lt=now + timedelta(days=DUE_SOON_DAYS))),
    )
    closed = (
        request_list(status=None)
        .filter(status__in=CLOSED, completed_at__gte=now - timedelta(days=SLA_LOOKBACK_DAYS))
        .aggregate(closed=Count("id"), on_time=Count("id", filter=Q(completed_at__lte=F("due_at"))))
    )
    return DsrSla(
        open=open_counts["open"],
        overdue=open_counts["overdue"],
        due_soon=open_counts["due_soon"],
        closed_recently=closed["closed"],
        closed_within_sla=closed["on_time"],
    )


def retention_last_run() -> RetentionRun | None:
    """The latest real (not dry) retention run, whatever its outcome."""
    return RetentionRun.objects.filter(dry_run=False).order_by("-started_at", "-id").first()
