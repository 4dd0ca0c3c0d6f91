"""Reading accounts: keys and members of a tenant (a key by its secret: accounts.authentication), staff
TOTP devices."""

import segno
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.accounts.models import ApiKey, Member
from apps.keyring.fields import blind_index_for
from apps.tenants.models import Tenant


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


def totp_device_confirmed(*, user) -> TOTPDevice | None:
    """The user's confirmed TOTP device (the one the sign-in step asks a code from), if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def totp_provisioning(*, device: TOTPDevice) -> dict:
    """What the enrolment page shows once: the otpauth URL, its QR code (inline SVG) and the base32 key."""
    url = device.config_url  # names the issuer of settings.OTP_TOTP_ISSUER
    qr_svg = segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff", title="TOTP enrolment QR code")
    secret = url.split("secret=", 1)[1].split("&", 1)[0]
    return {"url": url, "qr_svg": qr_svg, "secret": secret}


def staff_role_members(*, role: str) -> QuerySet:
    """Active staff users holding `role` (superusers for "superuser"); empty for an unknown role.

    Role groups are named after the role's label (apps/accounts/roles.py ROLE_GROUP_NAMES)."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    if role == StaffRole.SUPERUSER:
        return users.filter(is_superuser=True)
    if role not in StaffRole.values:
        return users.none()
    return users.filter(groups__name=StaffRole(role).label).distinct()
