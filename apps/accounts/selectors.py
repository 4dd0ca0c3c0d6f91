"""Reading accounts: keys and members of a tenant (a key by its secret: accounts.authentication)."""

from django.db.models import QuerySet

from apps.accounts.models import ApiKey, Member
from apps.keyring.fields import blind_index_for
from apps.tenants.models import Tenant


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant).select_related("tenant", "parent")


def member_list(*, tenant: Tenant, email: str | None = None) -> QuerySet[Member]:
    """A tenant's members; `email` finds exact matches (case-insensitive) through the blind index."""
    members = Member.objects.filter(tenant=tenant)
    if email is not None:
        index = blind_index_for(Member, "email_index", email)
        members = members.filter(email_index=index) if index else members.none()
    return members


def member_get(*, tenant: Tenant, discord_user_id: str) -> Member | None:
    return Member.objects.filter(tenant=tenant, discord_user_id=discord_user_id).first()
