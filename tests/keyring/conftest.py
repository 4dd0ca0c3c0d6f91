"""Fixtures of the keyring tests: the configured keys around every test, and a member with encrypted data."""

import pytest

from apps.accounts.services import member_create
from apps.core.actors import Actor
from apps.keyring.master import reset_master_key
from apps.keyring.restricted import reset_restricted_keys
from apps.keyring.ring import key_ring
from tests.keyring.helpers import PERSON


def _reset() -> None:
    reset_master_key()
    reset_restricted_keys()
    key_ring.clear()


@pytest.fixture(autouse=True)
def fresh_keyring():
    """Every test starts and ends with the configured keys (tests here switch keys on purpose)."""
    _reset()
    yield
    _reset()


@pytest.fixture
def member(db, tenant):
    return member_create(
        actor=Actor.system("test"),
        tenant=tenant,
        discord_user_id="300000000000000001",
        username="ada",
        display_name="Ada",
        country="GB",
        **PERSON,
    )
