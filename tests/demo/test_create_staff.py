"""`manage.py create_staff --role ...`: one account per role with the role's group and flags, a password that
signs in, and the second factor still required (enrolment at first sign-in, or enrolled by --totp)."""

import re
from base64 import b32decode
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from apps.accounts.models import User
from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.audit.models import AuditEvent
from tests.second_factor import token_for

pytestmark = pytest.mark.django_db

LOGIN, VERIFY, ENROL = reverse("portal:login"), reverse("portal:login_verify"), reverse("portal:login_enrol")
DASHBOARD = reverse("portal:dashboard")


def _create(*args: str) -> str:
    output = StringIO()
    call_command("create_staff", *args, stdout=output)
    return output.getvalue()


def _password(output: str) -> str:
    return re.search(r"^Password: (\S+)", output, re.M).group(1)


@pytest.mark.parametrize("role", StaffRole.values)
def test_each_role_gets_its_group_and_flags_and_an_audited_account(role):
    output = _create("--role", role, "--username", f"new-{role}", "--email", f"{role}@example.com")

    user = User.objects.get(username=f"new-{role}")
    assert user.is_staff and user.is_active and user.email == f"{role}@example.com"
    assert user.is_superuser == (role == StaffRole.SUPERUSER)
    expected_groups = {ROLE_GROUP_NAMES[role]} if role in ROLE_GROUP_NAMES else set()
    assert set(user.groups.values_list("name", flat=True)) == expected_groups
    if role in ROLE_GROUP_NAMES:  # the group carries the role's permissions
        assert Group.objects.get(name=ROLE_GROUP_NAMES[role]).permissions.exists()
    assert user.check_password(_password(output))
    assert StaffRole(role).label in output  # the role as words
    assert not TOTPDevice.objects.filter(user=user).exists()  # enrols at first sign-in
    assert AuditEvent.objects.filter(action="accounts.staff_user_created", target_id=str(user.pk)).exists()


def test_the_password_alone_does_not_sign_in_the_first_sign_in_enrols():
    output = _create("--role", "compliance_officer")
    client = Client()

    step1 = client.post(LOGIN, {"username": "compliance_officer", "password": _password(output)})

    assert step1.status_code == 302 and step1["Location"] == ENROL
    assert client.get(DASHBOARD).status_code == 302  # not signed in until an authenticator is enrolled
    client.get(ENROL)
    device = TOTPDevice.objects.get(user__username="compliance_officer", confirmed=False)
    assert client.post(ENROL, {"token": token_for(device)})["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


def test_totp_enrols_now_and_the_printed_key_gives_the_codes_the_login_asks_for():
    output = _create("--role", "security_analyst", "--username", "sec", "--totp")
    device = TOTPDevice.objects.get(user__username="sec")
    key = re.search(r"key \(base32\): (\S+)", output).group(1)
    uri = re.search(r"URI: (otpauth://\S+)", output).group(1)

    assert device.confirmed and b32decode(key) == device.bin_key and f"secret={key}" in uri
    assert AuditEvent.objects.filter(action="accounts.totp_enrolled", target_id=str(device.user_id)).exists()
    client = Client()
    step1 = client.post(LOGIN, {"username": "sec", "password": _password(output)})
    assert step1["Location"] == VERIFY  # the code is still asked for
    assert client.get(DASHBOARD).status_code == 302
    # the code of the enrolment was used (a code is accepted once): the authenticator's next one
    assert client.post(VERIFY, {"token": token_for(device, offset=1)})["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


def test_ops_and_support_are_told_they_sign_in_at_the_admin_only():
    output = _create("--role", "ops", "--password", "a long enough passphrase 42")

    assert "sign in at /admin/ (this role has no portal pages)" in output
    assert "Password: the one you gave." in output
    assert User.objects.get(username="ops").check_password("a long enough passphrase 42")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "ops", "--password", "short"], "too short"),
        (["--role", "ops", "--username", "taken"], "already exists"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_creates_nothing(args, message):
    User.objects.create_user(username="taken", password="x" * 20)
    before = User.objects.count()

    with pytest.raises(CommandError, match=message):
        _create(*args)

    assert User.objects.count() == before
    assert not TOTPDevice.objects.exists()


def test_an_unknown_role_is_refused():
    with pytest.raises(CommandError, match="invalid choice"):
        _create("--role", "janitor")
