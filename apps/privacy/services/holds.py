"""Legal holds as the erasure sees them: is this member, or their tenant, under an active hold?

The holds are the retention part's (`LegalHold`, apps/privacy/models/retention.py): one names either
a tenant or a member, and is active until released.
"""

from django.db.models import Q

from apps.accounts.models import Member
from apps.privacy.models import LegalHold


def active_legal_holds(*, member: Member) -> list[str]:
    """Short descriptions of the active holds covering the member (their own, or their tenant's)."""
    holds = LegalHold.objects.filter(Q(member=member) | Q(tenant_id=member.tenant_id), released_at__isnull=True)
    return [f"hold #{hold.pk} on the {'member' if hold.member_id else 'tenant'}" for hold in holds.order_by("pk")]
