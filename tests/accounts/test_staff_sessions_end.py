"""Ending a staff user's sessions (incident response): signed out everywhere, second factor enrolled anew."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.accounts.services import staff_sessions_end
from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db
LOGIN, ENROL = reverse("portal:login"), reverse("portal:login_enrol")
DASHBOARD = reverse("portal:dashboard")


def test_the_user_is_signed_out_everywhere_and_must_enrol_a_new_second_factor(staff_user, actor):
    user = staff_user(StaffRole.SECURITY_ANALYST, username="victim")
    other = staff_user(StaffRole.SECURITY_ANALYST, username="bystander")
    laptop, phone, bystander = verified_client(user), verified_client(user), verified_client(other)
    assert laptop.get(DASHBOARD).status_code == 200

    outcome = staff_sessions_end(user=user, actor=actor, reason="INC-3: account takeover")

    assert outcome == {"sessions_ended": 2, "devices_removed": 1}
    assert laptop.get(DASHBOARD).status_code == 302
    assert phone.get(DASHBOARD).status_code == 302
    assert bystander.get(DASHBOARD).status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()
    signin = Client().post(LOGIN, {"username": "victim", "password": "correct-horse-battery-staple"})
    assert signin["Location"] == ENROL
    assert AuditEvent.objects.filter(action="accounts.staff_sessions_ended", target_id=str(user.pk)).count() == 1
    assert AuditEvent.objects.filter(action="accounts.totp_device_reset", target_id=str(user.pk)).count() == 1


def test_ending_twice_finds_nothing_left_and_records_nothing_more(staff_user, actor):
    user = staff_user(StaffRole.OPS, username="twice")
    verified_client(user)
    staff_sessions_end(user=user, actor=actor, reason="r")

    assert staff_sessions_end(user=user, actor=actor, reason="r") == {"sessions_ended": 0, "devices_removed": 0}
    assert (
        AuditEvent.objects.filter(
            target_id=str(user.pk), action__in=["accounts.staff_sessions_ended", "accounts.totp_device_reset"]
        ).count()
        == 2
    )
    assert Session.objects.count() == 0


def test_a_reason_is_required_and_nothing_changes_without_one(staff_user, actor):
    user = staff_user(StaffRole.OPS, username="kept")
    verified_client(user)
    with pytest.raises(ApplicationError):
        staff_sessions_end(user=user, actor=actor, reason="")
    assert Session.objects.count() == 1
    assert TOTPDevice.objects.filter(user=user).count() == 1
