"""Fixtures of the compliance tests (reports, alerts, workflows, access reviews): a media root per test,
compliance officers and portal clients. The SMTP server is tests/fixtures/mail.py's `smtp_server`."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def officer(staff_user):
    return staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer", email="officer@dbsbm.test")


@pytest.fixture
def second_officer(staff_user):
    return staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer2", email="officer2@dbsbm.test")


@pytest.fixture
def portal_client():
    """portal_client(user) -> a Client signed in as `user` with a verified TOTP second factor."""

    def _client(user) -> Client:
        device = TOTPDevice.objects.create(user=user, name="portal", confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return _client
