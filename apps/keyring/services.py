"""State changes of the key ring: creating data keys, re-encrypting rows, retiring unused keys."""

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.actors import Actor
from apps.keyring import crypto
from apps.keyring.choices import DataKeyStatus
from apps.keyring.errors import CorruptedCiphertext, DecryptionError
from apps.keyring.fields import encrypted_fields
from apps.keyring.master import master_key
from apps.keyring.models import DataKey
from apps.keyring.ring import key_ring, wrap_data_key
from apps.keyring.sealed_secrets import sealed_secret_create, sealed_secret_get  # noqa: F401 (other apps' way in)
from apps.keyring.selectors import key_ring_status
from apps.keyring.signals import data_key_created, keys_rotated

logger = logging.getLogger(__name__)

_CREATE_LOCK_KEY = 0x0DB5B4E7
# Set (SET LOCAL) in each re-encryption batch: the audit trail's append-only trigger lets an UPDATE
# through only then, and only when nothing but ciphertext columns changed.
ROTATION_SETTING = "dbsbm.key_rotation"

Progress = Callable[[str], None]


def _lock_key_creation() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATE_LOCK_KEY])


def data_key_create(*, actor: Actor, send_signal: bool = True, durable: bool = True) -> DataKey:
    """Create the next data key version and make it the active one; the previous one starts retiring.

    Durable (its own transaction, never nested) by default: a key created inside a transaction that
    later rolls back could still sit in a process's key ring cache and encrypt values no one can read.
    Only migrations (one process, which stops if the migration fails) pass durable=False.
    """
    with transaction.atomic(durable=durable):
        _lock_key_creation()
        previous = DataKey.objects.select_for_update().filter(status=DataKeyStatus.ACTIVE).first()
        version = (DataKey.objects.aggregate(highest=Max("version"))["highest"] or 0) + 1
        now = timezone.now()
        if previous is not None:
            previous.status = DataKeyStatus.RETIRING
            previous.save(update_fields=["status"])
        master = master_key()
        data_key = DataKey.objects.create(
            version=version,
            wrapped_key=wrap_data_key(master, version, crypto.new_data_key()),
            master_key_fingerprint=master.fingerprint,
            status=DataKeyStatus.ACTIVE,
            created_at=now,
            activated_at=now,
        )
        if send_signal:
            data_key_created.send(
                sender=DataKey,
                version=version,
                previous_version=previous.version if previous else None,
                actor=actor,
            )
        transaction.on_commit(key_ring.clear)
    key_ring.clear()
    return data_key


def data_key_ensure(*, actor: Actor, send_signal: bool = True, durable: bool = True) -> DataKey:
    """The active data key, created (v1) when there is none yet."""
    active = DataKey.objects.filter(status=DataKeyStatus.ACTIVE).first()
    return active or data_key_create(actor=actor, send_signal=send_signal, durable=durable)


def rotation_is_due(*, now=None) -> bool:
    active = DataKey.objects.filter(status=DataKeyStatus.ACTIVE).first()
    if active is None:
        return True
    started = active.activated_at or active.created_at
    return ((now or timezone.now()) - started).days >= settings.DBSBM_KEY_ROTATION_DAYS


@dataclass
class RotationResult:
    active_version: int
    created_version: int | None = None
    reencrypted: int = 0
    failed: list[str] = field(default_factory=list)
    retired_versions: list[int] = field(default_factory=list)
    still_in_use: dict[int, int] = field(default_factory=dict)


def _quoted(field: models.Field) -> tuple[str, str, str]:
    quote = connection.ops.quote_name
    return quote(field.model._meta.db_table), quote(field.model._meta.pk.column), quote(field.column)


