import datetime

import pytest
from django.db import connection

from apps.accounts.services import member_create
from apps.core.actors import Actor
from apps.keyring.master import reset_master_key
from apps.keyring.restricted import reset_restricted_keys
from apps.keyring.ring import key_ring

# an address from the documentation range, never seen elsewhere in a dump
PERSON = {
    "email": "Ada.Lovelace@example.org",
    "date_of_birth": datetime.date(1961, 7, 23),
    "notes": "asked to self-exclude after losing 40 units",
}


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


def raw(table: str, column: str, pk) -> str | None:
    """What the database holds, bypassing the field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test helper
        return cursor.fetchone()[0]


def set_raw(table: str, column: str, pk, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608
