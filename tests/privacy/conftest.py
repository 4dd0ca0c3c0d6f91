"""Fixtures of the data-subject request tests: a platform key with the privacy scopes, exports in a
temporary folder, and a person with rows in every declared model (tests/privacy/dsr_fixtures.py)."""

import pytest

from tests.privacy.dsr_fixtures import PRIVACY_SCOPES, build_person, use_export_dir


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
