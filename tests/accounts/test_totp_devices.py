"""A staff user's TOTP device is removed only with its current code or by a second staff user, and audited.

Before this rule a user signed in with the device could delete it in the admin and then enrol a new one
with the password alone (so a stolen password plus one unlocked session became a permanent second factor).
"""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.accounts.services import totp_device_enrol_confirm, totp_device_enrol_start, totp_device_reset
from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.security.models import SecurityEvent
from tests.second_factor import token_for, verified_client

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:otp_totp_totpdevice_changelist")


def _actor(user) -> Actor:
    return Actor(kind="user", identifier=str(user.pk), label=user.get_username())


def _wrong(device: TOTPDevice) -> str:
    return f"{(int(token_for(device)) + 1) % 1_000_000:06d}"


@pytest.fixture
def root(staff_user):
    return staff_user(StaffRole.SUPERUSER, username="root")


@pytest.fixture
def second_root(staff_user):
    return staff_user(StaffRole.SUPERUSER, username="second-root")


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _mfa_events(user) -> list[str]:
    return [
        event.details["action"]
        for event in SecurityEvent.objects.filter(event_type="mfa_changed").order_by("pk")
        if event.details.get("subject_id") == str(user.pk)
    ]


# --- the admin: the hole as it was ------------------------------------------------------------------


def test_the_admin_delete_page_no_longer_removes_ones_own_device(root):
    client = verified_client(root)
    device = TOTPDevice.objects.get(user=root)

    page = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    bulk = client.post(CHANGELIST, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [device.pk], "post": "yes"})

    assert page.status_code == 403
    assert bulk.status_code == 302  # "No action selected": delete_selected is not offered
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="accounts.totp_device_reset").exists()


def test_the_admin_adds_and_edits_no_device(root):
    client = verified_client(root)
    device = TOTPDevice.objects.get(user=root)

    added = client.post(reverse("admin:otp_totp_totpdevice_add"), {"user": root.pk, "name": "mine", "confirmed": "on"})
    edited = client.post(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]), {"confirmed": ""})

    assert added.status_code == 403
    assert edited.status_code in (200, 403)
    assert list(TOTPDevice.objects.filter(user=root).values_list("pk", "confirmed")) == [(device.pk, True)]


def test_removing_ones_own_device_in_the_admin_asks_for_its_current_code(root, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the right code may follow the wrong one at once
    client = verified_client(root)
    device = TOTPDevice.objects.get(user=root)
    form = {"action": "reset_selected", ACTION_CHECKBOX_NAME: [device.pk]}

    asked = client.post(CHANGELIST, form)
    wrong = client.post(CHANGELIST, {**form, "apply": "yes", "reason": "new phone", "token": _wrong(device)})
    assert asked.status_code == 200 and b'name="token"' in asked.content
    assert wrong.status_code == 302
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    done = client.post(CHANGELIST, {**form, "apply": "yes", "reason": "new phone", "token": token_for(device)})

    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=root).exists()
    event = AuditEvent.objects.get(action="accounts.totp_device_reset")
    assert (event.target_id, event.actor_identifier, event.reason) == (str(root.pk), str(root.pk), "new phone")


def test_a_second_superuser_resets_another_users_device_in_the_admin(root, second_root, staff_user):
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer")
    device = _device(officer)
    client = verified_client(second_root)
    form = {"action": "reset_selected", ACTION_CHECKBOX_NAME: [device.pk], "apply": "yes"}

    without_reason = client.post(CHANGELIST, {**form, "reason": ""})
    assert without_reason.status_code == 200  # asked again: a reset states why
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    done = client.post(CHANGELIST, {**form, "reason": "lost phone, identity checked by video call"})

    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(action="accounts.totp_device_reset")
    assert (event.target_id, event.actor_identifier) == (str(officer.pk), str(second_root.pk))
    assert _mfa_events(officer)[-1] == "deleted"


# --- the services -------------------------------------------------------------------------------


def test_own_reset_needs_the_current_code_and_a_wrong_one_changes_nothing(root, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = _device(root)

    for token in ("", "abc", _wrong(device)):
        with pytest.raises(ApplicationError) as refused:
            totp_device_reset(device=device, performed_by=root, actor=_actor(root), token=token, reason="new phone")
        assert refused.value.code == "invalid_token"
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="accounts.totp_device_reset").exists()

    totp_device_reset(device=device, performed_by=root, actor=_actor(root), token=token_for(device), reason="new phone")

    assert not TOTPDevice.objects.filter(user=root).exists()
    assert AuditEvent.objects.filter(action="accounts.totp_device_reset", target_id=str(root.pk)).count() == 1
    assert _mfa_events(root)[-1] == "deleted"


@pytest.mark.parametrize("role", [StaffRole.OPS, StaffRole.SUPPORT, StaffRole.COMPLIANCE_OFFICER])
def test_staff_without_the_permission_reset_no_one_elses_device(staff_user, role):
    target = staff_user(StaffRole.SECURITY_ANALYST, username="target")
    device = _device(target)
    other = staff_user(role, username=f"other-{role}")

    with pytest.raises(PermissionDeniedError):
        totp_device_reset(device=device, performed_by=other, actor=_actor(other), reason="because")

    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(action="accounts.totp_device_reset").exists()


def test_a_second_user_resets_with_a_reason_and_without_the_code(root, staff_user):
    target = staff_user(StaffRole.SECURITY_ANALYST, username="target")
    device = _device(target)

    with pytest.raises(ApplicationError):
        totp_device_reset(device=device, performed_by=root, actor=_actor(root), reason="  ")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()

    totp_device_reset(device=device, performed_by=root, actor=_actor(root), reason="lost phone")

    assert not TOTPDevice.objects.filter(user=target).exists()


def test_enrolment_cannot_add_a_device_beside_a_confirmed_one(root):
    existing = _device(root)
    pending = TOTPDevice.objects.create(user=root, name="second", confirmed=False)

    with pytest.raises(ApplicationError) as refused:
        totp_device_enrol_confirm(device=pending, token=token_for(pending), actor=_actor(root))

    assert refused.value.code == "already_enrolled"
    assert list(TOTPDevice.objects.filter(user=root, confirmed=True).values_list("pk", flat=True)) == [existing.pk]
    with pytest.raises(ApplicationError):
        totp_device_enrol_start(user=root)
