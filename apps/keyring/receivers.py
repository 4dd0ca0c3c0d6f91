"""Seeding: the first data key exists as soon as the schema does (migrate, and a test flush)."""

from django.db import DEFAULT_DB_ALIAS, connections

from apps.core.actors import Actor
from apps.keyring.models import DataKey
from apps.keyring.ring import key_ring
from apps.keyring.services import data_key_ensure


def data_key_seed(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    key_ring.clear()  # a flushed database has new keys: forget the cached ones
    if DataKey._meta.db_table not in connections[using].introspection.table_names():
        return
    # not sent to the audit trail: the seed key is part of the schema (a test flush re-creates it)
    data_key_ensure(actor=Actor.system("keyring"), send_signal=False)
