"""Reading accounts: API keys by secret, keys and members of a tenant."""

from django.db.models import QuerySet

from apps.accounts.keys import key_matches, prefix_of
from apps.accounts.models import ApiKey, Member
from apps.keyring.fields import blind_index_for
from apps.tenants.models import Tenant


def api_key_for_secret(*, secret: str) -> ApiKey | None:
    """The key whose secret this is (revoked and expired included: callers say why it fails)."""
    prefix = prefix_of(secret)
    if prefix is None:
        return None
    api_key = ApiKey.objects.select_related("tenant").filter(prefix=prefix).first()
    if api_key is None or not key_matches(secret, api_key.key_hash):
        return None
    return api_key


def api_key_list(*, tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant).select_related("tenant")


def member_list(*, tenant: Tenant, email: str | None = None) -> QuerySet[Member]:
    """A tenant's members; `email` finds exact matches (case-insensitive) through the blind index."""
    members = Member.objects.filter(tenant=tenant)
    if email is not None:
        index = blind_index_for(Member, "email_index", email)
        members = members.filter(email_index=index) if index else members.none()
    return members


def member_get(*, tenant: Tenant, discord_user_id: str) -> Member | None:
    return Member.objects.filter(tenant=tenant, discord_user_id=discord_user_id).first()
