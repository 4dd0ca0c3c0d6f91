"""/admin/ takes the same second factor as /portal/: a password alone reaches no admin page, enrolment
(QR code and key on the page) for staff without a device, then a TOTP code on every sign-in."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.privacy.choices import RequestKind
from apps.privacy.models import Pseudonym
from apps.privacy.services import pseudonymize
from apps.privacy.services.requests import request_receive
from apps.security.models import SecurityEvent
from tests.factories import MemberFactory
from tests.second_factor import token_for, verified_client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
MEMBER_NAME = "secret-member-name"


@pytest.fixture
def personal_rows(tenant):
    """A member, a pseudonym, a data-subject request, audit and security events: one of each to look for."""
    member = MemberFactory(tenant=tenant, username=MEMBER_NAME, discord_user_id="612345678901234567")
    token = pseudonymize("612345678901234567", purpose="exports")
    dsr = request_receive(actor=Actor.system("test"), member=member, kind=RequestKind.ACCESS)
    return {
        "accounts_member": member.pk,
        "privacy_pseudonym": Pseudonym.objects.get(token=token).pk,
        "privacy_datasubjectrequest": dsr.pk,
        "audit_auditevent": AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first(),
        "security_securityevent": SecurityEvent.objects.order_by("-pk").values_list("pk", flat=True).first(),
    }


def _password_only(user) -> Client:
    client = Client()
    client.force_login(user)  # a session as a password login made it before this fix
    return client


def _admin_pages(rows: dict) -> list[str]:
    changelists = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in sorted(admin.site._registry, key=lambda model: model._meta.label)
    ]
    changes = [reverse(f"admin:{label}_change", args=[pk]) for label, pk in rows.items()]
    custom = [reverse("admin-cache-stats"), reverse("admin-privacy-data-map"), INDEX]
    return [*changelists, *changes, *custom]


@pytest.mark.parametrize("role", [StaffRole.SUPERUSER, StaffRole.COMPLIANCE_OFFICER, StaffRole.SUPPORT])
def test_a_password_only_session_reads_no_admin_page(staff_user, personal_rows, role):
    user = staff_user(role, username=f"halfway-{role}")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)  # owns a device, but did not use it
    client = _password_only(user)

    for url in _admin_pages(personal_rows):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next="), url
        assert MEMBER_NAME.encode() not in response.content


def test_a_verified_session_reads_the_admin(staff_user, personal_rows):
    client = verified_client(staff_user(StaffRole.SUPERUSER, username="root"))

    member = client.get(reverse("admin:accounts_member_change", args=[personal_rows["accounts_member"]]))

    assert member.status_code == 200 and MEMBER_NAME.encode() in member.content
    assert client.get(reverse("admin-cache-stats")).status_code == 200
    assert client.get(reverse("admin-privacy-data-map")).status_code == 200


def _password_step(client: Client, username: str, password: str = PASSWORD, next_url: str = INDEX):
    return client.post(
        f"{LOGIN}?next={next_url}",
        {"username": username, "password": password, "next": next_url},
        REMOTE_ADDR="192.0.2.20",
    )


def test_staff_without_a_device_enrol_after_the_password_then_get_in(staff_user):
    user = staff_user(StaffRole.OPS, username="opsie")
    user.set_password(PASSWORD)
    user.save()
    client = Client()

    step1 = _password_step(client, "opsie")
    assert step1.status_code == 302 and step1["Location"] == reverse("admin:login_enrol")
    assert client.get(INDEX).status_code == 302  # the password alone signs nobody in
    page = client.get(reverse("admin:login_enrol"))
    assert page.status_code == 200
    assert b"<svg" in page.content and b"otpauth://totp/" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.config_url.split("secret=", 1)[1].split("&", 1)[0].encode() in page.content

    step2 = client.post(reverse("admin:login_enrol"), {"token": token_for(device)}, REMOTE_ADDR="192.0.2.20")

    assert step2.status_code == 302 and step2["Location"] == INDEX
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="accounts.totp_enrolled", target_id=str(user.pk)).count() == 1
    assert client.get(INDEX).status_code == 200


def test_staff_with_a_device_give_a_code_after_the_password(staff_user, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the right code may follow the wrong one at once
    user = staff_user(StaffRole.SUPERUSER, username="rooty")
    user.set_password(PASSWORD)
    user.save()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    target = reverse("admin:accounts_member_changelist")

    step1 = _password_step(client, "rooty", next_url=target)
    assert step1.status_code == 302 and step1["Location"] == reverse("admin:login_verify")
    wrong = f"{(int(token_for(device)) + 1) % 1_000_000:06d}"
    refused = client.post(reverse("admin:login_verify"), {"token": wrong}, REMOTE_ADDR="192.0.2.20")
    assert refused.status_code == 400 and b"does not match" in refused.content
    assert client.get(INDEX).status_code == 302
    assert AccessAttempt.objects.get(username="rooty").failures_since_start == 1

    step2 = client.post(reverse("admin:login_verify"), {"token": token_for(device)}, REMOTE_ADDR="192.0.2.20")

    assert step2.status_code == 302 and step2["Location"] == target
    assert client.get(target).status_code == 200


def test_a_wrong_password_goes_no_further(staff_user):
    user = staff_user(StaffRole.SUPERUSER, username="guess")
    user.set_password(PASSWORD)
    user.save()
    client = Client()

    response = _password_step(client, "guess", password="not the password")

    assert response.status_code == 200 and b"correct username and password" in response.content
    assert client.get(reverse("admin:login_verify")).status_code == 302
    assert client.get(reverse("admin:login_enrol")).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
