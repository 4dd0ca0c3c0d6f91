"""Helpers of the keyring tests: a person's encrypted data, and what the database holds, bypassing the field."""

import datetime

from django.db import connection

# an address from the documentation range, never seen elsewhere in a dump
PERSON = {
    "email": "Ada.Lovelace@example.org",
    "date_of_birth": datetime.date(1961, 7, 23),
    "notes": "asked to self-exclude after losing 40 units",
}


def raw(table: str, column: str, pk) -> str | None:
    """What the database holds, bypassing the field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test helper
        return cursor.fetchone()[0]


def set_raw(table: str, column: str, pk, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608
