"""Reading data-subject requests: lists for the API and admin, SLA queries for the beat job and compliance."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Member
from apps.accounts.selectors import member_get
from apps.core.errors import NotFoundError
from apps.privacy.choices import OPEN_REQUEST_STATUSES
from apps.privacy.models import DataExport, DataSubjectRequest
from apps.tenants.models import Tenant


def request_list(
    *, tenant: Tenant | None = None, status: str | None = None, kind: str | None = None
) -> QuerySet[DataSubjectRequest]:
    requests = DataSubjectRequest.objects.select_related(
        "tenant", "member", "assignee", "certificate"
    ).prefetch_related(Prefetch("exports", queryset=DataExport.objects.order_by("-id"), to_attr="prefetched_exports"))
    if tenant is not None:
        requests = requests.filter(tenant=tenant)
    if status:
        requests = requests.filter(status=status)
    if kind:
        requests = requests.filter(kind=kind)
    return requests


def request_get(*, request_id: int) -> DataSubjectRequest:
    request = request_list().filter(pk=request_id).first()
    if request is None:
        raise NotFoundError(
            _("No data-subject request %(request_id)s.") % {"request_id": request_id}, code="request_not_found"
        )
    return request


def open_requests() -> QuerySet[DataSubjectRequest]:
    return request_list().filter(status__in=OPEN_REQUEST_STATUSES)


def overdue_requests(*, now=None) -> QuerySet[DataSubjectRequest]:
    """Open requests past their due date, the most overdue first (compliance checks use this)."""
    now = now or timezone.now()
    return open_requests().filter(due_at__lt=now).order_by("due_at", "pk")


def requests_due_soon(*, now=None) -> QuerySet[DataSubjectRequest]:
    """Open requests due within PRIVACY_REQUEST_WARN_DAYS days and not yet overdue."""
    now = now or timezone.now()
    horizon = now + timedelta(days=settings.PRIVACY_REQUEST_WARN_DAYS)
    return open_requests().filter(due_at__gte=now, due_at__lt=horizon).order_by("due_at", "pk")


def member_for_request(*, tenant: Tenant, discord_user_id: str) -> Member:
    """The member a request is about; unknown → 404 (an erasure of someone unknown is a 404, not a no-op)."""
    member = member_get(tenant=tenant, discord_user_id=discord_user_id)
    if member is None:
        raise NotFoundError(
            _("Guild %(guild_id)s has no member with Discord user id %(discord_user_id)s.")
            % {"guild_id": tenant.guild_id, "discord_user_id": discord_user_id},
            code="member_not_found",
        )
    member.tenant = tenant  # the caller's tenant is the member's: no join, no extra query
    return member


def latest_export(*, request: DataSubjectRequest) -> DataExport | None:
    return DataExport.objects.filter(request=request).order_by("-id").first()
