"""Fixtures of the BI report tests: a media root per test, portal users of each role with a verified second
factor. The SMTP server is tests/fixtures/mail.py's `smtp_server`; the betting world is tests/analytics/world.py."""

import pytest

from apps.accounts.choices import StaffRole
from tests.second_factor import verified_client


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def officer(staff_user):
    return staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer", email="officer@dbsbm.test")


@pytest.fixture
def analyst(staff_user):
    return staff_user(StaffRole.SECURITY_ANALYST, username="analyst", email="analyst@dbsbm.test")


@pytest.fixture
def officer_client(officer):
    return verified_client(officer)


@pytest.fixture
def analyst_client(analyst):
    return verified_client(analyst)
