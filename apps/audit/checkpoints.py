"""Signed checkpoints of the chain head, published where the database cannot reach them: the store,
the signed document, and publishing (`audit_checkpoint_publish`, called by the sealer's beat task and
by `audit_verify`).

A checkpoint says "the chain had seal `sequence` with chain hash `chain_hash` at `published_at`",
signed with the chain's Ed25519 key (apps/audit/keys.py). It is written once and never overwritten:
a directory by default (each file created with O_EXCL, read-only), one file per checkpoint, with
the public key beside them (`audit-checkpoint-key-<key id>.pem`) so that anyone can check them
without the portal. `audit_verify` compares the chain with every checkpoint: a seal that differs or
a chain that ends before the last checkpoint is tampering the database alone cannot hide.

Only the directory store exists. `AUDIT_CHECKPOINT_STORE = "s3"` (bucket, prefix, endpoint, region
settings are read) is refused until an S3 client library is installed: none is in this project's
requirements (boto3 is not), and a write-once bucket needs Object Lock configured on the bucket.
"""

import base64
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from apps.audit.keys import ChainKeys, audit_chain_keys
from apps.audit.models import AuditSeal
from apps.audit.selectors import audit_chain_head
from apps.core.storage.digests import canonical_json

logger = logging.getLogger(__name__)

FORMAT = "dbsbm-audit-checkpoint/1"
_PREFIX, _SUFFIX = "checkpoint-", ".json"


@dataclass(frozen=True)
class Checkpoint:
    """One published, signature-checked checkpoint."""

    sequence: int
    chain_hash: str
    published_at: datetime
    name: str


