"""State changes of accounts: API keys, members, staff roles, staff TOTP devices."""

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.accounts.countries import ISO_3166_ALPHA2
from apps.accounts.key_policy import grant_check, scopes_validate
from apps.accounts.keys import generate_key
from apps.accounts.models import ApiKey, Member, User
from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.accounts.sessions import staff_sessions_end  # noqa: F401 - public here (incident response)
from apps.accounts.totp_refusals import already_enrolled_error, invalid_token_error
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.cache import cache_bump
from apps.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from apps.core.replica import unpinned_writes
from apps.tenants.models import Tenant


@transaction.atomic
def api_key_create(
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    tenant: Tenant | None = None,
    expires_at: datetime | None = None,
    granting_key: ApiKey | None = None,
    granting_user: User | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never stored and never shown again.

    The grant follows the one minting rule (apps/accounts/key_policy.py): no platform-only scope on a
    tenant key; a key (`granting_key`, recorded as the parent) grants a subset of its own scopes,
    expiring no later than itself; a staff user (`granting_user`) grants only what their permissions
    cover, and a platform key only as a superuser.
    """
    scopes = scopes_validate(scopes)
    if not name.strip():
        raise ApplicationError(_("An API key needs a name."), fields={"name": [_("Required.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(
            _("The expiry must be in the future."), fields={"expires_at": [_("Must be in the future.")]}
        )
    grant_check(
        scopes=scopes,
        is_tenant_key=tenant is not None,
        expires_at=expires_at,
        granting_key=granting_key,
        granting_user=granting_user,
    )
    secret, prefix, key_hash = generate_key()
    api_key = ApiKey.objects.create(
        name=name.strip(),
        prefix=prefix,
        key_hash=key_hash,
        tenant=tenant,
        scopes=scopes,
        expires_at=expires_at,
        parent=granting_key,
        created_by=actor.label,
    )
    audit_record(
        actor=actor,
        action="accounts.api_key_created",
        target=api_key,
        guild_id=tenant.guild_id if tenant else "",
        changes=field_changes(
            {},
            {
                "name": api_key.name,
                "scopes": scopes,
                "expires_at": expires_at,
                "parent": granting_key.prefix if granting_key is not None else None,
            },
        ),
    )
    cache_bump("api_key")  # keys are resolved through the cache (authentication.py)
    return api_key, secret


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: Actor, reason: str = "") -> ApiKey:
    """Revoke a key at once, and with it every key it minted (and they minted), each with its audit event.

    Revoking twice is a no-op; a key already revoked still passes the revocation on to any descendant
    left usable.
    """
    api_key = ApiKey.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=api_key.pk)
    revoked = 0
    if not api_key.is_revoked:
        _revoke_one(api_key=api_key, actor=actor, reason=reason)
        revoked += 1
    # breadth first, parents before children: the audit trail reads in the order the revocation spread
    generation = [api_key]
    while generation:
        children = list(
            ApiKey.objects.select_for_update(of=("self",))
            .select_related("tenant")
            .filter(parent__in=generation)
            .order_by("pk")
        )
        for child in children:
            if not child.is_revoked:
                parent = next(key for key in generation if key.pk == child.parent_id)
                _revoke_one(
                    api_key=child, actor=actor, reason=f"parent key {parent.prefix} revoked: {parent.revoked_reason}"
                )
                revoked += 1
        generation = children
    if revoked:
        cache_bump("api_key")  # the cached keys are stale at once: the next request is refused
    return api_key


def _revoke_one(*, api_key: ApiKey, actor: Actor, reason: str) -> None:
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


# When this process last recorded each key's use: keys are read from the cache (authentication.py),
# whose copy of last_used_at is as old as the entry, so the window is also kept here.
_touched_at: dict[int, datetime] = {}
_TOUCHED_MAX = 10_000  # keys remembered per process before the memory is dropped (then: one UPDATE each)


def _last_use(api_key: ApiKey) -> datetime | None:
    known = [moment for moment in (api_key.last_used_at, _touched_at.get(api_key.pk)) if moment is not None]
    return max(known, default=None)


def api_key_touch_due(*, api_key: ApiKey) -> bool:
    """Would `api_key_touch` write now? (No side effect.)"""
    last = _last_use(api_key)
    window = timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS)
    return last is None or last < timezone.now() - window


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record use of a key, at most once per resolution window (a conditional UPDATE, no read). Not audited:
    usage is telemetry, not a state change anyone made."""
    if not api_key_touch_due(api_key=api_key):
        return
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS)
    with unpinned_writes():  # telemetry: the request's later reads may still use the read replica
        ApiKey.objects.filter(pk=api_key.pk).exclude(last_used_at__gte=cutoff).update(last_used_at=now)
    api_key.last_used_at = now
    if len(_touched_at) >= _TOUCHED_MAX:
        _touched_at.clear()
    _touched_at[api_key.pk] = now


