"""Bulk-load help for the seed (PostgreSQL): foreign keys checked once, by one join each, after the load.

The PostgreSQL manual's "Populating a Database" recipe: a foreign key checks each inserted row with a
trigger call (about 5 µs each; a million bets with their legs and ledger entries make 7.6 million),
while adding the constraint back checks every row in one anti-join. The constraints are dropped and
added back, with their own names and definitions, inside the caller's transaction, so no other
session ever sees the tables without them, and an error rolls the drop back. Other sessions wait for
the tables (ACCESS EXCLUSIVE) until that transaction ends: fine for seeding a development database.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models


@contextmanager
def foreign_keys_checked_once(*tables: type[models.Model]) -> Iterator[None]:
    """Drop the foreign keys of `tables` for the block, then add them back (each checked in one query)."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("foreign_keys_checked_once must run inside transaction.atomic()")
    connection.check_constraints()  # fire deferred checks already pending: a table with some cannot be altered
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid::regclass::text, conname",
            [[connection.ops.quote_name(table._meta.db_table) for table in tables]],
        )
        keys = cursor.fetchall()
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    connection.check_constraints()
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
