"""Fixtures of the data-subject request tests: a platform key with the privacy scopes, exports in a
temporary folder, a person with rows in every declared model (tests/privacy/dsr_fixtures.py), and the
compliance officers who verify and (someone else, four eyes) complete requests."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from tests.portal.conftest import verified_client
from tests.privacy.dsr_fixtures import PRIVACY_SCOPES, Desk, build_person, staff_actor, use_export_dir


@pytest.fixture
def export_dir(settings, tmp_path):
    return use_export_dir(settings, tmp_path)


@pytest.fixture
def privacy_key(make_key):
    return make_key(PRIVACY_SCOPES)


@pytest.fixture
def privacy_client(privacy_key, client_with_key):
    return client_with_key(privacy_key[1])


@pytest.fixture
def person(tenant, actor, export_dir):
    return build_person(tenant=tenant, actor=actor)


@pytest.fixture
def officers(staff_user):
    """Three compliance officers (ann, ben, cat): who files, who verifies, who completes."""
    return [staff_user(StaffRole.COMPLIANCE_OFFICER, username=name) for name in ("ann", "ben", "cat")]


@pytest.fixture
def verifier(officers):
    return staff_actor(officers[0])


@pytest.fixture
def completer(officers):
    return staff_actor(officers[1])


@pytest.fixture
def desk(privacy_client, officers, verifier, completer, export_dir):
    """The key files, ann verifies, ben completes, cat downloads from the portal (second factor verified)."""
    TOTPDevice.objects.create(user=officers[2], name="portal", confirmed=True)
    return Desk(client=privacy_client, verifier=verifier, completer=completer, portal=verified_client(officers[2]))
