"""Signing in to /portal/: password, then a TOTP code; enrolment for a role without a device; lockout."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from tests.factories import PASSWORD
from tests.second_factor import token_for, verified_client

pytestmark = pytest.mark.django_db

LOGIN, VERIFY, ENROL = reverse("portal:login"), reverse("portal:login_verify"), reverse("portal:login_enrol")
DASHBOARD = reverse("portal:dashboard")


def _password_step(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR="192.0.2.10")


def test_anonymous_visitors_are_sent_to_the_login_page_with_next():
    response = Client().get(reverse("portal:frameworks"))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fportal%2Fframeworks%2F"


def test_password_then_token_signs_in_and_returns_to_next(portal_user):
    user = portal_user(StaffRole.COMPLIANCE_OFFICER, username="olivia")
    device = TOTPDevice.objects.get(user=user)
    client = Client()

    step1 = _password_step(client, "olivia", next="/portal/frameworks/")
    assert step1.status_code == 302 and step1["Location"] == VERIFY
    assert client.get(DASHBOARD).status_code == 302  # the password alone signs nobody in

    step2 = client.post(VERIFY, {"token": token_for(device)}, REMOTE_ADDR="192.0.2.10")

    assert step2.status_code == 302 and step2["Location"] == "/portal/frameworks/"
    assert client.get(DASHBOARD).status_code == 200


def test_a_wrong_token_is_refused_and_counted_by_axes(portal_user):
    user = portal_user(StaffRole.SECURITY_ANALYST, username="sam")
    device = TOTPDevice.objects.get(user=user)
    client = Client()
    _password_step(client, "sam")
    wrong = f"{(int(token_for(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"token": wrong}, REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 400
    assert b"does not match" in response.content
    assert client.get(DASHBOARD).status_code == 302
    assert AccessAttempt.objects.get(username="sam").failures_since_start == 1


def test_repeated_wrong_passwords_lock_the_portal_login_out(portal_user):
    portal_user(StaffRole.COMPLIANCE_OFFICER, username="lara")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _password_step(client, "lara", password="wrong password!")

    locked = _password_step(client, "lara")  # even the right password now

    assert locked.status_code in (403, 429)
    assert locked.get("Location") != VERIFY


def test_a_role_without_portal_access_is_refused_at_the_password_step(staff_user):
    staff_user(StaffRole.OPS, username="opsie")

    response = _password_step(Client(), "opsie")

    assert response.status_code == 400
    assert b"no portal role" in response.content


def test_a_user_without_a_device_enrols_once_and_is_signed_in(portal_user):
    user = portal_user(StaffRole.COMPLIANCE_OFFICER, username="newbie", device=False)
    client = Client()

    assert _password_step(client, "newbie")["Location"] == ENROL
    page = client.get(ENROL)
    assert page.status_code == 200 and b"otpauth://totp/" in page.content and b"<svg" in page.content
    first = TOTPDevice.objects.get(user=user, confirmed=False)
    client.get(ENROL)  # a reload shows a new secret; the one shown before is gone
    assert not TOTPDevice.objects.filter(pk=first.pk).exists()
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    response = client.post(ENROL, {"token": token_for(device)})

    assert response.status_code == 302 and response["Location"] == DASHBOARD
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="accounts.totp_enrolled", target_id=str(user.pk)).exists()
    assert client.get(DASHBOARD).status_code == 200


def test_enrolment_refuses_a_wrong_code(portal_user):
    user = portal_user(StaffRole.SECURITY_ANALYST, username="wrongcode", device=False)
    client = Client()
    _password_step(client, "wrongcode")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)

    response = client.post(ENROL, {"token": f"{(int(token_for(device)) + 1) % 1_000_000:06d}"})

    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed


def test_a_session_without_the_second_factor_cannot_open_the_portal(portal_user):
    user = portal_user(StaffRole.COMPLIANCE_OFFICER, username="halfway")
    client = Client()
    client.force_login(user)  # e.g. signed in to the admin with a password only

    assert client.get(DASHBOARD).status_code == 302


def test_the_token_step_expires(portal_user, settings):
    settings.PORTAL_LOGIN_PENDING_SECONDS = -1
    user = portal_user(StaffRole.COMPLIANCE_OFFICER, username="slowpoke")
    client = Client()
    _password_step(client, "slowpoke")

    response = client.post(VERIFY, {"token": token_for(TOTPDevice.objects.get(user=user))})

    assert response.status_code == 302 and response["Location"] == LOGIN


def test_sign_out(officer):
    client = verified_client(officer)

    response = client.post(reverse("portal:logout"))

    assert response.status_code == 302
    assert client.get(DASHBOARD).status_code == 302


def test_sessions_expire_when_idle():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