def _pending_batch(field: models.Field, *, active: int, after_pk, limit: int) -> list[tuple]:
    table, pk, column = _quoted(field)
    sql = (
        f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s AND {column} IS NOT NULL AND {column} <> '' "  # noqa: S608 - quoted identifiers, values as parameters
        f"AND {column} NOT LIKE %s ORDER BY {pk} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [after_pk, f"v{active}:%", limit])
        return cursor.fetchall()


def _write_batch(field: models.Field, rows: list[tuple]) -> int:
    """Swap each row's ciphertext, only where it still holds the value read (a concurrent write wins)."""
    table, pk, column = _quoted(field)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL {ROTATION_SETTING} = 'on'")
            values = ", ".join(["(%s, %s::text, %s::text)"] * len(rows))
            cursor.execute(
                f"UPDATE {table} AS target SET {column} = data.new FROM (VALUES {values}) AS data(id, old, new) "  # noqa: S608 - quoted identifiers, values as parameters
                f"WHERE target.{pk} = data.id AND target.{column} = data.old",
                [value for row in rows for value in row],
            )
            changed = cursor.rowcount
            # off again at once: inside a caller's transaction, SET LOCAL would outlive this batch
            cursor.execute(f"SET LOCAL {ROTATION_SETTING} = 'off'")
            return changed
        changed = 0
        for row_pk, old, new in rows:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s", [new, row_pk, old])  # noqa: S608 - quoted identifiers, values as parameters
            changed += cursor.rowcount
        return changed


def field_reencrypt(
    *, field: models.Field, batch_size: int, result: RotationResult, progress: Progress | None = None
) -> None:
    """Move every row of one encrypted field onto the active key, in pk-ordered batches.

    Resumable by construction: it selects the rows whose ciphertext names another version, so a run
    that was killed simply finds fewer rows next time. A row that does not decrypt is left as it is,
    reported, and keeps its key from being retired.
    """
    label = f"{field.model._meta.label}.{field.name}"
    after_pk = 0 if field.model._meta.pk.get_internal_type() != "CharField" else ""
    while True:
        active = key_ring.active_version()
        rows = _pending_batch(field, active=active, after_pk=after_pk, limit=batch_size)
        if not rows:
            return
        after_pk = rows[-1][0]
        updates = []
        for row_pk, ciphertext in rows:
            try:
                plaintext = field.decrypt_text(ciphertext)
            except DecryptionError as error:
                result.failed.append(f"{label} row {row_pk}: {error.message}")
                continue
            updates.append((row_pk, ciphertext, field.encrypt_text(plaintext)))
        if updates:
            with transaction.atomic():
                result.reencrypted += _write_batch(field, updates)
        if progress:
            progress(f"{label}: {result.reencrypted} rows re-encrypted so far (up to row {after_pk})")


def data_keys_retire_unused(*, result: RotationResult) -> None:
    """Retire every non-active key no row uses any more; keys still in use stay retiring.

    Values per version are counted once, in one query (only the active key encrypts new values, so a
    retiring key's count can only fall meanwhile)."""
    retiring = list(DataKey.objects.filter(status=DataKeyStatus.RETIRING).order_by("version"))
    values_per_version = key_ring_status().rows_per_version if retiring else {}
    for data_key in retiring:
        in_use = values_per_version.get(data_key.version, 0)
        if in_use:
            result.still_in_use[data_key.version] = in_use
            continue
        with transaction.atomic():
            changed = DataKey.objects.filter(pk=data_key.pk, status=DataKeyStatus.RETIRING).update(
                status=DataKeyStatus.RETIRED, retired_at=timezone.now()
            )
        if changed:
            result.retired_versions.append(data_key.version)


def keys_rotate(
    *,
    actor: Actor,
    new_key: bool = False,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> RotationResult:
    """Create a new key when asked or when the active one is older than the rotation period, move every
    row onto the active key, then retire keys no row uses. Safe to run again at any point."""
    batch_size = batch_size or settings.DBSBM_KEY_ROTATION_BATCH_SIZE
    created = None
    if new_key or rotation_is_due():
        created = data_key_create(actor=actor).version
        if progress:
            progress(f"created data key v{created}; it is now the active key")
    key_ring.clear()
    result = RotationResult(active_version=key_ring.active_version(), created_version=created)
    for encrypted in encrypted_fields(include_hybrid=False):
        field_reencrypt(field=encrypted, batch_size=batch_size, result=result, progress=progress)
    data_keys_retire_unused(result=result)
    for failure in result.failed:
        logger.error("key rotation could not re-encrypt %s", failure)
    keys_rotated.send(
        sender=DataKey,
        active_version=result.active_version,
        reencrypted=result.reencrypted,
        failed=list(result.failed),
        retired_versions=list(result.retired_versions),
        actor=actor,
    )
    return result


def plaintext_column_encrypt(*, model: type[models.Model], field_name: str, batch_size: int = 1000) -> int:
    """Encrypt the values a column held before it became an encrypted field (schema migrations of
    existing databases): every non-empty value without a version prefix. Blind indexes whose source
    is this field are filled in the same UPDATE. Returns how many rows were encrypted."""
    field = model._meta.get_field(field_name)
    indexes = [other for other in model._meta.concrete_fields if getattr(other, "source", None) == field_name]
    table, pk, column = _quoted(field)
    quote = connection.ops.quote_name
    done, after_pk = 0, 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s AND {column} IS NOT NULL AND {column} <> '' "  # noqa: S608 - quoted identifiers, values as parameters
                f"AND {column} !~ '^v[0-9]+:' ORDER BY {pk} LIMIT %s"
                if connection.vendor == "postgresql"
                else f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s AND {column} IS NOT NULL "  # noqa: S608 - quoted identifiers, values as parameters
                f"AND {column} <> '' AND {column} NOT LIKE 'v%%:%%' ORDER BY {pk} LIMIT %s",
                [after_pk, batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return done
        if done == 0:
            data_key_ensure(actor=Actor.system("migration"), send_signal=False, durable=False)
        after_pk = rows[-1][0]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL {ROTATION_SETTING} = 'on'")
            for row_pk, plaintext in rows:
                value = field.to_python(plaintext)
                assignments = [f"{column} = %s"] + [f"{quote(index.column)} = %s" for index in indexes]
                cursor.execute(
                    f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk} = %s",  # noqa: S608 - quoted identifiers, values as parameters
                    [field.get_prep_value(value), *(index.index_of(value) for index in indexes), row_pk],
                )
                done += 1


# ---- files: envelope encryption with a key per file ----------------------------------------------------------
# A file (an export zip) is sealed under a fresh random key; that key is kept, as base64 text, in an
# EncryptedTextField of the row describing the file. The data key ring thus protects the file through
# its row: rotation re-encrypts the row's field, never the file, and a data key is retired only once
# no row's file key uses it.


def file_seal(content: bytes, *, context: str) -> tuple[bytes, str]:
    """(sealed bytes to store, the file key as text for an EncryptedTextField); `context` binds the
    bytes to what they are (a file moved under another row's name does not open)."""
    key = crypto.new_data_key()
    return crypto.seal(key, content, context.encode()), base64.b64encode(key).decode()


def file_open(sealed: bytes, *, file_key: str, context: str) -> bytes:
    """The content of a sealed file; CorruptedCiphertext when it was altered, truncated or moved."""
    try:
        return crypto.open_sealed(base64.b64decode(file_key), sealed, context.encode())
    except (crypto.InvalidTag, crypto.CiphertextFormatError, ValueError):
        raise CorruptedCiphertext(
            _("the file of %(context)s does not authenticate under its key (altered, truncated or moved)")
            % {"context": context},
            reason="authentication failed",
        ) from None
