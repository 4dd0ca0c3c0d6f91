"""Ending a staff user's sessions and sending them back to second-factor enrolment (incident response's
end_staff_sessions action; re-exported by apps.accounts.services, the public door)."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError


def _session_keys_of(user: User) -> list[str]:
    # sessions are opaque rows (the database backend); a user's are found by decoding the live ones
    return [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]


@transaction.atomic
def staff_sessions_end(*, user: User, actor: Actor, reason: str) -> dict:
    """Sign a staff user out everywhere and remove their TOTP devices, so their next sign-in must enrol a
    new second factor (the same audit event as a device reset). Repeating it finds nothing left to do."""
    if not reason.strip():
        raise ApplicationError(_("Say why the sessions are ended."), fields={"reason": [_("Required.")]})
    user = User.objects.select_for_update().get(pk=user.pk)
    session_keys = _session_keys_of(user)
    Session.objects.filter(session_key__in=session_keys).delete()
    devices = list(TOTPDevice.objects.filter(user=user).order_by("pk"))
    for device in devices:
        audit_record(
            actor=actor,
            action="accounts.totp_device_reset",
            target=user,
            reason=reason.strip(),
            changes=field_changes({"device": device.persistent_id}, {"device": None}),
        )
    TOTPDevice.objects.filter(pk__in=[device.pk for device in devices]).delete()
    if session_keys:
        audit_record(
            actor=actor,
            action="accounts.staff_sessions_ended",
            target=user,
            reason=reason.strip(),
            changes=field_changes({"sessions": len(session_keys)}, {"sessions": 0}),
        )
    return {"sessions_ended": len(session_keys), "devices_removed": len(devices)}
