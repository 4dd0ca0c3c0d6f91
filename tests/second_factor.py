"""Staff sessions with a verified second factor, as after the TOTP step of /admin/login/ or /portal/login/.

The admin and the portal both refuse a session that passed the password alone, so every test that
browses them as staff signs in through `verified_client` instead of `force_login` alone.
"""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def token_for(device: TOTPDevice, offset: int = 0) -> str:
    """The code an authenticator app shows now for this device (django_otp's own TOTP)."""
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):0{device.digits}d}"
    )


def verified_client(user, client: Client | None = None) -> Client:
    """A client whose session is signed in and passed the second factor (a confirmed device is made if
    the user has none)."""
    client = client or Client()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
