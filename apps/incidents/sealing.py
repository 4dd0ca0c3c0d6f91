"""Seals of evidence snapshots: an Ed25519 signature over the snapshot's SHA-256, the way the audit chain
signs its checkpoints (apps/audit/checkpoints.py): a random secret kept in the database only wrapped by the
master key (keyring's sealed secrets, purpose "incident-evidence-seal"), and the signing key derived from it
with HKDF-SHA256. Someone who can write the database and the media directory but does not hold
DBSBM_MASTER_KEY cannot forge a sealed snapshot; anyone with the public key (carried in the seal, and named
by its key id) can check one without the portal.
"""

import base64
import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from apps.core.storage.digests import canonical_json
from apps.keyring.services import sealed_secret_create, sealed_secret_get

SECRET_PURPOSE = "incident-evidence-seal"  # noqa: S105 (the name of the secret, not a secret)
FORMAT = "dbsbm-incident-snapshot/1"


@lru_cache(maxsize=2)
def _derive(secret: bytes) -> Ed25519PrivateKey:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dbsbm-incident-evidence", info=b"seal ed25519 v1")
    return Ed25519PrivateKey.from_private_bytes(raw.derive(secret))


def _signing_key() -> Ed25519PrivateKey:
    unwrapped = sealed_secret_get(purpose=SECRET_PURPOSE)
    if unwrapped is None:
        try:
            with transaction.atomic():
                unwrapped = sealed_secret_create(purpose=SECRET_PURPOSE)
        except IntegrityError:  # another process created it first
            unwrapped = sealed_secret_get(purpose=SECRET_PURPOSE)
    return _derive(unwrapped.secret)


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(public_key)).hexdigest()[:16]


def _encode(value: Any) -> bytes:
    return canonical_json(value, encoder=DjangoJSONEncoder)


def seal_snapshot(snapshot: dict[str, Any], *, sealed_at: datetime) -> bytes:
    """The sealed document's bytes: {"snapshot": …, "seal": {format, snapshot_sha256, sealed_at, key_id,
    public_key, signature}}; the signature covers the seal's other fields (canonical JSON)."""
    private_key = _signing_key()
    body = _encode(snapshot)
    signed = {
        "format": FORMAT,
        "snapshot_sha256": hashlib.sha256(body).hexdigest(),
        "sealed_at": sealed_at.astimezone(UTC).isoformat(),
        "key_id": key_id(private_key.public_key()),
        "public_key": base64.b64encode(_raw_public(private_key.public_key())).decode(),
    }
    signature = base64.b64encode(private_key.sign(canonical_json(signed))).decode()
    return _encode({"snapshot": snapshot, "seal": {**signed, "signature": signature}})


def seal_verify(document: bytes) -> bool:
    """True when the document's snapshot matches its sealed hash and the signature verifies under this
    platform's seal key."""
    try:
        parsed = json.loads(document)
        seal = dict(parsed["seal"])
        signature = base64.b64decode(seal.pop("signature"))
        expected_key = _signing_key().public_key()
        if seal["key_id"] != key_id(expected_key):
            return False
        expected_key.verify(signature, canonical_json(seal))
        return hashlib.sha256(_encode(parsed["snapshot"])).hexdigest() == seal["snapshot_sha256"]
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return False
