"""Fixtures of the reports, alerts and workflows tests: a real local SMTP server (aiosmtpd), a media
root per test, officers and reviewers. Test modules import the ones they use."""

import email
import socket
from dataclasses import dataclass
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole


@dataclass
class ReceivedMail:
    mail_from: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def attachments(self) -> dict[str, bytes]:
        return {part.get_filename(): part.get_payload(decode=True) for part in self.message.iter_attachments()}


class _Collector:
    def __init__(self) -> None:
        self.mails: list[ReceivedMail] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.mails.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port, with Django's SMTP backend pointed at it; `.mails`."""
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.DEFAULT_FROM_EMAIL = "compliance@dbsbm.test"
    try:
        yield collector
    finally:
        controller.stop()


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