class DirectoryCheckpointStore:
    """Write-once files in one directory (mode 0444, O_EXCL: an existing name is never replaced)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __str__(self) -> str:
        return f"directory {self.path}"

    def put(self, name: str, data: bytes) -> bool:
        """Write `name` once; False when it exists already (its content is left as it is)."""
        self.path.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(self.path / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            return False
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return True

    def get(self, name: str) -> bytes | None:
        try:
            return (self.path / name).read_bytes()
        except FileNotFoundError:
            return None

    def names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(entry.name for entry in os.scandir(self.path) if entry.is_file())


def checkpoint_store() -> DirectoryCheckpointStore:
    """The configured store (`AUDIT_CHECKPOINT_STORE`)."""
    kind = settings.AUDIT_CHECKPOINT_STORE
    if kind == "directory":
        return DirectoryCheckpointStore(Path(settings.AUDIT_CHECKPOINT_DIR))
    if kind == "s3":
        raise ImproperlyConfigured(
            "AUDIT_CHECKPOINT_STORE=s3 is not implemented: no S3 client library is installed. Use the "
            "directory store (AUDIT_CHECKPOINT_DIR), e.g. on a write-once mount, or sync it to a bucket "
            "with Object Lock."
        )
    raise ImproperlyConfigured(f"AUDIT_CHECKPOINT_STORE must be 'directory' or 's3', not {kind!r}.")


def checkpoint_name(sequence: int) -> str:
    return f"{_PREFIX}{sequence:012d}{_SUFFIX}"


def public_key_name(keys: ChainKeys) -> str:
    return f"audit-checkpoint-key-{keys.key_id}.pem"


def _signed_part(*, sequence: int, chain_hash: str, published_at: str, key_id: str) -> dict:
    return {
        "format": FORMAT,
        "sequence": sequence,
        "chain_hash": chain_hash,
        "published_at": published_at,
        "key_id": key_id,
    }


def _message(signed: dict) -> bytes:
    return canonical_json(signed, ascii_only=True)


def checkpoint_document(keys: ChainKeys, *, sequence: int, chain_hash: str, published_at: datetime) -> bytes:
    """The file of a checkpoint: the signed fields and the Ed25519 signature over their canonical JSON."""
    signed = _signed_part(
        sequence=sequence,
        chain_hash=chain_hash,
        published_at=published_at.astimezone(UTC).isoformat(),
        key_id=keys.key_id,
    )
    signature = base64.b64encode(keys.signing_key.sign(_message(signed))).decode()
    return json.dumps({**signed, "signature": signature}, sort_keys=True, indent=1).encode() + b"\n"


def checkpoint_parse(name: str, data: bytes, keys: ChainKeys) -> Checkpoint:
    """The checkpoint in `data` when its signature verifies under `keys`; ValueError saying why not."""
    try:
        document = json.loads(data)
        signed = _signed_part(
            sequence=int(document["sequence"]),
            chain_hash=str(document["chain_hash"]),
            published_at=str(document["published_at"]),
            key_id=str(document["key_id"]),
        )
        signature = base64.b64decode(document["signature"], validate=True)
        published_at = datetime.fromisoformat(signed["published_at"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"checkpoint {name} is unreadable ({error.__class__.__name__})") from None
    if document.get("format") != FORMAT or name != checkpoint_name(signed["sequence"]):
        raise ValueError(f"checkpoint {name} is not a checkpoint of this format or names another sequence")
    if signed["key_id"] != keys.key_id:
        raise ValueError(f"checkpoint {name} is signed by key {signed['key_id']}, not by the chain's key {keys.key_id}")
    try:
        keys.public_key.verify(signature, _message(signed))
    except InvalidSignature:
        raise ValueError(f"checkpoint {name}: its signature does not verify (forged or altered)") from None
    return Checkpoint(signed["sequence"], signed["chain_hash"], published_at, name)


def checkpoint_names(store: DirectoryCheckpointStore) -> list[str]:
    """The checkpoint files of `store`, in sequence order (their names sort by sequence)."""
    return [name for name in store.names() if name.startswith(_PREFIX) and name.endswith(_SUFFIX)]


def audit_checkpoint_publish(*, force: bool = False) -> Checkpoint | None:
    """Publish a signed checkpoint of the chain head when one is due: `AUDIT_CHECKPOINT_EVERY_SEALS`
    seals or `AUDIT_CHECKPOINT_EVERY_SECONDS` since the last one, or none published yet (`force`: as
    soon as the head moved). Callers publish only committed seals (the beat task, the commands).

    Never signs a head that contradicts the last checkpoint (a chain shorter than it, or another hash
    at its sequence): that is tampering for `audit_verify` to report, not something to paper over.
    """
    keys = audit_chain_keys()
    if keys is None:
        return None  # nothing was sealed since the chain was keyed: there is no key to sign with
    sequence, chain_hash = audit_chain_head()
    store = checkpoint_store()
    names = checkpoint_names(store)
    now = timezone.now()
    if names:
        try:
            last = checkpoint_parse(names[-1], store.get(names[-1]) or b"", keys)
        except ValueError as error:
            logger.error("audit checkpoint not published: the last one does not verify (%s)", error)
            return None
        if sequence <= last.sequence:
            if sequence < last.sequence:
                logger.error("audit checkpoint not published: the chain ends before checkpoint %s", last.sequence)
            return None
        recorded = AuditSeal.objects.filter(sequence=last.sequence).values_list("chain_hash", flat=True).first()
        if recorded is not None and recorded != last.chain_hash:
            logger.error("audit checkpoint not published: seal %s differs from its checkpoint", last.sequence)
            return None
        elapsed = (now - last.published_at).total_seconds()
        due = (
            sequence - last.sequence >= settings.AUDIT_CHECKPOINT_EVERY_SEALS
            or elapsed >= settings.AUDIT_CHECKPOINT_EVERY_SECONDS
        )
        if not (due or force):
            return None
    if sequence == 0:
        return None
    store.put(public_key_name(keys), keys.public_key_pem)  # once per key; beside the checkpoints
    name = checkpoint_name(sequence)
    if not store.put(name, checkpoint_document(keys, sequence=sequence, chain_hash=chain_hash, published_at=now)):
        return None  # another process published this head first
    return Checkpoint(sequence, chain_hash, now, name)
