"""Fixtures of the privacy tests. Data-subject requests: a platform key with the privacy scopes, exports in
a temporary folder, a person with rows in every declared model (tests/privacy/dsr_data.py), and the
compliance officers who verify and (someone else, four eyes) complete requests. Retention: archives in a
temporary folder and two offboarded guilds with old data of every kind (tests/privacy/retention_data.py)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.choices import StaffRole
from tests.actors import staff_actor
from tests.privacy.dsr_data import PRIVACY_SCOPES, Desk, build_person
from tests.privacy.retention_data import two_offboarded_guilds
from tests.second_factor import verified_client


@pytest.fixture
def export_dir(settings, tmp_path):
    """Exports of this test go to its own temporary directory."""
    settings.PRIVACY_EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


@pytest.fixture
def archive_dir(settings, tmp_path):
    """RETENTION_ARCHIVE_DIR is this test's own directory."""
    settings.RETENTION_ARCHIVE_DIR = tmp_path / "archives"
    return settings.RETENTION_ARCHIVE_DIR


@pytest.fixture
def two_guilds(db, actor, archive_dir):
    return two_offboarded_guilds(actor=actor)


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