# Fields whose values never go into the audit trail (only that they changed): the trail is append-only
# and hash-chained, so an identity written into it could never be erased, and an encrypted value
# written in clear would undo the encryption.
MEMBER_PERSONAL_FIELDS = ("discord_user_id", "username", "display_name", "email", "date_of_birth", "notes")
MEMBER_PROFILE_FIELDS = ("username", "display_name", "email", "date_of_birth", "country", "notes")
_UNSET = object()


def _member_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    changes = field_changes(
        {name: value for name, value in before.items() if name not in MEMBER_PERSONAL_FIELDS},
        {name: value for name, value in after.items() if name not in MEMBER_PERSONAL_FIELDS},
    )
    for name in MEMBER_PERSONAL_FIELDS:
        if name in after and before.get(name, _UNSET) != after[name]:
            changes[name] = {"before": "[redacted]", "after": "[redacted]"}
    return changes


def _validate_profile(values: dict[str, Any]) -> None:
    country = values.get("country")
    if country and country not in ISO_3166_ALPHA2:
        raise ApplicationError(
            _("%(country)r is not an ISO 3166-1 alpha-2 country code (e.g. GB, US, DE).") % {"country": country},
            fields={"country": [_("Not an ISO 3166-1 alpha-2 code.")]},
        )
    born = values.get("date_of_birth")
    if born is not None and not (date(1900, 1, 1) <= born <= timezone.localdate()):
        raise ApplicationError(
            _("The date of birth must be between 1900-01-01 and today."),
            fields={"date_of_birth": [_("Must be between 1900-01-01 and today.")]},
        )


@transaction.atomic
def member_create(
    *,
    actor: Actor,
    tenant: Tenant,
    discord_user_id: str,
    username: str,
    display_name: str = "",
    email: str = "",
    date_of_birth: date | None = None,
    country: str = "",
    notes: str = "",
) -> Member:
    """Register a Discord user of a tenant; a Discord user is a member of a tenant once."""
    profile = {
        "display_name": display_name,
        "email": email,
        "date_of_birth": date_of_birth,
        "country": country,
        "notes": notes,
    }
    _validate_profile(profile)
    try:
        with transaction.atomic():
            member = Member.objects.create(tenant=tenant, discord_user_id=discord_user_id, username=username, **profile)
    except IntegrityError:
        raise ConflictError(
            _("Discord user %(discord_user_id)s is already a member of this tenant.")
            % {"discord_user_id": discord_user_id},
            code="member_exists",
        ) from None
    given = {name: value for name, value in profile.items() if value not in ("", None)}
    audit_record(
        actor=actor,
        action="accounts.member_created",
        target=member,
        guild_id=tenant.guild_id,
        changes=_member_changes({}, {"discord_user_id": discord_user_id, "username": username, **given}),
    )
    return member


@transaction.atomic
def member_update(*, member: Member, actor: Actor, **values: Any) -> Member:
    """Change a member's profile (only the given fields); personal values are not written to the audit trail."""
    unknown = sorted(set(values) - set(MEMBER_PROFILE_FIELDS))
    if unknown:
        raise ApplicationError(_("Unknown member fields: %(unknown)s.") % {"unknown": ", ".join(unknown)})
    _validate_profile(values)
    member = Member.objects.select_for_update().get(pk=member.pk)
    before = {name: getattr(member, name) for name in values}
    changed = [name for name, value in values.items() if before[name] != value]
    if not changed:
        return member
    for name in changed:
        setattr(member, name, values[name])
    update_fields = [*changed, "updated_at"]
    if "email" in changed:
        update_fields.append("email_index")
    member.save(update_fields=update_fields)
    audit_record(
        actor=actor,
        action="accounts.member_updated",
        target=member,
        guild_id=member.tenant.guild_id,
        changes=_member_changes(before, {name: values[name] for name in changed}),
    )
    return member


