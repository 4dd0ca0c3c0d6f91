"""TOTP devices of portal users: enrolment (a new secret, shown once) and its confirmation (audited)."""

import segno
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError

DEVICE_NAME = "portal"


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """A fresh unconfirmed device with a new random key; earlier unconfirmed ones are dropped, so a
    secret that was shown once is never valid again unless it was confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_provisioning(device: TOTPDevice) -> dict:
    """What the enrolment page shows once: the otpauth URL, its QR code (inline SVG) and the base32 key."""
    url = device.config_url  # names the issuer of settings.OTP_TOTP_ISSUER
    qr_svg = segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff", title="TOTP enrolment QR code")
    secret = url.split("secret=", 1)[1].split("&", 1)[0]
    return {"url": url, "qr_svg": qr_svg, "secret": secret}


@transaction.atomic
def totp_enrolment_confirm(*, device: TOTPDevice, token: str, actor: Actor) -> TOTPDevice:
    """Confirm an enrolment with a token from the authenticator; refuses a wrong token."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed:
        raise ApplicationError("This device is already confirmed.", code="already_confirmed")
    if not token.strip().isdigit() or not device.verify_token(token.strip()):
        raise ApplicationError(
            "That code does not match: type the 6 digits your authenticator app shows now.",
            code="invalid_token",
            fields={"token": ["Wrong or expired code."]},
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(
        actor=actor,
        action="accounts.totp_enrolled",
        target=device.user,
        changes=field_changes({}, {"device": device.persistent_id}),
    )
    return device
