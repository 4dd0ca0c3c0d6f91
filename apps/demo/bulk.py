"""Bulk-load help for the seed (PostgreSQL): foreign keys and secondary indexes built once, after the load.

The PostgreSQL manual's "Populating a Database" recipe. A foreign key checks each inserted row with a
trigger call (about 5 µs each; a million bets with their legs and ledger entries make 7.6 million),
while adding the constraint back checks every row in one anti-join; an index takes an insertion per
row version (a bet is written twice: by COPY, then settled by grading), while creating it afterwards
sorts the final rows once. Primary keys and unique indexes stay: they keep rejecting duplicates during
the load, and grading's statements use them.

The foreign keys and indexes are dropped and created again, with their own names and definitions,
inside the caller's transaction: no other session ever sees the tables without them, and an error
rolls the drop back. Other sessions wait for the tables (ACCESS EXCLUSIVE) until that transaction
ends: fine for seeding a development database.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, models

_FOREIGN_KEYS = (
    "SELECT format('ALTER TABLE %%s DROP CONSTRAINT %%I', conrelid::regclass, conname), "
    "format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', conrelid::regclass, conname, pg_get_constraintdef(oid)) "
    "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid, conname"
)
_SECONDARY_INDEXES = (  # neither a primary key nor unique nor a constraint's
    "SELECT format('DROP INDEX %%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid"
)


@contextmanager
def bulk_load(*tables: type[models.Model]) -> Iterator[None]:
    """For the block, drop the foreign keys and secondary indexes of `tables`; then create them again."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load must run inside transaction.atomic()")
    connection.check_constraints()  # fire deferred checks already pending: a table with some cannot be altered
    names = [[connection.ops.quote_name(table._meta.db_table) for table in tables]]
    with connection.cursor() as cursor:
        cursor.execute(_FOREIGN_KEYS, names)
        foreign_keys = cursor.fetchall()
        cursor.execute(_SECONDARY_INDEXES, names)
        indexes = cursor.fetchall()
        for drop, _ in (*foreign_keys, *indexes):
            cursor.execute(drop)
    yield
    connection.check_constraints()
    with connection.cursor() as cursor:
        for _, create in (*indexes, *foreign_keys):
            cursor.execute(create)