@transaction.atomic
def staff_user_create(*, actor: Actor, username: str, email: str, password: str, role: str) -> User:
    """Create a staff user with one role; the password must satisfy the password policy."""
    if role not in StaffRole.values:
        raise ApplicationError(
            _("Unknown role %(role)r; choose one of %(values)s.")
            % {"role": role, "values": ", ".join(StaffRole.values)}
        )
    user = User(username=username, email=email, is_staff=True, is_superuser=role == StaffRole.SUPERUSER)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), fields={"password": error.messages}) from None
    if User.objects.filter(username=username).exists():
        raise ConflictError(_("A user named %(username)r already exists.") % {"username": username}, code="user_exists")
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
        changes=_member_changes(before, {"username": username}),
    )
    return member


# --- staff TOTP devices (the second factor of /admin/ and /portal/) ----------------------------------
TOTP_DEVICE_NAME = "authenticator"
TOTP_RESET_PERMISSION = "otp_totp.delete_totpdevice"


def _totp_token_matches(device: TOTPDevice, token: str) -> bool:
    token = (token or "").strip()
    return token.isdigit() and device.verify_is_allowed()[0] and device.verify_token(token)


@transaction.atomic
def totp_device_enrol_start(*, user: User) -> TOTPDevice:
    """A fresh unconfirmed device with a new random key, for a user without a confirmed one; earlier
    unconfirmed ones are dropped, so a secret that was shown once is never valid unless it was confirmed."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one enrolment at a time per user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise already_enrolled_error()
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def totp_device_enrol_confirm(*, device: TOTPDevice, token: str, actor: Actor) -> TOTPDevice:
    """Confirm an enrolment with a code from the authenticator. Refused for a wrong code, and for a user
    who already has a confirmed device (a new one replaces it only after a reset)."""
    # the code is checked before the transaction: a wrong one must stay counted by the device's throttle
    if not _totp_token_matches(device, token):
        raise invalid_token_error()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=device.user_id).first()
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or TOTPDevice.objects.filter(user_id=device.user_id, confirmed=True).exists():
            raise already_enrolled_error()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=actor,
            action="accounts.totp_enrolled",
            target=device.user,
            changes=field_changes({}, {"device": device.persistent_id}),
        )
    return device


def totp_device_reset(*, device: TOTPDevice, performed_by: User, actor: Actor, reason: str, token: str = "") -> None:
    """Remove a staff user's TOTP device, so their next sign-in enrols a new one. The device's owner needs
    a valid code from it (the current factor); anyone else needs the reset permission, a superuser's
    device a superuser. Audited with the reason (the security app records the MFA change)."""
    if not reason.strip():
        raise ApplicationError(_("Say why the device is reset."), fields={"reason": [_("Required.")]})
    own = device.user_id == performed_by.pk
    if own and not _totp_token_matches(device, token):  # before the transaction: the throttle keeps counting
        raise invalid_token_error()
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().select_related("user").filter(pk=device.pk).first()
        if device is None:
            raise NotFoundError(_("This device no longer exists."))
        owner = device.user
        if not own and not (
            performed_by.is_active and performed_by.is_staff and performed_by.has_perm(TOTP_RESET_PERMISSION)
        ):
            raise PermissionDeniedError(_("Only the owner (with a code from it) or staff allowed to reset devices."))
        if not own and owner.is_superuser and not performed_by.is_superuser:
            raise PermissionDeniedError(_("Only a superuser resets a superuser's device."))
        persistent_id = device.persistent_id
        TOTPDevice.objects.filter(user=owner, confirmed=False).delete()
        device.delete()
        audit_record(
            actor=actor,
            action="accounts.totp_device_reset",
            target=owner,
            reason=reason.strip(),
            changes=field_changes({"device": persistent_id}, {"device": None}),
        )
