"""Master key rotation: re-wrap every data key under a new master key, recompute every blind index.

The master key never encrypts a value itself: it wraps the data keys (keyring.DataKey) and the sealed
secrets of other apps (keyring.SealedSecret: the audit chain's key), and keys the blind indexes (HMAC).
So a new master key means re-wrapping each data key and sealed secret, a handful of rows, and
recomputing each blind index from its decrypted source (member emails, security-event addresses,
pseudonym values). Both happen in one transaction: a rotation that fails or is killed changes
nothing, and the database never holds data keys wrapped by two master keys.

Every process reads the master key once; after a rotation each one must be restarted with the new
key (until then, lookups by blind index in old processes miss, and a reload of their key ring is
refused with a fingerprint mismatch rather than misread). The command says so.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.actors import Actor
from apps.keyring.errors import KeyringError
from apps.keyring.fields import BlindIndexField, SealedValue, Undecryptable
from apps.keyring.master import MasterKey, master_key, master_key_from_text
from apps.keyring.models import DataKey
from apps.keyring.ring import _unwrap, key_ring, wrap_data_key
from apps.keyring.sealed_secrets import sealed_secrets_rewrap
from apps.keyring.signals import master_key_rotated

Progress = Callable[[str], None]


@dataclass
class MasterRotationResult:
    old_fingerprint: str
    new_fingerprint: str
    data_keys: int = 0
    sealed_secrets: int = 0
    reindexed: dict[str, int] = field(default_factory=dict)


def blind_index_fields() -> list[BlindIndexField]:
    found = [
        model_field
        for model in apps.get_models()
        for model_field in model._meta.concrete_fields
        if isinstance(model_field, BlindIndexField)
    ]
    return sorted(found, key=lambda index: (index.model._meta.label, index.name))


def _reindex(index: BlindIndexField, new: MasterKey, batch_size: int) -> int:
    """Recompute one blind index for every row, pk-ordered in batches (one UPDATE per batch)."""
    model = index.model
    source = model._meta.get_field(index.source)
    written, after = 0, None
    while True:
        rows = model._base_manager.order_by("pk").values_list("pk", source.attname)
        rows = list((rows.filter(pk__gt=after) if after is not None else rows)[:batch_size])
        if not rows:
            return written
        changed = []
        for row_pk, value in rows:
            if isinstance(value, Undecryptable | SealedValue):  # its new index cannot be computed
                raise KeyringError(
                    _("%(label)s.%(source)s row %(row_pk)s cannot be read (%(value)s); nothing was rotated.")
                    % {"label": model._meta.label, "source": index.source, "row_pk": row_pk, "value": value}
                )
            row = model(pk=row_pk)
            setattr(row, index.attname, index.index_of(value, master=new))
            changed.append(row)
        model._base_manager.bulk_update(changed, [index.name])
        written += len(changed)
        after = rows[-1][0]


def master_key_rotate(
    *, new_key_text: str, actor: Actor, batch_size: int = 1000, progress: Progress | None = None
) -> MasterRotationResult:
    """Move the key ring from the configured master key to `new_key_text`, all or nothing."""
    old = master_key()
    new = master_key_from_text(new_key_text, source="the new master key")
    if new.fingerprint == old.fingerprint:
        raise KeyringError(_("The new master key is the one in use; generate another one."))
    result = MasterRotationResult(old_fingerprint=old.fingerprint, new_fingerprint=new.fingerprint)
    with transaction.atomic():
        # indexes first: their sources are decrypted while every data key is still wrapped by the old
        # master key (a key ring reload in between then still works)
        for index in blind_index_fields():
            label = f"{index.model._meta.label}.{index.name}"
            result.reindexed[label] = _reindex(index, new, batch_size)
            if progress:
                progress(f"{label}: {result.reindexed[label]} blind indexes recomputed")
        for data_key in DataKey.objects.select_for_update().order_by("version"):
            plain = _unwrap(old, data_key.version, data_key.wrapped_key, data_key.master_key_fingerprint)
            data_key.wrapped_key = wrap_data_key(new, data_key.version, plain)
            data_key.master_key_fingerprint = new.fingerprint
            data_key.save(update_fields=["wrapped_key", "master_key_fingerprint"])
            result.data_keys += 1
        if progress:
            progress(f"re-wrapped {result.data_keys} data keys under the new master key")
        # secrets that must outlive the master key (the audit chain's key): same secret, new wrapping
        result.sealed_secrets = sealed_secrets_rewrap(old=old, new=new)
        if progress:
            progress(f"re-wrapped {result.sealed_secrets} sealed secrets under the new master key")
        master_key_rotated.send(
            sender=DataKey,
            old_fingerprint=old.fingerprint,
            new_fingerprint=new.fingerprint,
            data_keys=result.data_keys,
            reindexed=dict(result.reindexed),
            actor=actor,
        )
    key_ring.clear()
    return result
