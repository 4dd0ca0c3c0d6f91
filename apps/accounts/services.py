"""State changes of accounts: API keys, members, staff roles."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.choices import ApiScope, StaffRole
from apps.accounts.keys import generate_key
from apps.accounts.models import ApiKey, Member, User
from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.tenants.models import Tenant


def _validate_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise ApplicationError(
            f"Unknown scopes: {', '.join(unknown)}. Known scopes: {', '.join(ApiScope.values)}.",
            code="unknown_scope",
            fields={"scopes": [f"Unknown scope {scope!r}." for scope in unknown]},
        )
    if not scopes:
        raise ApplicationError("An API key needs at least one scope.", fields={"scopes": ["Required."]})
    return sorted(set(scopes))


@transaction.atomic
def api_key_create(
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    tenant: Tenant | None = None,
    expires_at: datetime | None = None,
    granting_key: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never stored and never shown again.

    A key that mints another key (`granting_key`) can only grant scopes it holds itself.
    """
    scopes = _validate_scopes(scopes)
    if not name.strip():
        raise ApplicationError("An API key needs a name.", fields={"name": ["Required."]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("The expiry must be in the future.", fields={"expires_at": ["Must be in the future."]})
    if granting_key is not None:
        beyond = sorted(set(scopes) - set(granting_key.scopes))
        if beyond:
            raise ApplicationError(
                f"This key cannot grant scopes it does not hold: {', '.join(beyond)}.",
                code="scope_escalation",
                status_code=403,
            )
    secret, prefix, key_hash = generate_key()
    api_key = ApiKey.objects.create(
        name=name.strip(),
        prefix=prefix,
        key_hash=key_hash,
        tenant=tenant,
        scopes=scopes,
        expires_at=expires_at,
        created_by=actor.label,
    )
    audit_record(
        actor=actor,
        action="accounts.api_key_created",
        target=api_key,
        guild_id=tenant.guild_id if tenant else "",
        changes=field_changes({}, {"name": api_key.name, "scopes": scopes, "expires_at": expires_at}),
    )
    return api_key, secret


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: Actor, reason: str = "") -> ApiKey:
    """Revoke a key at once; revoking twice is a no-op."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.is_revoked:
        return api_key
    api_key.revoked_at = timezone.now()
    api_key.revoked_reason = reason[:200]
    api_key.save(update_fields=["revoked_at", "revoked_reason"])
    audit_record(
        actor=actor,
        action="accounts.api_key_revoked",
        target=api_key,
        guild_id=api_key.tenant.guild_id if api_key.tenant_id else "",
        reason=reason,
    )
    return api_key


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record use of a key, at most once per resolution window (a conditional UPDATE, no read).

    Not audited: usage is telemetry, not a state change anyone made.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS)
    if api_key.last_used_at is None or api_key.last_used_at < cutoff:
        ApiKey.objects.filter(pk=api_key.pk).exclude(last_used_at__gte=cutoff).update(last_used_at=now)
        api_key.last_used_at = now


@transaction.atomic
def member_create(*, actor: Actor, tenant: Tenant, discord_user_id: str, username: str) -> Member:
    """Register a Discord user of a tenant; a Discord user is a member of a tenant once."""
    try:
        with transaction.atomic():
            member = Member.objects.create(tenant=tenant, discord_user_id=discord_user_id, username=username)
    except IntegrityError:
        raise ConflictError(
            f"Discord user {discord_user_id} is already a member of this tenant.", code="member_exists"
        ) from None
    audit_record(
        actor=actor,
        action="accounts.member_created",
        target=member,
        guild_id=tenant.guild_id,
        changes=field_changes({}, {"discord_user_id": discord_user_id, "username": username}),
    )
    return member


@transaction.atomic
def staff_user_create(*, actor: Actor, username: str, email: str, password: str, role: str) -> User:
    """Create a staff user with one role; the password must satisfy the password policy."""
    if role not in StaffRole.values:
        raise ApplicationError(f"Unknown role {role!r}; choose one of {', '.join(StaffRole.values)}.")
    user = User(username=username, email=email, is_staff=True, is_superuser=role == StaffRole.SUPERUSER)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), fields={"password": error.messages}) from None
    if User.objects.filter(username=username).exists():
        raise ConflictError(f"A user named {username!r} already exists.", code="user_exists")
    user.set_password(password)
    user.save()
    if role in ROLE_GROUP_NAMES:
        user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[role]))
    audit_record(
        actor=actor,
        action="accounts.staff_user_created",
        target=user,
        changes=field_changes({}, {"username": username, "role": role, "is_staff": True}),
    )
    return user


@transaction.atomic
def member_rename(*, member: Member, actor: Actor, username: str) -> Member:
    """Follow a Discord username change."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    before = {"username": member.username}
    member.username = username
    member.save(update_fields=["username", "updated_at"])
    audit_record(
        actor=actor,
        action="accounts.member_renamed",
        target=member,
        guild_id=member.tenant.guild_id,
        changes=field_changes(before, {"username": username}),
    )
    return member
